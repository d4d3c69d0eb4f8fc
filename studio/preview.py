"""The live preview: a QOpenGLWidget that draws with the same Renderer as export.

`set_frame` stores the latest motion frame and asks for a repaint; `paintGL` draws it. Frames
that arrive faster than the screen refreshes simply replace each other: nothing queues.
GL resources are created with the widget's context current and freed before it goes away.
"""

from __future__ import annotations

import time
import traceback

import moderngl
from PySide6.QtCore import Signal
from PySide6.QtGui import QSurfaceFormat
from PySide6.QtOpenGLWidgets import QOpenGLWidget

from inference.face.avatar import Avatar
from inference.motion import MotionFrame
from inference.render import Renderer
from inference.render.rig import Rig

BACKGROUND = (0.11, 0.11, 0.12)


def gl_surface_format() -> QSurfaceFormat:
    """OpenGL 3.3 core with depth, what the renderer's shaders need. No multisampling: the
    renderer smooths its only hard edges itself, and a multisampled window costs a software
    rasteriser about a third of its frame rate."""
    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    return fmt


def wrap_current_context() -> moderngl.Context:
    """moderngl's view of the context Qt made current: EGL (Wayland, or X11 with
    QT_XCB_GL_INTEGRATION=xcb_egl), else the platform's own (GLX on X11)."""
    try:
        return moderngl.create_context(backend="egl")
    except Exception:  # not an EGL context: glcontext says so with a plain Exception
        return moderngl.create_context()


class PreviewWidget(QOpenGLWidget):
    frame_drawn = Signal()
    fps_measured = Signal(float)
    failed = Signal(str)  # the preview cannot draw: why, for a dialog

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFormat(gl_surface_format())
        self.setMinimumSize(320, 320)
        self._ctx: moderngl.Context | None = None
        self._renderer: Renderer | None = None
        self._pending: tuple[Avatar, Rig | None] | None = None
        self._frame = MotionFrame.neutral()
        self._tag = 0
        self.drawn_tag = -1
        self._stamps: list[float] = []
        self.frames_drawn = 0

    # ------------------------------------------------------------ public

    def set_avatar(self, avatar: Avatar, rig: Rig | None = None) -> None:
        """Show `avatar` from the next paint; pass its rig if built already (off the GUI thread)."""
        self._pending = (avatar, rig)
        self.update()

    def set_frame(self, frame: MotionFrame, tag: int = 0) -> None:
        """Draw `frame` at the next paint; `tag` (the motion request's number) is kept as
        `drawn_tag` once drawn, so callers can tell when what they asked for is on screen."""
        self._frame, self._tag = frame, tag
        self.update()

    @property
    def has_avatar(self) -> bool:
        return self._renderer is not None or self._pending is not None

    # ------------------------------------------------------------ GL

    def initializeGL(self) -> None:
        try:
            self._ctx = wrap_current_context()
        except Exception as e:  # an exception must not leave a Qt virtual: PySide aborts on it
            self._fail(e)
            return
        self.context().aboutToBeDestroyed.connect(self._release_gl)

    def paintGL(self) -> None:
        if self._ctx is None:
            return
        try:
            self._paint()
        except Exception as e:
            self._fail(e)

    def _fail(self, error: Exception) -> None:
        """Keep the trace for the log, tell the window once, stop drawing."""
        traceback.print_exc()
        self._ctx, self._renderer = None, None
        self.failed.emit(f"The preview could not draw ({type(error).__name__}: {error}). "
                         "Export still works; see the log for details.")

    def _paint(self) -> None:
        ctx = self._ctx
        fbo = ctx.detect_framebuffer(self.defaultFramebufferObject())
        if self._pending is not None:
            self._swap_renderer(*self._pending)
            self._pending = None
        if self._renderer is None:
            fbo.use()
            fbo.clear(*BACKGROUND, 1.0)
            return
        self._renderer.draw(self._frame, fbo, flip=True, viewport=self._viewport(), background=BACKGROUND)
        self.frames_drawn += 1
        self.drawn_tag = self._tag
        self._count_fps()
        self.frame_drawn.emit()

    def _swap_renderer(self, avatar: Avatar, rig: Rig | None) -> None:
        if self._renderer is not None:
            self._renderer.release()
        self._renderer = Renderer(avatar, ctx=self._ctx, rig=rig)

    def _viewport(self) -> tuple[int, int, int, int]:
        """The frame fitted inside the widget, centred, in device pixels."""
        dpr = self.devicePixelRatioF()
        w, h = int(self.width() * dpr), int(self.height() * dpr)
        fw, fh = self._renderer.size
        s = min(w / fw, h / fh)
        vw, vh = int(fw * s), int(fh * s)
        return (w - vw) // 2, (h - vh) // 2, vw, vh

    def _count_fps(self) -> None:
        now = time.perf_counter()
        self._stamps = [t for t in self._stamps if now - t < 1.0] + [now]
        if len(self._stamps) > 1:
            self.fps_measured.emit((len(self._stamps) - 1) / (self._stamps[-1] - self._stamps[0]))

    def _release_gl(self) -> None:
        self.makeCurrent()
        if self._renderer is not None:
            self._renderer.release()
            self._renderer = None
        self.doneCurrent()
