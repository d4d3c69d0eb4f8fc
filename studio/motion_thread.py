"""The preview's motion thread: speech features and slider values in, the motion frame for the
playhead out, off the GUI thread.

The GUI asks for the frame at the playhead on every tick; a request replaces any request not yet
served, so a slow moment drops stale frames instead of queueing them. Moving a slider that shapes
the motion itself (head-motion amount, expressiveness, blink rate) regenerates the track here,
once for the latest value however fast the slider moves; gaze, distance and emotion are applied
to each frame as it is served (`apply_conditions`), so they act at once.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QThread, Signal

from inference.motion.controls import Controls
from inference.motion.procedural import SpeechFeatures, conditioned_frame, generate
from inference.motion.track import MotionTrack
from studio.workers import LIVE_JOBS

PREVIEW_FPS = 25.0  # the track's frame rate; frames in between are interpolated at the playhead


class MotionThread(QThread):
    track_ready = Signal(object)  # MotionTrack without conditions (or None): for the timeline's curves
    frame_ready = Signal(int, object)  # request number, MotionFrame
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._wake = threading.Condition()
        self._features: SpeechFeatures | None = None
        self._controls = Controls()
        self._track: MotionTrack | None = None
        self._regenerate = False
        self._request: tuple[int, float | None] | None = None  # (number, seconds or None for rest)
        self._seq = 0
        self._stopping = False
        LIVE_JOBS.add(self)

    # ------------------------------------------------------------ called from the GUI thread

    def set_speech(self, features: SpeechFeatures | None) -> None:
        with self._wake:
            self._features = features
            self._regenerate = True
            self._wake.notify()

    def set_controls(self, controls: Controls) -> None:
        with self._wake:
            if controls.without_conditions() != self._controls.without_conditions():
                self._regenerate = True
            self._controls = controls
            self._wake.notify()

    def request(self, seconds: float | None) -> int:
        """Ask for the frame at `seconds` (None: at rest); returns the request's number."""
        with self._wake:
            self._seq += 1
            self._request = (self._seq, seconds)
            self._wake.notify()
            return self._seq

    @property
    def track(self) -> MotionTrack | None:
        return self._track

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self.wait()

    # ------------------------------------------------------------ the thread

    def run(self) -> None:
        while True:
            with self._wake:
                while not (self._stopping or self._regenerate or self._request):
                    self._wake.wait()
                if self._stopping:
                    return
                regenerate, self._regenerate = self._regenerate, False
                request, self._request = self._request, None
                features, controls = self._features, self._controls
            try:
                if regenerate:
                    self._track = generate(features, controls.without_conditions(), PREVIEW_FPS) if features else None
                    self.track_ready.emit(self._track)
                if request is not None:
                    number, seconds = request
                    self.frame_ready.emit(number, conditioned_frame(self._track, seconds, controls))
            except Exception as e:  # a bug: keep the thread alive, tell the user, keep the trace for the log
                traceback.print_exc()
                self.failed.emit(f"Motion could not be computed ({type(e).__name__}: {e}).")
