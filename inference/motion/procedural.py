"""The procedural holistic generator: phones and prosody in, every motion channel out.

Lips: visemes blended by dominance (coarticulation with anticipation; bilabials always close),
jaw energy scaled by loudness. Face: brow raises on pitch accents. Head: nods on accents, posture
shifts at phrase boundaries, a small sway, breathing in pauses. Eyes: blinks at a natural rate
(more at pauses), saccades between fixations. Controls (gaze, distance, emotion, amounts) act as
VASA-1's conditions. Seeded and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.audio.speech import Phone, Prosody
from inference.motion.controls import EMOTIONS, Controls
from inference.motion.track import CHANNEL_INDEX, NEUTRAL, MotionTrack
from inference.motion.visemes import SHAPES, shape_of

ANTICIPATION = 1.4  # a phone's shape starts forming this much earlier than it lingers after
MIN_SPREAD_S = 0.035


@dataclass(frozen=True)
class SpeechFeatures:
    phones: tuple[Phone, ...]
    prosody: Prosody
    duration: float  # seconds


def generate(speech: SpeechFeatures, controls: Controls = Controls(), fps: float = 25.0) -> MotionTrack:
    """A motion track covering the speech, at `fps` (the prosody must be at the same rate)."""
    if abs(speech.prosody.fps - fps) > 1e-6:
        raise ValueError("prosody and output frame rates differ")
    n = len(speech.prosody.loudness_db)
    t = np.arange(n) / fps
    rng = np.random.default_rng(controls.seed)
    data = np.repeat(NEUTRAL[:, None], n, axis=1).astype(np.float64)
    ch = lambda name: data[CHANNEL_INDEX[name]]  # noqa: E731 - a view into one row

    lips = lip_channels(speech.phones, speech.prosody, t, controls.expressiveness)
    for name, series in lips.items():
        data[CHANNEL_INDEX[name]] += series
    accents = pitch_accents(speech.prosody)
    add_brows(data, t, accents, controls.expressiveness)
    add_head(data, t, speech.prosody, accents, rng, controls.motion_scale)
    blink = blinks(t, speech.prosody.pause, rng, controls.blink_rate)
    ch("eyeBlinkLeft")[:] = blink
    ch("eyeBlinkRight")[:] = blink
    yaw, pitch = gaze_path(t, speech.prosody.pause, rng)
    ch("gazeYaw")[:] = yaw + controls.gaze_yaw.at(t)
    ch("gazePitch")[:] = pitch + controls.gaze_pitch.at(t)
    ch("headDistance")[:] = controls.distance.at(t)
    strength = np.clip(controls.emotion_strength.at(t), 0, 1)
    for name, w in EMOTIONS[controls.emotion].items():
        data[CHANNEL_INDEX[name]] += w * strength
    blend = [i for i, c in enumerate(data) if i >= CHANNEL_INDEX["gazePitch"] + 1]
    data[blend] = np.clip(data[blend], 0, 1)
    return MotionTrack(fps, data.astype(np.float32))


# ---------------------------------------------------------------- lips


def lip_channels(phones, prosody: Prosody, t: np.ndarray, expressiveness: float) -> dict[str, np.ndarray]:
    """Dominance-weighted blend of each phone's viseme over time (Cohen-Massaro)."""
    names = sorted({k for target, _ in SHAPES.values() for k in target})
    num = {k: np.zeros_like(t) for k in names}
    den = np.full_like(t, 1e-3)  # a faint pull to rest where no phone reaches
    fps = 1.0 / (t[1] - t[0]) if len(t) > 1 else 25.0
    closures = []
    for p in phones:
        target, dominance = SHAPES[shape_of(p.label)]
        centre, half = (p.start + p.end) / 2, max((p.end - p.start) / 2, MIN_SPREAD_S)
        lo, hi = int(max(0, (centre - 4 * half * ANTICIPATION) * fps)), int(min(len(t), (centre + 4 * half) * fps + 1))
        if hi <= lo:
            continue
        dt = t[lo:hi] - centre
        bilabial = shape_of(p.label) == "bilabial"
        # Bilabials close briefly and exactly (clamped below), so they do not spread.
        spread = half if bilabial else np.where(dt < 0, half * ANTICIPATION, half)
        d = dominance * np.exp(-((dt / spread) ** 2))
        den[lo:hi] += d
        for k, v in target.items():
            num[k][lo:hi] += d * v
        if bilabial:
            closures.append((p.start, p.end))
    out = {k: expressiveness * num[k] / den for k in names}
    # Loudness carries the jaw's energy, and keeps languages and singing moving where the
    # phone set fits badly: louder speech opens wider.
    pause = shrink_runs(prosody.pause, int(round(0.06 * fps)))
    speaking = ~pause
    energy = np.clip((prosody.loudness_db + 30.0) / 30.0, 0.0, 1.2)
    out["jawOpen"] = out["jawOpen"] * (0.7 + 0.4 * energy) * speaking
    for k in names:
        if k not in ("jawOpen", "mouthClose"):
            out[k] = out[k] * speaking
    # The lips meet on m, b, p whatever the neighbours, and rest closed in silence, even on a
    # photo taken with the mouth open.
    out["mouthClose"] = np.zeros_like(t)
    for a, b in closures:
        i0, i1 = int(a * fps), int(np.ceil(b * fps))
        out["jawOpen"][i0:i1 + 1] = np.minimum(out["jawOpen"][i0:i1 + 1], 0.03)
        out["mouthClose"][i0:i1 + 1] = 1.0
    out["mouthClose"] = np.maximum(out["mouthClose"], prosody.pause.astype(float))
    return {k: smooth_both_ways(v, fps, 0.02) for k, v in out.items()}


def shrink_runs(mask: np.ndarray, frames: int) -> np.ndarray:
    """`mask` with every True run shortened by `frames` at both ends (binary erosion)."""
    if frames <= 0:
        return mask.copy()
    padded = np.pad(mask.astype(int), frames, constant_values=1)
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * frames + 1)
    return window.min(axis=1).astype(bool)


def smooth_both_ways(x: np.ndarray, fps: float, tau_s: float) -> np.ndarray:
    """Zero-phase one-pole smoothing: no lag, time constant `tau_s` seconds."""
    a = 1 - np.exp(-1 / (fps * tau_s))
    y = np.array(x, dtype=np.float64)
    for seq in (range(1, len(y)), range(len(y) - 2, -1, -1)):
        prev = y[seq[0] - 1] if seq.step == 1 else y[seq[0] + 1]
        for i in seq:
            prev = prev + a * (y[i] - prev)
            y[i] = prev
    return y


# ---------------------------------------------------------------- prosody-driven face and head


def pitch_accents(prosody: Prosody) -> np.ndarray:
    """Frame indices of pitch accents: local pitch peaks well above the speaker's own level."""
    f0 = prosody.pitch_hz
    voiced = f0 > 0
    if voiced.sum() < 5:
        return np.zeros(0, int)
    semis = np.where(voiced, 12 * np.log2(np.maximum(f0, 1) / np.median(f0[voiced])), -99.0)
    win = max(1, int(0.2 * prosody.fps))
    peaks = []
    for i in np.nonzero((semis > 1.5) & (prosody.loudness_db > -15))[0]:
        lo, hi = max(0, i - win), min(len(semis), i + win + 1)
        if semis[i] >= semis[lo:hi].max() and (not peaks or i - peaks[-1] > 2 * win):
            peaks.append(i)
    return np.array(peaks, int)


def pulse(t: np.ndarray, at: float, rise: float, fall: float) -> np.ndarray:
    dt = t - at
    return np.where(dt < 0, np.exp(-((dt / rise) ** 2)), np.exp(-((dt / fall) ** 2)))


def add_brows(data: np.ndarray, t: np.ndarray, accents: np.ndarray, expressiveness: float) -> None:
    brow = np.zeros_like(t)
    for i in accents:
        brow = np.maximum(brow, 0.4 * pulse(t, t[i], 0.08, 0.3))
    for name, w in (("browInnerUp", 1.0), ("browOuterUpLeft", 0.6), ("browOuterUpRight", 0.6)):
        data[CHANNEL_INDEX[name]] += expressiveness * w * brow


def smooth_noise(t: np.ndarray, rng: np.random.Generator, hz: tuple[float, ...]) -> np.ndarray:
    """A sum of slow sinusoids with random phases: unit-ish amplitude, never repeating exactly."""
    out = np.zeros_like(t)
    for f in hz:
        out += np.sin(2 * np.pi * f * rng.uniform(0.8, 1.25) * t + rng.uniform(0, 2 * np.pi))
    return out / np.sqrt(len(hz))


def add_head(data: np.ndarray, t: np.ndarray, prosody: Prosody, accents: np.ndarray,
             rng: np.random.Generator, scale: float) -> None:
    fps = prosody.fps
    speaking = smooth_both_ways((~prosody.pause).astype(float), fps, 0.4)
    energy = 0.6 + 0.6 * speaking
    yaw = 2.0 * energy * smooth_noise(t, rng, (0.11, 0.23, 0.37))
    pitch = 1.1 * energy * smooth_noise(t, rng, (0.13, 0.29, 0.41))
    roll = 1.0 * energy * smooth_noise(t, rng, (0.07, 0.19))
    for i in accents:  # a nod: down and back up around the accent
        pitch -= 2.5 * pulse(t, t[i], 0.1, 0.25)
    onsets = np.nonzero(np.diff(prosody.pause.astype(int)) == 1)[0]
    shift_yaw, shift_roll = np.zeros_like(t), np.zeros_like(t)
    for i in onsets:  # a phrase ends: settle into a slightly different posture
        step = np.clip(1 / (1 + np.exp(-(t - t[i]) / 0.15)), 0, 1)
        shift_yaw += rng.normal(0, 1.5) * step
        shift_roll += rng.normal(0, 1.0) * step
    shift_yaw -= shift_yaw.mean()
    shift_roll -= shift_roll.mean()
    breathing = 0.5 * np.sin(2 * np.pi * 0.25 * t) * (1 - speaking)
    data[CHANNEL_INDEX["headYaw"]] += scale * (yaw + shift_yaw)
    data[CHANNEL_INDEX["headPitch"]] += scale * (pitch + breathing)
    data[CHANNEL_INDEX["headRoll"]] += scale * (roll + shift_roll)


# ---------------------------------------------------------------- eyes


def blinks(t: np.ndarray, pause: np.ndarray, rng: np.random.Generator, per_minute: float) -> np.ndarray:
    """Blink curve in [0, 1]: Poisson-timed, denser at pause onsets, fast close, slower reopening."""
    out = np.zeros_like(t)
    if per_minute <= 0 or len(t) == 0:
        return out
    fps = 1.0 / (t[1] - t[0]) if len(t) > 1 else 25.0
    starts = []
    s = rng.exponential(60.0 / per_minute) * 0.5
    while s < t[-1]:
        starts.append(s)
        s += max(0.5, rng.exponential(60.0 / per_minute))
    for i in np.nonzero(np.diff(pause.astype(int)) == 1)[0]:
        if rng.random() < 0.5 and all(abs(t[i] - x) > 0.8 for x in starts):
            starts.append(t[i] + 0.05)
    for s in starts:
        # Close in ~80 ms, stay shut 50-120 ms, reopen in ~120-200 ms: 250-400 ms in all,
        # about half of it with the eye mostly closed.
        close, hold, reopen = rng.uniform(0.06, 0.1), rng.uniform(0.05, 0.12), rng.uniform(0.12, 0.2)
        k = np.arange(int(s * fps), min(len(t), int((s + close + hold + reopen) * fps) + 2))
        dt = t[k] - s
        shape = np.where(dt < close, dt / close,
                         np.where(dt < close + hold, 1.0, 1.0 - (dt - close - hold) / reopen))
        out[k] = np.maximum(out[k], np.clip(shape, 0, 1))
    return out


def gaze_path(t: np.ndarray, pause: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fixations held 0.6-2.5 s joined by quick saccades; glances away a little more in pauses."""
    yaw, pitch = np.zeros_like(t), np.zeros_like(t)
    if len(t) == 0:
        return yaw, pitch
    fps = 1.0 / (t[1] - t[0]) if len(t) > 1 else 25.0
    i = 0
    cur = np.zeros(2)
    while i < len(t):
        hold = int(rng.uniform(0.6, 2.5) * fps)
        spread = 5.0 if pause[i] else 2.5
        target = np.array([rng.normal(0, spread), rng.normal(0, spread * 0.6)])
        k = np.arange(i, min(len(t), i + hold))
        ramp = np.clip((k - i + 1) / 2.0, 0, 1)[:, None]  # a saccade lasts about two frames
        path = cur + (target - cur) * ramp
        yaw[k], pitch[k] = path[:, 0], path[:, 1]
        cur = target
        i += hold
    return yaw, pitch
