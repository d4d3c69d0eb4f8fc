"""The Avatar: one analysed portrait, ready to animate. Plain arrays, so it caches as one .npz."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


@dataclass(frozen=True)
class Sprite:
    """An RGBA image whose top-left pixel sits at (x0, y0) in frame pixels at rest."""

    rgba: np.ndarray  # (h, w, 4) uint8
    x0: float
    y0: float

    @property
    def size(self) -> tuple[int, int]:
        return int(self.rgba.shape[1]), int(self.rgba.shape[0])


@dataclass(frozen=True)
class Avatar:
    image: np.ndarray  # (H, W, 3) uint8 RGB, the framed photo at output size
    landmarks: np.ndarray  # (478, 3) float32 pixels; z negative towards the camera
    mask: np.ndarray  # (H, W) uint8 person mask, 255 = person
    plate: np.ndarray  # (H, W, 3) uint8 background with the person removed and filled
    sclera: dict[str, Sprite]  # per eye ("Left"/"Right"): eye opening with the iris removed, extended
    iris: dict[str, Sprite]  # per eye: the full iris disc, occluded parts completed
    iris_radius: dict[str, float]  # pixels
    mouth_upper: Sprite  # interior that moves with the upper lip (upper teeth)
    mouth_lower: Sprite  # interior that moves with the jaw (cavity, tongue, lower teeth)
    lid: dict[str, np.ndarray]  # per eye: closed-lid RGBA texture, u outer->inner corner, v crease->margin
    source: str = ""
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x0, y0, x1, y1 in the source photo
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def face_width(self) -> float:
        return float(np.linalg.norm(self.landmarks[454, :2] - self.landmarks[234, :2]))

    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                out[f.name] = value
            elif isinstance(value, Sprite):
                out[f"{f.name}.rgba"] = value.rgba
                out[f"{f.name}.xy"] = np.array([value.x0, value.y0])
            elif isinstance(value, dict):
                for side, v in value.items():
                    key = f"{f.name}.{side}"
                    if isinstance(v, Sprite):
                        out[f"{key}.rgba"], out[f"{key}.xy"] = v.rgba, np.array([v.x0, v.y0])
                    else:
                        out[key] = np.asarray(v)
            elif isinstance(value, str):
                out[f.name] = np.array(value)
            elif f.name == "notes":
                out[f.name] = np.array(list(value), dtype=str)
            else:
                out[f.name] = np.asarray(value, dtype=np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "Avatar":
        def sprite(key: str) -> Sprite:
            x0, y0 = arrays[f"{key}.xy"]
            return Sprite(arrays[f"{key}.rgba"], float(x0), float(y0))

        sides = ("Left", "Right")
        return cls(
            image=arrays["image"],
            landmarks=arrays["landmarks"],
            mask=arrays["mask"],
            plate=arrays["plate"],
            sclera={s: sprite(f"sclera.{s}") for s in sides},
            iris={s: sprite(f"iris.{s}") for s in sides},
            iris_radius={s: float(arrays[f"iris_radius.{s}"]) for s in sides},
            mouth_upper=sprite("mouth_upper"),
            mouth_lower=sprite("mouth_lower"),
            lid={s: arrays[f"lid.{s}"] for s in sides},
            source=str(arrays["source"]),
            crop=tuple(float(v) for v in arrays["crop"]),
            notes=tuple(str(n) for n in arrays["notes"]),
        )
