"""The microphone panel against a fake `sounddevice`: this machine has no audio devices, so a
Python thread plays a known signal (440 Hz sine, amplitude 0.5) into the panel's callback in
1024-sample blocks at real-time pace."""

from __future__ import annotations

import re
import sys
import threading
import time
import types
import wave

import numpy as np
import pytest
from PySide6.QtCore import Qt

from studio import microphone
from studio.microphone import MicrophonePanel

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

MIC = {"name": "Headset Mic", "max_input_channels": 1, "default_samplerate": 48000.0}
USB = {"name": "USB Mic", "max_input_channels": 2, "default_samplerate": 44100.0}
SPEAKERS = {"name": "Speakers", "max_input_channels": 0, "default_samplerate": 48000.0}
HDMI = {"name": "HDMI Out", "max_input_channels": 0, "default_samplerate": 48000.0}


class PortAudioError(Exception):
    pass


class FakeInputStream:
    """Calls `callback` from its own thread with blocks of `owner.amplitude * sin(2π·440·t)`."""

    def __init__(self, owner, *, device, channels, samplerate, dtype, blocksize, callback, **_):
        if owner.open_error is not None:
            raise owner.open_error
        assert dtype == "float32"
        self.device, self.channels, self.samplerate = device, channels, samplerate
        self.blocksize, self.callback, self.owner = blocksize, callback, owner
        self._quit = threading.Event()
        self.thread: threading.Thread | None = None
        owner.streams.append(self)

    @property
    def active(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._play, name="fake-mic", daemon=True)
        self.thread.start()

    def _play(self) -> None:
        start, n = time.monotonic(), 0  # n: samples delivered, so the sine's phase is continuous
        while not self._quit.is_set():
            t = (n + np.arange(self.blocksize)) / self.samplerate
            block = (self.owner.amplitude * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
            self.callback(np.repeat(block[:, None], self.channels, axis=1), self.blocksize, None, None)
            n += self.blocksize
            # Sleep until this block's real-time end (absolute schedule: no drift).
            self._quit.wait(max(0.0, start + n / self.samplerate - time.monotonic()))

    def stop(self) -> None:
        self._quit.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
            assert not self.thread.is_alive()

    def close(self) -> None:
        self.stop()

    unplug = stop  # the device vanishes: the callbacks end and `active` turns False


def make_fake(devices, default_input: int):
    """A stand-in `sounddevice` module; its attributes can be changed mid-test."""
    fake = types.ModuleType("sounddevice")
    fake.devices = list(devices)
    fake.query_error = None
    fake.open_error = None
    fake.amplitude = 0.5
    fake.streams = []
    fake.PortAudioError = PortAudioError
    fake.default = types.SimpleNamespace(device=(default_input, default_input))

    def query_devices():
        if fake.query_error is not None:
            raise fake.query_error
        return list(fake.devices)

    fake.query_devices = query_devices
    fake.InputStream = lambda **kw: FakeInputStream(fake, **kw)
    return fake


@pytest.fixture
def fake_sd(monkeypatch):
    fake = make_fake([SPEAKERS, USB, HDMI, MIC], default_input=3)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    yield fake
    for stream in fake.streams:  # a test that leaves a fake mic thread running is a bug
        assert stream.thread is None or not stream.thread.is_alive(), "a stream was left open"


@pytest.fixture
def make_panel(qtbot, tmp_path):
    panels = []

    def make(show: bool = True) -> MicrophonePanel:
        panel = MicrophonePanel(tmp_path / "recordings")
        qtbot.addWidget(panel)
        panel.resize(360, 120)
        if show:
            panel.show()
            qtbot.waitExposed(panel)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.stop_all()
        panel.stop_all()  # idempotent


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def live_streams(fake) -> list[FakeInputStream]:
    return [s for s in fake.streams if s.active]


def test_lists_only_input_devices_and_selects_default(fake_sd, make_panel):
    panel = make_panel()
    assert [panel.devices.itemText(i) for i in range(panel.devices.count())] == ["USB Mic", "Headset Mic"]
    assert panel.devices.currentText() == "Headset Mic"
    assert panel.devices.currentData() == 3
    assert panel.record_button.isEnabled() and panel.record_button.text() == "Record"
    [stream] = live_streams(fake_sd)
    assert (stream.device, stream.channels, stream.samplerate) == (3, 1, 48000)


def test_meter_rises_to_sine_peak(fake_sd, qtbot, make_panel):
    panel = make_panel()
    assert (panel.meter.minimum(), panel.meter.maximum()) == (-60, 0)
    expected = 20 * np.log10(0.5)  # -6.02 dBFS
    qtbot.waitUntil(lambda: abs(panel.meter.value() - expected) <= 1, timeout=3000)
    qtbot.wait(300)  # holds there while the sine plays, does not drift to 0 or the floor
    assert abs(panel.meter.value() - expected) <= 1


def test_meter_decays_smoothly_when_signal_stops(fake_sd, qtbot, make_panel):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.meter.value() >= -7, timeout=3000)
    fake_sd.amplitude = 0.0
    qtbot.waitUntil(lambda: panel.meter.value() < -7, timeout=3000)
    assert panel.meter.value() > -60  # falls by ~1.5 dB per tick, not straight to the floor
    qtbot.waitUntil(lambda: panel.meter.value() == -60, timeout=3000)


def test_record_writes_sine_wav(fake_sd, qtbot, make_panel, tmp_path):
    panel = make_panel()
    folder = tmp_path / "recordings"
    with qtbot.waitSignal(panel.recorded, timeout=5000) as blocker:
        click(qtbot, panel.record_button)
        assert panel.record_button.text() == "Stop"
        assert not panel.devices.isEnabled()
        # bool(): waitUntil treats a callback returning None as an assertion that passed.
        qtbot.waitUntil(lambda: bool(re.fullmatch(r"Recording 0\.[5-9] s", panel.status.text())), timeout=2000)
        qtbot.wait(400)
        click(qtbot, panel.record_button)
    path = blocker.args[0]
    assert panel.record_button.text() == "Record"
    assert path.exists() and path.parent == folder
    assert re.fullmatch(r"recording-\d{8}-\d{6}\.wav", path.name)
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no temporary file left
    assert path.name in panel.status.text()

    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (48000, 1, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32767.0
    assert 0.8 <= len(samples) / 48000 <= 1.6
    assert abs(np.max(np.abs(samples)) - 0.5) < 0.01
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    peak_hz = np.argmax(spectrum) * 48000 / len(samples)
    assert abs(peak_hz - 440) < 3


def record_expecting_nothing(qtbot, panel, ms: int) -> None:
    """Record for `ms` milliseconds; the panel must not emit a recording."""
    with qtbot.assertNotEmitted(panel.recorded):
        click(qtbot, panel.record_button)
        qtbot.wait(ms)
        click(qtbot, panel.record_button)


def test_too_short_recording_emits_nothing(fake_sd, qtbot, make_panel, tmp_path):
    panel = make_panel()
    record_expecting_nothing(qtbot, panel, 150)
    assert "Too short" in panel.status.text()
    assert panel.record_button.text() == "Record"
    assert list((tmp_path / "recordings").iterdir()) == []


def test_silent_recording_emits_nothing(fake_sd, qtbot, make_panel, tmp_path):
    fake_sd.amplitude = 0.001  # -60 dBFS: below the silence threshold
    panel = make_panel()
    record_expecting_nothing(qtbot, panel, 800)
    assert "silence" in panel.status.text()
    assert list((tmp_path / "recordings").iterdir()) == []


def test_recording_stops_at_the_cap(fake_sd, qtbot, make_panel, monkeypatch):
    monkeypatch.setattr(microphone, "MAX_SECONDS", 1)  # the 10 min cap, shrunk to 1 s
    panel = make_panel()
    with qtbot.waitSignal(panel.recorded, timeout=5000) as blocker:
        click(qtbot, panel.record_button)
    assert "limit" in panel.status.text()
    assert panel.record_button.text() == "Record"
    with wave.open(str(blocker.args[0]), "rb") as w:
        assert w.getnframes() == 48000  # exactly the cap, the blocks past it dropped


def test_no_input_devices_disables_controls(fake_sd, qtbot, make_panel):
    fake_sd.devices = [SPEAKERS, HDMI]
    fake_sd.default.device = (-1, 0)
    panel = make_panel()
    assert panel.devices.count() == 0
    assert not panel.devices.isEnabled() and not panel.record_button.isEnabled()
    assert panel.status.text().startswith("No microphone found")
    assert live_streams(fake_sd) == []
    # Plugging one in and pressing ↻ brings the panel to life.
    fake_sd.devices = [SPEAKERS, MIC]
    click(qtbot, panel.refresh_button)
    assert panel.devices.currentText() == "Headset Mic"
    assert panel.record_button.isEnabled() and panel.status.text() == ""
    assert len(live_streams(fake_sd)) == 1


def test_query_devices_oserror_says_portaudio_missing(fake_sd, make_panel):
    fake_sd.query_error = OSError("PortAudio library not found")
    panel = make_panel()
    assert panel.status.text() == microphone.NO_PORTAUDIO
    assert not panel.devices.isEnabled() and not panel.record_button.isEnabled()


def test_import_oserror_says_portaudio_missing(monkeypatch, make_panel):
    class NoPortAudio:
        """What `import sounddevice` does without libportaudio2: OSError from loading the library."""

        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    panel = make_panel()
    assert panel.status.text() == "No microphone: PortAudio is not installed (install libportaudio2)"
    assert not panel.devices.isEnabled() and not panel.record_button.isEnabled()


def test_open_error_gives_clear_status(fake_sd, make_panel):
    fake_sd.open_error = PortAudioError("Device unavailable [PaErrorCode -9985]")
    panel = make_panel()  # pytest-qt fails the test if showEvent raised
    text = panel.status.text()
    assert "Could not open" in text and "Headset Mic" in text and "Device unavailable" in text
    assert "another program" in text
    assert not panel.record_button.isEnabled()
    assert live_streams(fake_sd) == []


def test_stream_opens_on_show_and_closes_on_hide(fake_sd, qtbot, make_panel):
    panel = make_panel(show=False)
    assert fake_sd.streams == []  # an unseen panel does not hold the microphone
    panel.show()
    qtbot.waitExposed(panel)
    assert len(live_streams(fake_sd)) == 1
    panel.hide()
    assert live_streams(fake_sd) == []
    panel.show()
    assert len(live_streams(fake_sd)) == 1
    panel.stop_all()
    assert live_streams(fake_sd) == []


def test_changing_device_reopens_stream(fake_sd, make_panel):
    panel = make_panel()
    panel.devices.setCurrentIndex(panel.devices.findText("USB Mic"))
    [stream] = live_streams(fake_sd)
    assert stream.device == 1
    assert len(fake_sd.streams) == 2 and not fake_sd.streams[0].active


def test_unplugged_mid_recording_keeps_the_recording(fake_sd, qtbot, make_panel):
    panel = make_panel()
    click(qtbot, panel.record_button)
    qtbot.wait(800)
    with qtbot.waitSignal(panel.recorded, timeout=3000) as blocker:
        live_streams(fake_sd)[0].unplug()
    assert blocker.args[0].exists()
    assert "unplugged" in panel.status.text() and blocker.args[0].name in panel.status.text()
    assert panel.record_button.text() == "Record" and not panel.record_button.isEnabled()
