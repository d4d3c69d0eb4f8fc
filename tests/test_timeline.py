"""The timeline widget: waveform envelope, phone strip, motion curves, playhead and seeking."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from inference.audio.speech import Phone  # noqa: E402
from inference.motion.track import MotionTrack  # noqa: E402
from inference.motion.visemes import shape_of  # noqa: E402
from studio.timeline import ENVELOPE_COLUMNS, Timeline, envelope, format_time  # noqa: E402

RATE = 48000  # Hz
PHONES = [
    Phone("SIL", 0.0, 1.0),
    Phone("M", 1.0, 1.2),
    Phone("AA1", 1.2, 1.6),
    Phone("S", 1.6, 2.0),
    Phone("SIL", 2.0, 3.0),
]


def burst_signal() -> np.ndarray:
    """3 s: near silence, then a loud 3 kHz tone (several periods per envelope column) from 1 s to 2 s, then near silence."""
    t = np.arange(3 * RATE) / RATE
    samples = 0.001 * np.sin(2 * np.pi * 50 * t)
    loud = (t >= 1.0) & (t < 2.0)
    samples[loud] = 0.9 * np.sin(2 * np.pi * 3000 * t[loud])
    return samples.astype(np.float32)


@pytest.fixture
def timeline(qtbot):
    widget = Timeline()
    qtbot.addWidget(widget)
    widget.resize(800, 190)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def loaded(timeline):
    timeline.set_speech(burst_signal(), RATE, PHONES)
    return timeline


def view_pixel(widget: Timeline, plot, seconds: float, y: float) -> QPoint:
    """The viewport pixel that shows (seconds, y) in `plot`."""
    scene = plot.vb.mapViewToScene(QPointF(seconds, y))
    return widget.view.mapFromScene(scene)


def phone_blocks(widget: Timeline) -> list[tuple[str, float, float]]:
    """(shape, start s, end s) of every drawn phone block, by start."""
    blocks = []
    for shape, bars in widget._phone_bars.items():
        for x0, w in zip(np.atleast_1d(bars.opts["x0"]), np.atleast_1d(bars.opts["width"])):
            blocks.append((shape, float(x0), float(x0 + w)))
    return sorted(blocks, key=lambda b: b[1])


def test_envelope_keeps_peaks_and_bounds_columns():
    samples = np.zeros(1_000_003, np.float32)
    samples[123_457] = 0.75
    samples[999_999] = -0.5
    lows, highs, per = envelope(samples)
    assert len(lows) == len(highs) <= ENVELOPE_COLUMNS
    assert per * len(lows) >= len(samples) > per * (len(lows) - 1)
    assert highs.max() == pytest.approx(0.75) and highs.argmax() == 123_457 // per
    assert lows.min() == pytest.approx(-0.5) and lows.argmin() == 999_999 // per


def test_waveform_is_a_bounded_envelope_loud_only_in_the_burst(loaded):
    x, highs = loaded.wave_high.getOriginalDataset()
    _, lows = loaded.wave_low.getOriginalDataset()
    assert 100 < len(x) <= ENVELOPE_COLUMNS
    assert x[0] >= 0 and x[-1] <= 3.0 + 1e-9
    assert loaded.duration == pytest.approx(3.0)
    loud = (x > 1.01) & (x < 1.99)
    quiet = (x < 0.99) | (x > 2.01)
    assert highs[loud].min() > 0.8 and lows[loud].max() < -0.8
    assert np.abs(highs[quiet]).max() < 0.01 and np.abs(lows[quiet]).max() < 0.01
    # The row's y range follows the loudest peak, so the burst fills it.
    low, high = loaded.wave_plot.vb.viewRange()[1]
    assert high == pytest.approx(-low) and 0.9 <= high < 1.0


def test_phone_strip_has_one_block_per_spoken_phone(loaded):
    blocks = phone_blocks(loaded)
    spoken = [p for p in PHONES if p.label != "SIL"]
    assert [(s, round(a, 6), round(b, 6)) for s, a, b in blocks] == [
        (shape_of(p.label), p.start, p.end) for p in spoken
    ]
    # Labels without the stress digit, centred on their block.
    labels = sorted((item.pos().x(), item.textItem.toPlainText()) for item, _, _ in loaded._labels)
    assert [t for _, t in labels] == ["M", "AA", "S"]
    assert [x for x, _ in labels] == pytest.approx([1.1, 1.4, 1.8])


def test_many_phones_are_coloured_without_labels(timeline):
    phones = [Phone("AA1" if k % 2 else "T", k * 0.1, k * 0.1 + 0.1) for k in range(1000)]
    timeline.set_speech(np.zeros(100 * RATE // 10, np.float32), RATE // 10, phones)
    assert sum(len(np.atleast_1d(b.opts["x0"])) for b in timeline._phone_bars.values()) == 1000
    assert set(timeline._phone_bars) == {"open", "alveolar"}
    assert timeline._labels == []


def test_set_speech_shows_the_whole_clip_and_resets_zoom(loaded):
    loaded.wave_plot.setXRange(1.0, 1.5, padding=0)
    loaded.set_speech(burst_signal()[: 2 * RATE], RATE, PHONES[:3])
    for plot in loaded.plots:
        assert plot.vb.viewRange()[0] == pytest.approx([0.0, 2.0], abs=1e-6)
    assert loaded.duration == pytest.approx(2.0)


def test_rows_share_x_and_line_up(loaded):
    loaded.wave_plot.setXRange(0.5, 1.5, padding=0)
    lefts = {round(p.vb.sceneBoundingRect().left()) for p in loaded.plots}
    rights = {round(p.vb.sceneBoundingRect().right()) for p in loaded.plots}
    assert len(lefts) == 1 and len(rights) == 1
    for plot in loaded.plots:
        assert plot.vb.viewRange()[0] == pytest.approx([0.5, 1.5], abs=1e-6)
    assert not loaded.wave_plot.getAxis("bottom").isVisible()
    assert not loaded.phone_plot.getAxis("bottom").isVisible()
    assert loaded.motion_plot.getAxis("bottom").isVisible()
    assert loaded.height() == 190


def test_click_seeks_to_the_clicked_time(qtbot, loaded):
    pixel = view_pixel(loaded, loaded.wave_plot, 2.0, 0.0)
    with qtbot.waitSignal(loaded.seek_requested, timeout=2000) as blocker:
        qtbot.mouseClick(loaded.view.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    seconds_per_px = 3.0 / loaded.wave_plot.vb.width()
    assert blocker.args[0] == pytest.approx(2.0, abs=1.5 * seconds_per_px)
    assert loaded.playheads[0].value() == pytest.approx(blocker.args[0])


def test_click_left_of_the_plots_clamps_to_zero(qtbot, loaded):
    pixel = view_pixel(loaded, loaded.motion_plot, 0.0, 0.0) - QPoint(20, 0)  # on the left axis
    with qtbot.waitSignal(loaded.seek_requested, timeout=2000) as blocker:
        qtbot.mouseClick(loaded.view.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    assert blocker.args[0] == 0.0


def test_clicks_are_ignored_without_speech(qtbot, timeline):
    pixel = view_pixel(timeline, timeline.wave_plot, 0.5, 0.0)
    with qtbot.assertNotEmitted(timeline.seek_requested, wait=100):
        qtbot.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    assert timeline.duration == 0.0


def test_right_click_does_not_seek(qtbot, loaded):
    pixel = view_pixel(loaded, loaded.wave_plot, 2.0, 0.0)
    with qtbot.assertNotEmitted(loaded.seek_requested, wait=100):
        qtbot.mouseClick(loaded.view.viewport(), Qt.MouseButton.RightButton, pos=pixel)


def send_mouse(widget, kind: QEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    """QTest's mouseMove carries no buttons in Qt 6, so drags are sent as plain events."""
    local = QPointF(pos)
    event = QMouseEvent(kind, local, widget.mapToGlobal(local), Qt.MouseButton.LeftButton, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_dragging_the_playhead_seeks(qtbot, loaded):
    loaded.set_time(1.0)
    plot, viewport = loaded.phone_plot, loaded.view.viewport()
    start = view_pixel(loaded, plot, 1.0, 0.5)
    left = Qt.MouseButton.LeftButton
    seeks: list[float] = []
    loaded.seek_requested.connect(seeks.append)
    send_mouse(viewport, QEvent.Type.MouseMove, start, Qt.MouseButton.NoButton)  # hover: the line takes the drag
    send_mouse(viewport, QEvent.Type.MouseButtonPress, start, left)
    for k in range(1, 11):
        send_mouse(viewport, QEvent.Type.MouseMove, view_pixel(loaded, plot, 1.0 + 0.1 * k, 0.5), left)
        qtbot.wait(20)  # pyqtgraph drops mouse moves closer together than its rate limit
        if seeks:  # once the drag has begun, playback ticking must not pull the playhead back
            loaded.set_time(0.5)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, view_pixel(loaded, plot, 2.0, 0.5), Qt.MouseButton.NoButton)
    seconds_per_px = 3.0 / plot.vb.width()
    assert len(seeks) >= 2 and seeks == sorted(seeks)
    assert seeks[-1] == pytest.approx(2.0, abs=2 * seconds_per_px)
    # Every row's playhead follows the dragged one.
    assert [line.value() for line in loaded.playheads] == pytest.approx([seeks[-1]] * 3)
    # The drag moved the playhead, not the view.
    assert plot.vb.viewRange()[0] == pytest.approx([0.0, 3.0], abs=1e-6)


def test_set_time_moves_every_playhead_without_seeking(qtbot, loaded):
    with qtbot.assertNotEmitted(loaded.seek_requested, wait=50):
        loaded.set_time(1.25)
    assert [line.value() for line in loaded.playheads] == [1.25, 1.25, 1.25]
    assert all(line.scene() is loaded.view.scene() for line in loaded.playheads)


def test_set_track_plots_scaled_channels(loaded):
    n, fps = 75, 25.0
    t = np.arange(n) / fps
    track = MotionTrack.from_channels(fps, {
        "jawOpen": 0.5 + 0.5 * np.sin(t),
        "headYaw": 12.0 * np.sin(2 * t),
        "headPitch": -4.0 * np.cos(t),
        "eyeBlinkLeft": (t % 1.0 < 0.1).astype(np.float32),
    })
    loaded.set_track(track)
    for channel, divisor in (("jawOpen", 1), ("headYaw", 10), ("headPitch", 10), ("eyeBlinkLeft", 1)):
        x, y = loaded.curves[channel].getOriginalDataset()
        assert x == pytest.approx(t)
        assert y == pytest.approx(track.channel(channel) / divisor, abs=1e-6)
    # The y range holds every curve: head yaw reaches 1.2 after dividing by 10.
    low, high = loaded.motion_plot.vb.viewRange()[1]
    assert low < -0.4 and high > 1.2
    legend = [label.text for _, label in loaded.legend.items]
    assert legend == ["jaw open", "head yaw (°/10)", "head pitch (°/10)", "blink"]
    assert loaded.legend.isVisible()

    loaded.set_track(None)
    assert all(len(c.getOriginalDataset()[0] or []) == 0 for c in loaded.curves.values())
    assert not loaded.legend.isVisible()


def test_clear_empties_everything(loaded):
    loaded.set_track(MotionTrack.neutral(10))
    loaded.set_time(2.0)
    loaded.clear()
    assert loaded.duration == 0.0
    assert loaded._phone_bars == {} and loaded._labels == []
    assert len(loaded.wave_high.getOriginalDataset()[0] or []) == 0
    assert [line.value() for line in loaded.playheads] == [0.0, 0.0, 0.0]
    phone_items = [i for i in loaded.phone_plot.items if not hasattr(i, "sigDragged")]
    assert phone_items == []


def test_long_recording_loads_as_a_bounded_envelope(timeline):
    rate = 16000  # Hz: an hour is 57.6 M samples (230 MB of float32)
    rng = np.random.default_rng(0)
    samples = np.zeros(3600 * rate, np.float32)
    samples[:: 997] = rng.uniform(-0.2, 0.2, len(samples[:: 997])).astype(np.float32)
    samples[1800 * rate] = 0.95  # one click half way
    phones = [Phone("AA1", k * 0.5, k * 0.5 + 0.3) for k in range(7200)]
    timeline.set_speech(samples, rate, phones)
    x, highs = timeline.wave_high.getOriginalDataset()
    assert len(x) <= ENVELOPE_COLUMNS
    assert highs.max() == pytest.approx(0.95) and x[highs.argmax()] == pytest.approx(1800, abs=1.0)
    assert timeline.duration == pytest.approx(3600.0)
    assert timeline.wave_plot.vb.viewRange()[0] == pytest.approx([0.0, 3600.0], abs=1e-3)
    assert timeline._labels == []  # 7200 phones: colour only


@pytest.mark.parametrize("seconds, spacing, minutes, text", [
    (2.5, 0.5, False, "2.5 s"), (3.0, 1.0, False, "3 s"), (0.25, 0.25, False, "0.25 s"),
    (50.0, 50.0, True, "0:50"), (65.0, 5.0, True, "1:05"), (125.5, 0.5, True, "2:05.5"),
    (3600.0, 600.0, True, "60:00"),
])
def test_time_tick_labels(seconds, spacing, minutes, text):
    assert format_time(seconds, spacing, minutes) == text


def test_time_axis_switches_to_minutes_for_the_whole_axis(loaded):
    axis = loaded.motion_plot.getAxis("bottom")
    assert axis.tickStrings([1.0, 2.0], 1.0, 1.0) == ["1 s", "2 s"]
    assert axis.tickStrings([50.0, 100.0], 1.0, 50.0) == ["0:50", "1:40"]
