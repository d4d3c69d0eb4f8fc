"""Audio playback through sounddevice; the number of samples played is the clock.

The PortAudio callback only copies the next block out of the clip (Friture's rule: no work in
the audio thread). Without an output device the clock runs on the monotonic timer instead, so
the preview still plays, silently.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from inference.audio import AudioClip


class AudioPlayer:
    def __init__(self) -> None:
        self._clip: AudioClip | None = None
        self._pos = 0  # samples played
        self._lock = threading.Lock()
        self._stream = None
        self._silent_since: float | None = None  # monotonic start when there is no device
        self.device_error: str | None = None

    @property
    def clip(self) -> AudioClip | None:
        return self._clip

    @property
    def playing(self) -> bool:
        return self._stream is not None or self._silent_since is not None

    def load(self, clip: AudioClip) -> None:
        self.stop()
        self._clip = clip

    def position(self) -> float:
        """Seconds into the clip."""
        if self._clip is None:
            return 0.0
        with self._lock:
            pos = self._pos
        if self._silent_since is not None:
            pos += int((time.monotonic() - self._silent_since) * self._clip.sample_rate)
        return min(pos, len(self._clip.samples)) / self._clip.sample_rate

    @property
    def finished(self) -> bool:
        return self._clip is not None and self.position() >= self._clip.duration

    def play(self) -> None:
        if self._clip is None or self.playing:
            return
        if self.finished:
            self.seek(0.0)
        try:
            import sounddevice as sd

            self._stream = sd.OutputStream(samplerate=self._clip.sample_rate, channels=1, dtype="float32",
                                           callback=self._fill)
            self._stream.start()
            self.device_error = None
        except Exception as e:  # PortAudio missing, no device, device busy: play silently
            self._stream = None
            self.device_error = str(e) or type(e).__name__
            self._silent_since = time.monotonic()

    def pause(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.stop()
            stream.close()
        if self._silent_since is not None:
            reached = int(self.position() * self._clip.sample_rate)
            with self._lock:
                self._pos = reached
            self._silent_since = None

    def stop(self) -> None:
        self.pause()
        with self._lock:
            self._pos = 0

    def seek(self, seconds: float) -> None:
        if self._clip is None:
            return
        target = int(np.clip(seconds, 0, self._clip.duration) * self._clip.sample_rate)
        with self._lock:
            self._pos = target
        if self._silent_since is not None:
            self._silent_since = time.monotonic()

    def _fill(self, outdata, frames, _time, _status) -> None:
        with self._lock:
            block = self._clip.samples[self._pos:self._pos + frames]
            self._pos += len(block)
        outdata[:len(block), 0] = block
        outdata[len(block):, 0] = 0.0
        if len(block) < frames:
            import sounddevice as sd

            raise sd.CallbackStop()
