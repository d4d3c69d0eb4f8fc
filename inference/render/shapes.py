"""Blendshape definitions for the 2.5D rig, as handle displacements on Face Mesh landmarks.

Each shape names landmarks and how far they move at full strength, in face-frame units: `u`
along the eye line towards the subject's left (image right for a frontal photo), `v` down the
face, `z` away from the camera, all in face widths. The rig spreads these to every vertex by
inverse-distance weighting within `radius` (face widths), anchored to zero beyond it. The
Right twin of each sided shape mirrors its Left definition: u flips, indices swap via MIRROR.
Eyelid shapes are given relative to the eye's own opening (see rig.py) and are not listed here.
"""

from __future__ import annotations

from inference.face import landmarks as L


# Subject-left index -> subject-right index, for the landmarks the shapes use.
_PAIRS = [
    (291, 61), (308, 78), (409, 185), (270, 40), (269, 39), (267, 37), (375, 146), (321, 91),
    (405, 181), (314, 84), (415, 191), (310, 80), (311, 81), (312, 82), (324, 95), (318, 88),
    (402, 178), (317, 87), (300, 70), (293, 63), (334, 105), (296, 66), (336, 107), (276, 46),
    (283, 53), (282, 52), (295, 65), (285, 55), (358, 129), (331, 102), (278, 48), (294, 64),
    (346, 117), (347, 118), (330, 101), (280, 50), (425, 205), (266, 36), (454, 234), (323, 93),
    (361, 132), (288, 58), (397, 172), (365, 136), (379, 150), (378, 149), (400, 176), (377, 148),
    (411, 187), (427, 207), (436, 216), (426, 206), (423, 203), (391, 165), (393, 167), (322, 92),
    (410, 186), (287, 57), (273, 43), (335, 106), (424, 204), (422, 202), (432, 212), (430, 210),
]
# Contours listed side by side in landmarks.py pair up index by index.
_PAIRS += [pair for left, right in (
    (L.EYE_LEFT_UPPER, L.EYE_RIGHT_UPPER), (L.EYE_LEFT_LOWER, L.EYE_RIGHT_LOWER),
    (L.LID_LEFT_ROWS[0], L.LID_RIGHT_ROWS[0]), (L.LID_LEFT_ROWS[1], L.LID_RIGHT_ROWS[1]),
    (L.BROW_LEFT_UPPER, L.BROW_RIGHT_UPPER), (L.BROW_LEFT_LOWER, L.BROW_RIGHT_LOWER),
    (L.CHEEK_LEFT, L.CHEEK_RIGHT), (L.NOSE_WING_LEFT, L.NOSE_WING_RIGHT),
) for pair in zip(left, right)]
MIRROR = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
# Landmarks on the face's midline are their own mirror image.
MIDLINE = (0, 13, 14, 17, 1, 2, 4, 5, 6, 8, 9, 10, 151, 152, 168, 195, 197, 199, 200, 18)

# (indices, (du, dv, dz)) lists, defined for the subject's Left side where sided.
SIDED: dict[str, tuple[float, list[tuple[tuple[int, ...], tuple[float, float, float]]]]] = {
    "mouthSmile": (0.32, [
        ((291,), (0.050, -0.075, 0.01)), ((308,), (0.045, -0.070, 0.01)),
        ((409, 375, 415, 324), (0.030, -0.045, 0.0)), ((270, 321, 310, 318), (0.012, -0.020, 0.0)),
        ((410, 287, 432, 422), (0.030, -0.040, 0.0)),
        ((425, 411, 427, 436, 426), (0.018, -0.032, -0.01)), ((346, 347, 330, 280, 266), (0.004, -0.016, -0.005)),
    ]),
    "mouthFrown": (0.3, [
        ((291,), (0.010, 0.060, 0.0)), ((308,), (0.008, 0.055, 0.0)),
        ((409, 375, 415, 324), (0.006, 0.034, 0.0)), ((270, 321, 310, 318), (0.002, 0.014, 0.0)),
        ((287, 432, 422, 424), (0.006, 0.030, 0.0)),
    ]),
    "mouthStretch": (0.3, [
        ((291,), (0.050, 0.014, 0.0)), ((308,), (0.046, 0.012, 0.0)),
        ((409, 375, 415, 324), (0.030, 0.008, 0.0)), ((270, 321, 310, 318), (0.014, 0.004, 0.0)),
        ((287, 432, 410), (0.028, 0.012, 0.0)),
    ]),
    "mouthPress": (0.22, [
        ((267, 269, 270, 409), (0.0, 0.012, 0.0)), ((314, 405, 321, 375), (0.0, -0.014, 0.0)),
        ((312, 311, 310, 415), (0.0, 0.004, 0.0)), ((317, 402, 318, 324), (0.0, -0.004, 0.0)),
        ((291, 308), (0.004, 0.0, 0.0)),
    ]),
    "mouthDimple": (0.22, [((291, 308), (0.018, 0.004, 0.01)), ((287, 410), (0.01, 0.0, 0.01))]),
    "mouthUpperUp": (0.25, [
        ((267, 269, 270), (0.0, -0.028, 0.0)), ((312, 311, 310), (0.0, -0.024, 0.0)),
        ((409, 415), (0.0, -0.012, 0.0)), ((0, 13), (0.0, -0.010, 0.0)),
    ]),
    "mouthLowerDown": (0.25, [
        ((314, 405, 321), (0.0, 0.032, 0.0)), ((317, 402, 318), (0.0, 0.028, 0.0)),
        ((375, 324), (0.0, 0.014, 0.0)), ((17, 14), (0.0, 0.012, 0.0)),
    ]),
    "browDown": (0.3, [
        ((336, 285), (-0.016, 0.045, 0.0)), ((296, 295), (-0.010, 0.038, 0.0)),
        ((334, 282), (-0.004, 0.030, 0.0)), ((293, 283, 300, 276), (0.0, 0.022, 0.0)),
        ((413, 441, 442, 443), (0.0, 0.012, 0.0)),
    ]),
    "browOuterUp": (0.3, [
        ((300, 276), (0.0, -0.055, 0.0)), ((293, 283), (0.0, -0.050, 0.0)),
        ((334, 282), (0.0, -0.030, 0.0)), ((296, 295), (0.0, -0.012, 0.0)),
        ((446, 342, 445), (0.0, -0.020, 0.0)),
    ]),
    "cheekSquint": (0.28, [
        ((346, 347, 330, 280), (0.0, -0.028, -0.01)), ((425, 266), (0.0, -0.018, 0.0)),
    ]),
    "noseSneer": (0.2, [
        ((358, 331, 278, 294), (0.004, -0.022, 0.0)), ((267, 269), (0.0, -0.008, 0.0)),
    ]),
}

UNSIDED: dict[str, tuple[float, list[tuple[tuple[int, ...], tuple[float, float, float]]]]] = {
    "mouthPucker": (0.3, [
        ((291,), (-0.055, 0.004, -0.05)), ((61,), (0.055, 0.004, -0.05)),
        ((308,), (-0.050, 0.0, -0.05)), ((78,), (0.050, 0.0, -0.05)),
        ((409, 375, 415, 324), (-0.035, 0.0, -0.05)), ((185, 146, 191, 95), (0.035, 0.0, -0.05)),
        ((270, 321, 310, 318), (-0.018, 0.0, -0.05)), ((40, 91, 80, 88), (0.018, 0.0, -0.05)),
        ((0, 17, 13, 14, 37, 267, 84, 314), (0.0, 0.0, -0.05)),
    ]),
    "mouthFunnel": (0.3, [
        ((291,), (-0.040, 0.0, -0.04)), ((61,), (0.040, 0.0, -0.04)),
        ((308,), (-0.040, 0.0, -0.04)), ((78,), (0.040, 0.0, -0.04)),
        ((13, 82, 312), (0.0, -0.024, -0.04)), ((81, 311), (0.0, -0.018, -0.04)),
        ((14, 87, 317), (0.0, 0.030, -0.04)), ((178, 402), (0.0, 0.022, -0.04)),
        ((0, 37, 267), (0.0, -0.016, -0.04)), ((17, 84, 314), (0.0, 0.022, -0.04)),
    ]),
    "browInnerUp": (0.3, [
        ((107, 336, 55, 285), (0.0, -0.055, 0.0)), ((66, 296, 65, 295), (0.0, -0.042, 0.0)),
        ((105, 334, 52, 282), (0.0, -0.020, 0.0)), ((9, 8), (0.0, -0.02, 0.0)),
        ((189, 413, 221, 441), (0.0, -0.018, 0.0)),
    ]),
    "mouthRollLower": (0.2, [((314, 17, 84, 405, 181), (0.0, -0.018, 0.0)), ((317, 14, 87), (0.0, -0.006, 0.0))]),
    "mouthRollUpper": (0.2, [((267, 0, 37, 269, 39), (0.0, 0.014, 0.0)), ((312, 13, 82), (0.0, 0.004, 0.0))]),
    "mouthShrugUpper": (0.22, [((267, 0, 37, 312, 13, 82), (0.0, -0.014, -0.01))]),
    "mouthShrugLower": (0.3, [((314, 17, 84, 317, 14, 87), (0.0, -0.020, -0.01)), ((152, 377, 148), (0.0, -0.012, 0.0))]),
    "mouthLeft": (0.28, [((61, 291, 78, 308, 0, 17, 13, 14, 37, 267, 84, 314, 40, 270, 91, 321), (0.035, 0.0, 0.0))]),
    "mouthRight": (0.28, [((61, 291, 78, 308, 0, 17, 13, 14, 37, 267, 84, 314, 40, 270, 91, 321), (-0.035, 0.0, 0.0))]),
    "cheekPuff": (0.3, [
        ((205, 425, 50, 280, 187, 411), (0.0, 0.0, -0.02)), ((132, 361, 58, 288), (0.0, 0.0, 0.0)),
        ((216, 436), (0.0, 0.0, -0.02)),
    ]),
}


def mirrored(handles):
    """Right twin of a Left shape: indices through MIRROR, u flipped."""
    out = []
    for idx, (du, dv, dz) in handles:
        out.append((tuple(MIRROR.get(i, i) for i in idx), (-du, dv, dz)))
    return out


LIP_CENTRES = (0, 13, 14, 17)
# Shapes that move one mouth corner keep the lip centres still, so the corner moves relative to them.
CENTRE_ANCHORED = ("mouthSmile", "mouthFrown", "mouthStretch", "mouthDimple")


def all_shapes() -> dict[str, tuple[float, list, tuple[int, ...]]]:
    """name -> (radius, handles, fixed): `fixed` landmarks stay at zero whatever their distance.

    A sided shape holds its twin's handles still, so a left brow never drags the right one.
    """
    shapes: dict[str, tuple[float, list, tuple[int, ...]]] = {k: (r, h, ()) for k, (r, h) in UNSIDED.items()}
    for stem, (radius, handles) in SIDED.items():
        moving = {i for idx, _ in handles for i in idx}
        twins = tuple(sorted({MIRROR[i] for i in moving if i in MIRROR} - moving))
        fixed = twins + (LIP_CENTRES if stem in CENTRE_ANCHORED else ())
        shapes[f"{stem}Left"] = (radius, handles, fixed)
        mirrored_fixed = tuple(MIRROR.get(i, i) for i in fixed)
        shapes[f"{stem}Right"] = (radius, mirrored(handles), mirrored_fixed)
    # cheekPuff moves cheeks sideways: push left cheek +u and right -u.
    radius, handles, fixed = shapes["cheekPuff"]
    shapes["cheekPuff"] = (radius, handles + [((425, 280, 411, 436, 361, 288), (0.03, 0.0, 0.0)),
                                              ((205, 50, 187, 216, 132, 58), (-0.03, 0.0, 0.0))], fixed)
    return shapes


EYELID_SHAPES = ("eyeBlink", "eyeWide", "eyeSquint")
