"""Render a motion track of an Avatar to an MP4, frame by frame, with progress and cancel.

Shared by the CLI and the studio's export dialog. Memory stays flat: one frame is alive at a time.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Callable, Iterable

from inference.audio import AudioClip, AudioFile
from inference.export.video import VideoWriter
from inference.export.watermark import Watermark
from inference.face.avatar import Avatar
from inference.motion.track import MotionFrame, MotionTrack
from inference.render import Renderer

SYNTHETIC_NOTE = "Synthetic video: an animated photo made with Avatar Studio"


class _EncoderThread:
    """Encodes on a second thread while the next frames render (a few frames queued at most).
    An encoder error is re-raised on the caller's thread."""

    def __init__(self, writer: VideoWriter, depth: int = 3):
        self._writer = writer
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="encoder", daemon=True)

    def _run(self) -> None:
        while (image := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._writer.write(image)
                except BaseException as e:  # handed to the caller's thread, never lost
                    self._error = e

    def put(self, image) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(image)

    def __enter__(self) -> "_EncoderThread":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error


class Cancelled(Exception):
    """The caller asked the export to stop; the partial file has been removed."""


def render_video(
    avatar: Avatar,
    track: "MotionTrack | Iterable[MotionFrame]",
    out_path: "str | Path",
    audio: AudioClip | AudioFile | None = None,
    fps: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    renderer: Renderer | None = None,
    total: int | None = None,
    watermark: bool = False,
) -> int:
    """Write `track` (resampled to `fps` if given) as H.264 + AAC; returns the frame count.

    `track` may instead be a stream of frames at `fps` (required then), e.g. from speech being
    analysed as it renders; `total` is then the expected count, for progress only.
    `progress(done, total)` is called after every frame. Setting `cancel` stops the export,
    deletes the partial file and raises Cancelled. `watermark` marks every frame visibly as
    synthetic (the file's metadata always says so).
    """
    if isinstance(track, MotionTrack):
        if fps is not None and abs(fps - track.fps) > 1e-6:
            track = track.resampled(fps)
        fps, total = track.fps, track.n_frames
        frames: Iterable[MotionFrame] = (track.frame(i) for i in range(total))
    elif fps is None:
        raise ValueError("a stream of frames needs its fps")
    else:
        frames = track
    own = renderer is None
    renderer = renderer or Renderer(avatar)
    width, height = avatar.size
    mark = Watermark.for_frame(width, height) if watermark else None
    done = 0
    try:
        with VideoWriter(out_path, width, height, fps, audio=audio, metadata={"comment": SYNTHETIC_NOTE}) as writer:
            with _EncoderThread(writer) as encoder:
                for done, image in enumerate(renderer.render_frames(frames), start=1):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()  # leaving the with blocks through it deletes the partial file
                    image = image.copy()
                    encoder.put(mark.stamp(image) if mark is not None else image)
                    if progress is not None:
                        progress(done, max(total or 0, done))
    finally:
        if own:
            renderer.release()
    return done
