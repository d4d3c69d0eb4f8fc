"""The face latent space: named motion channels and tracks of them over time.

A motion frame is one value per channel (see DESIGN.md): head pose in degrees and face widths,
gaze in degrees, and the 52 ARKit blendshapes in [0, 1]. Absent channels are 0, except
`headDistance`, whose neutral value is 1.0 (as photographed). Tracks save as
`{"fps": 25, "channels": {"jawOpen": [...], ...}}` so other ARKit tools can read them.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np

from inference.errors import InputError

HEAD_CHANNELS = ("headYaw", "headPitch", "headRoll", "headX", "headY", "headDistance")
GAZE_CHANNELS = ("gazeYaw", "gazePitch")

_SIDED = (
    "eyeBlink", "eyeLookDown", "eyeLookIn", "eyeLookOut", "eyeLookUp", "eyeSquint", "eyeWide",
    "mouthSmile", "mouthFrown", "mouthDimple", "mouthStretch", "mouthPress", "mouthLowerDown",
    "mouthUpperUp", "browDown", "browOuterUp", "cheekSquint", "noseSneer",
)
_UNSIDED = (
    "jawForward", "jawLeft", "jawRight", "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker",
    "mouthLeft", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "browInnerUp", "cheekPuff", "tongueOut",
)
# ARKit's 52 names. Left/Right is the subject's own side: eyeBlinkLeft closes the eye that
# appears on the right of an unmirrored photo.
BLENDSHAPES = tuple(sorted([f"{s}{side}" for s in _SIDED for side in ("Left", "Right")] + list(_UNSIDED)))
CHANNELS = HEAD_CHANNELS + GAZE_CHANNELS + BLENDSHAPES
CHANNEL_INDEX = {name: i for i, name in enumerate(CHANNELS)}
NEUTRAL = np.array([1.0 if c == "headDistance" else 0.0 for c in CHANNELS], dtype=np.float32)

# Plausible bounds per channel, used to clamp on the way into the renderer (degrees, face widths).
LIMITS = {
    "headYaw": (-30.0, 30.0), "headPitch": (-20.0, 20.0), "headRoll": (-30.0, 30.0),
    "headX": (-0.5, 0.5), "headY": (-0.5, 0.5), "headDistance": (0.6, 1.5),
    "gazeYaw": (-35.0, 35.0), "gazePitch": (-25.0, 25.0),
}


def check_channel_name(name: str) -> None:
    if name not in CHANNEL_INDEX:
        raise InputError(
            f"unknown motion channel '{name}'; known channels are: {', '.join(CHANNELS)}"
        )


@dataclass(frozen=True)
class MotionFrame:
    """One instant of motion: `values` holds one float per entry of CHANNELS, in that order."""

    values: np.ndarray = field(default_factory=lambda: NEUTRAL.copy())

    @classmethod
    def neutral(cls) -> "MotionFrame":
        return cls(NEUTRAL.copy())

    @classmethod
    def from_dict(cls, channels: Mapping[str, float]) -> "MotionFrame":
        values = NEUTRAL.copy()
        for name, value in channels.items():
            check_channel_name(name)
            values[CHANNEL_INDEX[name]] = float(value)
        return cls(values)

    def __getitem__(self, name: str) -> float:
        return float(self.values[CHANNEL_INDEX[name]])

    def with_values(self, **channels: float) -> "MotionFrame":
        values = self.values.copy()
        for name, value in channels.items():
            check_channel_name(name)
            values[CHANNEL_INDEX[name]] = float(value)
        return MotionFrame(values)

    def clamped(self) -> "MotionFrame":
        """Blendshapes into [0, 1], head and gaze into LIMITS."""
        values = self.values.copy()
        lo = np.zeros_like(values)
        hi = np.ones_like(values)
        for name, (a, b) in LIMITS.items():
            lo[CHANNEL_INDEX[name]], hi[CHANNEL_INDEX[name]] = a, b
        return MotionFrame(np.clip(values, lo, hi).astype(np.float32))


@dataclass(frozen=True)
class MotionTrack:
    """Channels x frames at a fixed frame rate. `data` has shape (len(CHANNELS), n_frames)."""

    fps: float
    data: np.ndarray

    def __post_init__(self) -> None:
        if not (self.fps > 0 and np.isfinite(self.fps)):
            raise InputError(f"motion track fps must be a positive number, got {self.fps}")
        if self.data.ndim != 2 or self.data.shape[0] != len(CHANNELS):
            raise ValueError(f"track data must be ({len(CHANNELS)}, T), got {self.data.shape}")
        self.data.setflags(write=False)

    @classmethod
    def neutral(cls, n_frames: int, fps: float = 25.0) -> "MotionTrack":
        return cls(fps, np.repeat(NEUTRAL[:, None], n_frames, axis=1))

    @classmethod
    def from_channels(cls, fps: float, channels: Mapping[str, "np.ndarray | list[float]"]) -> "MotionTrack":
        lengths = {len(v) for v in channels.values()}
        if len(lengths) > 1:
            raise InputError(f"all channels of a motion track must be equally long; got lengths {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
        data = np.repeat(NEUTRAL[:, None], n, axis=1)
        for name, series in channels.items():
            check_channel_name(name)
            arr = np.asarray(series, dtype=np.float32)
            if not np.all(np.isfinite(arr)):
                raise InputError(f"channel '{name}' holds a value that is not a finite number")
            data[CHANNEL_INDEX[name]] = arr
        return cls(float(fps), data)

    @property
    def n_frames(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps

    def channel(self, name: str) -> np.ndarray:
        check_channel_name(name)
        return self.data[CHANNEL_INDEX[name]]

    def frame(self, index: int) -> MotionFrame:
        return MotionFrame(self.data[:, index].copy())

    def at_time(self, seconds: float) -> MotionFrame:
        """Linear interpolation between the frames around `seconds`, clamped to the track."""
        if self.n_frames == 0:
            return MotionFrame.neutral()
        pos = min(max(seconds * self.fps, 0.0), self.n_frames - 1)
        i = int(np.floor(pos))
        j = min(i + 1, self.n_frames - 1)
        a = pos - i
        return MotionFrame(((1 - a) * self.data[:, i] + a * self.data[:, j]).astype(np.float32))

    def resampled(self, fps: float) -> "MotionTrack":
        n = max(1, int(round(self.duration * fps)))
        frames = [self.at_time(k / fps).values for k in range(n)]
        return MotionTrack(float(fps), np.stack(frames, axis=1))

    def _moving_channels(self) -> Iterator[tuple[str, list[float]]]:
        """(name, values rounded for JSON) of each channel that leaves neutral somewhere: the
        channels a saved track lists."""
        for name in CHANNELS:
            series = self.channel(name)
            if np.any(series != NEUTRAL[CHANNEL_INDEX[name]]):
                yield name, [round(float(v), 5) for v in series]

    @property
    def n_moving_channels(self) -> int:
        return int(np.any(self.data != NEUTRAL[:, None], axis=1).sum())

    def to_json_dict(self) -> dict:
        return {"fps": self.fps, "frames": self.n_frames, "channels": dict(self._moving_channels())}

    def _write_json(self, f) -> None:
        """The same document as to_json_dict, written a channel at a time: an hour-long track
        never exists as millions of Python floats at once."""
        f.write(f'{{"fps": {json.dumps(self.fps)}, "frames": {self.n_frames}, "channels": {{')
        for k, (name, values) in enumerate(self._moving_channels()):
            f.write(("" if k == 0 else ", ") + json.dumps(name) + ": ")
            json.dump(values, f)
        f.write("}}")

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write JSON to a temporary file beside `path`, then rename, so no half file is left."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "w") as f:
                self._write_json(f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: "str | os.PathLike[str]") -> "MotionTrack":
        path = Path(path)
        try:
            doc = json.loads(path.read_text())
        except FileNotFoundError:
            raise InputError(f"motion track '{path}' does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"motion track '{path}' is not readable JSON ({e})") from None
        return cls.from_json_dict(doc, source=str(path))

    @classmethod
    def from_json_dict(cls, doc: object, source: str = "motion track") -> "MotionTrack":
        if not isinstance(doc, dict) or not isinstance(doc.get("channels"), dict):
            raise InputError(f"{source}: expected an object like {{\"fps\": 25, \"channels\": {{\"jawOpen\": [...]}}}}")
        fps = doc.get("fps", 25)
        if not isinstance(fps, (int, float)) or fps <= 0:
            raise InputError(f"{source}: 'fps' must be a positive number, got {fps!r}")
        channels = doc["channels"]
        for name, series in channels.items():
            check_channel_name(name)
            if not isinstance(series, list) or not all(isinstance(v, (int, float)) for v in series):
                raise InputError(f"{source}: channel '{name}' must be a list of numbers")
        track = cls.from_channels(fps, channels)
        frames = doc.get("frames")
        if not channels and isinstance(frames, int) and frames > 0:
            track = cls.neutral(frames, fps)
        return track
