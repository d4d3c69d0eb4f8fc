"""OpenGL contexts: a headless one for export, tests and the CLI; Qt passes its own for the preview."""

from __future__ import annotations


import moderngl

from inference.errors import InputError


def headless_context() -> moderngl.Context:
    """A standalone GL 3.3 context for offscreen rendering: EGL (surfaceless, no window system),
    else the platform default (GLX).

    EGL first: it needs no window system, and a standalone GLX context opens an X connection of
    its own whose release later broke Qt's windows (BadDrawable, fatal in Xlib). Never create
    one on a thread where Qt draws: Mesa does not let one thread mix EGL and GLX contexts, and
    a toolkit switching contexts under an offscreen one breaks it. The studio exports on a
    thread of its own, and the GUI tests run in a process of their own (run-tests).
    """
    errors = []
    order = ({"backend": "egl"}, {})
    for kwargs in order:
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as e:  # glcontext raises plain Exceptions with the loader's message
            errors.append(f"{kwargs.get('backend', 'default')}: {e}")
    raise InputError(
        "no OpenGL 3.3 could be started (" + "; ".join(errors) + "); install Mesa's EGL and GL drivers "
        "(Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)"
    )
