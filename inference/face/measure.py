"""Measurements on Face Mesh landmarks, for re-tracking rendered frames (tests, benchmarks, QA).

All take (478, 3) landmark arrays in pixels as FaceTracker returns them.
"""

from __future__ import annotations

import numpy as np

from inference.face import landmarks as L

# Points that move rigidly with the skull (no lids, lips or jaw): forehead, nose bridge, temples.
RIGID = (10, 338, 297, 332, 284, 109, 67, 103, 54, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 19,
         234, 454, 127, 356, 93, 323, 33, 263, 133, 362, 98, 327)


def inner_lip_gap(lm: np.ndarray) -> float:
    """Distance between the inner lip centres, as a fraction of the face width."""
    return float(np.linalg.norm(lm[14, :2] - lm[13, :2]) / face_width(lm))


def face_width(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[454, :2] - lm[234, :2]))


def eye_aspect_ratio(lm: np.ndarray, side: str) -> float:
    """Mean lid-to-lid distance over the eye's corner-to-corner width."""
    upper, lower = np.array(L.EYES[side][0]), np.array(L.EYES[side][1])
    heights = np.linalg.norm(lm[upper[2:-2], :2] - lm[lower[2:-2], :2], axis=1)
    return float(heights.mean() / np.linalg.norm(lm[upper[0], :2] - lm[upper[-1], :2]))


def mouth_corner_height(lm: np.ndarray) -> float:
    """How far the mouth corners sit above the lip centre line, in face widths (up is positive)."""
    centre = (lm[13, :2] + lm[14, :2]) / 2
    up = lm[33, :2] - lm[263, :2]
    down = np.array([up[1], -up[0]]) / np.linalg.norm(up)  # perpendicular, pointing down the face
    if down[1] < 0:
        down = -down
    corners = lm[[61, 291], :2] - centre
    return float(-(corners @ down).mean() / face_width(lm))


def iris_offset(lm: np.ndarray) -> np.ndarray:
    """Mean iris centre relative to its eye corners' midpoint, in eye widths (x, y)."""
    out = []
    for side in ("Left", "Right"):
        upper = L.EYES[side][0]
        a, b = lm[upper[0], :2], lm[upper[-1], :2]
        out.append((lm[L.EYES[side][2], :2] - (a + b) / 2) / np.linalg.norm(b - a))
    return np.mean(out, axis=0)


def relative_rotation(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Rotation (3x3) taking the rigid landmarks of `ref` to those of `cur` (Kabsch, with scale)."""
    a = ref[list(RIGID)].astype(np.float64)
    b = cur[list(RIGID)].astype(np.float64)
    a -= a.mean(0)
    b -= b.mean(0)
    u, _, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1, 1, d]) @ vt


def yaw_pitch_roll(rot: np.ndarray) -> tuple[float, float, float]:
    """Degrees, in the renderer's convention (rig.rotation): yaw right, pitch chin-up, roll clockwise."""
    yaw = np.degrees(np.arcsin(np.clip(-rot[0, 2], -1, 1)))
    pitch = np.degrees(np.arctan2(rot[1, 2], rot[2, 2]))
    roll = np.degrees(np.arctan2(-rot[0, 1], rot[0, 0]))
    return float(yaw), float(pitch), float(roll)
