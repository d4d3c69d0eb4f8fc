from inference.motion.track import (
    BLENDSHAPES,
    CHANNELS,
    HEAD_CHANNELS,
    GAZE_CHANNELS,
    MotionFrame,
    MotionTrack,
)

__all__ = ["BLENDSHAPES", "CHANNELS", "HEAD_CHANNELS", "GAZE_CHANNELS", "MotionFrame", "MotionTrack"]
