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


def first_frame(path):
    import av

    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_watermark_marks_the_bottom_right_corner_only(tmp_path, renderers):
    import numpy as np

    from inference.export.watermark import Watermark

    r = renderers(RETRACK_PORTRAITS[0])
    render_video(r.avatar, MotionTrack.neutral(3, 25), tmp_path / "plain.mp4", renderer=r)
    render_video(r.avatar, MotionTrack.neutral(3, 25), tmp_path / "marked.mp4", renderer=r, watermark=True)
    plain, marked = first_frame(tmp_path / "plain.mp4"), first_frame(tmp_path / "marked.mp4")
    diff = np.abs(marked.astype(int) - plain.astype(int)).sum(2)
    mark = Watermark.for_frame(*r.avatar.size)
    h, w = mark.alpha.shape[:2]
    inside = diff[mark.y:mark.y + h, mark.x:mark.x + w]
    assert mark.x > r.avatar.size[0] * 0.6 and mark.y > r.avatar.size[1] * 0.85  # a corner, not the face
    assert inside.max() > 150 and (inside > 60).mean() > 0.1  # legible strokes
    outside = diff.copy()
    outside[max(0, mark.y - 8):mark.y + h + 8, max(0, mark.x - 8):mark.x + w + 8] = 0  # codec blocks bleed a little
    assert outside.max() < 40
