"""OpenGL contexts: a headless one for export, tests and the CLI; Qt passes its own for the preview."""

from __future__ import annotations

import os

import moderngl

from inference.errors import InputError


def headless_context() -> moderngl.Context:
    """A standalone GL 3.3 context for offscreen rendering.

    With an X display the platform default (GLX) comes first: Mesa will not let one thread mix
    an EGL context with the GLX contexts Qt's widgets use. Without a display, EGL.
    """
    errors = []
    order = ({}, {"backend": "egl"}) if os.environ.get("DISPLAY") else ({"backend": "egl"}, {})
    for kwargs in order:
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises plain Exceptions with the loader's message
            errors.append(f"{kwargs.get('backend', 'default')}: {e}")
    raise InputError(
        "no OpenGL 3.3 could be started (" + "; ".join(errors) + "); install Mesa's EGL and GL drivers "
        "(Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)"
    )
