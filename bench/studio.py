"""The studio window under load: preview frame rate while a file plays, and the longest
event-loop stall while a portrait is analysed, while speech plays, and while a video exports
(the demo voice at 512x512, 25 fps, with the speech playing in the preview meanwhile).

Needs an X display (the preview is a QOpenGLWidget); headless, run it under Xvfb:

    xvfb-run -a -s "-screen 0 1400x900x24" python bench/studio.py [--runs 3]

A 2 ms QTimer records the gaps between its own timeouts: the longest gap, minus the 2 ms, is
how long the window could not respond. Settings go to a temporary folder; the user's are untouched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402

from studio.app import DEMO_PORTRAIT, MainWindow, make_app  # noqa: E402

SHARED = REPO.parent / "shared" / "assets" / "portraits"


class StallMeter:
    """Longest gap (ms) between 2 ms timer ticks since the last reset."""

    def __init__(self) -> None:
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self._clock.start()
        self.longest = 0.0

    def _tick(self) -> None:
        self.longest = max(self.longest, self._clock.nsecsElapsed() / 1e6 - 2.0)
        self._clock.start()


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout_s: float = 60.0) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            raise SystemExit("timed out waiting for the window")
        wait(20)


def one_run(window: MainWindow, meter: StallMeter, portrait: Path) -> dict[str, float]:
    meter.reset()
    window.open_portrait(portrait)  # a photo not in the cache: analysis off the GUI thread
    wait_until(lambda: not window._jobs)
    analysis_stall = meter.longest
    window.stop()
    meter.reset()
    drawn = window.preview.frames_drawn
    start = time.monotonic()
    window.toggle_play()
    wait(4000)
    fps = (window.preview.frames_drawn - drawn) / (time.monotonic() - start)
    playback_stall = meter.longest
    window.stop()
    export_stall, export_fps, export_s = export_run(window, meter)
    return {"preview fps while playing": fps, "longest stall during analysis (ms)": analysis_stall,
            "longest stall during playback (ms)": playback_stall, "longest stall during export (ms)": export_stall,
            "preview fps while exporting": export_fps, "export time (s)": export_s}


def export_run(window: MainWindow, meter: StallMeter) -> tuple[float, float, float]:
    """Export the loaded speech at 512x512, 25 fps, playing the preview meanwhile; returns the
    longest stall (ms), the preview's fps meanwhile and the export's wall time (s)."""
    out = Path(tempfile.mkdtemp(prefix="avatar-studio-export-")) / "bench.mp4"
    window.ask_export()
    dialog = window.export_dialog
    dialog.path_edit.setText(str(out))
    window.toggle_play()
    meter.reset()
    drawn, start = window.preview.frames_drawn, time.monotonic()
    dialog.start()
    wait_until(lambda: not dialog.running, 300)
    seconds = time.monotonic() - start
    fps = (window.preview.frames_drawn - drawn) / seconds
    stall = meter.longest
    window.stop()
    wait(50)  # deliver the finished signal before the dialog goes
    if not out.exists():
        raise SystemExit(f"the export failed: {dialog.stage_label.text()}")
    dialog.close()
    out.unlink()
    return stall, fps, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--preview-side", type=int, default=512,
                    help="draw the avatar this many pixels a side (0: the window's default size)")
    args = ap.parse_args()
    settings = tempfile.mkdtemp(prefix="avatar-studio-bench-")
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings)
    app = make_app([])  # noqa: F841 - kept alive for the run
    cache = tempfile.mkdtemp(prefix="avatar-studio-cache-")
    os.environ["AVATAR_STUDIO_CACHE"] = cache  # every analysis is a fresh one
    window = MainWindow()
    window.show()
    wait_until(lambda: not window._jobs and window.player.clip is not None and window.preview.frames_drawn > 0)
    if args.preview_side:  # size the window so the avatar is drawn at this many pixels a side
        wait(200)
        window.resize(window.width(), window.height() + args.preview_side - window.preview.height())
        wait(300)
    meter = StallMeter()
    portraits = sorted(SHARED.glob("*")) if SHARED.is_dir() else []
    portraits = portraits or [DEMO_PORTRAIT]
    results = [one_run(window, meter, portraits[k % len(portraits)]) for k in range(args.runs)]
    w, h = window.preview.width(), window.preview.height()
    x, y, vw, vh = window.preview._viewport()
    print(f"studio window, preview widget {w}x{h} px (the 512x512 avatar drawn at {vw}x{vh}), {args.runs} runs")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"  {key:38s} median {statistics.median(values):7.1f}   runs: " + ", ".join(f"{v:.1f}" for v in values))
    meter.stop()
    window.close()
    window.deleteLater()
    wait(100)  # let Qt delete the window (and release GL)


if __name__ == "__main__":
    main()
