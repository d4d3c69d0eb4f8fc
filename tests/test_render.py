"""The layered renderer: neutral reproduces the photo; each channel does what it says, re-tracked
with Face Mesh on the rendered frames; teeth move rigidly with their lip; the interior is matched."""

import cv2
import numpy as np
import pytest

from inference.face import Framing, analyze
from inference.face import landmarks as L
from inference.render.qa import photo_scaled, psnr, retrack_figures
from inference.motion import MotionFrame
from inference.render import Renderer

from conftest import PORTRAITS, RETRACK_PORTRAITS

NEUTRAL = MotionFrame.neutral()


@pytest.mark.parametrize("path", PORTRAITS, ids=lambda p: p.name)
def test_neutral_full_framing_reproduces_the_photo(path, gl_context):
    avatar = analyze(path, Framing("full", 512))
    with Renderer(avatar, ctx=gl_context) as r:
        out = r.render(NEUTRAL)
    reference = photo_scaled(path, 512)
    assert out.shape == reference.shape
    assert psnr(out, reference) >= 38.0


@pytest.fixture(scope="module")
def figures(renderers, tracker):
    """{portrait: {figure: value}} for every shared portrait (Face Mesh re-tracking)."""
    if not PORTRAITS:
        pytest.skip("no shared portraits beside this checkout")
    return {p.name: retrack_figures(renderers(p.name), tracker) for p in PORTRAITS}


# Each acceptance check must hold on at least four of the shared portraits.
CHECKS = {
    "jawOpen widens the inner-lip gap by > 0.05 face widths": ("jaw_gap_gain", lambda v: v > 0.05),
    "a blink drops the eye aspect ratio below half": ("blink_ear_ratio", lambda v: v < 0.5),
    "headYaw +15 measures 12-18 deg": ("yaw+15", lambda v: 12.0 <= v <= 18.0),
    "headYaw -15 measures -18..-12 deg": ("yaw-15", lambda v: -18.0 <= v <= -12.0),
    "headPitch +10 lifts the chin 5-15 deg": ("pitch+10", lambda v: 5.0 <= v <= 15.0),
    "headRoll +15 measures 12-18 deg": ("roll+15", lambda v: 12.0 <= v <= 18.0),
    "gazeYaw +20 moves the irises right": ("iris_shift+20", lambda v: v > 0.03),
    "gazeYaw -20 moves the irises left": ("iris_shift-20", lambda v: v < -0.03),
    "mouthSmile raises the corners": ("smile_corner_rise", lambda v: v > 0.01),
    "mouthFrown lowers the corners": ("frown_corner_rise", lambda v: v < -0.008),
    "headDistance 1.25 widens the face 15-35 %": ("width_ratio1.25", lambda v: 1.15 <= v <= 1.35),
    "headDistance 0.8 narrows the face 12-28 %": ("width_ratio0.8", lambda v: 0.72 <= v <= 0.88),
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_retracked_channel_does_what_it_says_on_four_portraits(check, figures):
    key, ok = CHECKS[check]
    values = {name: f.get(key) for name, f in figures.items()}
    passing = [n for n, v in values.items() if v is not None and ok(v)]
    report = ", ".join(f"{n[:24]}={v:.3f}" if v is not None else f"{n[:24]}=lost" for n, v in values.items())
    print(f"{check}: {report}")
    assert len(passing) >= 4, f"{check}: only {len(passing)} of {len(values)} portraits pass ({report})"


# Each channel the foundation must support, the region it must change, and where it must not.
REGIONS = {
    "mouth": L.LIP_OUTER_UPPER + L.LIP_OUTER_LOWER,
    "eyeL": L.EYE_LEFT_UPPER + L.EYE_LEFT_LOWER + L.BROW_LEFT_LOWER,
    "eyeR": L.EYE_RIGHT_UPPER + L.EYE_RIGHT_LOWER + L.BROW_RIGHT_LOWER,
    "browL": L.BROW_LEFT_UPPER + L.BROW_LEFT_LOWER,
    "browR": L.BROW_RIGHT_UPPER + L.BROW_RIGHT_LOWER,
    "browBoth": L.BROW_LEFT_UPPER + L.BROW_RIGHT_UPPER,
    "cheekL": L.CHEEK_LEFT + L.EYE_LEFT_LOWER,
    "cheekR": L.CHEEK_RIGHT + L.EYE_RIGHT_LOWER,
}
CHANNEL_REGIONS = {
    "jawOpen": "mouth", "mouthClose": "mouth", "mouthFunnel": "mouth", "mouthPucker": "mouth",
    "mouthSmileLeft": "mouth", "mouthSmileRight": "mouth", "mouthFrownLeft": "mouth", "mouthFrownRight": "mouth",
    "mouthStretchLeft": "mouth", "mouthStretchRight": "mouth", "mouthPressLeft": "mouth", "mouthPressRight": "mouth",
    "eyeBlinkLeft": "eyeL", "eyeBlinkRight": "eyeR", "eyeWideLeft": "eyeL", "eyeWideRight": "eyeR",
    "eyeSquintLeft": "eyeL", "eyeSquintRight": "eyeR", "browInnerUp": "browBoth",
    "browDownLeft": "browL", "browDownRight": "browR", "browOuterUpLeft": "browL", "browOuterUpRight": "browR",
    "cheekSquintLeft": "cheekL", "cheekSquintRight": "cheekR",
}


def region_box(lm, ids, pad):
    pts = lm[list(ids), :2]
    (x0, y0), (x1, y1) = pts.min(0) - pad, pts.max(0) + pad
    return slice(int(max(y0, 0)), int(y1)), slice(int(max(x0, 0)), int(x1))


@pytest.mark.parametrize("channel", sorted(CHANNEL_REGIONS))
def test_channel_changes_its_own_region_and_not_the_far_side(channel, renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    lm, fw = r.avatar.landmarks, r.avatar.face_width
    frame = NEUTRAL.with_values(**{channel: 1.0})
    if channel == "mouthClose":
        frame = frame.with_values(jawOpen=0.6)
        base = r.render(NEUTRAL.with_values(jawOpen=0.6)).astype(int)
    else:
        base = r.render(NEUTRAL).astype(int)
    diff = np.abs(r.render(frame).astype(int) - base).sum(2)
    region = CHANNEL_REGIONS[channel]
    assert diff[region_box(lm, REGIONS[region], 0.08 * fw)].max() > 40, "no visible change where expected"
    # Sided shapes leave the other eye or brow alone.
    twin = {"eyeL": "eyeR", "eyeR": "eyeL", "browL": "browR", "browR": "browL", "cheekL": "eyeR", "cheekR": "eyeL"}.get(region)
    if twin:
        assert diff[region_box(lm, REGIONS[twin], 0.02 * fw)].max() < 25


def test_every_sided_shape_has_a_mirrored_twin():
    from inference.render.shapes import MIDLINE, MIRROR, SIDED

    for stem, (_, handles) in SIDED.items():
        for idx, _ in handles:
            for i in idx:
                assert i in MIRROR or i in MIDLINE, f"{stem}: landmark {i} has no mirror"


def test_left_is_the_subjects_left_on_the_image_right(renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    diff = np.abs(r.render(NEUTRAL.with_values(eyeBlinkLeft=1.0)).astype(int) - r.render(NEUTRAL).astype(int)).sum(2)
    ys, xs = np.nonzero(diff > 30)
    assert xs.mean() > r.avatar.landmarks[1, 0]  # right of the nose tip in the image


def test_upper_teeth_stay_with_the_upper_lip_and_lower_teeth_ride_the_jaw(renderers):
    r = renderers("cc0_photo_woman_smiling_teeth_pexels.png")  # the photo shows both rows of teeth
    lm = r.avatar.landmarks
    gray = lambda im: cv2.cvtColor(im, cv2.COLOR_RGB2GRAY).astype(np.float32)
    still, opened = gray(r.render(NEUTRAL)), gray(r.render(NEUTRAL.with_values(jawOpen=0.6)))
    x0, x1 = int(lm[78, 0] + 0.25 * (lm[308, 0] - lm[78, 0])), int(lm[78, 0] + 0.75 * (lm[308, 0] - lm[78, 0]))
    top, bottom = int(lm[13, 1]), int(lm[14, 1])
    mid = (top + bottom) // 2
    upper = still[top + 1:mid - 1, x0:x1]
    lower = still[mid + 1:bottom - 1, x0:x1]
    # Upper teeth: same pixels, same place.
    assert np.abs(opened[top + 1:mid - 1, x0:x1] - upper).mean() < 6
    # Lower teeth: found again, unstretched (high match), lower down by the jaw's drop.
    res = cv2.matchTemplate(opened[mid - 5:, x0 - 5:x1 + 5], lower, cv2.TM_CCOEFF_NORMED)
    _, score, _, loc = cv2.minMaxLoc(res)
    assert score > 0.8
    assert loc[1] - 5 > 0.04 * r.avatar.face_width  # moved down


def test_mouth_interior_is_lit_like_the_face(renderers, tracker):
    r = renderers("pd_painting_mona_lisa_leonardo.jpg")  # closed mouth: the interior is all synthetic
    lm = r.avatar.landmarks
    out = r.render(NEUTRAL.with_values(jawOpen=1.0)).astype(np.float64)
    moved = tracker.find(out.astype(np.uint8))[0].landmarks
    inner = np.zeros(out.shape[:2], np.uint8)
    cv2.fillPoly(inner, [np.round(moved[list(L.inner_lip_polygon()), :2]).astype(np.int32)], 1)
    inner = cv2.erode(inner, np.ones((3, 3), np.uint8))
    pix = out[inner > 0]
    assert len(pix) > 50
    skin = out[int(lm[1, 1]) - 20:int(lm[1, 1]) - 10, int(lm[1, 0]) - 5:int(lm[1, 0]) + 5].reshape(-1, 3).mean(0)
    interior = pix.mean(0)
    assert interior.mean() < 0.85 * skin.mean()  # an opening is darker than the skin around it
    assert interior.mean() > 0.12 * skin.mean()  # but not a black hole
    assert pix.std(0).mean() > 8  # teeth, tongue and shade, not one flat colour


def test_blink_draws_a_lid_not_the_eye(renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    lm = r.avatar.landmarks
    closed = r.render(NEUTRAL.with_values(eyeBlinkLeft=1.0, eyeBlinkRight=1.0)).astype(np.float64)
    for side in ("Left", "Right"):
        c = lm[L.EYES[side][2], :2].astype(int)
        rad = max(2, int(r.avatar.iris_radius[side] * 0.6))
        iris_spot = closed[c[1] - rad:c[1] + rad, c[0] - rad:c[0] + rad].reshape(-1, 3).mean(0)
        cheek = closed[c[1] + 4 * rad:c[1] + 6 * rad, c[0] - rad:c[0] + rad].reshape(-1, 3).mean(0)
        # Where the dark iris was, the closed lid shows skin: within 35 % of the cheek's brightness.
        assert abs(iris_spot.mean() - cheek.mean()) < 0.35 * cheek.mean()


def test_pipelined_frames_equal_single_renders(renderers):
    r = renderers(RETRACK_PORTRAITS[0])
    frames = [NEUTRAL.with_values(jawOpen=j, headYaw=y) for j, y in ((0.0, 0.0), (0.6, 5.0), (1.0, -8.0), (0.2, 12.0))]
    singles = [r.render(f).copy() for f in frames]
    piped = [img.copy() for img in r.render_frames(frames)]
    assert len(piped) == len(frames)
    for a, b in zip(singles, piped):
        assert np.array_equal(a, b)
