"""Speech file (and optional transcript) to a motion track: the one call the CLI and studio use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inference.audio.load import AudioClip, load_audio, resample
from inference.audio.speech import SPEECH_RATE, Phone, align_phones, analyse_prosody, check_speech, recognize_phones
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


@dataclass(frozen=True)
class Speech:
    """Speech held whole for the studio: the sound to play, its 16 kHz copy and its phones."""

    name: str
    playback: AudioClip  # as decoded (or synthesised), for the speakers and the exported video
    analysis: AudioClip  # 16 kHz mono
    phones: tuple[Phone, ...]

    @property
    def duration(self) -> float:
        return self.playback.duration

    def features(self, fps: float) -> SpeechFeatures:
        """Phones and prosody at `fps` frames per second, for the generator."""
        return SpeechFeatures(self.phones, analyse_prosody(self.analysis, fps), self.analysis.duration)


def speech_from_file(path: "str | Path", transcript: str | None = None, playback_rate: int = 48000) -> Speech:
    """Decode a speech file once, check it holds speech, and find its phones."""
    path = Path(path)
    clip = load_audio(path, sample_rate=playback_rate)
    analysis = resample(clip, SPEECH_RATE)
    check_speech(analysis, path.name)
    phones = align_phones(analysis, transcript) if transcript else recognize_phones(analysis)
    return Speech(path.name, clip, analysis, tuple(phones))


def speech_from_text(text: str) -> Speech:
    """Speak a typed script with the bundled synthesiser; its own phone timings drive the lips."""
    voice, phones = synthesize(text)
    return Speech("Script", voice, resample(voice, SPEECH_RATE), tuple(phones))


def motion_from_text(text: str, controls: Controls = Controls(), fps: float = 25.0) -> tuple[MotionTrack, AudioClip]:
    """Speak a typed script with the bundled synthesiser; the lips follow its own phone timings.
    Returns the track and the synthesised speech (for the video's sound)."""
    speech = speech_from_text(text)
    return generate(speech.features(fps), controls, fps), speech.playback
