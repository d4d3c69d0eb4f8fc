"""`avatar-studio`: no arguments opens the studio; subcommands work headless.

Every user error ends as one line on stderr and exit status 2; Ctrl-C exits 130. Nothing is left
half-written: outputs are written to temporary files and renamed when complete.
"""

from __future__ import annotations

import argparse
import itertools
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

    p = sub.add_parser("render", help="make a portrait talk: from speech, a script, or a motion track, to MP4")
    p.add_argument("portrait", help="JPEG, PNG or WebP photo")
    p.add_argument("audio", nargs="?", help="speech (WAV, FLAC, MP3, M4A, OGG, or a video's audio): drives the face")
    p.add_argument("--text", metavar="SCRIPT", help="a typed script, spoken by the bundled synthesiser (instead of AUDIO)")
    p.add_argument("--motion", metavar="TRACK.json", help='motion track instead of speech: {"fps": 25, "channels": {"jawOpen": [...]}}')
    p.add_argument("-o", "--output", required=True, metavar="OUT.mp4", help="video file to write (H.264 + AAC)")
    p.add_argument("--audio", dest="sound", metavar="AUDIO", help="with --motion: a sound track, fitted to the track's length")
    p.add_argument("--fps", type=float, help="output frame rate (default: 25, or the track's)")
    _speech_args(p)
    _framing_args(p)

    p = sub.add_parser("motion", help="speech to an ARKit-blendshape motion track (JSON)")
    p.add_argument("audio", help="speech file")
    p.add_argument("-o", "--output", required=True, metavar="TRACK.json")
    p.add_argument("--fps", type=float, default=25.0, help="frames per second of the track (default 25)")
    _speech_args(p)
    return parser


def _speech_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--transcript", metavar="TEXT_OR_FILE", help="what is said (text or a .txt file): aligned lips")
    p.add_argument("--gaze", metavar="YAW,PITCH", default="0,0", help="gaze direction in degrees (+ = right, up)")
    p.add_argument("--distance", metavar="D", default="1.0", help="head distance, 1 = as photographed; or keyframes t:d,t:d")
    p.add_argument("--emotion", metavar="NAME[:STRENGTH]", default="neutral",
                   help="neutral, happy, sad, angry or surprised, strength 0-1 (default 0.7)")
    p.add_argument("--motion-scale", type=float, default=1.0, help="head motion amount (default 1)")
    p.add_argument("--expressiveness", type=float, default=1.0, help="lip and brow energy (default 1)")
    p.add_argument("--blink-rate", type=float, default=17.0, help="blinks per minute (default 17)")
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same motion")


def controls_from_args(args):
    from inference.errors import InputError
    from inference.motion.controls import Controls, Curve, parse_curve

    try:
        yaw, pitch = (float(v) for v in args.gaze.split(","))
    except ValueError:
        raise InputError(f"--gaze takes YAW,PITCH in degrees, like 10,-5; got '{args.gaze}'") from None
    name, _, strength = args.emotion.partition(":")
    try:
        strength_value = float(strength) if strength else (0.7 if name != "neutral" else 0.0)
    except ValueError:
        raise InputError(f"--emotion strength must be a number from 0 to 1, got '{strength}'") from None
    if not 0.0 <= strength_value <= 1.0:
        raise InputError(f"--emotion strength must be from 0 to 1, got {strength_value:g}")
    return Controls(gaze_yaw=Curve.constant(yaw), gaze_pitch=Curve.constant(pitch),
                    distance=parse_curve(args.distance, "--distance"), emotion=name.lower(),
                    emotion_strength=Curve.constant(strength_value), motion_scale=args.motion_scale,
                    expressiveness=args.expressiveness, blink_rate=args.blink_rate, seed=args.seed)


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

    from inference.audio import AudioFile
    from inference.errors import InputError, checked_output
    from inference.export.render_video import render_video
    from inference.export.video import probe_media
    from inference.face import Framing, analyze
    from inference.motion import MotionTrack
    from inference.motion.from_speech import motion_from_text, read_transcript
    from inference.motion.stream import motion_frames, stream_motion

    out = checked_output(args.output, ".mp4")
    sources = [x for x in (args.audio, args.motion, args.text) if x is not None]
    if len(sources) != 1:
        raise InputError("give one of: a speech file (render PORTRAIT AUDIO -o OUT.mp4), --text \"a script\", or --motion TRACK.json")
    if args.fps is not None and not 1 <= args.fps <= 120:
        raise InputError(f"--fps must be between 1 and 120, not {args.fps:g}")
    voice, expected = None, None
    if args.motion is not None:
        track = MotionTrack.load(args.motion)
        if track.n_frames == 0:
            raise InputError(f"motion track '{args.motion}' has no frames")
        fps, sound = args.fps or track.fps, args.sound
    elif args.text is not None:
        fps, sound = args.fps or 25.0, None
        track, voice = motion_from_text(args.text, controls_from_args(args), fps)
    else:
        # Speech is analysed as the video renders, a segment at a time, so an hour-long file
        # needs no more memory than a short one. The first segment is taken now: a bad file
        # fails before any work on the portrait.
        fps, sound = args.fps or 25.0, args.audio
        blocks = stream_motion(args.audio, controls_from_args(args), fps, read_transcript(args.transcript))
        track = motion_frames(itertools.chain([next(blocks)], blocks))
        expected = max(1, round((probe_media(args.audio)["audio_duration"] or 0.0) * fps))
    avatar = analyze(args.portrait, Framing(args.framing, args.size))
    for note in avatar.notes:
        print(f"note: {note}", file=sys.stderr)
    if sound and probe_media(sound)["audio_sample_rate"] is None:
        raise InputError(f"'{Path(sound).name}' has no audio track; choose a file with sound in it.")
    audio = AudioFile(Path(sound), 48000) if sound else voice
    total = expected or max(1, int(round(track.duration * fps)))
    with tqdm(total=total, unit="frame", desc="rendering", file=sys.stderr, dynamic_ncols=True) as bar:
        n = render_video(avatar, track, out, audio=audio, fps=fps, total=total,
                         progress=lambda done, _t: bar.update(done - bar.n))
    w, h = avatar.size
    print(f"wrote {out} ({w}x{h}, {n} frames at {fps:g} fps, {n / fps:.2f} s{', with audio' if audio else ''})", file=sys.stderr)
    return 0


def cmd_motion(args) -> int:
    from inference.errors import checked_output
    from inference.motion.from_speech import motion_from_speech, read_transcript

    out = checked_output(args.output, ".json")
    track = motion_from_speech(args.audio, controls_from_args(args), args.fps, read_transcript(args.transcript))
    track.save(out)
    print(f"wrote {out} ({track.n_frames} frames at {track.fps:g} fps, {track.n_moving_channels} channels)", file=sys.stderr)
    return 0


def open_studio(argv: list[str]) -> int:
    from studio.app import run_studio

    return run_studio(argv)


def main(argv: list[str] | None = None) -> int:
    # The studio exports in a spawned child process; a frozen (PyInstaller) build must let the
    # child run its job instead of starting another studio.
    import multiprocessing

    multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return open_studio(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 2
    from inference.errors import InputError

    try:
        return {"analyze": cmd_analyze, "render": cmd_render, "motion": cmd_motion}[args.command](args)
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
