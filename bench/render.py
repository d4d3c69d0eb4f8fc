"""Renderer and analysis speed at 512x512 on this machine. Prints medians of several runs.

Targets (issue 2): render-only >= 90 fps, render+encode >= 45 fps, analysis of a new photo
<= 0.5 s, re-opening a photo from the cache <= 50 ms.

    python bench/render.py [--runs 5] [--frames 250]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "assets"
sys.path.insert(0, str(REPO))

from inference.audio import load_audio  # noqa: E402
from inference.export.render_video import render_video  # noqa: E402
from inference.face import Framing, analyze  # noqa: E402
from inference.motion import MotionTrack  # noqa: E402
from inference.render import Renderer  # noqa: E402


def talking_track(n: int, fps: float = 25.0) -> MotionTrack:
    """Speech-like motion touching the mouth, eyes, brows and head every frame."""
    t = np.arange(n) / fps
    rng = np.random.default_rng(0)
    return MotionTrack.from_channels(fps, {
        "jawOpen": np.clip(0.35 + 0.35 * np.sin(t * 9.0) + 0.1 * rng.standard_normal(n), 0, 1),
        "mouthSmileLeft": 0.3 + 0.2 * np.sin(t), "mouthSmileRight": 0.3 + 0.2 * np.sin(t),
        "mouthFunnel": np.clip(np.sin(t * 3.1), 0, 1) * 0.5,
        "eyeBlinkLeft": (np.sin(t * 1.7) > 0.95).astype(float), "eyeBlinkRight": (np.sin(t * 1.7) > 0.95).astype(float),
        "browInnerUp": np.clip(np.sin(t * 0.8), 0, 1) * 0.6,
        "headYaw": 8 * np.sin(t * 0.9), "headPitch": 4 * np.sin(t * 1.3), "headRoll": 3 * np.sin(t * 0.7),
        "gazeYaw": 10 * np.sin(t * 0.5),
    })


def median_of(runs: int, fn) -> float:
    return statistics.median(fn() for _ in range(runs))


def bench_analysis(runs: int) -> None:
    photos = sorted((SHARED / "portraits").glob("*"))
    if not photos:
        print("analysis: skipped (../shared/assets/portraits is absent)")
        return
    with tempfile.TemporaryDirectory() as cache:
        os.environ["AVATAR_STUDIO_CACHE"] = cache
        t0 = time.perf_counter()
        analyze(photos[0], use_cache=False)  # first call in a process loads the models
        cold = time.perf_counter() - t0
        new = []
        for _ in range(runs):
            for p in photos:
                t0 = time.perf_counter()
                analyze(p)  # a new photo: nothing cached for it yet in this folder
                new.append(time.perf_counter() - t0)
                for f in Path(cache).glob("*.npz"):
                    f.unlink()
        for p in photos:
            analyze(p)
        cached = []
        for _ in range(runs):
            for p in photos:
                t0 = time.perf_counter()
                analyze(p)
                cached.append(time.perf_counter() - t0)
    print(f"analysis, first photo in a fresh process (loads models): {cold * 1000:.0f} ms")
    print(f"analysis, new photo:      median {statistics.median(new) * 1000:.0f} ms, max {max(new) * 1000:.0f} ms over {len(new)} ({len(photos)} portraits x {runs})   target <= 500 ms")
    print(f"analysis, from cache:     median {statistics.median(cached) * 1000:.1f} ms, max {max(cached) * 1000:.1f} ms over {len(cached)}   target <= 50 ms")


def bench_render(avatar, track: MotionTrack, runs: int) -> None:
    with Renderer(avatar) as r:
        r.render(track.frame(0))

        def once() -> float:
            # As export draws: pipelined, every frame read back to memory.
            t0 = time.perf_counter()
            for _ in r.render_frames(track.frame(i) for i in range(track.n_frames)):
                pass
            return track.n_frames / (time.perf_counter() - t0)

        fps = [once() for _ in range(runs)]
    print(f"render only, 512x512:     median {statistics.median(fps):.1f} fps (runs: {', '.join(f'{v:.0f}' for v in fps)})   target >= 90")


def bench_export(avatar, track: MotionTrack, runs: int) -> None:
    audio_path = SHARED / "audio" / "pd_speech_en_male_librivox_austen_5utts_concat_25s.wav"
    audio = load_audio(audio_path, 48000) if audio_path.exists() else None
    fps = []
    with tempfile.TemporaryDirectory() as out:
        for k in range(runs):
            t0 = time.perf_counter()
            render_video(avatar, track, Path(out) / f"b{k}.mp4", audio=audio)
            fps.append(track.n_frames / (time.perf_counter() - t0))
    print(f"render + encode to MP4:   median {statistics.median(fps):.1f} fps (runs: {', '.join(f'{v:.0f}' for v in fps)})   target >= 45"
          f"  [H.264 veryfast crf 20{' + AAC' if audio else ''}, renderer set-up included]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--frames", type=int, default=250)
    args = ap.parse_args()
    portrait = SHARED / "portraits" / "pd_photo_woman_nasa_astronaut_eileen_collins.png"
    if not portrait.exists():
        portrait = REPO / "assets" / "demo_portrait.png"
    print(f"machine: {os.cpu_count()} CPUs; portrait {portrait.name}; {args.frames} frames per run")
    bench_analysis(args.runs)
    avatar = analyze(portrait, Framing("portrait", 512))
    track = talking_track(args.frames)
    bench_render(avatar, track, args.runs)
    bench_export(avatar, track, args.runs)


if __name__ == "__main__":
    main()
