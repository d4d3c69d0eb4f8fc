"""The 2.5D face rig: geometry built once per Avatar, deformed per MotionFrame on the CPU.

Vertices are in frame pixels (x right, y down) with z away from the camera, in pixels.
The head mesh is Face Mesh's 468 points (holes at the eyes and mouth), rings beyond the face
oval and a ring on the frame border that never moves. One frame's deformation, in order:
blendshapes (linear displacement fields) -> jaw rotation about a hinge -> head pose (a rigid
transform about a pivot inside the skull, blended out towards the border).
"""

from __future__ import annotations

import collections
import itertools
import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from inference.face import landmarks as L
from inference.face.avatar import Avatar
from inference.motion.track import CHANNEL_INDEX, MotionFrame
from inference.render.shapes import all_shapes

N_FACE = 468
RING_SCALES = (1.2, 1.4, 1.7, 2.1, 2.7)  # ring radii as multiples of the face oval
RING_HEAD_WEIGHT = (1.0, 1.0, 0.75, 0.4, 0.12)  # how fully each ring follows the head
JAW_MAX_DEG = 20.0  # jawOpen = 1
EYEBALL_RADIUS = 0.42  # x eye width: sets how far the iris travels per degree of gaze
# Face Mesh's z is flatter than a real head; rotating it as is under-turns the face by ~15 %
# when the result is re-tracked. Depth is stretched by this much about the pivot for rotation.
DEPTH_GAIN = 1.1


@lru_cache(maxsize=1)
def face_triangles() -> np.ndarray:
    """Triangles of MediaPipe's tessellation, recovered from its edge list as 3-cliques.

    Two cliques are not real triangles (every edge of each is shared by three triangles);
    dropping them leaves 852 triangles and the eye and mouth holes open. Kept in the analysis
    cache after the first time: importing mediapipe alone costs half a second.
    """
    from inference.face.cache import cache_dir

    cached = cache_dir() / "tessellation-v1.npy"
    try:
        tris = np.load(cached)
        if tris.shape == (852, 3):
            return tris
    except (OSError, ValueError):
        pass  # missing or damaged: rebuilt below
    tris = _tessellation_triangles()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, tris)
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only cache only costs the half second again
    return tris


def _tessellation_triangles() -> np.ndarray:
    import mediapipe as mp

    edges = {tuple(sorted(e)) for e in mp.solutions.face_mesh.FACEMESH_TESSELATION}
    adj = collections.defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    tris = {tuple(sorted((a, b, c))) for a, b in edges for c in adj[a] & adj[b]}
    uses = collections.Counter(e for t in tris for e in itertools.combinations(t, 2))
    real = [t for t in tris if not all(uses[e] >= 3 for e in itertools.combinations(t, 2))]
    return np.array(sorted(real), dtype=np.int32)


def stitch(inner: np.ndarray, outer: np.ndarray, pos: np.ndarray, centre: np.ndarray) -> list[tuple[int, int, int]]:
    """Triangulate the band between two closed loops of vertex ids, walking both by angle.

    Both loops must be star-shaped around `centre` (rings, the frame border): then the band
    is covered once with no gaps, whatever the two loops' point counts.
    """
    def ordered(loop):
        ang = np.arctan2(pos[loop, 1] - centre[1], pos[loop, 0] - centre[0])
        return [loop[i] for i in np.argsort(ang)], np.sort(ang)

    a, aa = ordered(list(inner))
    b, ba = ordered(list(outer))
    aa = np.append(aa, aa[0] + 2 * np.pi)
    ba = np.append(ba, ba[0] + 2 * np.pi)
    tris, i, j = [], 0, 0
    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and aa[i + 1] <= ba[j + 1]):
            tris.append((a[i % len(a)], a[(i + 1) % len(a)], b[j % len(b)]))
            i += 1
        else:
            tris.append((a[i % len(a)], b[(j + 1) % len(b)], b[j % len(b)]))
            j += 1
    return tris


def idw(points: np.ndarray, anchors: np.ndarray, values: np.ndarray, power: float = 2.0) -> np.ndarray:
    """Inverse-distance-weighted field: (N, 2) points, (K, 2) anchors with (K, D) values -> (N, D)."""
    d2 = ((points[:, None, :] - anchors[None, :, :]) ** 2).sum(-1) + 1e-6
    w = d2 ** (-power)
    return (w @ values) / w.sum(1, keepdims=True)


@dataclass(frozen=True)
class FaceFrame:
    """Face-aligned axes: u along the eye line (towards the subject's left), v down; fw in px."""

    u: np.ndarray
    v: np.ndarray
    fw: float

    def vec(self, du: float, dv: float, dz: float) -> np.ndarray:
        d = (du * self.u + dv * self.v) * self.fw
        return np.array([d[0], d[1], dz * self.fw], np.float32)


def face_frame(lm: np.ndarray) -> FaceFrame:
    u = lm[263, :2] - lm[33, :2]
    u = u / np.linalg.norm(u)
    return FaceFrame(u.astype(np.float32), np.array([-u[1], u[0]], np.float32),
                     float(np.linalg.norm(lm[454, :2] - lm[234, :2])))


@dataclass(frozen=True)
class Rig:
    size: tuple[int, int]  # frame (width, height)
    rest: np.ndarray  # (N, 3) head-mesh vertices at rest
    triangles: np.ndarray  # (M, 3) int32, all counter-clockwise in image coordinates
    head_weight: np.ndarray  # (N,) 0 = fixed to the frame, 1 = moves rigidly with the head
    jaw_weight: np.ndarray  # (N,) 0 = upper skull, 1 = lower jaw
    shape_names: tuple[str, ...]
    shape_channels: np.ndarray  # (K,) channel index of each shape
    bases: np.ndarray  # (K, N, 3) displacement of each vertex at full strength
    close_upper: np.ndarray  # (K,) upper-lip landmarks paired with close_lower for mouthClose
    close_lower: np.ndarray  # (K,) the lower-lip landmark under each
    close_weights: np.ndarray  # (N, 2K) spreads per-landmark lip moves to every vertex
    pivot: np.ndarray  # (3,) head rotation centre
    hinge: np.ndarray  # (3,) jaw rotation centre
    frame_axes: FaceFrame
    eye_width: dict[str, float]
    lid_gap: dict[str, np.ndarray]  # per eye: (9, 3) lower-lid minus upper-lid margin, rest


def _rings(lm: np.ndarray, size: tuple[int, int], pivot_z: float):
    w, h = size
    oval = np.array(L.FACE_OVAL)
    centre = lm[oval, :2].mean(0)
    pts, zs, loops, weights = [], [], [], []
    nxt = N_FACE
    prev = list(oval)
    tris = []
    for k, s in enumerate(RING_SCALES):
        ring = centre + s * (lm[oval, :2] - centre)
        ring[:, 0] = np.clip(ring[:, 0], 0, w)
        ring[:, 1] = np.clip(ring[:, 1], 0, h)
        ids = list(range(nxt, nxt + len(ring)))
        nxt += len(ring)
        pts.append(ring)
        # Rings lie between the face oval and the skull centre in depth, so under yaw and pitch
        # the silhouette stays nearly put (as a sphere's does) while the face turns inside it.
        zs.append(lm[oval, 2] + (pivot_z - lm[oval, 2]) * min(1.0, (k + 1) / 2))
        weights.append(np.full(len(ring), RING_HEAD_WEIGHT[k]))
        loops.append((prev, ids))
        prev = ids
    # Border: where each oval ray meets the frame, plus the four corners.
    rays = lm[oval, :2] - centre
    t = np.min(np.stack([
        np.where(rays[:, 0] > 0, (w - centre[0]) / np.maximum(rays[:, 0], 1e-9), np.inf),
        np.where(rays[:, 0] < 0, -centre[0] / np.minimum(rays[:, 0], -1e-9), np.inf),
        np.where(rays[:, 1] > 0, (h - centre[1]) / np.maximum(rays[:, 1], 1e-9), np.inf),
        np.where(rays[:, 1] < 0, -centre[1] / np.minimum(rays[:, 1], -1e-9), np.inf),
    ]), axis=0)
    border = np.concatenate([centre + rays * t[:, None], np.array([[0, 0], [w, 0], [w, h], [0, h]], float)])
    ids = list(range(nxt, nxt + len(border)))
    pts.append(border)
    zs.append(np.full(len(border), pivot_z))
    weights.append(np.zeros(len(border)))
    loops.append((prev, ids))
    ring_xy = np.concatenate(pts)
    pos_all = np.concatenate([lm[:N_FACE, :2], ring_xy])
    for inner, outer in loops:
        tris += stitch(np.array(inner), np.array(outer), pos_all, centre)
    ring_xyz = np.c_[ring_xy, np.concatenate(zs)]
    return ring_xyz.astype(np.float32), np.array(tris, np.int32), np.concatenate(weights)


def _ccw(tris: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Orient every triangle counter-clockwise (positive area in image numbers).

    Triangles of zero area at rest (ring points clamped onto the frame border) are kept: they
    open up when the head moves and must then cover the gap. Only repeated vertices go.
    """
    a, b, c = xy[tris[:, 0]], xy[tris[:, 1]], xy[tris[:, 2]]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    out = tris.copy()
    flip = area < 0
    out[flip] = out[flip][:, [0, 2, 1]]
    distinct = (out[:, 0] != out[:, 1]) & (out[:, 1] != out[:, 2]) & (out[:, 0] != out[:, 2])
    return out[distinct]


def _jaw_weights(lm: np.ndarray, rest: np.ndarray, n_rings: int) -> np.ndarray:
    """1 on the lower lip, chin and lower jaw line, 0 on the upper lip and above."""
    handles: dict[int, float] = {}
    # Graded towards the corners so the opening tapers into a lens instead of a slot.
    lower_grade = (0.6, 0.8, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.8, 0.6)
    upper_grade = (0.12, 0.04, 0, 0, 0, 0, 0, 0, 0, 0.04, 0.12)
    for contour, grade in ((L.LIP_INNER_LOWER, lower_grade), (L.LIP_OUTER_LOWER, lower_grade),
                           (L.LIP_INNER_UPPER, upper_grade), (L.LIP_OUTER_UPPER, upper_grade)):
        for i, g in zip(contour[1:-1], grade[1:-1]):
            handles[i] = g
    handles.update({61: 0.3, 291: 0.3, 78: 0.33, 308: 0.33})
    jaw_line = {152: 1, 148: 1, 377: 1, 176: 1, 400: 1, 149: 1, 378: 1, 150: 1, 379: 1, 136: 0.95, 365: 0.95,
                172: 0.75, 397: 0.75, 58: 0.45, 288: 0.45, 132: 0.15, 361: 0.15, 93: 0.0, 323: 0.0}
    handles.update(jaw_line)
    upper = [1, 4, 5, 195, 2, 98, 327, 234, 454, 127, 356, 205, 425, 50, 280, 36, 266, 203, 423, 165, 391, 92, 322]
    handles.update({i: 0.0 for i in upper})
    # Everything above the nose tip is skull: without these anchors the field far from every
    # handle drifts to their average, and an open jaw dragged the forehead down by ~1 % of the frame.
    down = np.array([-(lm[263, 1] - lm[33, 1]), lm[263, 0] - lm[33, 0]], np.float64)  # perpendicular to the eyes
    down /= np.linalg.norm(down) * np.sign(down[1] or 1.0)
    height = lm[:N_FACE, :2] @ down
    handles.update({int(i): 0.0 for i in np.nonzero(height < height[1])[0] if i not in handles})
    chin_soft = {18: 1.0, 200: 1.0, 199: 1.0, 175: 1.0, 83: 1.0, 313: 1.0, 201: 1.0, 421: 1.0, 208: 1.0, 428: 1.0}
    handles.update(chin_soft)
    ids = np.array(list(handles))
    w = idw(rest[:N_FACE, :2], lm[ids, :2], np.array(list(handles.values()))[:, None], power=2.5)[:, 0]
    w[ids] = np.array(list(handles.values()))
    # Vertices inside a lip belong to that lip whatever their neighbours: lips that touch at
    # rest would otherwise share weights and smear across the opening.
    for outer, inner, grade in ((L.LIP_OUTER_UPPER, L.LIP_INNER_UPPER, upper_grade),
                                (L.LIP_OUTER_LOWER, L.LIP_INNER_LOWER, lower_grade)):
        poly = np.concatenate([lm[list(outer), :2], lm[list(inner[::-1]), :2]]).astype(np.float32)
        along = lm[list(outer), :2]
        for i in range(N_FACE):
            if i in handles or cv2.pointPolygonTest(poly, (float(lm[i, 0]), float(lm[i, 1])), True) < -0.5:
                continue
            k = int(np.argmin(np.linalg.norm(along - lm[i, :2], axis=1)))
            w[i] = grade[k]
    # Rings below the chin carry some of the jaw (soft tissue under the chin stretches).
    ring_w = np.zeros(len(rest) - N_FACE)
    oval = np.array(L.FACE_OVAL)
    per_ring = len(oval)
    for k, fall in enumerate((0.7, 0.3)):
        ring_w[k * per_ring:(k + 1) * per_ring] = w[oval] * fall
    return np.concatenate([w, ring_w]).astype(np.float32)


def _anchored_field(lm: np.ndarray, n: int, moves: dict[int, np.ndarray], reach_px: float,
                    fixed=(), power: float = 2.0) -> np.ndarray:
    """(n, 3) displacement field: the `moves` landmarks move as given; landmarks farther than
    `reach_px` from all of them, and the `fixed` ones, stay put; the rest follow by IDW."""
    ids = np.array(list(moves))
    near = np.min(np.linalg.norm(lm[:N_FACE, None, :2] - lm[None, ids, :2], axis=2), axis=1)
    still = np.setdiff1d(np.union1d(np.nonzero(near > reach_px)[0], np.array(fixed, dtype=int)), ids)
    anchors = np.concatenate([ids, still])
    values = np.concatenate([np.stack(list(moves.values())), np.zeros((len(still), 3), np.float32)])
    field = np.zeros((n, 3), np.float32)
    field[:N_FACE] = idw(lm[:N_FACE, :2], lm[anchors, :2], values, power=power)
    field[anchors] = values
    return field


def _shape_basis(lm: np.ndarray, rest: np.ndarray, ff: FaceFrame, radius: float, handles, fixed=()) -> np.ndarray:
    """(N, 3) displacement field from handle displacements (face-width units), zero beyond
    `radius` face widths, on the face oval and at the `fixed` landmarks."""
    moves = {i: ff.vec(*d) for idx, d in handles for i in idx}
    return _anchored_field(lm, len(rest), moves, radius * ff.fw, tuple(L.FACE_OVAL) + tuple(fixed))


def _eyelid_bases(lm, rest, ff) -> dict[str, np.ndarray]:
    """Blink, wide and squint for each eye, relative to that eye's own opening height."""
    out = {}
    for side in ("Left", "Right"):
        upper, lower, _, _, (row0, row1) = L.EYES[side]
        upper, lower, row0, row1 = map(np.array, (upper, lower, row0, row1))
        gap = lm[lower] - lm[upper]  # (9, 3) margin to margin
        gap[:, 2] = 0
        open_h = float(np.max(np.linalg.norm(gap[:, :2], axis=1)))
        ew = float(np.linalg.norm(lm[upper[0], :2] - lm[upper[-1], :2]))
        down = ff.vec(0, 1, 0) / ff.fw

        def field(moves: dict[int, np.ndarray], reach: float = 0.9 * ew) -> np.ndarray:
            return _anchored_field(lm, len(rest), moves, reach, power=3.0)

        # Upper lid travels 82 % of the opening, the lower lid rises 18 %: they meet low, as in
        # a real blink, with the lid's fold following halfway.
        blink = {int(i): 0.82 * gap[k] for k, i in enumerate(upper)}
        blink.update({int(i): -0.18 * gap[k] for k, i in enumerate(lower)})
        blink.update({int(i): 0.55 * 0.82 * gap[k] for k, i in enumerate(row0)})
        blink.update({int(i): 0.1 * gap[k] for k, i in enumerate(row1)})
        for c in (upper[0], upper[-1]):
            blink[int(c)] = np.zeros(3, np.float32)
        wide_up = -0.35 * max(open_h, 0.12 * ew) * down
        prof = np.sin(np.linspace(0, np.pi, len(upper)))[:, None]
        wide = {int(i): (wide_up * prof[k]).astype(np.float32) for k, i in enumerate(upper)}
        wide.update({int(i): (0.6 * wide_up * prof[k]).astype(np.float32) for k, i in enumerate(row0)})
        wide.update({int(i): (0.06 * max(open_h, 0.12 * ew) * down * prof[k]).astype(np.float32) for k, i in enumerate(lower)})
        squint = {int(i): -0.32 * gap[k] for k, i in enumerate(lower)}
        squint.update({int(i): 0.12 * gap[k] for k, i in enumerate(upper)})
        cheek = L.CHEEK_LEFT if side == "Left" else L.CHEEK_RIGHT
        squint.update({int(i): ff.vec(0, -0.012, 0) for i in cheek[:4]})
        out[f"eyeBlink{side}"] = field(blink)
        out[f"eyeWide{side}"] = field(wide)
        out[f"eyeSquint{side}"] = field(squint)
    return out


def _close_field(lm, rest, ff) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mouthClose: each upper-lip point pairs with the lower-lip point under it. At run time both
    move half of that lower point's jaw drop towards each other; these IDW weights (N, 2K)
    spread those 2K moves over the lips and fade them out within 0.15 face widths."""
    upper = np.array(L.LIP_INNER_UPPER[1:-1] + L.LIP_OUTER_UPPER[1:-1])
    lower = np.array(L.LIP_INNER_LOWER[1:-1] + L.LIP_OUTER_LOWER[1:-1])
    handles = np.concatenate([upper, lower])
    near = np.min(np.linalg.norm(lm[:N_FACE, None, :2] - lm[None, handles, :2], axis=2), axis=1)
    fixed = np.setdiff1d(np.union1d(np.nonzero(near > 0.15 * ff.fw)[0], np.array(L.FACE_OVAL)), handles)
    anchors = np.concatenate([handles, fixed])
    d2 = ((lm[:N_FACE, None, :2] - lm[None, anchors, :2]) ** 2).sum(-1) + 1e-6
    w = d2 ** -2.0
    w /= w.sum(1, keepdims=True)
    weights = np.zeros((len(rest), len(handles)), np.float32)
    weights[:N_FACE] = w[:, :len(handles)]  # anchors carry zero moves: their columns drop out
    weights[handles] = np.eye(len(handles))
    weights[fixed] = 0.0
    return upper, lower, weights


def build_rig(avatar: Avatar) -> Rig:
    lm = avatar.landmarks.astype(np.float32)
    size = avatar.size
    ff = face_frame(lm)
    side_mid = (lm[234] + lm[454]) / 2
    pivot = np.array([side_mid[0], side_mid[1] + 0.1 * ff.fw, side_mid[2] + 0.35 * ff.fw], np.float32)
    ring_xyz, ring_tris, ring_w = _rings(lm, size, float(pivot[2]))
    rest = np.concatenate([lm[:N_FACE], ring_xyz]).astype(np.float32)
    tris = _ccw(np.concatenate([face_triangles(), ring_tris]), rest[:, :2])
    head_w = np.concatenate([np.ones(N_FACE), ring_w]).astype(np.float32)

    shapes = {name: _shape_basis(lm, rest, ff, r, h, fixed) for name, (r, h, fixed) in all_shapes().items()}
    shapes.update(_eyelid_bases(lm, rest, ff))
    names = tuple(sorted(shapes))
    close_up, close_lo, close_w = _close_field(lm, rest, ff)
    hinge = np.array([side_mid[0], side_mid[1] - 0.05 * ff.fw, side_mid[2] + 0.1 * ff.fw], np.float32)
    eye_w = {s: float(np.linalg.norm(lm[L.EYES[s][0][0], :2] - lm[L.EYES[s][0][-1], :2])) for s in ("Left", "Right")}
    lid_gap = {s: lm[list(L.EYES[s][1])] - lm[list(L.EYES[s][0])] for s in ("Left", "Right")}
    return Rig(
        size=size, rest=rest, triangles=tris, head_weight=head_w,
        jaw_weight=_jaw_weights(lm, rest, len(L.FACE_OVAL)),
        shape_names=names,
        shape_channels=np.array([CHANNEL_INDEX[n] for n in names]),
        bases=np.stack([shapes[n] for n in names]).astype(np.float32),
        close_upper=close_up, close_lower=close_lo, close_weights=close_w,
        pivot=pivot, hinge=hinge, frame_axes=ff, eye_width=eye_w, lid_gap=lid_gap,
    )


# ---------------------------------------------------------------- per-frame deformation


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """3x3 head rotation in image axes (x right, y down, z away from the camera).

    yaw > 0 turns the face towards the image right, pitch > 0 lifts the chin, roll > 0 tilts the
    top of the head towards the image right.
    """
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rp = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    rr = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return (rr @ rp @ ry).astype(np.float32)


@dataclass(frozen=True)
class HeadPose:
    """The rigid head transform of one frame: p -> pivot + scale * R (p - pivot) + shift."""

    rot: np.ndarray
    scale: float
    shift: np.ndarray
    pivot: np.ndarray

    def apply(self, p: np.ndarray) -> np.ndarray:
        d = (p - self.pivot) * np.array([1.0, 1.0, DEPTH_GAIN], np.float32)
        turned = d @ self.rot.T
        turned[:, 2] /= DEPTH_GAIN
        return self.pivot + self.scale * turned + self.shift


def head_pose(rig: Rig, f: MotionFrame) -> HeadPose:
    ff = rig.frame_axes
    shift = np.array([f["headX"] * ff.fw, f["headY"] * ff.fw, 0.0], np.float32)
    return HeadPose(rotation(f["headYaw"], f["headPitch"], f["headRoll"]), f["headDistance"], shift, rig.pivot)


def jaw_rotation(rig: Rig, jaw_open: float) -> np.ndarray:
    """Rotation about the face's u axis (ear to ear) opening the jaw by jawOpen * JAW_MAX_DEG."""
    a = np.radians(JAW_MAX_DEG * float(np.clip(jaw_open, 0, 1)))
    u = np.array([rig.frame_axes.u[0], rig.frame_axes.u[1], 0.0])
    k = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    # Rodrigues; the sign makes the chin go down (+v) and back (+z).
    return (np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)).astype(np.float32)


def expression_offsets(rig: Rig, f: MotionFrame) -> np.ndarray:
    """(N, 3) blendshape displacement of the head mesh (before jaw and head pose)."""
    weights = np.clip(f.values[rig.shape_channels], 0, 1)
    return np.tensordot(weights, rig.bases, axes=1)


@dataclass(frozen=True)
class Deformed:
    points: np.ndarray  # (N, 3) head-mesh vertices in frame pixels
    moved: np.ndarray  # (N,) distance from rest, pixels
    offsets: np.ndarray  # (N, 3) expression (blendshapes + mouthClose) before jaw and pose
    jaw: np.ndarray  # (3, 3) jaw rotation
    pose: HeadPose


def close_offsets(rig: Rig, jaw: np.ndarray, amount: float) -> np.ndarray:
    """(N, 3) mouthClose: the lips meet halfway across their gap: the photo's own opening (a
    smile showing teeth) plus what the jaw rotation opened."""
    if amount <= 0.0:
        return np.zeros_like(rig.rest)
    p = rig.rest[rig.close_lower]
    drop = (rig.hinge + (p - rig.hinge) @ jaw.T - p) * rig.jaw_weight[rig.close_lower, None]
    opening = rig.rest[rig.close_lower] - rig.rest[rig.close_upper]
    opening[:, 2] = 0.0
    opening[len(opening) // 2:] = 0.0  # outer contours: the lips' outer edges need not meet
    drop = drop + opening
    moves = np.concatenate([0.5 * drop, -0.5 * drop]) * amount  # upper lip down, lower lip up
    return rig.close_weights @ moves


def deform(rig: Rig, f: MotionFrame) -> Deformed:
    """Head-mesh vertices for one frame: expression, then jaw, then head pose."""
    jaw = jaw_rotation(rig, f["jawOpen"])
    offsets = expression_offsets(rig, f) + close_offsets(rig, jaw, float(np.clip(f["mouthClose"], 0, 1)))
    p = rig.rest + offsets
    jawed = rig.hinge + (p - rig.hinge) @ jaw.T
    p = p + rig.jaw_weight[:, None] * (jawed - p)
    pose = head_pose(rig, f)
    p = p + rig.head_weight[:, None] * (pose.apply(p) - p)
    moved = np.linalg.norm(p[:, :2] - rig.rest[:, :2], axis=1)
    return Deformed(p.astype(np.float32), moved.astype(np.float32), offsets, jaw, pose)
