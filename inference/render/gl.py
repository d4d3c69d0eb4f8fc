"""OpenGL contexts: a headless one for export, tests and the CLI; Qt passes its own for the preview."""

from __future__ import annotations

import os
import threading

import moderngl

from inference.errors import InputError


def headless_context() -> moderngl.Context:
    """A standalone GL 3.3 context for offscreen rendering.

    On the main thread with an X display the platform default (GLX) comes first: Mesa will not
    let one thread mix an EGL context with the GLX contexts Qt's widgets use. Elsewhere EGL comes
    first: a worker thread (the studio's export) holds no GLX context, and a second GLX context
    on another thread's own X connection broke Qt's window (BadDrawable) once released.
    """
    errors = []
    glx_first = os.environ.get("DISPLAY") and threading.current_thread() is threading.main_thread()
    order = ({}, {"backend": "egl"}) if glx_first else ({"backend": "egl"}, {})
    for kwargs in order:
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises plain Exceptions with the loader's message
            errors.append(f"{kwargs.get('backend', 'default')}: {e}")
    raise InputError(
        "no OpenGL 3.3 could be started (" + "; ".join(errors) + "); install Mesa's EGL and GL drivers "
        "(Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)"
    )
