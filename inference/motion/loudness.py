"""A first motion source: lips from loudness, plus blinks and a little head motion.

Loudness drives the jaw (DESIGN.md: "jaw and lip energy from loudness"); blinks come at a
natural rate and head sway keeps the face from freezing. Deterministic for a given seed.
The phone-based holistic generator replaces this behind the same call.
"""

from __future__ import annotations

import numpy as np

from inference.audio import AudioClip
from inference.motion.track import MotionTrack


def loudness_envelope(clip: AudioClip, fps: float) -> np.ndarray:
    """RMS per video frame in dB relative to the clip's loud speech (95th percentile), (T,)."""
    hop = clip.sample_rate / fps
    n = max(1, int(round(clip.duration * fps)))
    edges = np.round(np.arange(n + 1) * hop).astype(int)
    power = np.array([np.mean(clip.samples[a:b] ** 2) if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    db = 10 * np.log10(power + 1e-10)
    return db - np.percentile(db, 95)


def smooth(x: np.ndarray, fps: float, attack_s: float, release_s: float) -> np.ndarray:
    """One-pole follower: rises with `attack_s`, falls with `release_s` (seconds)."""
    up, down = 1 - np.exp(-1 / (fps * attack_s)), 1 - np.exp(-1 / (fps * release_s))
    out = np.empty_like(x)
    level = 0.0
    for i, v in enumerate(x):
        level += (up if v > level else down) * (v - level)
        out[i] = level
    return out


def blink_curve(n: int, fps: float, rng: np.random.Generator, per_minute: float = 17.0) -> np.ndarray:
    """Blinks with exponential gaps (mean 60 / per_minute s), each ~250 ms, fast close, slower open."""
    out = np.zeros(n)
    t = rng.exponential(60.0 / per_minute) * 0.5
    while t * fps < n:
        dur = rng.uniform(0.18, 0.32)
        k = np.arange(int(t * fps), min(n, int((t + dur) * fps) + 1))
        phase = (k / fps - t) / dur
        out[k] = np.maximum(out[k], np.where(phase < 0.35, phase / 0.35, np.clip((1 - phase) / 0.65, 0, 1)))
        t += dur + rng.exponential(60.0 / per_minute)
    return out


def loudness_track(clip: AudioClip, fps: float = 25.0, seed: int = 0) -> MotionTrack:
    db = loudness_envelope(clip, fps)
    open_ = smooth(np.clip((db + 30.0) / 30.0, 0, 1), fps, attack_s=0.03, release_s=0.08)
    rng = np.random.default_rng(seed)
    n = len(db)
    t = np.arange(n) / fps
    phase = rng.uniform(0, 2 * np.pi, 6)
    energy = smooth(open_, fps, 0.3, 0.8)
    blink = blink_curve(n, fps, rng)
    return MotionTrack.from_channels(fps, {
        "jawOpen": 0.55 * open_ ** 1.2,
        "mouthClose": 0.15 * (1 - open_),
        "mouthStretchLeft": 0.12 * open_, "mouthStretchRight": 0.12 * open_,
        "browInnerUp": 0.25 * np.clip(energy - 0.4, 0, 1),
        "eyeBlinkLeft": blink, "eyeBlinkRight": blink,
        "headYaw": 3.0 * np.sin(0.31 * 2 * np.pi * t + phase[0]) + 1.5 * np.sin(0.13 * 2 * np.pi * t + phase[1]),
        "headPitch": 1.5 * np.sin(0.23 * 2 * np.pi * t + phase[2]) + 2.0 * (energy - energy.mean()),
        "headRoll": 1.5 * np.sin(0.17 * 2 * np.pi * t + phase[3]),
        "gazeYaw": 2.0 * np.sin(0.11 * 2 * np.pi * t + phase[4]),
        "gazePitch": 1.0 * np.sin(0.07 * 2 * np.pi * t + phase[5]),
    })
