"""The microphone as a speech source: pick an input device, watch its level, record a WAV.

The PortAudio callback only measures the block's peak and, while recording, keeps a copy of the
block (no other work on the audio thread). A ~30 Hz timer on the GUI thread turns the peak into
the meter's dBFS and the elapsed time into the status line. The stream is open only while the
panel is visible, so the studio does not hold a microphone nobody is looking at.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QToolButton, QWidget)

SAMPLE_RATE = 48000  # Hz, tried first; the device's default rate is the fallback
BLOCK_FRAMES = 1024  # samples per callback: ~21 ms at 48 kHz, finer than one meter tick
TICK_MS = 33  # meter / status refresh period, ~30 Hz
FLOOR_DB = -60  # dBFS at the meter's bottom; quieter reads as empty
DECAY_DB = 1.5  # dB the meter may fall per tick (~45 dB/s), so it sinks smoothly instead of flickering
MIN_SECONDS = 0.5  # shorter recordings are taken as a mis-click
SILENT_PEAK = 0.01  # full scale (-40 dBFS): above a live microphone's noise floor, unlike a file's silence (speech.SILENT_PEAK)
MAX_SECONDS = 600  # 10 min cap: ~115 MB of float32 blocks in memory at 48 kHz

NO_PORTAUDIO = "No microphone: PortAudio is not installed (install libportaudio2)"
NO_SOUNDDEVICE = "No microphone: the sounddevice package is not installed (pip install sounddevice)"
NO_DEVICE = "No microphone found. Connect one and press ↻"


def _sounddevice():
    """The sounddevice module, or the status text saying why there is none.

    `import sounddevice` raises OSError when the PortAudio library itself is missing.
    """
    try:
        import sounddevice as sd
    except OSError:
        return None, NO_PORTAUDIO
    except ImportError:
        return None, NO_SOUNDDEVICE
    return sd, ""


def _level_db(peak: float) -> float:
    """Peak amplitude (1.0 = full scale) as dBFS, clamped to the meter's range."""
    if peak <= 0.0:
        return float(FLOOR_DB)
    return min(0.0, max(float(FLOOR_DB), 20.0 * math.log10(peak)))


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Mono float samples in [-1, 1] as 16-bit PCM. Written beside `path` first, then renamed
    into place, so a crash or full disk never leaves a half-written recording under the final name."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    fd, tmp = tempfile.mkstemp(prefix=".recording-", suffix=".wav.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)  # bytes per sample: 16-bit
            w.setframerate(int(rate))
            w.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _recording_name(folder: Path) -> Path:
    """recording-YYYYMMDD-HHMMSS.wav, with -2, -3... when two recordings end in the same second."""
    stem = datetime.now().strftime("recording-%Y%m%d-%H%M%S")
    path, n = folder / f"{stem}.wav", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.wav", n + 1
    return path


class MicrophonePanel(QWidget):
    recorded = Signal(object)  # pathlib.Path of the finished WAV

    def __init__(self, folder: Path, parent=None):
        super().__init__(parent)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sd = None
        self._stream = None
        self._default_rates: dict[int, int] = {}  # PortAudio index -> Hz
        self._rate = SAMPLE_RATE  # Hz of the open stream
        self._lock = threading.Lock()  # guards the fields below, shared with the audio thread
        self._peak = 0.0  # highest |sample| since the last tick
        self._recording = False
        self._blocks: list[np.ndarray] = []
        self._frames = 0  # samples recorded so far
        self._level = float(FLOOR_DB)  # meter reading in dBFS, before rounding to the bar's int
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._build()
        self.refresh_devices()

    # ----- widgets

    def _build(self) -> None:
        self.devices = QComboBox()
        # Long ALSA names ("HDA Intel PCH: ALC892 Analog (hw:0,0)") must not widen the side panel.
        self.devices.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.devices.setMinimumContentsLength(12)
        self.devices.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.devices.setToolTip("Input device")
        self.devices.currentIndexChanged.connect(self._device_changed)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("↻")
        self.refresh_button.setToolTip("Look for microphones again")
        self.refresh_button.clicked.connect(self.refresh_devices)
        self.meter = QProgressBar()
        self.meter.setRange(FLOOR_DB, 0)
        self.meter.setValue(FLOOR_DB)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.meter.setToolTip(f"Input level, dBFS ({FLOOR_DB} to 0)")
        self.record_button = QPushButton("Record")
        self.record_button.setToolTip(f"Record speech (up to {MAX_SECONDS // 60} min) and open it")
        self.record_button.clicked.connect(self._toggle_record)
        self.status = QLabel()
        self.status.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.devices, 0, 0)
        grid.addWidget(self.refresh_button, 0, 1)
        grid.addWidget(self.meter, 1, 0)
        grid.addWidget(self.record_button, 1, 1)
        grid.addWidget(self.status, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)

    def _set_usable(self, usable: bool, message: str = "") -> None:
        """Enable the picker and Record only when a device can be used; the message says why not."""
        self.devices.setEnabled(usable and not self._recording)
        self.record_button.setEnabled(usable and self._stream is not None)
        self.status.setText(message)

    # ----- devices

    def refresh_devices(self) -> None:
        """Re-query input devices into the combo, keeping the current choice when it still exists."""
        if self._recording:
            return
        self._close_stream()
        previous = self.devices.currentText()
        self._sd, why = _sounddevice()
        inputs, why = self._query_inputs() if self._sd is not None else ([], why)
        self.devices.blockSignals(True)
        self.devices.clear()
        for index, name, _ in inputs:
            self.devices.addItem(name, index)
            self.devices.setItemData(self.devices.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        self._default_rates = {index: rate for index, _, rate in inputs}
        self.devices.setCurrentIndex(self._initial_choice(inputs, previous))
        self.devices.blockSignals(False)
        if not inputs:
            self._set_usable(False, why or NO_DEVICE)
            return
        self._set_usable(True, "")
        self._open_stream()

    def _query_inputs(self) -> tuple[list[tuple[int, str, int]], str]:
        """(PortAudio index, name, default rate in Hz) of every device with input channels, or why
        none could be listed."""
        try:
            listing = list(self._sd.query_devices())
        except OSError:
            return [], NO_PORTAUDIO
        except Exception as e:  # PortAudioError: the host audio system refused
            return [], f"Could not list microphones ({e}). Check the system's sound settings and press ↻"
        return [(i, str(d["name"]), int(d.get("default_samplerate") or 0))
                for i, d in enumerate(listing) if d.get("max_input_channels", 0) > 0], ""

    def _initial_choice(self, inputs: list[tuple[int, str, int]], previous: str) -> int:
        """Combo row to select: the previous device if still present, else the default input, else the first."""
        names = [name for _, name, _ in inputs]
        if previous in names:
            return names.index(previous)
        try:
            default = self._sd.default.device[0]
        except Exception:  # no default configured
            default = None
        rows = [row for row, (index, _, _) in enumerate(inputs) if index == default]
        return rows[0] if rows else (0 if inputs else -1)

    def _device_changed(self, _row: int) -> None:
        self._close_stream()
        self._open_stream()

    # ----- stream

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._open_stream()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if not self._recording:  # a minimised window keeps recording; Stop or the cap ends it
            self._close_stream()

    def stop_all(self) -> None:
        """Close the stream (on window close). A recording in progress is discarded, not saved."""
        with self._lock:
            self._recording = False
            self._blocks = []
        self.record_button.setText("Record")
        self._close_stream()

    def _open_stream(self) -> None:
        if self._stream is not None or self._sd is None or not self.isVisible():
            return
        index, name = self.devices.currentData(), self.devices.currentText()
        if index is None:
            return
        try:
            self._stream, self._rate = self._start_stream(index)
        except Exception as e:  # PortAudioError, ValueError for a vanished index, ...
            self._stream = None
            self._set_usable(True, f"Could not open “{name}”: {e}. It may be in use by another program; "
                                   "close that, pick another device or press ↻")
            return
        self._level = float(FLOOR_DB)
        self._timer.start()
        self._set_usable(True, "")

    def _start_stream(self, index: int):
        """A started InputStream at 48 kHz, or at the device's own default rate if it refuses 48 kHz."""
        rates = [SAMPLE_RATE]
        default_rate = self._default_rates.get(index, 0)
        if default_rate and default_rate != SAMPLE_RATE:
            rates.append(default_rate)
        for attempt, rate in enumerate(rates):
            try:
                stream = self._sd.InputStream(device=index, channels=1, samplerate=rate, dtype="float32",
                                              blocksize=BLOCK_FRAMES, callback=self._on_block)
            except Exception:
                if attempt == len(rates) - 1:
                    raise
                continue
            try:
                stream.start()
            except BaseException:
                stream.close()
                raise
            return stream, rate

    def _close_stream(self) -> None:
        self._timer.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # an unplugged device can fail to stop; it is gone either way
                pass
        with self._lock:
            self._peak = 0.0
        self._level = float(FLOOR_DB)
        self.meter.setValue(FLOOR_DB)
        self.record_button.setEnabled(False)

    def _on_block(self, indata, frames, _time, _status) -> None:
        """PortAudio thread: peak of the block, plus a copy of it while recording (under the cap)."""
        peak = float(np.max(np.abs(indata))) if frames else 0.0
        with self._lock:
            self._peak = max(self._peak, peak)
            if self._recording and self._frames < MAX_SECONDS * self._rate:
                self._blocks.append(indata.copy())
                self._frames += frames

    # ----- GUI tick

    def _tick(self) -> None:
        with self._lock:
            peak, self._peak = self._peak, 0.0
            recording, frames = self._recording, self._frames
        self._level = max(_level_db(peak), self._level - DECAY_DB)
        self.meter.setValue(round(self._level))
        if recording:
            self._show_elapsed(frames)
        if self._stream is not None and not getattr(self._stream, "active", True):
            self._device_lost()

    def _show_elapsed(self, frames: int) -> None:
        if frames >= MAX_SECONDS * self._rate:
            self._finish(f"Stopped at the {MAX_SECONDS // 60} min limit. ")
        else:
            self.status.setText(f"Recording {frames / self._rate:.1f} s")

    def _device_lost(self) -> None:
        """The stream stopped by itself (device unplugged): keep what was recorded, then say so."""
        saved = ""
        if self._recording:
            self._finish()
            saved = " " + self.status.text()
        self._close_stream()
        self._set_usable(True, f"The microphone stopped (unplugged?); reconnect it and press ↻.{saved}")

    # ----- recording

    def _toggle_record(self) -> None:
        if self._recording:
            self._finish()
        elif self._stream is not None:
            self._begin()

    def _begin(self) -> None:
        with self._lock:
            self._blocks, self._frames = [], 0
            self._recording = True
        self.record_button.setText("Stop")
        self.devices.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self.status.setText("Recording 0.0 s")

    def _finish(self, prefix: str = "") -> None:
        """Stop collecting; save and emit the recording unless it is too short or silent."""
        with self._lock:
            self._recording = False
            blocks, self._blocks = self._blocks, []
        self.record_button.setText("Record")
        self.devices.setEnabled(True)
        self.refresh_button.setEnabled(True)
        if not self.isVisible():  # recorded while hidden: release the device now
            self._close_stream()
        samples = np.concatenate(blocks)[:, 0] if blocks else np.zeros(0, np.float32)
        samples = samples[:MAX_SECONDS * self._rate]
        seconds = len(samples) / self._rate
        if seconds < MIN_SECONDS:
            self.status.setText(f"{prefix}Too short ({seconds:.1f} s): record at least {MIN_SECONDS} s of speech")
        elif float(np.max(np.abs(samples))) < SILENT_PEAK:
            self.status.setText(f"{prefix}Only silence was recorded: check the microphone is on and unmuted, "
                                "or pick another device")
        else:
            self._save(samples, seconds, prefix)

    def _save(self, samples: np.ndarray, seconds: float, prefix: str) -> None:
        path = _recording_name(self.folder)
        try:
            write_wav(path, samples, self._rate)
        except OSError as e:
            self.status.setText(f"{prefix}Could not save the recording in {self.folder}: {e.strerror or e}")
            return
        self.status.setText(f"{prefix}Saved {path.name} ({seconds:.1f} s)")
        self.recorded.emit(path)
