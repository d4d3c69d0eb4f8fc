"""Screenshots of the studio for the README: idle on the demo, playing with the timeline, and the
export dialog mid-export. Run under a real X server:

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py [docs]

Settings and the analysis cache go to temporary folders; the user's are untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("AVATAR_STUDIO_CACHE", tempfile.mkdtemp(prefix="avatar-studio-cache-"))

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

from studio.app import MainWindow, make_app  # noqa: E402


def main(out: Path) -> None:
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = make_app([])

    def wait_until(condition, timeout_s=60.0):
        end = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > end:
                raise SystemExit("timed out waiting for the window")
            app.processEvents()
            time.sleep(0.005)

    window = MainWindow()
    window.resize(1280, 820)
    window.show()
    wait_until(lambda: window.player.clip is not None and window.settled() and window.preview.frames_drawn > 0)
    time.sleep(0.3)
    wait_until(window.settled)
    window.grab().save(str(out / "studio-idle.png"))

    window.controls.set_emotion("happy")
    window.controls.set_value("emotionStrength", 0.4)
    window.controls.set_value("gazeYaw", -8)
    window.toggle_play()
    wait_until(lambda: window.player.position() > 2.75, 20)
    window.toggle_play()
    wait_until(window.settled)
    window.grab().save(str(out / "studio-playing.png"))

    window.ask_export()
    dialog = window.export_dialog
    dialog.path_edit.setText(str(Path(tempfile.mkdtemp()) / "astronaut-hello.mp4"))
    dialog.start()
    wait_until(lambda: dialog.progress_bar.maximum() > 1 and dialog.progress_bar.value() > 60, 120)
    app.processEvents()
    dialog.grab().save(str(out / "export-dialog.png"))
    dialog.cancel_or_close()
    wait_until(lambda: not dialog.running, 30)
    app.processEvents()
    dialog.close()
    window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs")
