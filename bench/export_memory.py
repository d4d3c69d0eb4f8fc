"""Show that MP4 export memory stays flat with length: write a long clip, report peak RSS growth.

    python bench/export_memory.py                 # 3 min of 512x512 at 25 fps with 16 kHz audio
    python bench/export_memory.py --seconds 600   # longer, same checkpoints plus the end

Peak RSS (getrusage ru_maxrss) is sampled after 1 s of video (encoder warmed up), 30 s and at
the end; a streaming writer shows the same peak at 30 s and at 180 s. Also prints throughput,
for the 45 fps export target in DESIGN.md (frame synthesis here is cheap but not free).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from inference.audio import AudioClip  # noqa: E402
from inference.export import VideoWriter, probe_media  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def current_rss_mib() -> float:
    """Resident memory now (Linux /proc), which unlike the peak also shows memory given back."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speech_like_clip(seconds: float, sample_rate: int = 16000) -> AudioClip:
    """A 150 Hz buzz with a 4 Hz syllable envelope: busy enough that AAC has real work.

    Built one second at a time so its temporaries do not raise the peak RSS the bench measures from.
    """
    samples = np.empty(round(seconds * sample_rate), dtype=np.float32)
    for start in range(0, len(samples), sample_rate):
        t = np.arange(start, min(start + sample_rate, len(samples))) / sample_rate
        envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))
        samples[start:start + len(t)] = 0.3 * envelope * np.sin(2 * np.pi * 150 * t)
    return AudioClip(samples, sample_rate)


def moving_frames(size: int):
    """Endless (size, size, 3) uint8 frames: a grainy gradient drifting 3 px per frame, a moving square.

    The grain (+-4 levels, like a photo's) keeps x264 from coasting on a perfectly flat picture.
    """
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([x * 240 // size, y * 240 // size, (x + y) * 120 // size], -1)
    grain = np.random.default_rng(0).integers(0, 9, size=base.shape)
    base = (base + grain).astype(np.uint8)
    i = 0
    while True:
        frame = np.roll(base, 3 * i, axis=1)
        cy, cx = size // 2, (5 * i) % size
        frame[max(cy - 20, 0):cy + 20, max(cx - 20, 0):cx + 20] = 255
        yield frame
        i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()

    n_frames = round(args.seconds * args.fps)
    checkpoints = {args.fps: "1 s", 30 * args.fps: "30 s", n_frames: f"{args.seconds:g} s"}
    clip = speech_like_clip(args.seconds)  # allocated before the baseline: the input, not the writer
    frames = moving_frames(args.size)
    baseline = peak_rss_mib()
    print(f"baseline: peak RSS {baseline:.1f} MiB, current RSS {current_rss_mib():.1f} MiB "
          f"(audio clip {clip.samples.nbytes / 2**20:.1f} MiB)")

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.mp4"
        start = time.perf_counter()
        with VideoWriter(out, args.size, args.size, args.fps, audio=clip) as writer:
            for i in range(1, n_frames + 1):
                writer.write(next(frames))
                if i in checkpoints:
                    elapsed = time.perf_counter() - start
                    print(f"after {checkpoints[i]:>6} of video: peak RSS +{peak_rss_mib() - baseline:6.1f} MiB, "
                          f"current RSS {current_rss_mib():6.1f} MiB, {i / elapsed:5.1f} fps")
        info = probe_media(out)
        print(f"wrote {info['frames']} frames, {out.stat().st_size / 2**20:.1f} MiB; video "
              f"{info['video_duration']:.3f} s, audio {info['audio_duration']:.3f} s; "
              f"total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
