"""Per-photo textures behind and over the face mesh, built once at analysis.

Every synthetic pixel is matched to the photo: colours come from the photo's own lips, skin and
eye whites, then blurred and given grain measured from the photo, because a clean flat shader is
what made the spike look fake. Sizes are in frame pixels; `fw` is the face width in pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.face import landmarks as L
from inference.face.avatar import Sprite

RNG_SEED = 1234  # synthetic grain is deterministic per photo


# ---------------------------------------------------------------- photo statistics


def photo_grain(image: np.ndarray, lm: np.ndarray) -> float:
    """Std of the fine detail on the cheeks (pixel levels), used as the grain of synthetic pixels."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = gray - cv2.GaussianBlur(gray, (0, 0), 1.5)
    values = []
    for idx in (L.CHEEK_RIGHT, L.CHEEK_LEFT):
        x0, y0 = lm[list(idx), :2].min(0).astype(int)
        x1, y1 = lm[list(idx), :2].max(0).astype(int)
        patch = detail[max(y0, 0):y1, max(x0, 0):x1]
        if patch.size:
            values.append(float(np.std(patch)))
    return float(np.clip(np.median(values) if values else 2.0, 0.5, 8.0))


def matched(rgb: np.ndarray, blur_sigma: float, grain: float, seed: int) -> np.ndarray:
    """Blur and grain a synthetic float RGB image like the photo; returns uint8."""
    out = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), max(blur_sigma, 0.3))
    noise = np.random.default_rng(seed).normal(0.0, grain, out.shape[:2])[..., None]
    return np.clip(out + noise, 0, 255).astype(np.uint8)


def polygon_mask(shape: tuple[int, int], points: np.ndarray, dilate: int = 0) -> np.ndarray:
    """uint8 mask (255 inside) of a polygon in pixel coordinates, optionally dilated by pixels."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    mask = np.where(mask > 96, 255, 0).astype(np.uint8)
    if dilate > 0:
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1,) * 2))
    return mask


# ---------------------------------------------------------------- person mask


def refine_person_mask(image: np.ndarray, mask: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Selfie segmentation made dependable where it matters: the face (oval, slightly grown) is
    always person, holes inside the silhouette are filled, and the edge follows the photo's own
    edges (guided filter). Float (H, W) in [0, 1]."""
    h, w = mask.shape
    fw = float(np.linalg.norm(lm[454, :2] - lm[234, :2]))
    face = polygon_mask((h, w), lm[list(L.FACE_OVAL), :2], dilate=max(1, int(0.04 * fw))).astype(np.float32) / 255
    m = np.maximum(mask, cv2.GaussianBlur(face, (0, 0), 1.5))
    solid = (m > 0.5).astype(np.uint8)
    reach = np.zeros((h + 2, w + 2), np.uint8)
    outside = solid.copy()
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if outside[y, x] == 0:
            cv2.floodFill(outside, reach, (x, y), 2)
    holes = (outside == 0).astype(np.float32)  # neither person nor reachable from the border
    m = np.maximum(m, holes)
    guide = image.astype(np.float32) / 255.0
    refined = cv2.ximgproc.guidedFilter(guide, m.astype(np.float32), max(2, int(0.01 * max(h, w))), 1e-3)
    refined = np.maximum(np.clip(refined, 0, 1), face)
    return refined.astype(np.float32)


# ---------------------------------------------------------------- background plate


def background_plate(image: np.ndarray, mask: np.ndarray, fw: float) -> np.ndarray:
    """The photo with the person removed: person pixels filled from the surrounding background.

    Only a band around the silhouette is ever revealed (head turns of +-15 deg), so the fill is
    done at reduced resolution (long side 256) and pasted only inside the person region.
    """
    h, w = mask.shape
    person = (mask > 0.25).astype(np.uint8) * 255  # mask: float (H, W) in [0, 1]
    grow = max(2, int(0.03 * fw))
    person = cv2.dilate(person, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    if person.min() == 255:  # the person fills the frame: no background to borrow from
        return image.copy()
    scale = min(1.0, 256.0 / max(h, w))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(person, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
    filled = cv2.inpaint(small, small_mask, 5, cv2.INPAINT_TELEA)
    filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC)
    soft = cv2.GaussianBlur(person.astype(np.float32) / 255.0, (0, 0), 1.0)[..., None]
    return (image * (1 - soft) + filled * soft).astype(np.uint8)


# ---------------------------------------------------------------- eyes


def _eye_box(lm: np.ndarray, side: str, frame: tuple[int, int]) -> tuple[int, int, int, int]:
    upper = lm[list(L.EYES[side][0]), :2]
    ew = float(np.linalg.norm(upper[0] - upper[-1]))
    cx, cy = upper.mean(0)
    x0, x1 = int(np.floor(cx - 0.85 * ew)), int(np.ceil(cx + 0.85 * ew))
    y0, y1 = int(np.floor(cy - 0.6 * ew)), int(np.ceil(cy + 0.7 * ew))
    w, h = frame
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def iris_radius(lm: np.ndarray, side: str) -> float:
    centre, ring = L.EYES[side][2], L.EYES[side][3]
    return float(np.mean(np.linalg.norm(lm[list(ring), :2] - lm[centre, :2], axis=1)))


def eye_layers(image: np.ndarray, lm: np.ndarray, side: str) -> tuple[Sprite, Sprite, float]:
    """(sclera, iris, iris radius) for one eye.

    The sclera sprite is the eye opening with the iris painted out and the white continued past
    the lids, so a moved iris or a wider lid never shows a hole. The iris sprite is the whole disc
    (parts hidden under the lids completed from the visible part) with a soft edge.
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _eye_box(lm, side, (w, h))
    crop = image[y0:y1, x0:x1].copy()
    origin = np.array([x0, y0], np.float32)
    opening = polygon_mask(crop.shape[:2], lm[list(L.eye_opening(side)), :2] - origin)
    r = iris_radius(lm, side)
    opaque_r = r + 1.2  # the iris sprite is opaque out to here, then fades over one pixel

    # Sclera: the visible white is the inpainting source (lashes at the rim excluded); the
    # iris disc and everything past the lids is filled from it. Then the photo goes back
    # wherever the iris sprite is not opaque, so a neutral frame reproduces the photo.
    yy, xx = np.mgrid[0:crop.shape[0], 0:crop.shape[1]].astype(np.float32)
    centre = lm[L.EYES[side][2], :2] - origin
    dist = np.hypot(xx - centre[0], yy - centre[1])
    inner = cv2.erode(opening, np.ones((3, 3), np.uint8)) > 0
    source = inner & (dist > opaque_r)
    if source.sum() < 6:  # eye nearly closed in the photo: a dimmed white stands in
        sclera = np.empty_like(crop)
        sclera[:] = sclera_colour(image, lm).astype(np.uint8)
    else:
        sclera = cv2.inpaint(crop, np.where(source, 0, 255).astype(np.uint8), 3, cv2.INPAINT_TELEA)
    # White revealed past the lids (eyeWide, gaze) lies in the lids' shadow.
    beyond = cv2.distanceTransform((opening == 0).astype(np.uint8), cv2.DIST_L2, 3)
    shade = 0.8 + 0.2 * np.exp(-beyond / 2.0)
    sclera = (sclera * shade[..., None]).astype(np.uint8)
    rim = (cv2.dilate(opening, np.ones((3, 3), np.uint8)) > 0) & (dist > opaque_r)
    sclera[rim] = crop[rim]
    sclera_rgba = np.dstack([sclera, np.full(crop.shape[:2], 255, np.uint8)])

    # Iris: visible disc pixels from the photo, the parts hidden under the lids completed from them.
    pad = int(np.ceil(r * 1.6)) + 4
    cx, cy = np.round(lm[L.EYES[side][2], :2]).astype(int)
    ix0, iy0 = max(cx - pad, 0), max(cy - pad, 0)
    ix1, iy1 = min(cx + pad + 1, w), min(cy + pad + 1, h)
    photo = image[iy0:iy1, ix0:ix1]
    io = np.array([ix0, iy0], np.float32)
    iopen = polygon_mask(photo.shape[:2], lm[list(L.eye_opening(side)), :2] - io)
    yy, xx = np.mgrid[0:photo.shape[0], 0:photo.shape[1]].astype(np.float32)
    dist = np.hypot(xx - (lm[L.EYES[side][2], 0] - ix0), yy - (lm[L.EYES[side][2], 1] - iy0))
    visible = (dist <= r) & (cv2.erode(iopen, np.ones((3, 3), np.uint8)) > 0)
    if visible.sum() >= 4:
        icrop = cv2.inpaint(photo, np.where(visible, 0, 255).astype(np.uint8), max(2, int(r / 2)), cv2.INPAINT_TELEA)
    else:
        icrop = np.empty_like(photo)
        icrop[:] = np.array([90, 70, 55], np.uint8)
    # The white ring the sprite carries past the iris edge is the photo's own (exact at rest);
    # lash pixels at the lid rim are left out so they never ride along with the iris.
    ring = (iopen > 0) & (dist > r)
    icrop[ring] = photo[ring]
    alpha = np.clip(opaque_r + 1.0 - dist, 0, 1)
    iris = np.dstack([icrop, (alpha * 255).astype(np.uint8)])
    return Sprite(sclera_rgba, x0, y0), Sprite(iris, ix0, iy0), r


def sclera_colour(image: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Median colour of the visible eye whites of both eyes, float RGB."""
    samples = []
    for side in ("Left", "Right"):
        opening = polygon_mask(image.shape[:2], lm[list(L.eye_opening(side)), :2])
        opening = cv2.erode(opening, np.ones((3, 3), np.uint8))
        yy, xx = np.nonzero(opening)
        c, r = lm[L.EYES[side][2], :2], iris_radius(lm, side)
        outside_iris = np.hypot(xx - c[0], yy - c[1]) > r * 1.2
        samples.append(image[yy[outside_iris], xx[outside_iris]])
    pix = np.concatenate(samples) if samples else np.zeros((0, 3))
    if len(pix) < 5:
        return np.array([205.0, 195.0, 185.0])
    bright = pix[pix.sum(1) >= np.percentile(pix.sum(1), 60)]  # skip lash shadow
    return np.median(bright, axis=0).astype(np.float64)


def teeth_colour(image: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Teeth: the eye whites' light, less saturated and a touch warmer, never darker than mid-skin."""
    white = sclera_colour(image, lm)
    grey = white.mean()
    teeth = (0.6 * white + 0.4 * grey) * np.array([0.97, 0.94, 0.86])
    floor = 0.95 * _skin_level(image, lm)
    if teeth.mean() < floor:
        teeth *= floor / max(teeth.mean(), 1.0)
    return np.clip(teeth, 0, 245)


# ---------------------------------------------------------------- closed lids


def _cheek_colour(image: np.ndarray, lm: np.ndarray) -> np.ndarray:
    pts = lm[list(L.CHEEK_LEFT + L.CHEEK_RIGHT), :2].astype(int)
    h, w = image.shape[:2]
    return np.median(image[np.clip(pts[:, 1], 0, h - 1), np.clip(pts[:, 0], 0, w - 1)].astype(np.float64), axis=0)


def lid_texture(image: np.ndarray, lm: np.ndarray, side: str, grain: float, size=(48, 48)) -> np.ndarray:
    """RGBA closed-lid texture: skin sampled from the lid above the crease, a lash line at the bottom.

    u runs from the outer to the inner eye corner, v from the crease (0) to the lid margin (1).
    Alpha fades in over the top quarter so the lid blends into the real skin above it.
    """
    tw, th = size
    upper = lm[list(L.EYES[side][0]), :2]
    row0, row1 = (lm[list(r), :2] for r in L.EYES[side][4])
    brow_lower = lm[list(L.BROW_LEFT_LOWER if side == "Left" else L.BROW_RIGHT_LOWER), :2]
    u = np.linspace(0, 1, tw)

    def along(points: np.ndarray) -> np.ndarray:
        return np.stack([np.interp(u, np.linspace(0, 1, len(points)), points[:, k]) for k in (0, 1)], 1)

    margin, first, crease = along(upper), along(row0), along(row1)
    brow = along(brow_lower)  # brow lists run outer -> inner like the lid contours
    # Skin source rows: from just below the brow down to the first row above the margin,
    # avoiding lashes (margin) and brow hairs.
    top_src = crease + 0.35 * (brow - crease)
    bottom_src = first + 0.3 * (crease - first)
    v = np.linspace(0, 1, th)[:, None, None]
    src = top_src[None] + v * (bottom_src - top_src)[None]  # (th, tw, 2)
    skin = cv2.remap(image, src[..., 0].astype(np.float32), src[..., 1].astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    skin = cv2.GaussianBlur(skin, (0, 0), 1.2)
    # Where the sample strays off the face (hair, a dark background beside a turned head),
    # fall back towards the cheek's own colour.
    cheek = _cheek_colour(image, lm)
    lum, ref = skin.mean(2, keepdims=True), cheek.mean()
    stray = np.clip((np.abs(lum - ref) / ref - 0.25) / 0.25, 0, 1)
    skin = skin * (1 - stray) + 0.95 * cheek * stray

    # Lash colour: the darkest tenth along the real lid margin.
    lash_band = np.concatenate([margin, 0.7 * margin + 0.3 * first])
    lash_px = cv2.remap(image, lash_band[:, 0:1].astype(np.float32), lash_band[:, 1:2].astype(np.float32), cv2.INTER_LINEAR)
    lash_px = lash_px.reshape(-1, 3).astype(np.float32)
    lash = 0.85 * lash_px[lash_px.sum(1) <= np.percentile(lash_px.sum(1), 15)].mean(0)

    vv = np.linspace(0, 1, th)[:, None]
    uu = np.linspace(0, 1, tw)[None, :]
    # The closed lid is lit like the eyeball under it: brightest across the middle, darker
    # towards the lashes and the corners.
    shade = (1.04 - 0.2 * np.clip((vv - 0.45) / 0.41, 0, 1) ** 1.5) * (0.9 + 0.1 * np.sin(np.pi * uu) ** 0.7)
    skin *= shade[..., None]
    # Lashes fill v 0.86..1 (the renderer keeps that band thin on screen): fuller mid-lid,
    # thinning towards the corners.
    line_w = 0.1 + 0.05 * np.sin(np.pi * uu)
    lash_a = np.clip((vv - (1.0 - line_w)) / 0.03, 0, 1) * (0.45 + 0.55 * np.sin(np.pi * uu) ** 0.5)
    rgb = skin * (1 - lash_a[..., None]) + lash * lash_a[..., None]
    rgb = matched(rgb, 0.5, grain * 0.6, RNG_SEED + (1 if side == "Left" else 2))
    alpha = np.clip(vv / 0.25, 0, 1) * np.ones_like(uu)
    corners = np.clip(np.minimum(uu, 1 - uu) / 0.08, 0, 1)  # soften where lids meet at the corners
    alpha = alpha * (0.6 + 0.4 * corners)
    return np.dstack([rgb, (alpha * 255).astype(np.uint8)])


# ---------------------------------------------------------------- mouth interior


def _curve_y(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(points[:, 0])
    return np.interp(xs, points[order, 0], points[order, 1])


def mouth_box(lm: np.ndarray, frame: tuple[int, int]) -> tuple[int, int, int, int]:
    """Interior texture box: wider than the lips, tall enough for the widest jaw drop."""
    c1, c2 = lm[L.MOUTH_CORNER_RIGHT, :2], lm[L.MOUTH_CORNER_LEFT, :2]
    wm = float(np.linalg.norm(c2 - c1))
    x0 = int(np.floor(min(c1[0], c2[0]) - 0.35 * wm))
    x1 = int(np.ceil(max(c1[0], c2[0]) + 0.35 * wm))
    y0 = int(np.floor(lm[0, 1] - 0.7 * wm))
    y1 = int(np.ceil(lm[17, 1] + 0.9 * wm))
    w, h = frame
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def _skin_level(image: np.ndarray, lm: np.ndarray) -> float:
    """Mean brightness (0-255) of the cheeks and nose, the light the mouth interior sits in."""
    pts = lm[list(L.CHEEK_LEFT + L.CHEEK_RIGHT + (1, 4, 5)), :2].astype(int)
    h, w = image.shape[:2]
    pix = image[np.clip(pts[:, 1], 0, h - 1), np.clip(pts[:, 0], 0, w - 1)].astype(np.float64)
    return float(np.clip(np.median(pix.mean(1)), 40, 255))


def _bite_line(image: np.ndarray, xs: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Per column, where the upper teeth end: the darkest row inside a visibly open mouth."""
    gap = bottom - top
    mid = (top + bottom) / 2
    if np.max(gap) < 5:
        return mid
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gray = cv2.GaussianBlur(gray, (0, 0), 1.0)
    bite = mid.copy()
    for i, x in enumerate(xs):
        if gap[i] < 5:
            continue
        rows = np.arange(int(top[i] + 0.2 * gap[i]), int(bottom[i] - 0.15 * gap[i]) + 1)
        rows = rows[(rows >= 0) & (rows < gray.shape[0])]
        if len(rows):
            bite[i] = rows[np.argmin(gray[rows, int(np.clip(x, 0, gray.shape[1] - 1))])]
    k = max(3, len(xs) // 8) | 1
    return np.convolve(np.pad(bite, k // 2, mode="edge"), np.ones(k) / k, mode="valid")


def _teeth_row(xs, centre_x, half_w, n_teeth, edge_y, length, gum_y, colour, upper: bool, shape):
    """Paint a row of teeth into float RGB + alpha arrays of `shape` (h, w), box coordinates."""
    h, w = shape
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    yy = np.arange(h, dtype=np.float32)[:, None]
    rel = (xs - centre_x) / half_w  # -1..1 across the row
    # Tooth index: incisors wide in the middle, narrowing towards the corners (perspective).
    warped = np.sign(rel) * np.abs(rel) ** 0.8 * n_teeth / 2
    frac = warped - np.floor(warped)
    seam = np.exp(-((np.minimum(frac, 1 - frac)) / 0.07) ** 2)  # dark gap between teeth
    tip_round = 0.5 * length * (np.minimum(frac, 1 - frac) < 0.12) * (0.12 - np.minimum(frac, 1 - frac)) / 0.12
    falloff = np.clip(1 - np.abs(rel), 0, 1)
    tooth_len = length * (0.55 + 0.45 * falloff ** 0.5)
    if upper:
        end = edge_y + tooth_len - tip_round
        inside = (yy >= gum_y[None, :]) & (yy <= end[None, :])
        along = np.clip((yy - gum_y[None, :]) / np.maximum(end - gum_y, 1)[None, :], 0, 1)
    else:
        end = edge_y - tooth_len + tip_round
        inside = (yy <= gum_y[None, :]) & (yy >= end[None, :])
        along = np.clip((gum_y[None, :] - yy) / np.maximum(gum_y - end, 1)[None, :], 0, 1)
    inside &= (np.abs(rel) <= 1.0)[None, :]
    shade = (0.45 + 0.55 * falloff ** 0.7)[None, :] * (1 - 0.35 * seam)[None, :]
    shade = shade * (1 - 0.18 * np.clip((along - 0.8) / 0.2, 0, 1))  # translucent biting edge
    rgb[:] = colour[None, None, :] * shade[..., None]
    alpha[inside] = 1.0
    return rgb, alpha


def mouth_layers(image: np.ndarray, lm: np.ndarray, grain: float, blur: float) -> tuple[Sprite, Sprite]:
    """(upper, lower) interior sprites over the mouth box.

    Lower: the cavity (lip colour, darkened), the tongue and the lower teeth, opaque everywhere so
    no gap ever shows. Upper: the upper teeth, transparent elsewhere. Pixels of the photo inside the
    inner lips are pasted on top, split at the bite line, so the photo reproduces exactly at rest
    and teeth it shows move rigidly with their lip.
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = mouth_box(lm, (w, h))
    bh, bw = y1 - y0, x1 - x0
    origin = np.array([x0, y0], np.float32)
    up = lm[list(L.LIP_INNER_UPPER), :2] - origin
    lo = lm[list(L.LIP_INNER_LOWER), :2] - origin
    xs = np.arange(bw, dtype=np.float32) + 0.5
    top, bottom = _curve_y(up, xs), _curve_y(lo, xs)
    cl, cr = up[0, 0], up[-1, 0]
    left, right = min(cl, cr), max(cl, cr)
    outside = (xs < left) | (xs > right)
    top[outside] = np.interp(xs[outside], [left, right], [top[np.argmin(np.abs(xs - left))], top[np.argmin(np.abs(xs - right))]])
    bottom[outside] = top[outside]
    centre_x, half_w = (left + right) / 2, (right - left) / 2 * 1.12
    wm = float(np.linalg.norm(lm[L.MOUTH_CORNER_LEFT, :2] - lm[L.MOUTH_CORNER_RIGHT, :2]))

    teeth = teeth_colour(image, lm)
    yy = np.arange(bh, dtype=np.float32)[:, None]

    # Mouth interior is mucosa whatever the lipstick: a fixed red hue at the face's brightness,
    # lighter towards the lips, darkest in the throat.
    skin = _skin_level(image, lm)
    across = np.clip(np.abs(xs - centre_x)[None, :] / (half_w * 1.2), 0, 1)
    cavity = skin * np.array([0.42, 0.2, 0.19]) * (0.6 + 0.4 * across[..., None] ** 1.5) * np.ones((bh, bw, 1))
    # Tongue: a broad ellipse just behind the lower teeth, lit from the front.
    ty = bottom.max() - 0.07 * wm
    ellipse = ((xs[None, :] - centre_x) / (0.4 * wm)) ** 2 + ((yy - ty - 0.08 * wm) / (0.16 * wm)) ** 2
    tongue_a = np.clip((1 - ellipse) / 0.25, 0, 1)
    tongue_shade = np.clip(1.15 - 0.5 * ellipse, 0.6, 1.0)[..., None]
    tongue = (skin * np.array([0.8, 0.45, 0.45]))[None, None, :] * tongue_shade
    lower_rgb = cavity * (1 - tongue_a[..., None]) + tongue * tongue_a[..., None]
    l_rgb, l_a = _teeth_row(xs, centre_x, half_w * 0.88, 8, bottom - 0.01 * wm, 0.08 * wm, bottom + 0.15 * wm,
                            teeth * 0.85, False, (bh, bw))
    lower_rgb = lower_rgb * (1 - l_a[..., None]) + l_rgb * l_a[..., None]
    lower = matched(lower_rgb, blur, grain * 0.8, RNG_SEED + 3)
    lower_alpha = np.full((bh, bw), 255, np.uint8)

    u_rgb, u_a = _teeth_row(xs, centre_x, half_w, 8, top, 0.13 * wm, top - 0.2 * wm, teeth, True, (bh, bw))
    upper = matched(u_rgb * u_a[..., None] + cavity * (1 - u_a[..., None]), blur, grain * 0.8, RNG_SEED + 4)
    upper_alpha = (cv2.GaussianBlur(u_a, (0, 0), max(blur, 0.5)) * 255).astype(np.uint8)

    # Paste the photo's own mouth opening, split at the bite line.
    inner = polygon_mask((bh, bw), np.concatenate([up, lo[::-1][1:-1]]), dilate=2)
    bite = _bite_line(image[y0:y1, x0:x1], xs, top, bottom)
    photo = image[y0:y1, x0:x1]
    above = (yy < bite[None, :]) & (inner > 0)
    below = (yy >= bite[None, :]) & (inner > 0)
    upper[above], upper_alpha[above] = photo[above], 255
    # Where the photo shows its own upper teeth, they end at the bite line: no synthetic tail.
    shown = (bottom - top) >= 5
    upper_alpha[(yy >= bite[None, :]) & shown[None, :]] = 0
    lower[below] = photo[below]
    return (Sprite(np.dstack([upper, upper_alpha]), x0, y0), Sprite(np.dstack([lower, lower_alpha]), x0, y0))
