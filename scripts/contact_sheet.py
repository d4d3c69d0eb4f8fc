"""Render every animated channel at full strength on three portraits into docs/channels.png.

    python scripts/contact_sheet.py [--out docs/channels.png] [--portraits a.png b.jpg c.png]

Each tile is a face close-up from a 512x512 portrait render, labelled with its channel and value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from inference.face import analyze  # noqa: E402
from inference.motion import MotionFrame  # noqa: E402
from inference.render import Renderer  # noqa: E402

SHARED = REPO.parent / "shared" / "assets" / "portraits"
DEFAULT_PORTRAITS = (
    SHARED / "pd_photo_woman_nasa_astronaut_eileen_collins.png",
    SHARED / "cc0_photo_woman_smiling_teeth_pexels.png",
    SHARED / "pd_painting_mona_lisa_leonardo.jpg",
)
POSES: list[tuple[str, dict[str, float]]] = [
    ("neutral", {}),
    ("jawOpen 1", {"jawOpen": 1.0}),
    ("jawOpen .6 + mouthClose 1", {"jawOpen": 0.6, "mouthClose": 1.0}),
    ("mouthFunnel 1", {"mouthFunnel": 1.0}),
    ("mouthPucker 1", {"mouthPucker": 1.0}),
    ("mouthSmileLeft 1", {"mouthSmileLeft": 1.0}),
    ("mouthSmileRight 1", {"mouthSmileRight": 1.0}),
    ("mouthFrownLeft+Right 1", {"mouthFrownLeft": 1.0, "mouthFrownRight": 1.0}),
    ("mouthStretchLeft+Right 1", {"mouthStretchLeft": 1.0, "mouthStretchRight": 1.0}),
    ("mouthPressLeft+Right 1", {"mouthPressLeft": 1.0, "mouthPressRight": 1.0}),
    ("eyeBlinkLeft 1", {"eyeBlinkLeft": 1.0}),
    ("eyeBlinkLeft+Right 1", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}),
    ("eyeWideLeft+Right 1", {"eyeWideLeft": 1.0, "eyeWideRight": 1.0}),
    ("eyeSquintLeft+Right 1", {"eyeSquintLeft": 1.0, "eyeSquintRight": 1.0}),
    ("browInnerUp 1", {"browInnerUp": 1.0}),
    ("browDownLeft+Right 1", {"browDownLeft": 1.0, "browDownRight": 1.0}),
    ("browOuterUpLeft+Right 1", {"browOuterUpLeft": 1.0, "browOuterUpRight": 1.0}),
    ("cheekSquintLeft+Right 1", {"cheekSquintLeft": 1.0, "cheekSquintRight": 1.0}),
    ("headYaw +15", {"headYaw": 15.0}),
    ("headYaw -15", {"headYaw": -15.0}),
    ("headPitch +10", {"headPitch": 10.0}),
    ("headPitch -10", {"headPitch": -10.0}),
    ("headRoll +15", {"headRoll": 15.0}),
    ("headX +.2 headY -.1", {"headX": 0.2, "headY": -0.1}),
    ("headDistance 1.25", {"headDistance": 1.25}),
    ("headDistance 0.8", {"headDistance": 0.8}),
    ("gazeYaw +20", {"gazeYaw": 20.0}),
    ("gazeYaw -20", {"gazeYaw": -20.0}),
    ("gazePitch +12", {"gazePitch": 12.0}),
    ("gazePitch -12", {"gazePitch": -12.0}),
]
TILE = 176
COLUMNS = 6


def face_box(avatar, pad: float = 0.42) -> tuple[int, int, int, int]:
    lm = avatar.landmarks
    c = (lm[10, :2] + lm[152, :2]) / 2
    half = int(avatar.face_width * (0.5 + pad))
    w, h = avatar.size
    x0, y0 = int(np.clip(c[0] - half, 0, w - 2 * half)), int(np.clip(c[1] - half, 0, h - 2 * half))
    return x0, y0, x0 + 2 * half, y0 + 2 * half


def tile(img: np.ndarray, box, label: str) -> np.ndarray:
    x0, y0, x1, y1 = box
    t = cv2.resize(img[y0:y1, x0:x1], (TILE, TILE), interpolation=cv2.INTER_AREA)
    t = np.ascontiguousarray(t)
    cv2.rectangle(t, (0, TILE - 20), (TILE, TILE), (20, 20, 20), -1)
    cv2.putText(t, label, (5, TILE - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (235, 235, 235), 1, cv2.LINE_AA)
    return t


def sheet(portraits) -> np.ndarray:
    blocks = []
    for path in portraits:
        avatar = analyze(path)
        box = face_box(avatar)
        with Renderer(avatar) as r:
            tiles = [tile(r.render(MotionFrame.neutral().with_values(**kw)), box, name) for name, kw in POSES]
        while len(tiles) % COLUMNS:
            tiles.append(np.full_like(tiles[0], 255))
        rows = [np.hstack(tiles[i:i + COLUMNS]) for i in range(0, len(tiles), COLUMNS)]
        blocks.append(np.vstack(rows))
        blocks.append(np.full((12, blocks[-1].shape[1], 3), 255, np.uint8))
    return np.vstack(blocks[:-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "docs" / "channels.png"))
    ap.add_argument("--portraits", nargs="*", default=[str(p) for p in DEFAULT_PORTRAITS])
    args = ap.parse_args()
    out = sheet(args.portraits)
    cv2.imwrite(args.out, cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out} ({out.shape[1]}x{out.shape[0]})")


if __name__ == "__main__":
    main()
