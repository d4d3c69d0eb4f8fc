"""Quality figures for every shared portrait: neutral-frame PSNR against the photo (full framing)
and what Face Mesh measures on frames rendered with each scripted channel (portrait framing).

    python bench/quality.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from inference.face import Framing, analyze  # noqa: E402
from inference.face.tracker import FaceTracker  # noqa: E402
from inference.motion import MotionFrame  # noqa: E402
from inference.render import Renderer  # noqa: E402
from inference.render.qa import photo_scaled, psnr, retrack_figures  # noqa: E402

PORTRAITS = sorted((REPO.parent / "shared" / "assets" / "portraits").glob("*"))


def main() -> None:
    if not PORTRAITS:
        print("skipped: ../shared/assets/portraits is absent")
        return
    print("neutral frame vs the photo scaled to 512 on its long side (--framing full), PSNR dB:")
    for path in PORTRAITS:
        with Renderer(analyze(path, Framing("full", 512))) as r:
            print(f"  {path.name:55s} {psnr(r.render(MotionFrame.neutral()), photo_scaled(path, 512)):6.1f}")
    print("re-tracked with Face Mesh (portrait framing, 512x512):")
    table = {}
    with FaceTracker(max_faces=1) as tracker:
        for path in PORTRAITS:
            with Renderer(analyze(path)) as r:
                table[path.name] = retrack_figures(r, tracker)
    keys = sorted({k for f in table.values() for k in f})
    print("  " + " ".join(f"{k:>17s}" for k in ["portrait"] + keys))
    for name, f in table.items():
        print("  " + f"{name[:17]:>17s} " + " ".join(f"{f.get(k, float('nan')):17.3f}" for k in keys))


if __name__ == "__main__":
    main()
