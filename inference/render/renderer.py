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
uniform int mode;       // 1 RGBA sprite, 2 head mesh (alpha = person mask where moved)
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
        color = vec4(t.rgb, t.a * opacity);
    }
}
"""

LID_ROWS_V = (0.0, 0.5, 0.86, 1.0)  # crease, fold above the lashes, top of the lash line, lid margin
LASH_SHARE = 0.12  # of the distance from the margin up to the fold
RESOLVE_VERTEX = """
#version 330
in vec2 in_corner;
void main() { gl_Position = vec4(in_corner, 0.0, 1.0); }
"""
# Averages the samples of the multisampled frame. On llvmpipe this full-frame pass costs less
# than glBlitFramebuffer's resolve (about 1 ms against 2.3 ms at 512x512).
RESOLVE_FRAGMENT = """
#version 330
uniform sampler2DMS frame;
uniform int samples;
out vec4 color;
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 sum = vec4(0.0);
    for (int i = 0; i < samples; ++i) sum += texelFetch(frame, p, i);
    color = sum / float(samples);
}
"""

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


class Renderer:
    """Draws an Avatar under a MotionFrame. Pass Qt's context to draw in a widget, else headless."""

    def __init__(self, avatar: Avatar, ctx: moderngl.Context | None = None, msaa: int = 4):
        self.avatar = avatar
        self.rig = R.build_rig(avatar)
        self.ctx = ctx or headless_context()
        self._owns_ctx = ctx is None
        self.size = avatar.size
        self.prog = self.ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER)
        self.prog["frame_size"].value = tuple(float(v) for v in self.size)
        self.prog["depth_scale"].value = 1.0 / (4.0 * max(self.size))
        self.prog["depth_bias"].value = 0.0
        self._textures: dict[str, moderngl.Texture] = {}
        self._meshes: dict[str, tuple[moderngl.Buffer, moderngl.VertexArray]] = {}
        self._upload_textures()
        self._build_meshes()
        self._fbo = None
        self.msaa = min(msaa, self.ctx.max_samples) if msaa > 1 else 0

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

    def _target(self) -> list[moderngl.Framebuffer]:
        """Offscreen targets: two frames (single-sampled, read back; two so one can be drawn
        while the other is read) and, with MSAA, a multisampled frame used only inside the box
        around the eyes and mouth."""
        if self._fbo is None:
            ctx, size = self.ctx, self.size
            self._fbo = [ctx.simple_framebuffer(size, components=4) for _ in range(2)]
            if self.msaa:
                self._ms_color = ctx.texture(size, 4, samples=self.msaa)
                self._ms_depth = ctx.depth_renderbuffer(size, samples=self.msaa)
                self._ms = ctx.framebuffer(self._ms_color, self._ms_depth)
                self._resolve_prog = ctx.program(vertex_shader=RESOLVE_VERTEX, fragment_shader=RESOLVE_FRAGMENT)
                tri = ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], np.float32).tobytes())
                self._resolve_vao = ctx.vertex_array(self._resolve_prog, [(tri, "2f", "in_corner")])
                self._resolve_tri = tri
        return self._fbo

    def _resolve(self, box: tuple[int, int, int, int], fbo: moderngl.Framebuffer) -> None:
        """Average the multisampled box into `fbo` (scissored: nothing else is touched)."""
        ctx = self.ctx
        fbo.use()
        ctx.scissor = box
        ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.CULL_FACE)
        self._ms_color.use(0)
        self._resolve_prog["frame"].value = 0
        self._resolve_prog["samples"].value = self.msaa
        self._resolve_vao.render(moderngl.TRIANGLES)
        ctx.scissor = None

    def edge_box(self, head: np.ndarray) -> tuple[int, int, int, int]:
        """(x, y, w, h) frame pixels around the eyes and mouth, where the mesh has holes and so
        the only hard geometric edges: multisampling elsewhere would change no pixel."""
        ids = list(L.EYES["Left"][4][1] + L.EYES["Right"][4][1] + L.LIP_OUTER_LOWER + L.LIP_OUTER_UPPER)
        pts = head[ids, :2]
        pad = 0.06 * self.rig.frame_axes.fw + 3
        (x0, y0), (x1, y1) = np.floor(pts.min(0) - pad), np.ceil(pts.max(0) + pad)
        w, h = self.size
        x0, y0 = int(max(x0, 0)), int(max(y0, 0))
        return x0, y0, int(min(x1, w)) - x0, int(min(y1, h)) - y0

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
            lid = np.concatenate([crease, fold, lash_top, margin])
            out[f"lid{side}"] = np.c_[lid, np.ones(len(lid))]
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
        """Queue one frame into `fbo`. The whole frame is drawn without multisampling, then the
        box around the eyes and mouth, the only place with hard geometric edges, is drawn again
        with MSAA and resolved over it: the picture of multisampling everything, for a fraction
        of the cost on a software rasteriser."""
        positions = self.upload(f)
        fbo.use()
        fbo.clear(depth=1.0)  # every pixel is covered by the head mesh or a sprite under it
        self.draw_layers()
        if self.msaa:
            box = self.edge_box(positions["head"])
            self._ms.use()
            self.ctx.scissor = box
            self._ms.clear(depth=1.0)
            self.draw_layers()
            self.ctx.scissor = None
            self._resolve(box, fbo)

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
        for tex in self._textures.values():
            tex.release()
        for buf, vao in self._meshes.values():
            vao.release()
            buf.release()
        self.prog.release()
        if self._fbo is not None:
            for fbo in self._fbo:
                fbo.release()
            if self.msaa:
                for obj in (self._ms, self._ms_color, self._ms_depth, self._resolve_vao, self._resolve_tri, self._resolve_prog):
                    obj.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.release()
