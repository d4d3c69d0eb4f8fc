"""Analysis cache: one uncompressed .npz per (image bytes, framing) so re-opening takes milliseconds.

Location: $AVATAR_STUDIO_CACHE, else $XDG_CACHE_HOME/avatar-studio, else ~/.cache/avatar-studio.
A damaged entry is ignored and rebuilt; writes go to a temporary file renamed into place.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from inference.face.avatar import Avatar


def cache_dir() -> Path:
    env = os.environ.get("AVATAR_STUDIO_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "avatar-studio"


def load(key: str) -> Avatar | None:
    path = cache_dir() / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return Avatar.from_arrays({k: data[k] for k in data.files})
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def store(key: str, avatar: Avatar) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".npz", dir=folder)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **avatar.to_arrays())
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        # A read-only or full cache folder must never stop the analysis itself.
        Path(tmp).unlink(missing_ok=True) if "tmp" in locals() else None
