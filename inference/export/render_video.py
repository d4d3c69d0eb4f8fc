"""Render a motion track of an Avatar to an MP4, frame by frame, with progress and cancel.

Shared by the CLI and the studio's export dialog. Memory stays flat: one frame is alive at a time.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from inference.audio import AudioClip
from inference.export.video import VideoWriter
from inference.face.avatar import Avatar
from inference.motion.track import MotionTrack
from inference.render import Renderer

SYNTHETIC_NOTE = "Synthetic video: an animated photo made with Avatar Studio"


class Cancelled(Exception):
    """The caller asked the export to stop; the partial file has been removed."""


def render_video(
    avatar: Avatar,
    track: MotionTrack,
    out_path: "str | Path",
    audio: AudioClip | None = None,
    fps: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    renderer: Renderer | None = None,
) -> int:
    """Write `track` (resampled to `fps` if given) as H.264 + AAC; returns the frame count.

    `progress(done, total)` is called after every frame. Setting `cancel` stops the export,
    deletes the partial file and raises Cancelled.
    """
    if fps is not None and abs(fps - track.fps) > 1e-6:
        track = track.resampled(fps)
    total = track.n_frames
    own = renderer is None
    renderer = renderer or Renderer(avatar)
    width, height = avatar.size
    try:
        with VideoWriter(out_path, width, height, track.fps, audio=audio, metadata={"comment": SYNTHETIC_NOTE}) as writer:
            frames = (track.frame(i) for i in range(total))
            for done, image in enumerate(renderer.render_frames(frames), start=1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()  # leaving the with block through it deletes the partial file
                writer.write(image)
                if progress is not None:
                    progress(done, total)
    finally:
        if own:
            renderer.release()
    return total
