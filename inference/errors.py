"""Errors meant for the person using the tool, not for a developer, and the checks of output
paths that the command line and the studio share.

Raise `InputError` with a sentence that says what is wrong and what to do; the CLI prints it on one
line and exits 2, the studio shows it in a dialog. Anything else escaping is a bug.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad user input (an unusable photo, a malformed motion track, an unreadable file)."""


def checked_output(path: "str | Path", suffix: str) -> Path:
    """`path` as a Path if a file ending in `suffix` can be written there; else InputError."""
    out = Path(path).expanduser()
    if not out.name or out.is_dir():
        raise InputError(f"'{out}' is a folder; give a file name ending in {suffix}")
    if out.suffix.lower() != suffix:
        raise InputError(f"output '{out}' must end in {suffix}")
    if not out.parent.is_dir():
        raise InputError(f"folder '{out.parent}' does not exist; create it or choose another output path")
    return out
