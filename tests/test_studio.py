"""The studio window under a real X server (pytest-xvfb): demo opens, preview draws with the
shared renderer, sliders act on the preview, drops load files, playback advances the face."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from conftest import REPO

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def preview_pixels(window) -> np.ndarray:
    img = window.preview.grabFramebuffer().convertToFormat(window.preview.grabFramebuffer().Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def eye_box(window, pixels):
    """The eyes' region in preview pixels, from the avatar's landmarks and the fitted viewport."""
    r = window.preview._renderer
    x, y, w, h = window.preview._viewport()
    s = w / r.size[0]
    lm = r.avatar.landmarks
    pts = lm[[33, 263, 159, 386], :2] * s + np.array([x, pixels.shape[0] - y - h])
    (x0, y0), (x1, y1) = pts.min(0) - 12, pts.max(0) + 12
    return slice(int(y0), int(y1)), slice(int(x0), int(x1))


def test_opens_on_the_demo_portrait_and_voice(studio_window):
    pixels = preview_pixels(studio_window)
    assert studio_window.speech_label.text().startswith("demo_voice.wav")
    # The portrait fills the middle of the preview: not the empty background colour.
    h, w, _ = pixels.shape
    centre = pixels[h // 3: 2 * h // 3, w // 3: 2 * w // 3].astype(int)
    assert centre.std() > 20 and np.abs(centre - np.array([28, 28, 31])).sum(2).mean() > 40


def test_gaze_slider_moves_the_eyes_and_only_the_eyes(studio_window, qtbot):
    before = preview_pixels(studio_window)
    drawn = studio_window.preview.frames_drawn
    studio_window.controls.slider("gazeYaw").setValue(18)
    qtbot.waitUntil(lambda: studio_window.preview.frames_drawn > drawn, timeout=5000)
    after = preview_pixels(studio_window)
    assert "+18°" in [l.text() for l in studio_window.controls.findChildren(type(studio_window.speech_label))]
    diff = np.abs(after.astype(int) - before.astype(int)).sum(2)
    eyes = eye_box(studio_window, before)
    assert diff[eyes].max() > 60
    outside = diff.copy()
    outside[eyes] = 0
    assert outside.max() < 30


def test_reset_button_returns_the_slider_to_default(studio_window, qtbot):
    studio_window.controls.slider("headDistance").setValue(120)
    qtbot.mouseClick(studio_window.controls.findChild(type(studio_window.stop_button).__base__, "reset_headDistance"), Qt.MouseButton.LeftButton)
    assert studio_window.controls.values()["headDistance"] == pytest.approx(1.0)


def test_play_advances_the_clock_and_animates_the_mouth(studio_window, qtbot):
    still = preview_pixels(studio_window)
    qtbot.mouseClick(studio_window.play_button, Qt.MouseButton.LeftButton)
    assert studio_window.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: studio_window.player.position() > 1.0, timeout=10_000)
    moving = preview_pixels(studio_window)
    assert np.abs(moving.astype(int) - still.astype(int)).sum(2).max() > 60
    qtbot.mouseClick(studio_window.play_button, Qt.MouseButton.LeftButton)
    t = studio_window.player.position()
    qtbot.wait(300)
    assert studio_window.player.position() == pytest.approx(t)  # paused: the clock holds


def drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_dropping_a_portrait_loads_it(studio_window, qtbot, tmp_path):
    src = Image.open(REPO / "assets" / "demo_portrait.png").convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    path = tmp_path / "mirrored.jpg"
    src.save(path, quality=92)
    drop(studio_window, path)
    qtbot.waitUntil(lambda: not studio_window._jobs and "mirrored.jpg" in studio_window.statusBar().currentMessage(), timeout=30_000)
    qtbot.waitUntil(lambda: studio_window.preview._renderer is not None and studio_window.preview._renderer.avatar.source.endswith("mirrored.jpg"), timeout=5000)


def test_a_photo_without_a_face_gets_a_dialog(studio_window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("studio.app.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    path = tmp_path / "wall.png"
    Image.fromarray(np.full((300, 300, 3), 180, np.uint8)).save(path)
    drop(studio_window, path)
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "no face found" in shown[0]


def test_a_newer_portrait_wins_over_a_slower_older_one(studio_window, qtbot, tmp_path):
    first = tmp_path / "first.png"
    second = tmp_path / "second.png"
    img = Image.open(REPO / "assets" / "demo_portrait.png").convert("RGB")
    img.save(first)
    img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(second)
    drop(studio_window, first)
    drop(studio_window, second)  # supersedes the first while it may still be running
    qtbot.waitUntil(lambda: not studio_window._jobs and not studio_window._retired, timeout=30_000)
    qtbot.waitUntil(lambda: studio_window.preview._renderer is not None
                    and studio_window.preview._renderer.avatar.source.endswith("second.png"), timeout=5000)


def test_the_next_start_restores_portrait_speech_sliders_and_recent_files(studio_window, qtbot, tmp_path):
    from studio.app import MainWindow

    src = Image.open(REPO / "assets" / "demo_portrait.png").convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    photo = tmp_path / "mirrored.jpg"
    src.save(photo, quality=92)
    drop(studio_window, photo)
    qtbot.waitUntil(lambda: not studio_window._jobs and studio_window.preview._renderer.avatar.source.endswith("mirrored.jpg"),
                    timeout=30_000)
    studio_window.controls.set_value("headDistance", 1.2)
    studio_window.controls.set_value("gazeYaw", -10.0)
    studio_window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: not again._jobs and again.preview._renderer is not None and again.player.clip is not None,
                    timeout=30_000)
    try:
        assert again.preview._renderer.avatar.source.endswith("mirrored.jpg")
        assert again.speech_label.text().startswith("demo_voice.wav")
        assert again.controls.values()["headDistance"] == pytest.approx(1.2)
        assert again.controls.values()["gazeYaw"] == pytest.approx(-10.0)
        again._fill_recent()
        names = [a.text() for a in again.recent_menu.actions()]
        assert names[:2] == ["mirrored.jpg", "demo_voice.wav"] or names[:2] == ["demo_voice.wav", "mirrored.jpg"]
        assert "demo_portrait.png" in names
    finally:
        again.close()
