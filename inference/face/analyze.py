"""Portrait analysis: a photo file becomes an Avatar (framed photo, landmarks, mask and layers).

`analyze(path)` is the one entry point. It validates the photo, finds the largest face, frames it
(`portrait`: a square head-and-shoulders crop like VASA-1's 512x512; `full`: the whole photo),
and builds every per-photo layer the renderer needs. Results are cached per image content.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.errors import InputError
from inference.face import cache, layers
from inference.face.avatar import Avatar
from inference.face.tracker import FaceTracker, detect_faces, person_mask

ANALYSIS_VERSION = 19  # bump when the layers change, so stale cache entries are ignored
MIN_FACE_PX = 64  # face width (cheek to cheek) in the source photo below which detail is too poor
MAX_SOURCE_SIDE = 4096  # larger photos are shrunk first: a 50 MP photo would only slow analysis
DETECT_SIDE = 1024
FRAMINGS = ("portrait", "full")


@dataclass(frozen=True)
class Framing:
    mode: str = "portrait"
    size: int = 512  # output side (portrait) or long side (full), pixels

    def __post_init__(self) -> None:
        if self.mode not in FRAMINGS:
            raise InputError(f"framing must be one of {', '.join(FRAMINGS)}, not '{self.mode}'")
        if not 128 <= self.size <= 2048:
            raise InputError(f"size must be between 128 and 2048 pixels, not {self.size}")


def read_photo(path: "str | os.PathLike[str]") -> tuple[np.ndarray, bytes, list[str]]:
    """Decode a JPEG/PNG/WebP/... file to RGB uint8, upright per its EXIF; returns (rgb, bytes, notes).

    Pillow decodes (it honours EXIF orientation, and JPEG's draft mode shrinks huge photos while
    decoding); photos over MAX_SOURCE_SIDE are reduced, with a note saying so.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise InputError(f"photo '{path}' does not exist")
    if path.is_dir():
        raise InputError(f"'{path}' is a folder; give a photo file (JPEG, PNG or WebP)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"photo '{path}' cannot be read: {e.strerror}") from None
    notes: list[str] = []
    Image.MAX_IMAGE_PIXELS = 300_000_000  # beyond this a file is more likely an attack than a photo
    try:
        with Image.open(io.BytesIO(raw)) as img:
            w0, h0 = img.size
            img.draft("RGB", (MAX_SOURCE_SIDE, MAX_SOURCE_SIDE))  # JPEG only: decode at reduced scale
            img = ImageOps.exif_transpose(img).convert("RGB")
            if max(img.size) > MAX_SOURCE_SIDE:
                img.thumbnail((MAX_SOURCE_SIDE, MAX_SOURCE_SIDE), Image.Resampling.LANCZOS)
            rgb = np.asarray(img, dtype=np.uint8).copy()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as e:
        if isinstance(e, Image.DecompressionBombError):
            raise InputError(f"'{path.name}' is too large to open safely ({e}); use a photo under 300 megapixels") from None
        raise InputError(f"'{path.name}' is not an image this tool can read; use a JPEG, PNG or WebP photo") from None
    if max(w0, h0) > MAX_SOURCE_SIDE:
        notes.append(f"large photo ({w0}x{h0}, {w0 * h0 / 1e6:.0f} MP) was reduced to {rgb.shape[1]}x{rgb.shape[0]} for analysis")
    if min(rgb.shape[:2]) < 32:
        raise InputError(f"'{path.name}' is only {rgb.shape[1]}x{rgb.shape[0]} pixels; use a photo at least 256 pixels on its short side")
    return rgb, raw, notes


def find_main_face(rgb: np.ndarray, tracker: FaceTracker, name: str) -> tuple[np.ndarray, list[str]]:
    """Landmarks (478, 3) of the largest face in source pixels, plus notes.

    The full-range detector finds every face, however small; Face Mesh then runs on a square
    around the largest one, where it has enough pixels for its landmarks.
    """
    h, w = rgb.shape[:2]
    s = min(1.0, DETECT_SIDE / max(h, w))
    small = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else rgb
    boxes = detect_faces(small)
    notes = []
    if len(boxes) > 1:
        notes.append(f"{len(boxes)} faces found; using the largest")
    if boxes:
        x, y, bw, bh = (v / s for v in boxes[0])
        if bw < MIN_FACE_PX:
            raise InputError(
                f"the face in '{name}' is about {bw:.0f} px wide; at least {MIN_FACE_PX} px (cheek to cheek) is needed, use a closer or larger photo"
            )
        side = 2.2 * max(bw, bh)
        cx, cy = x + bw / 2, y + bh / 2
        x0, y0 = int(max(cx - side / 2, 0)), int(max(cy - side / 2, 0))
        region = rgb[y0:int(min(cy + side / 2, h)), x0:int(min(cx + side / 2, w))]
        longest = max(region.shape[:2])
        scale = 768 / longest if longest > 768 else max(1.0, 384 / longest)  # Face Mesh's sweet spot
        if scale != 1.0:
            region = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        faces = tracker.find(region)
        if faces:
            lm = faces[0].landmarks / scale
            lm[:, 0] += x0
            lm[:, 1] += y0
            return _checked_size(lm, name), notes
    faces = tracker.find(small)
    if not faces:
        raise InputError(f"no face found in '{name}'; use a photo with one clearly visible, roughly frontal face")
    return _checked_size(faces[0].landmarks / s, name), notes


def _checked_size(lm: np.ndarray, name: str) -> np.ndarray:
    face_px = float(np.linalg.norm(lm[454, :2] - lm[234, :2]))
    if face_px < MIN_FACE_PX:
        raise InputError(
            f"the face in '{name}' is {face_px:.0f} px wide; at least {MIN_FACE_PX} px (cheek to cheek) is needed, use a closer or larger photo"
        )
    return lm


def crop_box(lm: np.ndarray, shape: tuple[int, int], framing: Framing) -> tuple[float, float, float, float]:
    """Source-pixel crop. Portrait: a square about 2.3 face heights wide, eyes ~42 % from the top."""
    h, w = shape
    if framing.mode == "full":
        return 0.0, 0.0, float(w), float(h)
    face_h = float(np.linalg.norm(lm[152, :2] - lm[10, :2]))
    side = min(2.3 * face_h * 1.15, w, h)
    cx = float((lm[234, 0] + lm[454, 0]) / 2)
    cy = float((lm[10, 1] + lm[152, 1]) / 2)
    x0 = np.clip(cx - side / 2, 0, w - side)
    y0 = np.clip(cy - 0.47 * side, 0, h - side)
    return float(x0), float(y0), float(x0 + side), float(y0 + side)


def frame_photo(rgb: np.ndarray, box, framing: Framing) -> np.ndarray:
    x0, y0, x1, y1 = box
    if framing.mode == "portrait":
        out_w = out_h = framing.size
    else:
        s = framing.size / max(x1 - x0, y1 - y0)
        out_w, out_h = (max(2, int(round((x1 - x0) * s / 2)) * 2), max(2, int(round((y1 - y0) * s / 2)) * 2))
    # Affine map so any sub-pixel crop lands exactly on the output grid.
    sx, sy = out_w / (x1 - x0), out_h / (y1 - y0)
    m = np.array([[sx, 0, -x0 * sx + 0.5 * sx - 0.5], [0, sy, -y0 * sy + 0.5 * sy - 0.5]], np.float64)
    interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_CUBIC
    if sx < 1 and framing.mode == "full" and x0 == 0 and y0 == 0:
        return cv2.resize(rgb, (out_w, out_h), interpolation=interp)
    return cv2.warpAffine(rgb, m, (out_w, out_h), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def build_avatar(framed: np.ndarray, lm: np.ndarray, upscale: float, source: str, box, notes) -> Avatar:
    fw = float(np.linalg.norm(lm[454, :2] - lm[234, :2]))
    mask = layers.refine_person_mask(framed, person_mask(framed), lm)
    grain = layers.photo_grain(framed, lm)
    blur = max(0.5, 0.45 * upscale)
    sclera, iris, radius = {}, {}, {}
    for side in ("Left", "Right"):
        sclera[side], iris[side], radius[side] = layers.eye_layers(framed, lm, side)
    upper, lower = layers.mouth_layers(framed, lm, grain, blur)
    return Avatar(
        image=framed,
        landmarks=lm.astype(np.float32),
        mask=(mask * 255).astype(np.uint8),
        plate=layers.background_plate(framed, mask, fw),
        sclera=sclera,
        iris=iris,
        iris_radius=radius,
        mouth_upper=upper,
        mouth_lower=lower,
        lid={s: layers.lid_texture(framed, lm, s, grain) for s in ("Left", "Right")},
        source=source,
        crop=tuple(float(v) for v in box),
        notes=tuple(notes),
    )


def analyze(path: "str | os.PathLike[str]", framing: Framing = Framing(), use_cache: bool = True) -> Avatar:
    """Analyse a portrait photo. Raises InputError with a one-line reason when it is unusable."""
    rgb, raw, notes = read_photo(path)
    key = hashlib.sha256(raw + f"|{framing.mode}|{framing.size}|v{ANALYSIS_VERSION}".encode()).hexdigest()[:32]
    if use_cache:
        hit = cache.load(key)
        if hit is not None:
            return hit
    name = Path(path).name
    with FaceTracker() as tracker:
        lm_src, face_notes = find_main_face(rgb, tracker, name)
        box = crop_box(lm_src, rgb.shape[:2], framing)
        framed = frame_photo(rgb, box, framing)
        upscale = framed.shape[1] / (box[2] - box[0])
        found = tracker.find(framed)
    if found:
        # Re-track on the framed photo: more pixels on the face gives steadier landmarks.
        centre = (lm_src[1, :2] - box[:2]) * upscale
        lm = min(found, key=lambda f: float(np.linalg.norm(f.landmarks[1, :2] - centre))).landmarks
    else:
        lm = lm_src.copy()
        lm[:, :2] = (lm[:, :2] - np.array(box[:2])) * upscale
        lm[:, 2] *= upscale
    avatar = build_avatar(framed, lm, upscale, str(path), box, notes + face_notes)
    if use_cache:
        cache.store(key, avatar)
    return avatar
