"""The procedural holistic generator: phones and prosody in, every motion channel out.

Lips: visemes blended by dominance (coarticulation with anticipation; bilabials always close),
jaw energy scaled by loudness. Face: brow raises on pitch accents. Head: nods on accents, posture
shifts at phrase boundaries, a small sway, breathing in pauses. Eyes: blinks at a natural rate
(more at pauses), saccades between fixations. Controls (gaze, distance, emotion, amounts) act as
VASA-1's conditions. Seeded and deterministic.

It runs as a stream: `ProceduralGenerator.frames` turns the features of one window of speech into
the motion of the frames in its middle, window after window in time order. Everything smooth is
a function of absolute time and of features near it (the windows overlap by CONTEXT_S), and the
random events (blinks, fixations, posture shifts) come from per-process random streams drawn in
time order, so the motion does not depend on where the windows were cut. `generate` is the
one-window case. A learned generator can implement the same `MotionGenerator` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.audio.speech import Phone, Prosody
from inference.motion.controls import EMOTIONS, Controls
from inference.motion.track import CHANNEL_INDEX, NEUTRAL, MotionFrame, MotionTrack
from inference.motion.visemes import SHAPES, VOWEL_SHAPES, shape_of

ANTICIPATION = 1.4  # a phone's shape starts forming this much earlier than it lingers after
MIN_SPREAD_S = 0.035
JAW_FLOOR = 0.35  # jaw opening, as a share of the viseme's, in the quietest speech (1.1 when loud)
BREATH_S, BREATH_JAW = 0.3, 0.1  # lips part over the last 0.3 s of a pause, by this much jawOpen
SETTLE_S = 0.2  # lips close over the last 0.2 s before a pause, as the phrase fades
HUSH_DB, HUSH_CLOSE = -18.0, 0.6  # below HUSH_DB the lips close, up to HUSH_CLOSE 12 dB lower
CONTEXT_S = 3.0  # features a window needs either side of the frames it decides (longest filter ~2 s)
FIRST_BLEND = CHANNEL_INDEX["gazePitch"] + 1  # channels from here on are blendshapes in [0, 1]


@dataclass(frozen=True)
class SpeechFeatures:
    """Features of a window of speech: phones (absolute times, s), prosody for its frames, which
    start at absolute frame `first_frame`, and the window's end time (s)."""

    phones: tuple[Phone, ...]
    prosody: Prosody
    duration: float  # seconds: the window's end, absolute
    first_frame: int = 0


class MotionGenerator(Protocol):
    """Speech features of a window in, motion for frames [start, stop) (absolute) out, shape
    (len(CHANNELS), stop - start). Called window after window in time order."""

    def frames(self, speech: SpeechFeatures, start: int, stop: int) -> np.ndarray: ...


def generate(speech: SpeechFeatures, controls: Controls = Controls(), fps: float = 25.0) -> MotionTrack:
    """A motion track covering all of `speech` at `fps` (the prosody must be at the same rate)."""
    n = len(speech.prosody.loudness_db)
    start = speech.first_frame
    return MotionTrack(fps, ProceduralGenerator(controls, fps).frames(speech, start, start + n))


class ProceduralGenerator:
    def __init__(self, controls: Controls = Controls(), fps: float = 25.0):
        self.controls, self.fps = controls, fps
        self._events = EyesAndPosture(controls.seed, fps, controls.blink_rate)
        # The sway's slow sinusoids: phases fixed by the seed alone, so every window agrees.
        self._sway = np.random.default_rng([controls.seed, 1]).uniform(size=(3, 3, 2))

    def frames(self, speech: SpeechFeatures, start: int, stop: int) -> np.ndarray:
        fps, controls = self.fps, self.controls
        if abs(speech.prosody.fps - fps) > 1e-6:
            raise ValueError("prosody and output frame rates differ")
        n, first = len(speech.prosody.loudness_db), speech.first_frame
        if not first <= start <= stop <= first + n:
            raise ValueError(f"frames [{start}, {stop}) lie outside the window [{first}, {first + n})")
        t = (first + np.arange(n)) / fps
        data = np.repeat(NEUTRAL[:, None], n, axis=1).astype(np.float64)
        ch = lambda name: data[CHANNEL_INDEX[name]]  # noqa: E731 - a view into one row

        for name, series in lip_channels(speech.phones, speech.prosody, t, controls.expressiveness).items():
            data[CHANNEL_INDEX[name]] += series
        accents = pitch_accents(speech.prosody)
        add_brows(data, t, accents, controls.expressiveness)
        add_head(data, t, speech.prosody, accents, self._sway, controls.motion_scale)
        core = slice(start - first, stop - first)
        data = data[:, core]
        events = self._events.advance(t[core], speech.prosody.pause, core)
        ch("headYaw")[:] += controls.motion_scale * events["posture"][0]
        ch("headRoll")[:] += controls.motion_scale * events["posture"][1]
        t = t[core]
        data[CHANNEL_INDEX["eyeBlinkLeft"]] = events["blink"]
        data[CHANNEL_INDEX["eyeBlinkRight"]] = events["blink"]
        data[CHANNEL_INDEX["gazeYaw"]] = events["gaze"][0]
        data[CHANNEL_INDEX["gazePitch"]] = events["gaze"][1]
        return apply_conditions(data, t, controls).astype(np.float32)


def apply_conditions(data: np.ndarray, t: np.ndarray, controls: Controls) -> np.ndarray:
    """VASA-1's conditions on motion `data` (channels x frames, at times `t` in s), in place:
    gaze offsets (degrees), head distance (a factor), the emotion's offsets; blendshapes clipped
    to [0, 1]. The studio applies them to every preview frame, so they act without regenerating."""
    data[CHANNEL_INDEX["gazeYaw"]] += controls.gaze_yaw.at(t)
    data[CHANNEL_INDEX["gazePitch"]] += controls.gaze_pitch.at(t)
    data[CHANNEL_INDEX["headDistance"]] *= controls.distance.at(t)
    strength = np.clip(controls.emotion_strength.at(t), 0, 1)
    for name, w in EMOTIONS[controls.emotion].items():
        data[CHANNEL_INDEX[name]] += w * strength
    data[FIRST_BLEND:] = np.clip(data[FIRST_BLEND:], 0, 1)
    return data


def conditioned_frame(track: "MotionTrack | None", seconds: "float | None", controls: Controls) -> MotionFrame:
    """The frame at `seconds` of `track` with the conditions applied; `seconds` None (or no track)
    is the face at rest as photographed."""
    base = track.at_time(seconds) if track is not None and seconds is not None else MotionFrame.neutral()
    data = base.values.astype(np.float64)[:, None]
    apply_conditions(data, np.array([seconds or 0.0]), controls)
    return MotionFrame(data[:, 0].astype(np.float32))


def conditioned_track(track: MotionTrack, controls: Controls) -> MotionTrack:
    """`track` with the conditions applied to every frame: what export renders, equal to what the
    preview showed frame by frame."""
    data = track.data.astype(np.float64)
    apply_conditions(data, np.arange(track.n_frames) / track.fps, controls)
    return MotionTrack(track.fps, data.astype(np.float32))


# ---------------------------------------------------------------- lips


def lip_channels(phones, prosody: Prosody, t: np.ndarray, expressiveness: float) -> dict[str, np.ndarray]:
    """Dominance-weighted blend of each phone's viseme over time (Cohen-Massaro)."""
    names = sorted({k for target, _ in SHAPES.values() for k in target})
    num = {k: np.zeros_like(t) for k in names}
    den = np.full_like(t, 1e-3)  # a faint pull to rest where no phone reaches
    fps = prosody.fps
    first = int(round(t[0] * fps)) if len(t) else 0  # absolute index of frame 0
    closures = []
    for p, shape in zip(phones, shapes_in_context(phones)):
        target, dominance = SHAPES[shape]
        centre, half = (p.start + p.end) / 2, max((p.end - p.start) / 2, MIN_SPREAD_S)
        lo = int(max(0, (centre - 4 * half * ANTICIPATION) * fps - first))
        hi = int(min(len(t), (centre + 4 * half) * fps + 1 - first))
        if hi <= lo:
            continue
        dt = t[lo:hi] - centre
        bilabial = shape == "bilabial"
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
    out["jawOpen"] = out["jawOpen"] * (JAW_FLOOR + (1.1 - JAW_FLOOR) * energy) * speaking
    # Quiet speech (a fading phrase end, a soft consonant) narrows the lips as well as the jaw;
    # on a photo taken with parted lips only mouthClose can do that.
    hush = np.clip((HUSH_DB - prosody.loudness_db) / 12.0, 0.0, 1.0) * HUSH_CLOSE
    out["mouthClose"] = np.maximum(out["mouthClose"], hush)
    for k in names:
        if k != "jawOpen":
            out[k] = out[k] * speaking
    # The lips meet on m, b, p whatever the neighbours, and rest closed in silence, even on a
    # photo taken with the mouth open.
    for a, b in closures:
        i0, i1 = max(0, int(a * fps) - first), int(np.ceil(b * fps)) - first
        if i1 < 0:
            continue
        out["jawOpen"][i0:i1 + 1] = np.minimum(out["jawOpen"][i0:i1 + 1], 0.03)
        out["mouthClose"][i0:i1 + 1] = 1.0
    # Lips part for the breath just before speech starts, else rest closed through a pause, and
    # start closing as a phrase fades out.
    breath = ramps_before(prosody.pause, fps, BREATH_S, into_speech=True)
    out["jawOpen"] = out["jawOpen"] + BREATH_JAW * breath
    settle = ramps_before(prosody.pause, fps, SETTLE_S, into_speech=False)
    # Before the first word the face rests as photographed; only once speech has begun do the
    # lips close in its pauses.
    spoken = np.maximum.accumulate(~prosody.pause) if first == 0 else np.ones(len(t), bool)
    rest = prosody.pause * spoken * (1.0 - breath)
    out["mouthClose"] = np.maximum(out["mouthClose"], np.maximum(rest, settle))
    return {k: smooth_both_ways(v, fps, 0.02) for k, v in out.items()}


def shapes_in_context(phones) -> list[str]:
    """Each phone's viseme, with one rule of context: a close rounded vowel running straight into
    another vowel is the glide w (the recogniser often hears "w-ai" as UW OY)."""
    shapes = [shape_of(p.label) for p in phones]
    for i in range(len(shapes) - 1):
        if shapes[i] == "close_round" and shapes[i + 1] in VOWEL_SHAPES:
            shapes[i] = "glide"
    return shapes


def ramps_before(pause: np.ndarray, fps: float, seconds: float, into_speech: bool) -> np.ndarray:
    """(T,) in [0, 1], rising over the `seconds` before each change of `pause`: the end of a
    pause (into_speech: the lips part to breathe in before speaking) or the end of a phrase (the
    lips close as its sound fades). 0 elsewhere."""
    out = np.zeros(len(pause))
    ramp = max(1, int(round(seconds * fps)))
    side = pause if into_speech else ~pause  # where the ramp may run
    for end in np.nonzero(side[:-1] & ~side[1:])[0] + 1:
        k = np.arange(max(0, end - ramp), end)
        x = (k - (end - ramp) + 1) / ramp
        out[k] = np.maximum(out[k], x * x * (3 - 2 * x) * side[k])
    return out


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


def smooth_noise(t: np.ndarray, phases: np.ndarray, hz: tuple[float, ...]) -> np.ndarray:
    """A sum of slow sinusoids of absolute time `t` (s): unit-ish amplitude, never repeating
    exactly. `phases` (len(hz), 2) uniform [0, 1) numbers set each one's frequency and phase."""
    out = np.zeros_like(t)
    for f, (detune, phase) in zip(hz, phases):
        out += np.sin(2 * np.pi * f * (0.8 + 0.45 * detune) * t + 2 * np.pi * phase)
    return out / np.sqrt(len(hz))


def add_head(data: np.ndarray, t: np.ndarray, prosody: Prosody, accents: np.ndarray,
             sway: np.ndarray, scale: float) -> None:
    """Sway (louder while speaking), nods on accents and breathing in pauses. `sway` (3, 3, 2)
    holds the yaw, pitch and roll sinusoids' random numbers."""
    fps = prosody.fps
    speaking = smooth_both_ways((~prosody.pause).astype(float), fps, 0.4)
    energy = 0.6 + 0.6 * speaking
    yaw = 2.0 * energy * smooth_noise(t, sway[0], (0.11, 0.23, 0.37))
    pitch = 1.7 * energy * smooth_noise(t, sway[1], (0.13, 0.29, 0.41))
    roll = 1.0 * energy * smooth_noise(t, sway[2][:2], (0.07, 0.19))
    for i in accents:  # a nod: down and back up around the accent
        pitch -= 2.5 * pulse(t, t[i], 0.1, 0.25)
    breathing = 0.5 * np.sin(2 * np.pi * 0.25 * t) * (1 - speaking)
    data[CHANNEL_INDEX["headYaw"]] += scale * yaw
    data[CHANNEL_INDEX["headPitch"]] += scale * (pitch + breathing)
    data[CHANNEL_INDEX["headRoll"]] += scale * roll


# ---------------------------------------------------------------- random events


class EyesAndPosture:
    """Blinks, gaze fixations and posture shifts, decided in time order window by window.

    Each process draws from its own random stream (events at pause onsets from one keyed by the
    onset's frame), so the draws, and the motion, are the same however the speech was cut.
    """

    POSTURE_SD = (1.5, 1.0)  # degrees of yaw and roll a new phrase may settle into
    POSTURE_S = 0.6  # seconds to settle

    def __init__(self, seed: int, fps: float, blinks_per_minute: float):
        self.seed, self.fps, self.rate = seed, fps, blinks_per_minute
        self._blink_rng = np.random.default_rng([seed, 2])
        self._gaze_rng = np.random.default_rng([seed, 3])
        self._next_blink = self._blink_rng.exponential(60.0 / self.rate) * 0.5 if self.rate > 0 else np.inf
        self._blinks: list[tuple[float, float, float, float]] = []  # start, close, hold, reopen (s)
        self._fixation_end = 0  # absolute frame where the current fixation ends
        self._gaze = np.zeros(2)  # (yaw, pitch) degrees of the current fixation
        self._gaze_before = np.zeros(2)
        self._fixation_start = 0
        self._posture = (np.zeros(2), np.zeros(2), -np.inf)  # from, to, since (s)

    def advance(self, t: np.ndarray, pause: np.ndarray, core: slice) -> dict[str, np.ndarray]:
        """Events for the frames at absolute times `t` (s); `pause` covers the whole window and
        `core` is where `t` lies in it (the window beyond lets onsets be seen at the edges)."""
        onsets = [i for i in range(core.start, core.stop) if i > 0 and pause[i] and not pause[i - 1]]
        frame0 = int(round(t[0] * self.fps)) if len(t) else 0
        onset_frames = [frame0 + i - core.start for i in onsets]
        return {"blink": self._blink_curve(t, onset_frames),
                "gaze": self._gaze_path(t, pause[core], frame0),
                "posture": self._posture_path(t, onset_frames)}

    def _onset_rng(self, process: int, frame: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, process, frame])

    def _blink_curve(self, t: np.ndarray, onset_frames: list[int]) -> np.ndarray:
        """Blink curve in [0, 1]: Poisson-timed, denser at pause onsets; each closes in 60-100 ms,
        stays shut 50-120 ms and reopens in 120-200 ms, about half of it mostly closed."""
        out = np.zeros_like(t)
        if self.rate <= 0 or len(t) == 0:
            return out
        end = t[-1] + 1.0 / self.fps
        # Poisson blinks are planned a second ahead, so the check below sees every blink near
        # an onset whatever window it falls in.
        while self._next_blink < end + 1.0:
            self._add_blink(self._next_blink, self._blink_rng)
            self._next_blink += max(0.5, self._blink_rng.exponential(60.0 / self.rate))
        for frame in onset_frames:
            when, rng = frame / self.fps + 0.05, self._onset_rng(4, frame)
            if rng.random() < 0.5 and all(abs(when - b[0]) > 0.8 for b in self._blinks):
                self._add_blink(when, rng)
        for start, close, hold, reopen in self._blinks:
            dt = t - start
            shape = np.where(dt < close, dt / close, np.where(dt < close + hold, 1.0, 1.0 - (dt - close - hold) / reopen))
            out = np.maximum(out, np.where((dt >= 0) & (dt < close + hold + reopen), np.clip(shape, 0, 1), 0))
        # Keep blinks still showing at the window's end, and those an onset check may need.
        self._blinks = [b for b in self._blinks if max(b[0] + sum(b[1:]), b[0] + 1.0) > end]
        return out

    def _add_blink(self, start: float, rng: np.random.Generator) -> None:
        self._blinks.append((start, rng.uniform(0.06, 0.1), rng.uniform(0.05, 0.12), rng.uniform(0.12, 0.2)))
        self._blinks.sort()

    def _gaze_path(self, t: np.ndarray, pause: np.ndarray, frame0: int) -> np.ndarray:
        """(2, T) fixations held 0.6-2.5 s joined by two-frame saccades; wider glances in pauses."""
        out = np.zeros((2, len(t)))
        for k in range(len(t)):
            frame = frame0 + k
            if frame >= self._fixation_end:
                self._gaze_before = self._gaze
                spread = 5.0 if pause[k] else 2.5
                self._gaze = np.array([self._gaze_rng.normal(0, spread), self._gaze_rng.normal(0, spread * 0.6)])
                self._fixation_start = frame
                self._fixation_end = frame + max(1, int(self._gaze_rng.uniform(0.6, 2.5) * self.fps))
            ramp = min(1.0, (frame - self._fixation_start + 1) / 2.0)
            out[:, k] = self._gaze_before + (self._gaze - self._gaze_before) * ramp
        return out

    def _posture_path(self, t: np.ndarray, onset_frames: list[int]) -> np.ndarray:
        """(2, T) head yaw and roll offsets (degrees): at each phrase end the head settles into a
        new posture drawn around the centre, so it never drifts away."""
        out = np.zeros((2, len(t)))
        changes = {frame: self._onset_rng(5, frame).normal(0, self.POSTURE_SD) for frame in onset_frames}
        frame0 = int(round(t[0] * self.fps)) if len(t) else 0
        for k in range(len(t)):
            if frame0 + k in changes:
                now = self._posture_at(t[k])
                self._posture = (now, changes[frame0 + k], t[k])
            out[:, k] = self._posture_at(t[k])
        return out

    def _posture_at(self, when: float) -> np.ndarray:
        start, end, since = self._posture
        x = np.clip((when - since) / self.POSTURE_S, 0.0, 1.0)
        return start + (end - start) * x * x * (3 - 2 * x)  # smoothstep
