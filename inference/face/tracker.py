"""MediaPipe Face Mesh (478 landmarks with irises) and Selfie Segmentation behind small classes.

Both models ship inside the mediapipe 0.10.21 wheel, so nothing is downloaded. Landmarks come back
in pixels of the image given: x right, y down, z towards the camera negative, in the x scale.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

# MediaPipe's C++ side logs through glog/absl; keep it quiet unless the user asks otherwise.
os.environ.setdefault("GLOG_minloglevel", "2")


@dataclass(frozen=True)
class FaceFound:
    landmarks: np.ndarray  # (478, 3) float32 pixels
    width_px: float  # face oval width (cheek to cheek), pixels


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence MediaPipe's C++ start-up chatter (EGL probes, TFLite notes) written straight to fd 2.

    Python-level errors still surface as exceptions; only the native logger's lines are dropped.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to redirect (e.g. a windowed app)
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _mediapipe():
    import mediapipe as mp  # deferred: importing mediapipe costs ~0.5 s

    return mp


class FaceTracker:
    """Finds faces in RGB uint8 images. Use as a context manager, or call close()."""

    def __init__(self, max_faces: int = 4, static_images: bool = True):
        mp = _mediapipe()
        with quiet_native_stderr():
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
        with quiet_native_stderr():
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


def detect_faces(rgb: np.ndarray, min_score: float = 0.5) -> list[tuple[float, float, float, float]]:
    """Face boxes (x, y, w, h) in pixels, largest first, from MediaPipe's full-range detector.

    Face Mesh's own detector only sees faces that fill a good part of the image; the full-range
    model finds small faces in wide shots and group photos too.
    """
    mp = _mediapipe()
    h, w = rgb.shape[:2]
    boxes = []
    with quiet_native_stderr(), mp.solutions.face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=min_score
    ) as det:
        result = det.process(np.ascontiguousarray(rgb))
    for d in result.detections or ():
        b = d.location_data.relative_bounding_box
        boxes.append((b.xmin * w, b.ymin * h, b.width * w, b.height * h))
    return sorted(boxes, key=lambda b: -b[2] * b[3])


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """Soft person mask in [0, 1], float32 (H, W), from MediaPipe Selfie Segmentation."""
    mp = _mediapipe()
    with quiet_native_stderr(), mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        mask = seg.process(np.ascontiguousarray(rgb)).segmentation_mask
    return np.clip(mask, 0.0, 1.0).astype(np.float32)
