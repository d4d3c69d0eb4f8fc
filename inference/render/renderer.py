"""The layered 2.5D renderer (moderngl). One code path for export, tests and the Qt preview.

Back to front: background plate (mixed into the head pass) -> mouth interior (lower, then upper) -> eyeballs (sclera, then
iris) -> head mesh (depth-tested; alpha from the person mask only where vertices moved, so a
neutral frame reproduces the photo exactly) -> closed-lid overlays that fade in as a lid shuts.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import moderngl

from inference.face import landmarks as L
from inference.face.avatar import Avatar, Sprite
from inference.motion.track import MotionFrame
from inference.render import rig as R
from inference.render.gl import headless_context

VERTEX_SHADER = """
#version 330
uniform vec2 frame_size;   // pixels
uniform float flip;        // 1: y up on screen (Qt widget), 0: rows top-first in memory (readback)
uniform float depth_scale; // pixels of z -> clip depth
uniform float depth_bias;  // pushes a pass behind everything drawn at the same place
in vec3 in_pos;            // frame pixels, z away from the camera
in vec2 in_uv;
in float in_move;          // 0 = at rest, 1 = moved by 2 px or more
out vec2 v_uv;
out vec2 v_screen;         // where this point lands, as a frame uv (for the background plate)
out float v_move;
void main() {
    v_screen = in_pos.xy / frame_size;
    vec2 ndc = in_pos.xy / frame_size * 2.0 - 1.0;
    if (flip > 0.5) ndc.y = -ndc.y;
    gl_Position = vec4(ndc, clamp(in_pos.z * depth_scale + depth_bias, -0.99, 0.99), 1.0);
    v_uv = in_uv;
    v_move = in_move;
}
"""

FRAGMENT_SHADER = """
#version 330
uniform sampler2D tex;
uniform sampler2D plate;
uniform int mode;       // 1 RGBA sprite (and fringes), 2 head mesh (alpha = person mask where moved)
uniform float opacity;
in vec2 v_uv;
in vec2 v_screen;
in float v_move;
out vec4 color;
void main() {
    vec4 t = texture(tex, v_uv);
    if (mode == 2) {
        // The head mesh covers the whole frame, so the plate is mixed in here rather than
        // drawn as a layer of its own: one full-frame pass fewer on a software rasteriser.
        float a = mix(1.0, t.a, clamp(v_move, 0.0, 1.0));
        color = vec4(mix(texture(plate, v_screen).rgb, t.rgb, a), 1.0);
    } else {
        color = vec4(t.rgb, t.a * opacity * v_move);  // sprites and fringes: 'moved' slot = coverage
    }
}
"""

# crease, fold above the lashes, top of the lash line, lid margin, and a transparent copy of the
# margin FRINGE_PX further down that smooths the lash line's edge as the hole fringe does.
LID_ROWS_V = (0.0, 0.5, 0.86, 1.0, 1.0)
LASH_SHARE = 0.12  # of the distance from the margin up to the fold
# The head mesh's only hard geometric edges are the rims of its holes (eyes, mouth), where skin
# meets the eyeball and mouth layers. A band FRINGE_PX wide drawn outward from each rim, in the
# rim's own colours with coverage falling from FRINGE_ALPHA to 0, smooths them like multisampling
# would, at a tiny fraction of its cost on a software rasteriser (a separate multisampled pass
# over the eyes and mouth took ~4 ms of a 10 ms frame on llvmpipe; the band takes ~0.1 ms).
FRINGE_PX = 1.0
FRINGE_ALPHA = 0.5  # a pixel centred on the rim is half covered

QUAD_UV = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
QUAD_TRIS = np.array([[0, 1, 2], [0, 2, 3]], np.int32)


def effective(f: MotionFrame) -> MotionFrame:
    """Clamp, and let the upper lids follow vertical gaze as real lids do."""
    f = f.clamped()
    pitch = f["gazePitch"]
    down = max(0.0, -pitch) / 25.0
    up = max(0.0, pitch) / 25.0
    changes = {}
    for side in ("Left", "Right"):
        changes[f"eyeBlink{side}"] = min(1.0, f[f"eyeBlink{side}"] + 0.35 * down)
        changes[f"eyeWide{side}"] = min(1.0, f[f"eyeWide{side}"] + 0.3 * up)
    return f.with_values(**changes)


def eye_gaze(f: MotionFrame, side: str) -> tuple[float, float]:
    """(yaw, pitch) in degrees for one eye: gaze channels plus ARKit eyeLook* shapes (30 deg at 1)."""
    outward = 1.0 if side == "Left" else -1.0  # "out" is towards the image right for the left eye
    yaw = f["gazeYaw"] + 30.0 * outward * (f[f"eyeLookOut{side}"] - f[f"eyeLookIn{side}"])
    pitch = f["gazePitch"] + 25.0 * (f[f"eyeLookUp{side}"] - f[f"eyeLookDown{side}"])
    return yaw, pitch


def sprite_corners(s: Sprite, z: float) -> np.ndarray:
    w, h = s.size
    return np.array([[s.x0, s.y0, z], [s.x0 + w, s.y0, z], [s.x0 + w, s.y0 + h, z], [s.x0, s.y0 + h, z]], np.float32)


def hole_rims(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rims of the head mesh's eye and mouth holes: edges that only one triangle uses and
    that join two Face Mesh points (the frame border is the mesh's other open edge).
    Returns (E, 2) vertex pairs and (E,) the third vertex of each edge's triangle."""
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    third = np.concatenate([triangles[:, 2], triangles[:, 0], triangles[:, 1]])
    _, inverse, counts = np.unique(np.sort(edges, axis=1), axis=0, return_inverse=True, return_counts=True)
    keep = (counts[inverse.reshape(-1)] == 1) & (edges < R.N_FACE).all(axis=1)
    return edges[keep], third[keep]


def rim_normals(points: np.ndarray, edges: np.ndarray, third: np.ndarray) -> np.ndarray:
    """(N, 2) unit vectors at the rim vertices (zero elsewhere): the mean of the normals of their
    rim edges, pointing away from the skin into the hole. `points` (N, 2+) frame pixels."""
    a, b, c = points[edges[:, 0], :2], points[edges[:, 1], :2], points[third, :2]
    d = b - a
    normal = np.c_[-d[:, 1], d[:, 0]] / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
    normal *= np.where(((c - a) * normal).sum(1, keepdims=True) > 0, -1.0, 1.0)
    per_vertex = np.zeros((len(points), 2))
    np.add.at(per_vertex, edges[:, 0], normal)
    np.add.at(per_vertex, edges[:, 1], normal)
    return per_vertex / np.maximum(np.linalg.norm(per_vertex, axis=1, keepdims=True), 1e-6)


FRINGE_CORNERS = [0, 1, 1, 0]  # a quad per rim edge: a, b, then b and a moved out
FRINGE_OUTER = np.array([0.0, 0.0, 1.0, 1.0])


def fringe_band(points: np.ndarray, edges: np.ndarray, third: np.ndarray) -> np.ndarray:
    """(4E, 4) fringe vertices for this frame's head-mesh `points` (N, 3): x, y, z in frame
    pixels and coverage (FRINGE_ALPHA on the rim, 0 FRINGE_PX out into the hole)."""
    ids = edges[:, FRINGE_CORNERS].reshape(-1)
    out = np.tile(FRINGE_OUTER, len(edges))
    xyz = points[ids].astype(np.float64)
    xyz[:, :2] += FRINGE_PX * out[:, None] * rim_normals(points, edges, third)[ids]
    return np.c_[xyz, FRINGE_ALPHA * (1.0 - out)]


def fringe_uv(rest: np.ndarray, edges: np.ndarray, third: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(4E, 2) texture coordinates of the fringe: each rim vertex's own, taken FRINGE_PX back
    into the skin so the band never picks up the photo's eye white or mouth gap, which would
    make a closed eye or mouth look open."""
    ids = edges[:, FRINGE_CORNERS].reshape(-1)
    xy = rest[ids, :2] - FRINGE_PX * rim_normals(rest, edges, third)[ids]
    return (xy / np.array(size, np.float64)).astype(np.float32)


class Renderer:
    """Draws an Avatar under a MotionFrame. Pass Qt's context to draw in a widget, else headless."""

    def __init__(self, avatar: Avatar, ctx: moderngl.Context | None = None, rig: R.Rig | None = None):
        """`rig`: the avatar's rig if already built (R.build_rig, ~0.3 s, needs no GL, so a GUI
        can build it on a worker thread)."""
        self.avatar = avatar
        self.rig = rig if rig is not None else R.build_rig(avatar)
        self.ctx = ctx or headless_context()
        self._owns_ctx = ctx is None
        self.size = avatar.size
        self._textures: dict[str, moderngl.Texture] = {}
        self._meshes: dict[str, tuple[moderngl.Buffer, moderngl.VertexArray]] = {}
        self._fbo = None
        with self.ctx:  # current, should a GUI toolkit on this thread have switched contexts
            self.prog = self.ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER)
            self.prog["frame_size"].value = tuple(float(v) for v in self.size)
            self.prog["depth_scale"].value = 1.0 / (4.0 * max(self.size))
            self.prog["depth_bias"].value = 0.0
            self._upload_textures()
            self._build_meshes()

    # ------------------------------------------------------------ setup

    def _texture(self, name: str, rgba: np.ndarray) -> None:
        tex = self.ctx.texture((rgba.shape[1], rgba.shape[0]), rgba.shape[2], np.ascontiguousarray(rgba).tobytes(), alignment=1)
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        tex.repeat_x = tex.repeat_y = False
        self._textures[name] = tex

    def _upload_textures(self) -> None:
        a = self.avatar
        self._texture("plate", a.plate)
        self._texture("photo", np.dstack([a.image, a.mask]))
        self._texture("mouth_upper", a.mouth_upper.rgba)
        self._texture("mouth_lower", a.mouth_lower.rgba)
        for side in ("Left", "Right"):
            self._texture(f"sclera{side}", a.sclera[side].rgba)
            self._texture(f"iris{side}", a.iris[side].rgba)
            self._texture(f"lid{side}", a.lid[side])

    def _mesh(self, name: str, uv: np.ndarray, tris: np.ndarray) -> None:
        """A dynamic mesh: positions and 'moved' change per frame, uv and triangles never."""
        n = len(uv)
        pos = self.ctx.buffer(reserve=n * 4 * 4)  # (x, y, z, move) float32 per vertex
        uvb = self.ctx.buffer(np.ascontiguousarray(uv, np.float32).tobytes())
        ibo = self.ctx.buffer(np.ascontiguousarray(tris, np.int32).tobytes())
        vao = self.ctx.vertex_array(self.prog, [(pos, "3f 1f", "in_pos", "in_move"), (uvb, "2f", "in_uv")], ibo)
        self._meshes[name] = (pos, vao)

    def _build_meshes(self) -> None:
        w, h = self.size
        for name in ("mouth_lower", "mouth_upper") + tuple(f"{k}{s}" for k in ("sclera", "iris") for s in ("Left", "Right")):
            self._mesh(name, QUAD_UV, QUAD_TRIS)
        self._mesh("head", self.rig.rest[:, :2] / np.array([w, h], np.float32), self.rig.triangles)
        rows = len(LID_ROWS_V)
        lid_uv = np.array([[u, v] for v in LID_ROWS_V for u in np.linspace(0, 1, 9)], np.float32)
        lid_tris = [(r * 9 + i, r * 9 + i + 1, (r + 1) * 9 + i + 1) for r in range(rows - 1) for i in range(8)]
        lid_tris += [(r * 9 + i, (r + 1) * 9 + i + 1, (r + 1) * 9 + i) for r in range(rows - 1) for i in range(8)]
        for side in ("Left", "Right"):
            self._mesh(f"lid{side}", lid_uv, np.array(lid_tris, np.int32))
        self._rims = hole_rims(self.rig.triangles)
        rim_uv = fringe_uv(self.rig.rest, *self._rims, self.size)
        quads = 4 * np.arange(len(self._rims[0]))[:, None]
        self._mesh("fringe", rim_uv, np.concatenate([quads + [0, 1, 2], quads + [0, 2, 3]]))

    def _target(self) -> list[moderngl.Framebuffer]:
        """Two offscreen frames, so one can be drawn while the other is read back."""
        if self._fbo is None:
            self._fbo = [self.ctx.simple_framebuffer(self.size, components=4) for _ in range(2)]
        return self._fbo

    def layer_positions(self, f: MotionFrame) -> dict[str, np.ndarray]:
        """(n, 4) float32 per mesh: x, y, z in frame pixels and 'moved' in [0, 1]."""
        return self._positions(effective(f))

    def _positions(self, f: MotionFrame) -> dict[str, np.ndarray]:
        rig, a = self.rig, self.avatar
        d = R.deform(rig, f)
        head, pose = d.points, d.pose
        out = {"head": np.c_[head, np.clip((d.moved - 0.3) / 1.7, 0, 1)]}

        # The interior rides its lips rigidly: the upper part with the upper lip's mean move,
        # the lower part with the lower lip's, then the jaw rotation.
        lip_z = float(a.landmarks[list(L.LIP_INNER_UPPER), 2].mean()) + 0.03 * rig.frame_axes.fw
        upper_shift = d.offsets[list(L.LIP_INNER_UPPER[1:-1])].mean(0)
        lower_shift = d.offsets[list(L.LIP_INNER_LOWER[1:-1])].mean(0)
        upper = sprite_corners(a.mouth_upper, lip_z) + upper_shift
        lower = sprite_corners(a.mouth_lower, lip_z + 1.0) + lower_shift
        lower = rig.hinge + (lower - rig.hinge) @ d.jaw.T
        out["mouth_upper"] = np.c_[pose.apply(upper), np.ones(4)]
        out["mouth_lower"] = np.c_[pose.apply(lower), np.ones(4)]

        for side in ("Left", "Right"):
            eye_z = float(a.landmarks[list(L.EYES[side][0]), 2].mean()) + 0.02 * rig.frame_axes.fw
            yaw, pitch = eye_gaze(f, side)
            radius = R.EYEBALL_RADIUS * rig.eye_width[side]
            d2 = radius * (np.sin(np.radians(yaw)) * rig.frame_axes.u - np.sin(np.radians(pitch)) * rig.frame_axes.v)
            out[f"sclera{side}"] = np.c_[pose.apply(sprite_corners(a.sclera[side], eye_z)), np.ones(4)]
            iris = sprite_corners(a.iris[side], eye_z - 0.5) + np.array([d2[0], d2[1], 0], np.float32)
            out[f"iris{side}"] = np.c_[pose.apply(iris), np.ones(4)]
            upper, _, _, _, (row0, row1) = L.EYES[side]
            crease, fold, margin = head[list(row1)], head[list(row0)], head[list(upper)]
            # The lash band (v 0.86..1) is kept thin: it spans a fixed share of the lid's height.
            lash_top = margin + LASH_SHARE * (fold - margin)
            down = (margin - fold)[:, :2]
            edge = margin.copy()
            edge[:, :2] += FRINGE_PX * down / np.maximum(np.linalg.norm(down, axis=1, keepdims=True), 1e-6)
            lid = np.concatenate([crease, fold, lash_top, margin, edge])
            out[f"lid{side}"] = np.c_[lid, np.r_[np.ones(len(lid) - len(edge)), np.zeros(len(edge))]]
        out["fringe"] = fringe_band(head, *self._rims)
        return {k: v.astype(np.float32) for k, v in out.items()}

    def upload(self, f: MotionFrame) -> dict[str, np.ndarray]:
        """Deform every layer for `f` and write the vertex buffers; returns the positions."""
        f = effective(f)
        # Closed-lid layers fade in over the second half of a blink.
        self._lid_opacity = {s: float(np.clip((f[f"eyeBlink{s}"] - 0.35) / 0.5, 0, 1) ** 1.5)
                             for s in ("Left", "Right")}
        positions = self._positions(f)
        for name, pos in positions.items():
            self._meshes[name][0].write(pos.tobytes())
        return positions

    def draw(self, f: MotionFrame, fbo: moderngl.Framebuffer, flip: bool = False,
             viewport: tuple[int, int, int, int] | None = None, background=(0.0, 0.0, 0.0)) -> None:
        """Draw one frame into `fbo` (e.g. a Qt widget's): the whole of it, or `viewport`
        (x, y, w, h in GL pixels) after clearing the rest to `background`."""
        self.upload(f)
        fbo.use()
        fbo.clear(*background, 1.0, depth=1.0)
        if viewport is not None:
            self.ctx.viewport = viewport
        self.draw_layers(flip)

    def draw_layers(self, flip: bool = False) -> None:
        """The layer passes, back to front, into the bound framebuffer (buffers already uploaded)."""
        ctx = self.ctx
        ctx.front_face = "cw" if flip else "ccw"
        ctx.enable(moderngl.BLEND)
        # Colour blends; destination alpha stays 1 so a compositor (Qt) never sees through the frame.
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        self.prog["flip"].value = 1.0 if flip else 0.0
        self.prog["opacity"].value = 1.0
        layers = [("mouth_lower", "mouth_lower", 1), ("mouth_upper", "mouth_upper", 1)]
        layers += [(f"{k}{s}", f"{k}{s}", 1) for k in ("sclera", "iris") for s in ("Left", "Right")]
        for mesh, tex, mode in layers:
            self._draw(mesh, tex, mode)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.disable(moderngl.BLEND)
        self._textures["plate"].use(1)
        self.prog["plate"].value = 1
        ctx.cull_face = "back"
        self._draw("head", "photo", 2)
        # Triangles folded over (a cheek edge under yaw, a band squeezed by a turn) are drawn
        # behind everything else: they show, squeezed, only where nothing faces the camera.
        ctx.cull_face = "front"
        self.prog["depth_bias"].value = 0.05
        self._draw("head", "photo", 2)
        self.prog["depth_bias"].value = 0.0
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.enable(moderngl.BLEND)
        self._draw("fringe", "photo", 1)  # the photo's alpha (the person mask) is 1 on every rim
        for side in ("Left", "Right"):
            opacity = self._lid_opacity[side]
            if opacity > 0.0:
                self.prog["opacity"].value = opacity
                self._draw(f"lid{side}", f"lid{side}", 1)
        self.prog["opacity"].value = 1.0

    def _draw(self, mesh: str, texture: str, mode: int) -> None:
        self._textures[texture].use(0)
        self.prog["tex"].value = 0
        self.prog["mode"].value = mode
        self._meshes[mesh][1].render(moderngl.TRIANGLES)

    def _draw_offscreen(self, f: MotionFrame, fbo: moderngl.Framebuffer) -> None:
        """Queue one frame into `fbo`."""
        self.upload(f)
        fbo.use()
        fbo.clear(depth=1.0)  # every pixel is covered by the head mesh or a sprite under it
        self.draw_layers()

    def _read(self, fbo: moderngl.Framebuffer) -> np.ndarray:
        w, h = self.size
        return np.frombuffer(fbo.read(components=3, alignment=1), np.uint8).reshape(h, w, 3)

    def render(self, f: MotionFrame) -> np.ndarray:
        """One frame as (H, W, 3) uint8 RGB, rows top first (offscreen)."""
        with self.ctx:  # current again, should a GUI toolkit have switched contexts meanwhile
            fbo = self._target()[0]
            self._draw_offscreen(f, fbo)
            return self._read(fbo)

    def render_frames(self, frames: Iterable[MotionFrame]) -> Iterator[np.ndarray]:
        """Frames in order, pipelined: frame k+1 is deformed and queued before frame k is read
        back, so the CPU's work overlaps the rasteriser's. Each array stays valid until the next."""
        pending = None
        for k, f in enumerate(frames):
            with self.ctx:
                fbo = self._target()[k % 2]
                self._draw_offscreen(f, fbo)
                ready = self._read(pending) if pending is not None else None
            pending = fbo
            if ready is not None:
                yield ready
        if pending is not None:
            with self.ctx:
                yield self._read(pending)

    def release(self) -> None:
        with self.ctx:
            for tex in self._textures.values():
                tex.release()
            for buf, vao in self._meshes.values():
                vao.release()
                buf.release()
            self.prog.release()
            if self._fbo is not None:
                for fbo in self._fbo:
                    fbo.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.release()
