"""The studio window under a real X server (pytest-xvfb): demo opens, preview draws with the
shared renderer, sliders act on the preview, drops load files, playback advances the face."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from conftest import REPO

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def preview_pixels(window) -> np.ndarray:
    img = window.preview.grabFramebuffer().convertToFormat(window.preview.grabFramebuffer().Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


EYES = [33, 263, 159, 386, 145, 374]
MOUTH = [61, 291, 0, 17, 13, 14]
FACE_SIDES = [234, 454, 152, 10]
FOREHEAD = [10, 151]


def landmark_box(window, pixels, points, pad=12):
    """The region around these Face Mesh landmarks of the avatar, in preview pixels (fitted viewport)."""
    r = window.preview._renderer
    x, y, w, h = window.preview._viewport()
    s = w / r.size[0]
    pts = r.avatar.landmarks[points, :2] * s + np.array([x, pixels.shape[0] - y - h])
    (x0, y0), (x1, y1) = pts.min(0) - pad, pts.max(0) + pad
    return slice(max(0, int(y0)), int(y1)), slice(max(0, int(x0)), int(x1))


def eye_box(window, pixels):
    return landmark_box(window, pixels, EYES)


def settle(window, qtbot):
    """Wait until the newest frame asked of the motion thread is on screen."""
    qtbot.waitUntil(window.settled, timeout=10_000)
    return preview_pixels(window)


def change(before, after):
    return np.abs(after.astype(int) - before.astype(int)).sum(2)


def test_opens_on_the_demo_portrait_and_voice(studio_window):
    pixels = preview_pixels(studio_window)
    assert studio_window.speech_label.text().startswith("demo_voice.wav")
    # The portrait fills the middle of the preview: not the empty background colour.
    h, w, _ = pixels.shape
    centre = pixels[h // 3: 2 * h // 3, w // 3: 2 * w // 3].astype(int)
    assert centre.std() > 20 and np.abs(centre - np.array([28, 28, 31])).sum(2).mean() > 40


@pytest.mark.parametrize("key, value, shown", [("gazeYaw", 18, "+18°"), ("gazePitch", 10, "+10°")])
def test_gaze_sliders_move_the_eyes_and_only_the_eyes(studio_window, qtbot, key, value, shown):
    before = settle(studio_window, qtbot)
    studio_window.controls.slider(key).setValue(value)
    after = settle(studio_window, qtbot)
    assert shown in [l.text() for l in studio_window.controls.findChildren(type(studio_window.speech_label))]
    diff = change(before, after)
    eyes = landmark_box(studio_window, before, EYES, pad=20)  # the lids follow the gaze up and down
    assert diff[eyes].max() > 60
    outside = diff.copy()
    outside[eyes] = 0
    assert outside.max() < 30


def test_distance_slider_scales_the_whole_head(studio_window, qtbot):
    before = settle(studio_window, qtbot)
    studio_window.controls.set_value("headDistance", 1.2)
    after = settle(studio_window, qtbot)
    diff = change(before, after)
    for side in ([234], [454], [152], [10]):  # the face's outline moves on every side
        assert diff[landmark_box(studio_window, before, side, pad=10)].max() > 60
    assert "1.20×" in [l.text() for l in studio_window.controls.findChildren(type(studio_window.speech_label))]


def test_emotion_changes_the_mouth_not_the_forehead(studio_window, qtbot):
    before = settle(studio_window, qtbot)
    studio_window.controls.set_emotion("happy")
    studio_window.controls.set_value("emotionStrength", 1.0)
    after = settle(studio_window, qtbot)
    diff = change(before, after)
    assert diff[landmark_box(studio_window, before, MOUTH)].max() > 60
    assert diff[landmark_box(studio_window, before, FOREHEAD, pad=8)].max() < 30


def seek_to(window, qtbot, seconds):
    window.seek(seconds)
    return settle(window, qtbot)


def test_head_motion_slider_regenerates_the_motion_live(studio_window, qtbot):
    w = studio_window
    yaw = w.motion.track.channel("headYaw")
    t = float(np.argmax(np.abs(yaw - yaw[0]))) / w.motion.track.fps  # where the head has turned most
    before = seek_to(w, qtbot, t)
    w.controls.set_value("motionScale", 0.0)
    qtbot.waitUntil(lambda: np.ptp(w.motion.track.channel("headYaw")) < 1e-4, timeout=10_000)
    after = settle(w, qtbot)
    assert np.ptp(w.motion.track.channel("headPitch")) < 1e-4  # no nods or sway left
    assert change(before, after)[landmark_box(w, before, FACE_SIDES)].max() > 60
    assert np.ptp(w.timeline.curves["headYaw"].getData()[1]) < 1e-4  # the timeline shows the new motion


def test_expressiveness_slider_scales_the_lips(studio_window, qtbot):
    w = studio_window
    jaw = w.motion.track.channel("jawOpen")
    before = seek_to(w, qtbot, float(np.argmax(jaw)) / w.motion.track.fps)
    w.controls.set_value("expressiveness", 0.0)
    qtbot.waitUntil(lambda: w.motion.track.channel("jawOpen").max() < 0.5 * jaw.max(), timeout=10_000)
    after = settle(w, qtbot)
    assert change(before, after)[landmark_box(w, before, MOUTH)].max() > 60


def test_blink_rate_slider(studio_window, qtbot):
    w = studio_window
    blink = w.motion.track.channel("eyeBlinkLeft")
    assert blink.max() > 0.8
    before = seek_to(w, qtbot, float(np.argmax(blink)) / w.motion.track.fps)
    w.controls.set_value("blinkRate", 0)
    qtbot.waitUntil(lambda: w.motion.track.channel("eyeBlinkLeft").max() < 0.01, timeout=10_000)
    after = settle(w, qtbot)
    diff = change(before, after)
    assert diff[eye_box(w, before)].max() > 60  # the closed eyes open
    assert diff[landmark_box(w, before, MOUTH)].max() < 30  # nothing else changed
    assert "0 /min" in [l.text() for l in w.controls.findChildren(type(w.speech_label))]


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


def test_dropping_speech_loads_it_onto_the_timeline(studio_window, qtbot, tmp_path):
    from inference.audio.tts import synthesize
    from studio.microphone import write_wav

    clip, _ = synthesize("Good morning, this is a test of the studio.")
    path = tmp_path / "morning.wav"
    write_wav(path, clip.samples, clip.sample_rate)
    old_track = studio_window.motion.track
    drop(studio_window, path)
    qtbot.waitUntil(lambda: studio_window.speech_label.text().startswith("morning.wav"), timeout=30_000)
    qtbot.waitUntil(lambda: studio_window.motion.track is not old_track, timeout=10_000)
    assert studio_window.timeline.duration == pytest.approx(clip.duration, abs=0.05)
    assert studio_window.motion.track.duration == pytest.approx(clip.duration, abs=0.1)
    assert studio_window.player.clip.duration == pytest.approx(clip.duration, abs=0.05)


def test_a_typed_script_is_spoken_and_drives_the_face(studio_window, qtbot):
    w = studio_window
    w.sources.setCurrentIndex(1)
    w.sources.script.setPlainText("Open your mouth wide and say ah.")
    qtbot.mouseClick(w.sources.speak_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.speech_label.text().startswith("Script"), timeout=30_000)
    assert {p.label.rstrip("012") for p in w.speech.phones} >= {"AA", "M", "W"}
    qtbot.waitUntil(lambda: w.motion.track is not None and abs(w.motion.track.duration - w.speech.duration) < 0.1,
                    timeout=10_000)
    assert w.motion.track.channel("jawOpen").max() > 0.3


def test_an_empty_script_gets_a_dialog(studio_window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr("studio.app.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    studio_window.sources.script.setPlainText("   ")
    qtbot.mouseClick(studio_window.sources.speak_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "script is empty" in shown[0]
    assert studio_window.speech_label.text().startswith("demo_voice.wav")  # the old speech stays


def test_a_microphone_recording_becomes_the_speech(studio_window, qtbot, tmp_path):
    import shutil

    recording = tmp_path / "recording-20261123-120000.wav"
    shutil.copy(REPO / "assets" / "demo_voice.wav", recording)
    studio_window.sources.microphone.recorded.emit(recording)
    qtbot.waitUntil(lambda: studio_window.speech_label.text().startswith(recording.name) and not studio_window._jobs,
                    timeout=30_000)


def test_clicking_the_timeline_seeks(studio_window, qtbot):
    tl = studio_window.timeline
    vb = tl.motion_plot.vb
    view = tl.findChild(__import__("pyqtgraph").GraphicsView)
    scene_point = vb.mapViewToScene(QPointF(3.0, 0.5))
    point = view.mapFromScene(scene_point)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: abs(studio_window.player.position() - 3.0) < 0.1, timeout=5000)
    before = settle(studio_window, qtbot)
    assert studio_window.time_label.text() == "0:03.0"
    assert studio_window.preview.drawn_tag == studio_window._asked and before is not None


def export_dialog(window, path, size_index=0):
    window.ask_export()
    dialog = window.export_dialog
    dialog.path_edit.setText(str(path))
    dialog.size_box.setCurrentIndex(size_index)
    return dialog


def test_export_writes_a_marked_video_of_the_speech(studio_window, qtbot, tmp_path):
    from inference.export import probe_media

    out = tmp_path / "out"
    out.mkdir()
    studio_window.controls.set_value("gazeYaw", 12)
    dialog = export_dialog(studio_window, out / "clip.mp4")
    with qtbot.waitSignal(dialog.finished_export, timeout=120_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    info = probe_media(out / "clip.mp4")
    assert (info["width"], info["height"]) == (256, 256)
    assert info["frames"] == pytest.approx(studio_window.speech.duration * 25, abs=2)
    assert info["audio_duration"] == pytest.approx(studio_window.speech.duration, abs=0.1)
    assert "Synthetic" in info["metadata"].get("comment", "")
    assert [p.name for p in out.iterdir()] == ["clip.mp4"]
    assert dialog.job.controls.gaze_yaw.values == (12.0,)  # what the panel showed is what was exported
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() and "Saved" in dialog.stage_label.text()
    dialog.close()


def test_cancelling_an_export_leaves_nothing(studio_window, qtbot, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog = export_dialog(studio_window, out / "never.mp4", size_index=3)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress_bar.maximum() > 1 and dialog.progress_bar.value() >= 5, timeout=60_000)
    drawn = studio_window.preview.frames_drawn
    studio_window.toggle_play()  # the studio stays usable while it exports
    qtbot.waitUntil(lambda: studio_window.preview.frames_drawn > drawn + 3, timeout=10_000)
    studio_window.toggle_play()
    with qtbot.waitSignal(dialog.job.cancelled, timeout=30_000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert list(out.iterdir()) == []
    assert "Cancelled" in dialog.stage_label.text()
    dialog.close()


def test_export_refuses_a_bad_file_name(studio_window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("studio.export.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    dialog = export_dialog(studio_window, tmp_path / "clip.avi")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert shown and ".mp4" in shown[0] and dialog.job is None
    dialog.close()


def test_qt_calls_keep_none_alive(qtbot):
    """PySide6 6.12.0 released a reference to None on each call of a void method, so the studio
    aborted ("deallocating None") after some minutes of use on Python 3.11. Guards the pin."""
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.update()
    assert abs(sys.getrefcount(None) - before) < 100


def test_control_changes_undo_and_redo_as_whole_gestures(studio_window, qtbot):
    w = studio_window
    panel = w.controls
    for v in range(1, 16):  # one drag: many values in quick succession
        panel.slider("gazeYaw").setValue(v)
    panel.commit()  # the drag settled
    panel.set_emotion("sad")
    panel.commit()
    assert panel.undo_stack.count() == 2
    assert "gaze" in panel.undo_stack.text(0).lower() or "left / right" in panel.undo_stack.text(0).lower()
    panel.undo_stack.undo()
    assert panel.emotion() == "neutral" and panel.values()["gazeYaw"] == 15
    panel.undo_stack.undo()
    assert panel.values()["gazeYaw"] == 0
    after_undo = settle(w, qtbot)
    panel.undo_stack.redo()
    assert panel.values()["gazeYaw"] == 15 and panel.undo_stack.count() == 2  # redo recorded no new step
    redone = settle(w, qtbot)
    assert change(after_undo, redone)[eye_box(w, redone)].max() > 60  # and the preview follows
    panel.reset_all()
    assert panel.values()["gazeYaw"] == 0 and panel.emotion() == "neutral"
    panel.undo_stack.undo()
    assert panel.values()["gazeYaw"] == 15
