"""`avatar-studio`: no arguments opens the studio; subcommands work headless.

Every user error ends as one line on stderr and exit status 2; Ctrl-C exits 130. Nothing is left
half-written: outputs are written to temporary files and renamed when complete.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PROG = "avatar-studio"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Make a portrait photo talk. Run with no arguments to open the studio.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("analyze", help="find the face in a photo and build its avatar (cached)")
    p.add_argument("portrait", help="JPEG, PNG or WebP photo with one clearly visible face")
    _framing_args(p)
    p.add_argument("--no-cache", action="store_true", help="analyse again even if a cached result exists")

    p = sub.add_parser("render", help="render a motion track of a portrait to MP4")
    p.add_argument("portrait", help="JPEG, PNG or WebP photo")
    p.add_argument("--motion", required=True, metavar="TRACK.json", help='motion track: {"fps": 25, "channels": {"jawOpen": [...]}}')
    p.add_argument("-o", "--output", required=True, metavar="OUT.mp4", help="video file to write (H.264 + AAC)")
    p.add_argument("--audio", metavar="AUDIO", help="sound track (WAV, FLAC, MP3, M4A, OGG, or a video's audio); fitted to the track's length")
    p.add_argument("--fps", type=float, help="output frame rate (default: the track's)")
    _framing_args(p)
    return parser


def _framing_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--framing", choices=("portrait", "full"), default="portrait",
                   help="portrait: square head-and-shoulders crop (default); full: the whole photo")
    p.add_argument("--size", type=int, default=512, help="output side (portrait) or long side (full) in pixels, default 512")


def cmd_analyze(args) -> int:
    from inference.face import Framing, analyze

    t0 = time.perf_counter()
    avatar = analyze(args.portrait, Framing(args.framing, args.size), use_cache=not args.no_cache)
    took = time.perf_counter() - t0
    w, h = avatar.size
    x0, y0, x1, y1 = avatar.crop
    print(f"photo:      {args.portrait}")
    print(f"frame:      {w}x{h} ({args.framing}), from the photo's region {x1 - x0:.0f}x{y1 - y0:.0f} at ({x0:.0f}, {y0:.0f})")
    print(f"face:       {avatar.face_width:.0f} px wide in the frame, 478 landmarks, irises {avatar.iris_radius['Left']:.1f}/{avatar.iris_radius['Right']:.1f} px")
    print(f"person:     {100 * (avatar.mask > 127).mean():.0f} % of the frame")
    for note in avatar.notes:
        print(f"note:       {note}")
    print(f"time:       {took * 1000:.0f} ms")
    return 0


def cmd_render(args) -> int:
    from tqdm import tqdm

    from inference.audio import load_audio
    from inference.errors import InputError
    from inference.export.render_video import render_video
    from inference.face import Framing, analyze
    from inference.motion import MotionTrack

    out = Path(args.output)
    if out.suffix.lower() != ".mp4":
        raise InputError(f"output '{out}' must end in .mp4")
    if not out.parent.exists():
        raise InputError(f"folder '{out.parent}' does not exist; create it or choose another output path")
    if args.fps is not None and not 1 <= args.fps <= 120:
        raise InputError(f"--fps must be between 1 and 120, not {args.fps:g}")
    track = MotionTrack.load(args.motion)
    if track.n_frames == 0:
        raise InputError(f"motion track '{args.motion}' has no frames")
    avatar = analyze(args.portrait, Framing(args.framing, args.size))
    for note in avatar.notes:
        print(f"note: {note}", file=sys.stderr)
    audio = load_audio(args.audio, sample_rate=48000) if args.audio else None
    fps = args.fps or track.fps
    total = max(1, int(round(track.duration * fps)))
    with tqdm(total=total, unit="frame", desc="rendering", file=sys.stderr, dynamic_ncols=True) as bar:
        n = render_video(avatar, track, out, audio=audio, fps=fps, progress=lambda done, _t: bar.update(done - bar.n))
    w, h = avatar.size
    print(f"wrote {out} ({w}x{h}, {n} frames at {fps:g} fps, {n / fps:.2f} s{', with audio' if audio else ''})", file=sys.stderr)
    return 0


def open_studio(argv: list[str]) -> int:
    from studio.app import run_studio

    return run_studio(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return open_studio(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 2
    from inference.errors import InputError

    try:
        return {"analyze": cmd_analyze, "render": cmd_render}[args.command](args)
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
