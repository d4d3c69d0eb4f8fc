"""Quality figures of a rendered avatar, measured the way a viewer's eye would be approximated:
by re-tracking rendered frames with Face Mesh. Used by the tests and bench/quality.py."""

from __future__ import annotations

import numpy as np

from inference.face import measure as M
from inference.face.tracker import FaceTracker
from inference.motion import MotionFrame
from inference.render.renderer import Renderer

NEUTRAL = MotionFrame.neutral()


def photo_scaled(path, long_side: int) -> np.ndarray:
    """The photo file scaled to `long_side`, even sides: the reference a neutral frame must match."""
    import cv2
    from PIL import Image

    img = np.asarray(Image.open(path).convert("RGB"))
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    size = (int(round(w * s / 2)) * 2, int(round(h * s / 2)) * 2)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def landmarks_of(tracker, image):
    faces = tracker.find(image)
    return faces[0].landmarks if faces else None


def retrack_figures(r: Renderer, tracker: FaceTracker) -> dict[str, float]:
    """What Face Mesh measures on frames rendered with each scripted channel at full strength."""
    track = lambda **kw: landmarks_of(tracker, r.render(NEUTRAL.with_values(**kw)))
    n = track()
    rot = lambda lm: M.yaw_pitch_roll(M.relative_rotation(n, lm))
    out = {}
    if n is None:
        return out
    if (lm := track(jawOpen=1.0)) is not None:
        out["jaw_gap_gain"] = M.inner_lip_gap(lm) - M.inner_lip_gap(n)
    if (lm := track(eyeBlinkLeft=1.0, eyeBlinkRight=1.0)) is not None:
        out["blink_ear_ratio"] = max(M.eye_aspect_ratio(lm, s) / M.eye_aspect_ratio(n, s) for s in ("Left", "Right"))
    for yaw in (15.0, -15.0):
        if (lm := track(headYaw=yaw)) is not None:
            out[f"yaw{yaw:+.0f}"] = rot(lm)[0]
    if (lm := track(headPitch=10.0)) is not None:
        out["pitch+10"] = rot(lm)[1]
    if (lm := track(headRoll=15.0)) is not None:
        out["roll+15"] = rot(lm)[2]
    base_iris = M.iris_offset(n)[0]
    for yaw in (20.0, -20.0):
        if (lm := track(gazeYaw=yaw)) is not None:
            out[f"iris_shift{yaw:+.0f}"] = M.iris_offset(lm)[0] - base_iris
    corners = M.mouth_corner_height(n)
    if (lm := track(mouthSmileLeft=1.0, mouthSmileRight=1.0)) is not None:
        out["smile_corner_rise"] = M.mouth_corner_height(lm) - corners
    if (lm := track(mouthFrownLeft=1.0, mouthFrownRight=1.0)) is not None:
        out["frown_corner_rise"] = M.mouth_corner_height(lm) - corners
    w0 = M.face_width(n)
    for d in (1.25, 0.8):
        if (lm := track(headDistance=d)) is not None:
            out[f"width_ratio{d}"] = M.face_width(lm) / w0
    return out




OPEN_VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "EY", "OW")
BILABIALS = ("M", "B", "P")


def auc(positives, negatives) -> float:
    """Probability that a random positive exceeds a random negative (ties count half)."""
    p, n = np.asarray(positives, float), np.asarray(negatives, float)
    greater = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return float(greater / (len(p) * len(n)))


def retracked_lip_gaps(r: Renderer, tracker: FaceTracker, frames) -> np.ndarray:
    """Inner-lip gap (face widths) Face Mesh measures on each rendered frame; NaN where lost."""
    gaps = []
    for img in r.render_frames(frames):
        faces = tracker.find(img)
        gaps.append(M.inner_lip_gap(faces[0].landmarks) if faces else np.nan)
    return np.array(gaps)


def lip_sync_auc(gaps: np.ndarray, fps: float, reference: list[tuple[str, float, float]]) -> float:
    """AUC of the gap at open-vowel centres over the gap at m/b/p centres, from a reference
    alignment of (phone, start s, end s)."""
    at = lambda t: gaps[min(len(gaps) - 1, int(round(t * fps)))]  # noqa: E731
    pos = [at((b + e) / 2) for p, b, e in reference if p in OPEN_VOWELS]
    neg = [at((b + e) / 2) for p, b, e in reference if p in BILABIALS]
    return auc(pos, neg)
