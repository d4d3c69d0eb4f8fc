"""OpenGL contexts: a headless one for export, tests and the CLI; Qt passes its own for the preview."""

from __future__ import annotations

import moderngl

from inference.errors import InputError


def headless_context() -> moderngl.Context:
    """A standalone GL 3.3 context: EGL first (no display needed), then the platform default."""
    errors = []
    for kwargs in ({"backend": "egl"}, {}):
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises plain Exceptions with the loader's message
            errors.append(f"{kwargs.get('backend', 'default')}: {e}")
    raise InputError(
        "no OpenGL 3.3 could be started (" + "; ".join(errors) + "); install Mesa's EGL and GL drivers "
        "(Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)"
    )
