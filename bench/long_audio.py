"""Long speech files: peak memory and speed of `motion` and `render`, which stream the audio.

Builds speech files of several lengths by repeating a shared 25 s clip (FLAC, in a temporary
folder), runs the CLI on each in a fresh process and prints wall time and peak RSS. Flat
memory shows as the same peak for every length (the motion track itself, 60 float32 channels at
25 fps, adds 21 MiB per hour; the render holds no track at all).

    python bench/long_audio.py [--minutes 2,10,60] [--render-minutes 1,4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "assets"
CLIP = SHARED / "audio" / "pd_speech_en_male_librivox_austen_5utts_concat_25s.wav"
PORTRAIT = SHARED / "portraits" / "pd_photo_woman_nasa_astronaut_eileen_collins.png"


def write_long_flac(path: Path, minutes: float) -> None:
    """`minutes` of the clip repeated, written a repeat at a time (16 kHz mono FLAC)."""
    sys.path.insert(0, str(REPO))
    from inference.audio import load_audio

    clip = load_audio(CLIP, 16000).samples
    n = int(minutes * 60 * 16000)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=16000)
        stream.layout = "mono"
        written = 0
        while written < n:
            piece = clip[: n - written]
            frame = av.AudioFrame.from_ndarray((piece * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
            frame.sample_rate = 16000
            out.mux(stream.encode(frame))
            written += len(piece)
        out.mux(stream.encode(None))


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command, measured with GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *cmd], cwd=REPO,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
        return wall, int(report.read().split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", default="2,10,60", help="lengths for `motion`, comma-separated")
    ap.add_argument("--render-minutes", default="1,4", help="lengths for `render`, comma-separated")
    args = ap.parse_args()
    if not CLIP.exists():
        raise SystemExit(f"needs {CLIP} (the shared assets beside the repository)")
    env_python = [sys.executable, "-m", "studio"]
    with tempfile.TemporaryDirectory() as tmp:
        print("avatar-studio motion LONG.flac -o TRACK.json")
        for minutes in [float(m) for m in args.minutes.split(",") if m]:
            audio = Path(tmp) / f"speech_{minutes:g}min.flac"
            write_long_flac(audio, minutes)
            wall, rss = run([*env_python, "motion", str(audio), "-o", str(Path(tmp) / "track.json")])
            print(f"  {minutes:5g} min: {wall:7.1f} s ({minutes * 60 / wall:5.1f}x real time), peak RSS {rss:7.1f} MiB, "
                  f"track file {os.path.getsize(Path(tmp) / 'track.json') / 2**20:.1f} MiB")
            audio.unlink()
        print("avatar-studio render PORTRAIT LONG.flac -o OUT.mp4 (512x512, 25 fps)")
        for minutes in [float(m) for m in args.render_minutes.split(",") if m]:
            audio = Path(tmp) / f"speech_{minutes:g}min.flac"
            write_long_flac(audio, minutes)
            wall, rss = run([*env_python, "render", str(PORTRAIT), str(audio), "-o", str(Path(tmp) / "out.mp4")])
            print(f"  {minutes:5g} min: {wall:7.1f} s ({minutes * 60 / wall:5.2f}x real time), peak RSS {rss:7.1f} MiB")
            audio.unlink()


if __name__ == "__main__":
    main()
