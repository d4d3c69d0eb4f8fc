"""One export as a job for a separate process: portrait, speech and controls in, an MP4 out, with
its stages, progress and end reported as messages on a queue.

The studio runs it in a child process rather than a thread: rendering and encoding hold Python's
GIL for most of each frame (moderngl waits for the rasteriser with it held), so on a thread they
starved the window's event loop for ~170 ms at a time; a process shares nothing with it.

Messages: ("stage", text), ("progress", done, total), then one of ("done", frames),
("cancelled",) or ("failed", message).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from inference.errors import InputError
from inference.export.render_video import Cancelled, render_video
from inference.face import Framing, analyze
from inference.motion.controls import Controls
from inference.motion.from_speech import Speech
from inference.motion.procedural import conditioned_track, generate


BACKGROUND_NICENESS = 10  # the export is background work: the window's threads come first


def _yield_to_the_window() -> None:
    """Lower this process's CPU priority before any worker thread (llvmpipe's, the encoder's)
    starts, so they inherit it; on two cores an export at normal priority starved the window."""
    try:
        os.nice(BACKGROUND_NICENESS)
    except (AttributeError, OSError):  # no nice() (Windows), or not permitted: export as is
        pass


@dataclass(frozen=True)
class ExportSettings:
    path: Path
    size: int = 512  # pixels: the side of a portrait frame, the long side of the whole photo
    fps: int = 25
    framing: str = "portrait"
    watermark: bool = True


def run_export(portrait: Path, speech: Speech, controls: Controls, settings: ExportSettings, messages, cancel) -> None:
    """Export, reporting on `messages` (a queue); stops when `cancel` (an Event) is set. The
    motion is regenerated at the export's frame rate with the panel's amounts, and the
    conditions applied frame by frame, as the preview applies them."""
    s = settings
    _yield_to_the_window()
    try:
        messages.put(("stage", "Preparing the portrait…"))
        avatar = analyze(portrait, Framing(s.framing, s.size))
        messages.put(("stage", "Computing the motion…"))
        base = generate(speech.features(s.fps), controls.without_conditions(), s.fps)
        track = conditioned_track(base, controls)
        if cancel.is_set():
            raise Cancelled()
        messages.put(("stage", "Rendering…"))
        frames = render_video(avatar, track, s.path, audio=speech.playback, cancel=cancel, watermark=s.watermark,
                              progress=lambda done, total: messages.put(("progress", done, total)))
    except Cancelled:
        messages.put(("cancelled",))
    except InputError as e:
        messages.put(("failed", str(e)))
    except Exception as e:  # a bug: say so plainly, keep the trace for the log
        traceback.print_exc()
        messages.put(("failed", f"The export failed ({type(e).__name__}: {e}). Details were written to the log."))
    else:
        messages.put(("done", frames))
