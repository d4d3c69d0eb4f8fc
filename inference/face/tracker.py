"""MediaPipe Face Mesh (478 landmarks with irises) and Selfie Segmentation behind small classes.

Both models ship inside the mediapipe 0.10.21 wheel, so nothing is downloaded. Landmarks come back
in pixels of the image given: x right, y down, z towards the camera negative, in the x scale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

# MediaPipe's C++ side logs through glog/absl; keep it quiet unless the user asks otherwise.
os.environ.setdefault("GLOG_minloglevel", "2")


@dataclass(frozen=True)
class FaceFound:
    landmarks: np.ndarray  # (478, 3) float32 pixels
    width_px: float  # face oval width (cheek to cheek), pixels


def _mediapipe():
    import mediapipe as mp  # deferred: importing mediapipe costs ~0.5 s

    return mp


class FaceTracker:
    """Finds faces in RGB uint8 images. Use as a context manager, or call close()."""

    def __init__(self, max_faces: int = 4, static_images: bool = True):
        mp = _mediapipe()
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=static_images,
            max_num_faces=max_faces,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )

    def find(self, rgb: np.ndarray) -> list[FaceFound]:
        """All faces in the image, largest first."""
        h, w = rgb.shape[:2]
        result = self._mesh.process(np.ascontiguousarray(rgb))
        faces = []
        for face in result.multi_face_landmarks or ():
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in face.landmark], dtype=np.float32)
            faces.append(FaceFound(pts, float(np.linalg.norm(pts[454, :2] - pts[234, :2]))))
        return sorted(faces, key=lambda f: -f.width_px)

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """Soft person mask in [0, 1], float32 (H, W), from MediaPipe Selfie Segmentation."""
    mp = _mediapipe()
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        mask = seg.process(np.ascontiguousarray(rgb)).segmentation_mask
    return np.clip(mask, 0.0, 1.0).astype(np.float32)
