"""Speech-driven motion, judged by re-tracking the rendered video with Face Mesh.

Prints (never asserts) the acceptance figures for talking from speech:

1. lip sync: AUC of the re-tracked inner-lip gap at open vowels against m/b/p, at the centre
   frame of each phone of a reference forced alignment, without and with the transcript, on
   two portraits;
2. against real talkers (shared/assets/videos): Pearson r between the rendered mouth opening
   and the real speaker's, at lags -200..+200 ms (best r, its lag, and r at lag 0);
3. on a 25 s clip: blinks per minute and durations, head yaw/pitch spread, landmark jitter
   against a still neutral render, and the lip gap in pauses against speech;
4. controls: gaze, emotion (happy/sad) and head distance, each against the default;
5. end-to-end speed of `python -m studio render PORTRAIT AUDIO -o OUT.mp4` (median of 3).

    python bench/speech_quality.py [--quick] [--frames-dir DIR]

--quick skips item 5; --frames-dir saves a few rendered frames as PNGs for a look.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "assets"
sys.path.insert(0, str(REPO))

from inference.audio import load_audio  # noqa: E402
from inference.audio.speech import SPEECH_RATE, analyse_prosody  # noqa: E402
from inference.face import analyze  # noqa: E402
from inference.face import measure as M  # noqa: E402
from inference.face.tracker import FaceTracker  # noqa: E402
from inference.motion import MotionFrame, MotionTrack  # noqa: E402
from inference.motion.controls import Controls, Curve  # noqa: E402
from inference.motion.from_speech import speech_features  # noqa: E402
from inference.motion.procedural import generate  # noqa: E402
from inference.render import Renderer  # noqa: E402

FPS = 25.0
PORTRAIT = SHARED / "portraits" / "pd_photo_woman_nasa_astronaut_eileen_collins.png"
SECOND_PORTRAIT = SHARED / "portraits" / "cc0_photo_woman_smiling_teeth_pexels.png"
CLIP_7S = SHARED / "audio" / "pd_speech_en_male_librivox_austen_0870_7s.wav"
CLIP_25S = SHARED / "audio" / "pd_speech_en_male_librivox_austen_5utts_concat_25s.wav"
OPEN_VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "EY", "OW")
BILABIALS = ("M", "B", "P")
BLINK_FRACTION = 0.6  # a blink: eye aspect ratio below this share of its median (open) value
MAX_LAG_S = 0.2


# ---------------------------------------------------------------- shared helpers


class Bench:
    """What every item needs: one Face Mesh tracker, cached avatars, an optional PNG folder."""

    def __init__(self, frames_dir: Path | None) -> None:
        self.tracker = FaceTracker(max_faces=1)
        self.frames_dir = frames_dir
        self._avatars: dict[Path, object] = {}

    def avatar(self, path: Path):
        if path not in self._avatars:
            self._avatars[path] = analyze(path)
        return self._avatars[path]

    def landmarks(self, rgb: np.ndarray) -> np.ndarray | None:
        faces = self.tracker.find(rgb)
        return faces[0].landmarks if faces else None

    def render_and_track(self, portrait: Path, frames: list[MotionFrame], save_as: str | None = None,
                         save_every: int = 0) -> list[np.ndarray | None]:
        """Face Mesh landmarks of every rendered frame (None where no face was found)."""
        out = []
        with Renderer(self.avatar(portrait)) as r:
            for i, rgb in enumerate(r.render_frames(frames)):
                out.append(self.landmarks(rgb))
                if save_as and self.frames_dir and save_every and i % save_every == 0:
                    cv2.imwrite(str(self.frames_dir / f"{save_as}_{i:04d}.png"), rgb[:, :, ::-1])
        return out

    def close(self) -> None:
        self.tracker.close()


def track_frames(track: MotionTrack) -> list[MotionFrame]:
    return [track.frame(i) for i in range(track.n_frames)]


def series(landmarks: list[np.ndarray | None], measure) -> np.ndarray:
    """A measure per frame, NaN where Face Mesh found no face."""
    return np.array([measure(lm) if lm is not None else np.nan for lm in landmarks], dtype=np.float64)


def speech_clip(path: Path):
    return load_audio(path, SPEECH_RATE)


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive scores above a negative), ties counting half (Mann-Whitney U / n1 n2)."""
    pos, neg = positives[~np.isnan(positives)], negatives[~np.isnan(negatives)]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def misses(landmarks: list[np.ndarray | None]) -> str:
    n = sum(lm is None for lm in landmarks)
    return f"{n}/{len(landmarks)} frames without a face" if n else "face found in every frame"


def section(title: str) -> None:
    print(f"\n== {title}")


# ---------------------------------------------------------------- 1. lip sync against a reference alignment


def reference_phones(path: Path) -> list[tuple[str, float]]:
    """(phone label, centre time s) for every phone of an alignment JSON."""
    doc = json.loads(path.read_text())
    return [(p["t"].upper(), p["b"] + p["d"] / 2) for word in doc["w"] for p in word["w"]]


def lip_sync_auc(gap: np.ndarray, phones: list[tuple[str, float]], fps: float) -> tuple[float, int, int, float, float]:
    """AUC of gap at open vowels vs bilabials, counts of each, and the mean gap of each."""
    def gaps_at(labels):
        idx = [min(len(gap) - 1, int(round(c * fps))) for p, c in phones if p.rstrip("012") in labels]
        return gap[idx]

    vowels, closures = gaps_at(OPEN_VOWELS), gaps_at(BILABIALS)
    return auc(vowels, closures), len(vowels), len(closures), float(np.nanmean(vowels)), float(np.nanmean(closures))


def bench_lip_sync(b: Bench) -> None:
    section("1. lip sync: re-tracked inner-lip gap at reference phone centres, open vowels vs M/B/P")
    clip = speech_clip(CLIP_7S)
    transcript = CLIP_7S.with_suffix(".txt").read_text()
    phones = reference_phones(CLIP_7S.with_name(CLIP_7S.stem + ".phone_alignment.json"))
    print(f"clip {CLIP_7S.name} ({clip.duration:.1f} s); reference alignment: "
          f"{sum(p.rstrip('012') in OPEN_VOWELS for p, _ in phones)} open vowels, "
          f"{sum(p in BILABIALS for p, _ in phones)} bilabials")
    tracks = {label: generate(speech_features(clip, FPS, text), Controls(), FPS)
              for label, text in (("no transcript", None), ("with transcript", transcript))}
    for portrait in (PORTRAIT, SECOND_PORTRAIT):
        for label, track in tracks.items():
            tag = f"lipsync_{portrait.stem[:12]}_{label.split()[0]}"
            lms = b.render_and_track(portrait, track_frames(track), tag, save_every=25)
            a, nv, nb, mv, mb = lip_sync_auc(series(lms, M.inner_lip_gap), phones, FPS)
            print(f"  {portrait.name[:40]:40s} {label:16s} AUC {a:.3f}   mean gap vowels {mv:.3f} "
                  f"vs M/B/P {mb:.3f} (face widths; {nv}/{nb} phones; {misses(lms)})")


# ---------------------------------------------------------------- 2. against real talkers


def decode_video(path: Path) -> tuple[list[np.ndarray], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return frames, float(stream.average_rate or FPS)


def real_mouth_gap(b: Bench, frames: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Inner-lip gap per video frame; frames Face Mesh misses are tried again upscaled 2x."""
    gaps, upscaled = [], 0
    for rgb in frames:
        lm = b.landmarks(rgb)
        if lm is None:
            lm = b.landmarks(cv2.resize(rgb, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
            upscaled += 1
        gaps.append(M.inner_lip_gap(lm) if lm is not None else np.nan)
    return np.array(gaps), upscaled


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def lagged_r(real: np.ndarray, rendered: np.ndarray, lag: int) -> float:
    """r between real[t] and rendered[t + lag]: lag > 0 means the render trails the real mouth."""
    n = min(len(real), len(rendered))
    real, rendered = real[:n], rendered[:n]
    if lag >= 0:
        return pearson(real[:n - lag], rendered[lag:])
    return pearson(real[-lag:], rendered[:n + lag])


def bench_real_talkers(b: Bench) -> None:
    section("2. rendered mouth opening vs the real speaker's (GRID videos), Pearson r over lags")
    print("  lag > 0: the render's mouth trails the real speaker's")
    for video in sorted((SHARED / "videos").glob("*.mpg")):
        frames, fps = decode_video(video)
        real, upscaled = real_mouth_gap(b, frames)
        clip = speech_clip(video)
        track = generate(speech_features(clip, fps), Controls(), fps)
        rendered = series(b.render_and_track(PORTRAIT, track_frames(track), f"grid_{video.stem[-6:]}", 25),
                          M.inner_lip_gap)
        steps = int(round(MAX_LAG_S * fps))
        rs = {lag: lagged_r(real, rendered, lag) for lag in range(-steps, steps + 1)}
        best = max(rs, key=lambda k: -np.inf if np.isnan(rs[k]) else rs[k])
        print(f"  {video.name}: {len(frames)} video / {track.n_frames} rendered frames at {fps:g} fps, "
              f"real face missed {int(np.isnan(real).sum())} (retried 2x: {upscaled}), "
              f"render missed {int(np.isnan(rendered).sum())}")
        print(f"    best r {rs[best]:+.3f} at lag {1000 * best / fps:+.0f} ms;  r at lag 0 {rs[0]:+.3f}")
        print("    r by lag (ms): " + "  ".join(f"{1000 * k / fps:+.0f}:{v:+.2f}" for k, v in rs.items()))


# ---------------------------------------------------------------- 3. a long clip: blinks, head, jitter, pauses


def below_runs(x: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """(start, end) frame ranges where x < threshold (NaN counts as not below)."""
    low = np.append(np.nan_to_num(x, nan=np.inf) < threshold, False)
    runs, start = [], None
    for i, v in enumerate(low):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append((start, i))
            start = None
    return runs


# Forehead and nose-bridge points: no expression channel moves them, so what they do beyond the
# head's own smooth motion is tracker response to the picture, i.e. jitter. (The eye corners and
# cheeks of M.RIGID follow blinks and the jaw.)
STILL_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 109, 338, 67, 297)


def rigid_jitter(landmarks: list[np.ndarray | None], window: int = 5, points=tuple(M.RIGID),
                 keep: np.ndarray | None = None) -> float:
    """Mean frame-to-frame displacement (px) of `points` minus their moving average, over the
    frames in `keep` (all by default)."""
    pts = np.stack([lm[list(points), :2] for lm in landmarks if lm is not None]).astype(np.float64)
    kernel = np.ones(window) / window
    half = window // 2
    smooth = np.apply_along_axis(lambda s: np.convolve(np.pad(s, half, mode="edge"), kernel, "valid"), 0, pts)
    steps = np.linalg.norm(np.diff(pts - smooth, axis=0), axis=2).mean(1)
    if keep is not None:
        steps = steps[keep[1:len(steps) + 1] & keep[:len(steps)]]
    return float(steps.mean())


def head_angles(neutral: np.ndarray, landmarks: list[np.ndarray | None]) -> np.ndarray:
    """(T, 3) yaw, pitch, roll in degrees of each frame's rigid landmarks against a neutral render."""
    return np.array([M.yaw_pitch_roll(M.relative_rotation(neutral, lm)) if lm is not None else (np.nan,) * 3
                     for lm in landmarks])


def report_blinks(lms: list[np.ndarray | None], track: MotionTrack) -> list[tuple[int, int]]:
    """Print blink rate and durations; return the blinks' frame ranges."""
    ear = series(lms, lambda lm: (M.eye_aspect_ratio(lm, "Left") + M.eye_aspect_ratio(lm, "Right")) / 2)
    threshold = BLINK_FRACTION * float(np.nanmedian(ear))
    runs = below_runs(ear, threshold)
    minutes = track.duration / 60
    scripted = below_runs(-track.channel("eyeBlinkLeft"), -0.5)
    print(f"  blinks: {len(runs)} in {track.duration:.1f} s = {len(runs) / minutes:.1f} per minute "
          f"(eye aspect ratio below {threshold:.3f} = {BLINK_FRACTION:.0%} of its median {np.nanmedian(ear):.3f}); "
          f"the track scripts {len(scripted)} (eyeBlink > 0.5)")
    print("    durations ms: " + ", ".join(f"{1000 * (e - s) / track.fps:.0f}" for s, e in runs))
    print("    minimum eye aspect ratio in a blink, as a share of open: "
          + ", ".join(f"{np.nanmin(ear[s:e]) / np.nanmedian(ear):.2f}" for s, e in runs))
    return runs


def report_head(neutral_lm: np.ndarray, lms: list[np.ndarray | None], track: MotionTrack,
                blinks: list[tuple[int, int]]) -> None:
    angles = head_angles(neutral_lm, lms)
    print(f"  head (re-tracked vs a neutral render): yaw sd {np.nanstd(angles[:, 0]):.2f} deg, "
          f"pitch sd {np.nanstd(angles[:, 1]):.2f} deg, roll sd {np.nanstd(angles[:, 2]):.2f} deg; "
          f"the track asks yaw sd {np.std(track.channel('headYaw')):.2f}, "
          f"pitch sd {np.std(track.channel('headPitch')):.2f}, roll sd {np.std(track.channel('headRoll')):.2f}")
    r_yaw = pearson(angles[:, 0], track.channel("headYaw").astype(np.float64))
    r_pitch = pearson(angles[:, 1], track.channel("headPitch").astype(np.float64))
    print(f"    re-tracked vs asked, Pearson r: yaw {r_yaw:.3f}, pitch {r_pitch:.3f}")
    # The rigid set includes the eye corners, which Face Mesh moves when the lids close.
    open_eyes = np.ones(len(angles), bool)
    for s, e in blinks:
        open_eyes[max(0, s - 2):e + 2] = False
    print(f"    without blink frames (+-2): yaw sd {np.nanstd(angles[open_eyes, 0]):.2f} deg, "
          f"pitch sd {np.nanstd(angles[open_eyes, 1]):.2f} deg; pitch r "
          f"{pearson(angles[open_eyes, 1], track.channel('headPitch')[open_eyes].astype(np.float64)):.3f}")


def report_jitter(b: Bench, lms: list[np.ndarray | None], track: MotionTrack,
                  blinks: list[tuple[int, int]]) -> None:
    moving = rigid_jitter(lms)
    still = rigid_jitter(b.render_and_track(PORTRAIT, [MotionFrame.neutral()] * track.n_frames))
    head_only = MotionTrack.from_channels(track.fps, {c: track.channel(c) for c in ("headYaw", "headPitch", "headRoll")})
    smooth_head = rigid_jitter(b.render_and_track(PORTRAIT, track_frames(head_only)))
    print(f"  rigid-landmark jitter (mean |frame-to-frame step| after removing a 5-frame moving average): "
          f"{moving:.3f} px; neutral still render {still:.3f} px; ratio {ratio_text(moving, still)}")
    print(f"    for reference: the same track's head channels alone (no face motion) {smooth_head:.3f} px, "
          f"ratio {ratio_text(moving, smooth_head)}")
    open_eyes = np.ones(track.n_frames, bool)
    for s, e in blinks:
        open_eyes[max(0, s - 2):e + 2] = False
    head_lms = b.render_and_track(PORTRAIT, track_frames(head_only))
    a = rigid_jitter(lms, points=STILL_POINTS, keep=open_eyes)
    n = rigid_jitter(head_lms, points=STILL_POINTS, keep=open_eyes)
    print(f"  jitter of forehead and nose-bridge points, blink frames (+-2) left out: {a:.3f} px against "
          f"{n:.3f} px for the neutral-faced render with the same head motion: ratio {ratio_text(a, n)}")
    # The same measure on the renderer's own vertices: what the picture does, without Face Mesh
    # re-fitting its whole face model whenever the mouth opens.
    with Renderer(b.avatar(PORTRAIT)) as r:
        verts = lambda t: [np.c_[r.layer_positions(t.frame(i))["head"][:, :2], np.zeros(len(r.rig.rest))]
                           for i in range(t.n_frames)]
        a, n = rigid_jitter(verts(track), points=STILL_POINTS), rigid_jitter(verts(head_only), points=STILL_POINTS)
    print(f"    on the rendered mesh itself (no tracker): {a:.3f} px against {n:.3f} px, ratio {ratio_text(a, n)}")


def ratio_text(a: float, b: float) -> str:
    if b > 0:
        return f"{a / b:.2f}"
    return "undefined (identical frames give identical landmarks in Face Mesh's static-image mode)"


def report_pauses(clip, lms: list[np.ndarray | None]) -> None:
    pause = analyse_prosody(clip, FPS).pause
    gap = series(lms, M.inner_lip_gap)
    n = min(len(pause), len(gap))
    pause, gap = pause[:n], gap[:n]
    print(f"  inner-lip gap: pauses {np.nanmean(gap[pause]):.4f} ({pause.sum()} frames), "
          f"speaking {np.nanmean(gap[~pause]):.4f} ({(~pause).sum()} frames) face widths; "
          f"pause frames with gap > 0.02: {int(np.nansum(gap[pause] > 0.02))}")


def bench_long_clip(b: Bench) -> None:
    section(f"3. {CLIP_25S.name}: blinks, head motion, jitter, lips in pauses")
    clip = speech_clip(CLIP_25S)
    track = generate(speech_features(clip, FPS), Controls(), FPS)
    lms = b.render_and_track(PORTRAIT, track_frames(track), "long", save_every=50)
    neutral = b.render_and_track(PORTRAIT, [MotionFrame.neutral()])[0]
    print(f"  {track.n_frames} frames; {misses(lms)}")
    blinks = report_blinks(lms, track)
    report_head(neutral, lms, track, blinks)
    report_jitter(b, lms, track, blinks)
    report_pauses(clip, lms)


# ---------------------------------------------------------------- 4. controls


def mean_of(b: Bench, features, controls: Controls, measure) -> float:
    track = generate(features, controls, FPS)
    return float(np.nanmean(series(b.render_and_track(PORTRAIT, track_frames(track)), measure)))


def bench_controls(b: Bench) -> None:
    section(f"4. controls, re-tracked on {CLIP_7S.name} (means over every frame)")
    features = speech_features(speech_clip(CLIP_7S), FPS)
    iris_x = lambda lm: M.iris_offset(lm)[0]  # noqa: E731
    base = {name: mean_of(b, features, Controls(), fn)
            for name, fn in (("iris", iris_x), ("corner", M.mouth_corner_height), ("width", M.face_width))}
    gaze = mean_of(b, features, Controls(gaze_yaw=Curve.constant(15)), iris_x)
    print(f"  gaze_yaw 15 deg: iris offset x {gaze:+.4f} vs default {base['iris']:+.4f}: "
          f"difference {gaze - base['iris']:+.4f} eye widths")
    for emotion in ("happy", "sad"):
        c = mean_of(b, features, Controls(emotion=emotion, emotion_strength=Curve.constant(1.0)), M.mouth_corner_height)
        print(f"  emotion {emotion:5s} (strength 1): mouth corner height {c:+.4f} vs neutral {base['corner']:+.4f}: "
              f"difference {c - base['corner']:+.4f} face widths")
    w = mean_of(b, features, Controls(distance=Curve.constant(1.2)), M.face_width)
    print(f"  distance 1.2: face width {w:.1f} px vs default {base['width']:.1f} px: ratio {w / base['width']:.3f}")


# ---------------------------------------------------------------- 5. end-to-end speed


def run_cli(portrait: Path, audio: Path, out: Path, env: dict) -> float:
    cmd = [sys.executable, "-m", "studio", "render", str(portrait), str(audio), "-o", str(out)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return took


def bench_end_to_end(runs: int = 3) -> None:
    section(f"5. end-to-end: python -m studio render PORTRAIT {CLIP_25S.name} -o OUT.mp4 (512x512, 25 fps)")
    duration = load_audio(CLIP_25S, SPEECH_RATE).duration
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, AVATAR_STUDIO_CACHE=str(Path(tmp) / "cache"))
        warm = run_cli(PORTRAIT, CLIP_25S, Path(tmp) / "warm.mp4", env)
        times = [run_cli(PORTRAIT, CLIP_25S, Path(tmp) / f"run{k}.mp4", env) for k in range(runs)]
    wall = statistics.median(times)
    print(f"  warm-up run (fills the analysis cache): {warm:.2f} s")
    print(f"  wall time: median {wall:.2f} s of {runs} (runs: {', '.join(f'{t:.2f}' for t in times)}); "
          f"audio {duration:.2f} s -> {duration / wall:.2f}x real time (target >= 2x)")


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the end-to-end speed run (item 5)")
    ap.add_argument("--items", default="1,2,3,4,5", help="which items to run, e.g. 2,5")
    ap.add_argument("--frames-dir", type=Path, help="save some rendered frames as PNGs here")
    args = ap.parse_args()
    if not PORTRAIT.exists():
        print(f"skipped: {SHARED} is absent")
        return
    if args.frames_dir:
        args.frames_dir.mkdir(parents=True, exist_ok=True)
    print(f"portrait {PORTRAIT.name}, 512x512, {FPS:g} fps; re-tracked with Face Mesh (static images); "
          f"{os.cpu_count()} CPUs")
    items = {int(k) for k in args.items.split(",") if k.strip()}
    b = Bench(args.frames_dir)
    try:
        for k, item in ((1, bench_lip_sync), (2, bench_real_talkers), (3, bench_long_clip), (4, bench_controls)):
            if k in items:
                item(b)
    finally:
        b.close()
    if args.quick or 5 not in items:
        print("\n== 5. end-to-end speed: skipped")
    else:
        bench_end_to_end()


if __name__ == "__main__":
    main()
