"""Controls: VASA-1's conditions (gaze direction, head distance, emotion offset) plus motion
amount, expressiveness and blink rate. Each numeric control is a Curve: a constant, or keyframes
over time in seconds, linearly interpolated and held past the ends."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from inference.errors import InputError

EMOTIONS = {
    # Offsets at strength 1, added to the speech-driven expression (clamped to [0, 1]).
    "neutral": {},
    "happy": {"mouthSmileLeft": 0.55, "mouthSmileRight": 0.55, "cheekSquintLeft": 0.35, "cheekSquintRight": 0.35,
              "eyeSquintLeft": 0.15, "eyeSquintRight": 0.15},
    "sad": {"mouthFrownLeft": 0.5, "mouthFrownRight": 0.5, "browInnerUp": 0.6, "mouthPressLeft": 0.15,
            "mouthPressRight": 0.15, "eyeSquintLeft": 0.1, "eyeSquintRight": 0.1},
    "angry": {"browDownLeft": 0.7, "browDownRight": 0.7, "mouthPressLeft": 0.3, "mouthPressRight": 0.3,
              "noseSneerLeft": 0.3, "noseSneerRight": 0.3, "eyeSquintLeft": 0.25, "eyeSquintRight": 0.25},
    "surprised": {"browInnerUp": 0.7, "browOuterUpLeft": 0.7, "browOuterUpRight": 0.7, "eyeWideLeft": 0.6,
                  "eyeWideRight": 0.6, "jawOpen": 0.08},
}


@dataclass(frozen=True)
class Curve:
    """A value over time: `times` (s, increasing) and `values`; one value means constant."""

    times: tuple[float, ...] = (0.0,)
    values: tuple[float, ...] = (0.0,)

    @classmethod
    def constant(cls, value: float) -> "Curve":
        return cls((0.0,), (float(value),))

    @classmethod
    def keys(cls, pairs: "list[tuple[float, float]]") -> "Curve":
        if not pairs:
            raise InputError("a keyframed control needs at least one time:value pair")
        pairs = sorted(pairs)
        return cls(tuple(float(t) for t, _ in pairs), tuple(float(v) for _, v in pairs))

    def at(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.times, self.values)


@dataclass(frozen=True)
class Controls:
    gaze_yaw: Curve = field(default_factory=lambda: Curve.constant(0.0))  # degrees, + = image right
    gaze_pitch: Curve = field(default_factory=lambda: Curve.constant(0.0))  # degrees, + = up
    distance: Curve = field(default_factory=lambda: Curve.constant(1.0))  # 1 = as photographed
    emotion: str = "neutral"
    emotion_strength: Curve = field(default_factory=lambda: Curve.constant(0.0))  # 0..1
    motion_scale: float = 1.0  # head motion amount
    expressiveness: float = 1.0  # lips, brows and face energy
    blink_rate: float = 17.0  # blinks per minute on average
    seed: int = 0

    def __post_init__(self) -> None:
        if self.emotion not in EMOTIONS:
            raise InputError(f"emotion must be one of {', '.join(EMOTIONS)}, not '{self.emotion}'")
        if not 0.0 <= self.motion_scale <= 3.0:
            raise InputError(f"motion scale must be between 0 and 3, not {self.motion_scale:g}")
        if not 0.0 <= self.expressiveness <= 2.0:
            raise InputError(f"expressiveness must be between 0 and 2, not {self.expressiveness:g}")
        if not 0.0 <= self.blink_rate <= 60.0:
            raise InputError(f"blink rate must be between 0 and 60 per minute, not {self.blink_rate:g}")

    def without_conditions(self) -> "Controls":
        """The same amounts and seed with gaze, distance and emotion neutral: for motion whose
        conditions are applied afterwards, frame by frame (procedural.apply_conditions)."""
        return replace(self, gaze_yaw=Curve.constant(0.0), gaze_pitch=Curve.constant(0.0),
                       distance=Curve.constant(1.0), emotion="neutral", emotion_strength=Curve.constant(0.0))


def parse_curve(text: str, what: str) -> Curve:
    """'0.8' is a constant; '0:1.0,2.5:1.2' keyframes (seconds:value)."""
    try:
        if ":" not in text:
            return Curve.constant(float(text))
        return Curve.keys([tuple(float(x) for x in part.split(":")) for part in text.split(",")])  # type: ignore[misc]
    except ValueError:
        raise InputError(f"{what} '{text}' is not a number or a list of time:value keyframes like 0:1.0,2.5:1.2") from None
