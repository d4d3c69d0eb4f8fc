"""Speech analysis: timed phones from PocketSphinx, and prosody per video frame.

Phones come from phone recognition (no transcript) or forced alignment to a transcript, both
with the English models shipped inside the pocketsphinx wheel, in the CMU phone set. A clip is
recognised in pieces of at most MAX_PIECE_S cut at pauses; files of any length are fed through
here a segment at a time by inference.motion.stream.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from inference.audio.load import AudioClip
from inference.errors import InputError

SPEECH_RATE = 16000  # Hz: the acoustic model's rate
MAX_PIECE_S = 30.0
SILENCE = "SIL"


@dataclass(frozen=True)
class Phone:
    label: str  # CMU phone (AA, B, ...) or SIL
    start: float  # seconds
    end: float


def _model(name: str) -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), name)


def _pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _check_rate(clip: AudioClip) -> None:
    if clip.sample_rate != SPEECH_RATE:
        raise ValueError(f"speech analysis needs {SPEECH_RATE} Hz audio, got {clip.sample_rate} Hz")


def speech_pieces(clip: AudioClip, max_s: float = MAX_PIECE_S) -> list[tuple[int, int]]:
    """(start, end) sample ranges covering the clip, cut at the quietest 100 ms near each limit."""
    n, sr = len(clip.samples), clip.sample_rate
    limit = int(max_s * sr)
    hop = sr // 100
    pieces, start = [], 0
    while n - start > limit:
        window = clip.samples[start + limit // 2:start + limit]
        energy = np.convolve(window[: len(window) // hop * hop].reshape(-1, hop).var(1), np.ones(10), "same")
        cut = start + limit // 2 + int(np.argmin(energy)) * hop
        pieces.append((start, cut))
        start = cut
    pieces.append((start, n))
    return pieces


def recognize_phones(clip: AudioClip) -> list[Phone]:
    """Phone recognition (allphone search with the phone language model)."""
    from pocketsphinx import Decoder

    _check_rate(clip)
    decoder = Decoder(allphone=_model("en-us/en-us-phone.lm.bin"), lw=2.0, pip=0.3, beam=1e-20, pbeam=1e-20,
                      loglevel="FATAL")
    phones: list[Phone] = []
    for a, b in speech_pieces(clip):
        decoder.start_utt()
        decoder.process_raw(_pcm16(clip.samples[a:b]), full_utt=True)
        decoder.end_utt()
        t0 = a / clip.sample_rate
        for seg in decoder.seg():
            label = seg.word.upper()
            phones.append(Phone(SILENCE if label in ("SIL", "+NSN+", "+SPN+", "+BREATH+") else label,
                                t0 + seg.start_frame / 100, t0 + (seg.end_frame + 1) / 100))
    return filled(phones, clip.duration)


def normalise_transcript(text: str) -> str:
    words = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
    if not words:
        raise InputError("the transcript has no words; give the text that is spoken in the audio")
    return " ".join(words)


def align_phones(clip: AudioClip, transcript: str) -> list[Phone]:
    """Forced alignment of `transcript` to the audio: phones with the words' own pronunciations.
    Words missing from the English dictionary, or a transcript that does not fit the audio,
    raise InputError saying so."""
    from pocketsphinx import Decoder

    _check_rate(clip)
    text = normalise_transcript(transcript)
    decoder = Decoder(loglevel="FATAL")
    unknown = [w for w in text.split() if decoder.lookup_word(w) is None]
    if unknown:
        raise InputError(f"the transcript has words the English dictionary lacks ({', '.join(unknown[:5])}); "
                         "spell them as they sound, or leave the transcript out")
    pcm = _pcm16(clip.samples)
    decoder.set_align_text(text)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    decoder.set_alignment()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    alignment = decoder.get_alignment()
    if alignment is None:
        raise InputError("the transcript could not be aligned to the audio; check that it matches what is said")
    phones = [Phone(SILENCE if p.name.upper() == "SIL" else p.name.upper(), p.start / 100, (p.start + p.duration) / 100)
              for word in alignment for p in word]
    return filled(phones, clip.duration)


def filled(phones: list[Phone], duration: float, start: float = 0.0) -> list[Phone]:
    """Phones in order, gaps closed with silence, from `start` to `duration` (s)."""
    out: list[Phone] = []
    t = start
    for p in sorted(phones, key=lambda p: p.start):
        if p.start > t + 1e-3:
            out.append(Phone(SILENCE, t, p.start))
        start = max(p.start, t)
        if p.end > start:
            out.append(Phone(p.label, start, p.end))
            t = p.end
    if duration > t + 1e-3:
        out.append(Phone(SILENCE, t, duration))
    return out


# ---------------------------------------------------------------- prosody


@dataclass(frozen=True)
class Prosody:
    """Per video frame (shape (T,) each): loudness in dB relative to the speech's loud level
    (0 = loud speech, -60 = silence), pitch in Hz (0 where unvoiced), voicing in [0, 1], and
    pause (True where nobody speaks)."""

    fps: float
    loudness_db: np.ndarray
    pitch_hz: np.ndarray
    voicing: np.ndarray
    pause: np.ndarray


def frame_windows(samples: np.ndarray, sr: int, fps: float, width: int, first_frame: int = 0,
                  n_frames: int | None = None, start_sample: int = 0) -> np.ndarray:
    """(T, width) windows centred on video frames first_frame.. (absolute indices) of audio whose
    first sample is absolute sample `start_sample`; zero-padded where the audio does not reach.
    By default every frame the audio covers."""
    if n_frames is None:
        n_frames = max(1, int(round(len(samples) / sr * fps)))
    centres = ((first_frame + np.arange(n_frames) + 0.5) * sr / fps).astype(np.int64) - start_sample
    padded = np.pad(samples, (width, width))
    idx = np.clip(centres[:, None] + np.arange(width)[None, :] + width // 2, 0, len(padded) - 1)
    return padded[idx]


def pitch_and_voicing(windows: np.ndarray, sr: int, fmin: float = 60.0, fmax: float = 400.0) -> tuple[np.ndarray, np.ndarray]:
    """Normalised autocorrelation per window: (pitch Hz, peak strength in [0, 1])."""
    w = windows - windows.mean(1, keepdims=True)
    w *= np.hanning(w.shape[1])[None, :]
    n = 1 << int(np.ceil(np.log2(2 * w.shape[1])))
    spec = np.fft.rfft(w, n)
    ac = np.fft.irfft(spec * np.conj(spec), n)[:, : w.shape[1]]
    ac /= np.maximum(ac[:, :1], 1e-9)
    lo, hi = int(sr / fmax), int(sr / fmin)
    lag = lo + np.argmax(ac[:, lo:hi], axis=1)
    strength = np.clip(ac[np.arange(len(lag)), lag], 0, 1)
    return sr / lag, strength


@dataclass(frozen=True)
class FrameLevels:
    """Raw per-frame measures before they are judged against the speaker's own levels."""

    db: np.ndarray  # (T,) power in dBFS over 30 ms
    pitch_hz: np.ndarray  # (T,) autocorrelation pitch, meaningful where strength is high
    strength: np.ndarray  # (T,) autocorrelation peak in [0, 1]


def frame_levels(samples: np.ndarray, sr: int, fps: float, first_frame: int = 0,
                 n_frames: int | None = None, start_sample: int = 0, block: int = 250) -> FrameLevels:
    """Loudness and pitch of frames first_frame.. (see frame_windows for the arguments), worked
    out `block` frames at a time: the windows and their spectra (~16 KB a frame) never exist for
    a whole recording at once."""
    if n_frames is None:
        n_frames = max(1, int(round(len(samples) / sr * fps)))
    parts = []
    for a in range(0, n_frames, block):
        k = min(block, n_frames - a)
        loud_w = frame_windows(samples, sr, fps, int(0.03 * sr), first_frame + a, k, start_sample)
        pitch, strength = pitch_and_voicing(
            frame_windows(samples, sr, fps, int(0.04 * sr), first_frame + a, k, start_sample), sr)
        parts.append((10 * np.log10((loud_w ** 2).mean(1) + 1e-10), pitch, strength))
    return FrameLevels(*(np.concatenate(p) for p in zip(*parts)))


class SpeakerLevels:
    """The recording's loudness distribution, gathered frame by frame: a histogram, so memory
    stays flat however long the speech, and a stream can judge each new piece against
    everything heard so far."""

    BIN_DB = 0.25
    LOW_DB, HIGH_DB = -120.0, 10.0

    def __init__(self) -> None:
        self._counts = np.zeros(int((self.HIGH_DB - self.LOW_DB) / self.BIN_DB) + 1, np.int64)

    def add(self, db: np.ndarray) -> None:
        bins = ((np.clip(db, self.LOW_DB, self.HIGH_DB) - self.LOW_DB) / self.BIN_DB).astype(int)
        self._counts += np.bincount(bins, minlength=len(self._counts))

    def _percentile(self, q: float, above_db: float = -np.inf) -> float:
        levels = self.LOW_DB + self.BIN_DB * np.arange(len(self._counts))
        counts = np.where(levels > above_db, self._counts, 0)
        if counts.sum() == 0:
            return 0.0
        return float(levels[np.searchsorted(np.cumsum(counts), q / 100 * counts.sum())])

    def speech_reference_db(self) -> float:
        """Loud speech: the 95th percentile of frames within 50 dB of the loudest (0 dB later)."""
        if not self._counts.any():
            return 0.0
        loudest = self.LOW_DB + self.BIN_DB * np.nonzero(self._counts)[0][-1]
        return self._percentile(95, loudest - 50) if loudest > -90 else self._percentile(95)

    def floor_db(self) -> float:
        """The noise floor, relative to the speech reference: the 10th percentile."""
        return self._percentile(10) - self.speech_reference_db()


def analyse_prosody(clip: AudioClip, fps: float) -> Prosody:
    """Prosody of a whole clip, judged against the clip's own levels."""
    _check_rate(clip)
    levels = frame_levels(clip.samples, clip.sample_rate, fps)
    speaker = SpeakerLevels()
    speaker.add(levels.db)
    return judged_prosody(levels, speaker, fps)


def judged_prosody(levels: FrameLevels, speaker: SpeakerLevels, fps: float) -> Prosody:
    loud = np.clip(levels.db - speaker.speech_reference_db(), -60.0, 6.0)
    voicing = np.clip((levels.strength - 0.3) / 0.4, 0, 1) * (loud > -35)
    pitch = np.where(voicing > 0.5, levels.pitch_hz, 0.0)
    # Pauses: quiet relative to this recording's own noise floor (LibriVox hiss sits near -30 dB).
    floor = max(-60.0, speaker.floor_db())
    return Prosody(fps, loud, pitch, voicing, pause=_pauses(loud, fps, floor + 0.3 * (0.0 - floor)))


def _pauses(loud: np.ndarray, fps: float, quiet_db: float, min_s: float = 0.2) -> np.ndarray:
    """True over runs of frames quieter than `quiet_db` lasting at least `min_s`."""
    quiet = loud < quiet_db
    out = np.zeros_like(quiet)
    run = int(round(min_s * fps))
    start = None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= run:
                out[start:i] = True
            start = None
    return out


SILENT_PEAK = 1e-3  # full scale; a recording that never reaches it is silence


def silent_error(name: str) -> InputError:
    return InputError(f"'{name}' is silent; choose a recording with speech in it")


def check_speech(clip: AudioClip, name: str) -> None:
    """Pure silence (or a near-silent file) cannot drive a face: say so."""
    if len(clip.samples) == 0 or float(np.max(np.abs(clip.samples))) < SILENT_PEAK:
        raise silent_error(name)
