"""Rendering a track to MP4: progress for every frame, and a cancel that leaves nothing behind."""

import threading

import pytest

from inference.export import probe_media
from inference.export.render_video import Cancelled, render_video
from inference.motion import MotionTrack

from conftest import RETRACK_PORTRAITS


def test_progress_and_frame_count(tmp_path, renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    seen = []
    n = render_video(r.avatar, MotionTrack.neutral(12, 25), tmp_path / "a.mp4", progress=lambda d, t: seen.append((d, t)), renderer=r)
    assert n == 12 and seen[-1] == (12, 12) and [d for d, _ in seen] == list(range(1, 13))
    assert probe_media(tmp_path / "a.mp4")["frames"] == 12


def test_cancel_stops_and_deletes_the_partial_file(tmp_path, renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    cancel = threading.Event()

    def progress(done, total):
        if done == 5:
            cancel.set()

    with pytest.raises(Cancelled):
        render_video(r.avatar, MotionTrack.neutral(200, 25), tmp_path / "b.mp4", progress=progress, cancel=cancel, renderer=r)
    assert list(tmp_path.iterdir()) == []
