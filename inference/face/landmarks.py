"""Named MediaPipe Face Mesh landmark indices (478-point model with irises).

"Left"/"Right" are the subject's own sides, as in ARKit and MediaPipe: the left eye appears on
the right of an unmirrored photo. Contours run from one corner to the other.
"""

# Face oval, clockwise in the image starting at the forehead top (36 points).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

# Lips: corners 61 (subject right) and 291 (subject left); inner corners 78 and 308.
LIP_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIP_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIP_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIP_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNER_RIGHT, MOUTH_CORNER_LEFT = 61, 291
LIP_INNER_TOP, LIP_INNER_BOTTOM = 13, 14

# Eyes: lid contours from the outer to the inner corner, upper and lower with matching counts.
EYE_RIGHT_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
EYE_RIGHT_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
EYE_LEFT_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
EYE_LEFT_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
IRIS_RIGHT_CENTER, IRIS_RIGHT_RING = 468, (469, 470, 471, 472)
IRIS_LEFT_CENTER, IRIS_LEFT_RING = 473, (474, 475, 476, 477)

# Brows from the outer to the inner end: upper edge and lower edge.
BROW_RIGHT_UPPER = (70, 63, 105, 66, 107)
BROW_RIGHT_LOWER = (46, 53, 52, 65, 55)
BROW_LEFT_UPPER = (300, 293, 334, 296, 336)
BROW_LEFT_LOWER = (276, 283, 282, 295, 285)

# Lid skin between the upper lid margin and the brow, from the outer to the inner corner:
# the first row above the margin, then the crease row.
LID_RIGHT_ROWS = ((130, 247, 30, 29, 27, 28, 56, 190, 243), (226, 113, 225, 224, 223, 222, 221, 189, 244))
LID_LEFT_ROWS = ((359, 467, 260, 259, 257, 258, 286, 414, 463), (446, 342, 445, 444, 443, 442, 441, 413, 464))

# Cheeks (upper cheek under the eye, for cheekSquint / smile lift) and nose wings.
CHEEK_RIGHT = (117, 118, 101, 50, 205, 36)
CHEEK_LEFT = (346, 347, 330, 280, 425, 266)
NOSE_WING_RIGHT, NOSE_WING_LEFT = (129, 102, 48, 64), (358, 331, 278, 294)
NOSE_TIP, CHIN, FOREHEAD = 1, 152, 10
FACE_SIDE_RIGHT, FACE_SIDE_LEFT = 234, 454
JAW_RIGHT, JAW_LEFT = 172, 397

EYES = {
    "Right": (EYE_RIGHT_UPPER, EYE_RIGHT_LOWER, IRIS_RIGHT_CENTER, IRIS_RIGHT_RING, LID_RIGHT_ROWS),
    "Left": (EYE_LEFT_UPPER, EYE_LEFT_LOWER, IRIS_LEFT_CENTER, IRIS_LEFT_RING, LID_LEFT_ROWS),
}


def eye_opening(side: str) -> tuple[int, ...]:
    """Closed polygon of the eye opening: upper lid outer->inner, then lower lid inner->outer."""
    upper, lower = EYES[side][0], EYES[side][1]
    return tuple(upper) + tuple(reversed(lower[1:-1]))


def inner_lip_polygon() -> tuple[int, ...]:
    return tuple(LIP_INNER_UPPER) + tuple(reversed(LIP_INNER_LOWER[1:-1]))
