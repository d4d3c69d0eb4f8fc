"""Shared fixtures: test media from ../shared/assets, a private analysis cache, one GL renderer per portrait."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_ASSETS = REPO.parent / "shared" / "assets"
PORTRAITS = sorted((SHARED_ASSETS / "portraits").glob("*")) if SHARED_ASSETS.exists() else []
# Re-tracking acceptance runs on these four (all real faces Face Mesh tracks well when rendered).
RETRACK_PORTRAITS = (
    "pd_photo_woman_nasa_astronaut_eileen_collins.png",
    "ccby_gridframe_man_glasses_lowres_lbax4n.png",
    "pd_painting_girl_with_pearl_earring_vermeer.jpg",
    "pd_painting_mona_lisa_leonardo.jpg",
)


def shared_asset(relative: str) -> Path:
    path = SHARED_ASSETS / relative
    if not path.exists():
        pytest.skip(f"shared test media {relative} is not beside this checkout ({SHARED_ASSETS})")
    return path


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Analyses cache into a per-session folder: tests never read or fill the user's cache."""
    folder = tmp_path_factory.mktemp("analysis-cache")
    old = os.environ.get("AVATAR_STUDIO_CACHE")
    os.environ["AVATAR_STUDIO_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("AVATAR_STUDIO_CACHE", None)
    else:
        os.environ["AVATAR_STUDIO_CACHE"] = old


@pytest.fixture(scope="session")
def tracker():
    from inference.face.tracker import FaceTracker

    with FaceTracker(max_faces=1) as t:
        yield t


@pytest.fixture(scope="module")
def gl_context():
    """A headless EGL context for one test module. Released at the module's end: a headless
    context left current on the main thread stops Qt's own GL context from becoming current."""
    from inference.render.gl import headless_context

    ctx = headless_context()
    yield ctx
    ctx.release()


@pytest.fixture(scope="module")
def renderers(gl_context):
    """Renderer per (portrait name, framing), built on first use and shared by the session."""
    from inference.face import Framing, analyze
    from inference.render import Renderer

    made: dict = {}

    def get(name: str, framing: str = "portrait"):
        key = (name, framing)
        if key not in made:
            made[key] = Renderer(analyze(shared_asset(f"portraits/{name}"), Framing(framing)), ctx=gl_context)
        return made[key]

    yield get
    for r in made.values():
        r.release()


@pytest.fixture
def no_dangling_threads():
    """Fails a GUI test that leaves a worker thread running."""
    yield
    from studio.workers import LIVE_JOBS

    running = [job for job in list(LIVE_JOBS) if job.isRunning()]
    for job in running:
        job.wait(10_000)
    assert not running, f"{len(running)} worker thread(s) still running after the test"


@pytest.fixture
def studio_window(qtbot, no_dangling_threads, tmp_path, monkeypatch):
    """The real main window on the demo portrait and voice, settings in a private folder."""
    from PySide6.QtCore import QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    from studio.app import MainWindow, make_app

    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.preview.frames_drawn > 0 and window.player.clip is not None and not window._jobs, timeout=30_000)
    yield window
    window.close()
