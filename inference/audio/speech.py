"""Speech analysis: timed phones from PocketSphinx, and prosody per video frame.

Phones come from phone recognition (no transcript) or forced alignment to a transcript, both
with the English models shipped inside the pocketsphinx wheel, in the CMU phone set. Long audio
is cut at pauses into pieces of at most MAX_PIECE_S, so memory stays flat whatever the length.
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
    return _filled(phones, clip.duration)


def normalise_transcript(text: str) -> str:
    words = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
    if not words:
        raise InputError("the transcript has no words; give the text that is spoken in the audio")
    return " ".join(words)


def align_phones(clip: AudioClip, transcript: str) -> list[Phone]:
    """Forced alignment of `transcript` to the audio: phones with the words' own pronunciations.

    Words missing from the dictionary fall back to phone recognition for the whole clip, with
    a note in the raised error if that too fails.
    """
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
    return _filled(phones, clip.duration)


def _filled(phones: list[Phone], duration: float) -> list[Phone]:
    """Phones in order, gaps closed with silence, ending at the clip's end."""
    out: list[Phone] = []
    t = 0.0
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


def frame_windows(samples: np.ndarray, sr: int, fps: float, width: int) -> np.ndarray:
    """(T, width) windows centred on each video frame's centre, zero-padded at the ends."""
    n = max(1, int(round(len(samples) / sr * fps)))
    centres = ((np.arange(n) + 0.5) * sr / fps).astype(int)
    padded = np.pad(samples, (width, width))
    idx = centres[:, None] + np.arange(width)[None, :] + width // 2
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


def analyse_prosody(clip: AudioClip, fps: float) -> Prosody:
    _check_rate(clip)
    sr = clip.sample_rate
    loud_w = frame_windows(clip.samples, sr, fps, int(0.03 * sr))
    power = (loud_w ** 2).mean(1)
    db = 10 * np.log10(power + 1e-10)
    speech = db[db > db.max() - 50] if np.any(db > -90) else db
    ref = np.percentile(speech, 95) if len(speech) else 0.0
    loud = np.clip(db - ref, -60.0, 6.0)
    pitch, strength = pitch_and_voicing(frame_windows(clip.samples, sr, fps, int(0.04 * sr)), sr)
    voicing = np.clip((strength - 0.3) / 0.4, 0, 1) * (loud > -35)
    pitch = np.where(voicing > 0.5, pitch, 0.0)
    # Pauses: quiet relative to this recording's own noise floor (LibriVox hiss sits near -30 dB).
    floor = float(np.percentile(loud, 10))
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


def check_speech(clip: AudioClip, name: str) -> None:
    """Pure silence (or a near-silent file) cannot drive a face: say so."""
    if len(clip.samples) == 0 or float(np.max(np.abs(clip.samples))) < 1e-3:
        raise InputError(f"'{name}' is silent; choose a recording with speech in it")
