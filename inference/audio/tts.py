"""Text to speech with eSpeak NG, bundled by the espeakng-loader wheel (no system install).

Returns the waveform and the synthesiser's own phoneme timings, mapped to the CMU phone set,
so a typed script drives the lips exactly as it is spoken.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

from inference.audio.load import AudioClip
from inference.audio.speech import SILENCE, Phone, filled
from inference.errors import InputError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_EVENT_PHONEME = 7
_EVENT_LIST_TERMINATED = 0
MAX_CHARS = 20_000


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """eSpeak NG holds global state, so one engine per process, used under a lock."""

    lock = threading.Lock()
    lib = None
    rate = 0

    @classmethod
    def load(cls):
        if cls.lib is None:
            try:
                import espeakng_loader

                lib = ctypes.CDLL(espeakng_loader.get_library_path())
                data = espeakng_loader.get_data_path().encode()
            except (ImportError, OSError, RuntimeError) as e:
                raise InputError(f"the bundled speech synthesiser could not be loaded ({e}); reinstall the espeakng-loader package") from None
            lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            cls.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 500, data,
                                             _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT)
            if cls.rate <= 0:
                raise InputError("the bundled speech synthesiser failed to start")
            lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                         ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
            cls.lib = lib
        return cls.lib


def synthesize(text: str, voice: str = "en-us") -> tuple[AudioClip, list[Phone]]:
    """Speak `text`; returns (audio at the synthesiser's rate, timed CMU phones)."""
    text = " ".join(text.split())
    if not text:
        raise InputError("the script is empty; type what the portrait should say")
    if len(text) > MAX_CHARS:
        raise InputError(f"the script is {len(text)} characters long; split it into parts of at most {MAX_CHARS}")
    chunks: list[np.ndarray] = []
    events: list[tuple[int, str]] = []  # (sample position, espeak phoneme)

    def on_audio(wav, n, ev):
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while ev[i].type != _EVENT_LIST_TERMINATED:
            if ev[i].type == _EVENT_PHONEME:
                events.append((ev[i].sample, ev[i].id.decode("ascii", "replace")))
            i += 1
        return 0

    callback = _CALLBACK(on_audio)
    with _Engine.lock:
        lib = _Engine.load()
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise InputError(f"voice '{voice}' is not available in the bundled synthesiser")
        lib.espeak_SetSynthCallback(callback)
        data = text.encode("utf-8")
        lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        rate = _Engine.rate
    samples = (np.concatenate(chunks).astype(np.float32) / 32768.0) if chunks else np.zeros(0, np.float32)
    if len(samples) == 0:
        raise InputError("the synthesiser produced no sound for this script")
    clip = AudioClip(samples, rate)
    return clip, phones_from_events(events, rate, clip.duration)


def phones_from_events(events: list[tuple[int, str]], rate: int, duration: float) -> list[Phone]:
    phones = []
    for k, (pos, name) in enumerate(events):
        end = events[k + 1][0] if k + 1 < len(events) else int(duration * rate)
        if end > pos:
            phones.append(Phone(cmu_phone(name), pos / rate, end / rate))
    return filled(phones, duration)


_CONSONANTS = {
    "tS": "CH", "dZ": "JH", "p": "P", "b": "B", "m": "M", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "t": "T", "d": "D", "n": "N", "N": "NG", "l": "L",
    "k": "K", "g": "G", "h": "HH", "r": "R", "w": "W", "j": "Y", "?": "T",
}
_VOWELS = {
    "aI": "AY", "aU": "AW", "OI": "OY", "oU": "OW", "@U": "OW", "eI": "EY", "e@": "EH", "I@": "IH",
    "U@": "UH", "A@": "AA", "O@": "AO", "3:": "ER", "a": "AE", "A": "AA", "0": "AO", "O": "AO",
    "V": "AH", "@": "AH", "3": "ER", "E": "EH", "e": "EH", "I": "IH", "i": "IY", "U": "UH",
    "u": "UW", "o": "OW",
}


def cmu_phone(espeak: str) -> str:
    """eSpeak's English phoneme mnemonics (stress marks and variants stripped) to CMU phones."""
    name = espeak.strip().lstrip("'\",%=")
    if not name or name.startswith("_"):
        return SILENCE
    for table in (_CONSONANTS, _VOWELS):
        for key in sorted(table, key=len, reverse=True):
            if name.startswith(key):
                return table[key]
    return "AH"
