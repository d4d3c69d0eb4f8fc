"""Speech file (and optional transcript) to a motion track: the one call the CLI and studio use."""

from __future__ import annotations

from pathlib import Path

from inference.audio.load import AudioClip, resample
from inference.audio.speech import SPEECH_RATE, align_phones, analyse_prosody, recognize_phones
from inference.audio.tts import synthesize
from inference.motion.controls import Controls
from inference.motion.procedural import SpeechFeatures, generate
from inference.motion.stream import collect, stream_motion
from inference.motion.track import MotionTrack


def read_transcript(text_or_file: str | None) -> str | None:
    """A transcript given inline, or the path of a text file holding it."""
    if text_or_file is None:
        return None
    path = Path(text_or_file)
    if len(text_or_file) < 4096 and path.suffix.lower() in (".txt", ".lab") and path.exists():
        return path.read_text(encoding="utf-8", errors="replace")
    return text_or_file


def speech_features(clip: AudioClip, fps: float, transcript: str | None = None) -> SpeechFeatures:
    """Phones (aligned to the transcript when there is one) and prosody of a 16 kHz clip."""
    phones = align_phones(clip, transcript) if transcript else recognize_phones(clip)
    return SpeechFeatures(tuple(phones), analyse_prosody(clip, fps), clip.duration)


def motion_from_speech(path: "str | Path", controls: Controls = Controls(), fps: float = 25.0,
                       transcript: str | None = None) -> MotionTrack:
    """The whole track for a speech file (streamed through `stream_motion`, then joined)."""
    return collect(stream_motion(path, controls, fps, transcript), fps)


def motion_from_text(text: str, controls: Controls = Controls(), fps: float = 25.0) -> tuple[MotionTrack, AudioClip]:
    """Speak a typed script with the bundled synthesiser; the lips follow its own phone timings.
    Returns the track and the synthesised speech (for the video's sound)."""
    voice, phones = synthesize(text)
    speech = resample(voice, SPEECH_RATE)
    features = SpeechFeatures(tuple(phones), analyse_prosody(speech, fps), voice.duration)
    return generate(features, controls, fps), voice
