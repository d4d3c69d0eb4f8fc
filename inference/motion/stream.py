"""Speech file to motion as a stream: an hour of audio in, motion blocks out, memory flat.

The audio is read a second at a time and cut, at its quietest moment near every SEGMENT_S, into
segments. Each segment is analysed with CONTEXT_S of audio either side (phones, prosody) and the
generator decides the segment's frames; then its audio is dropped. Loudness is judged against a
running histogram of everything heard so far (see SpeakerLevels). At most a segment and two
contexts of 16 kHz audio (~1.7 MB) are held, whatever the file's length.

A transcript is aligned to the whole recording at once (PocketSphinx aligns one utterance), so
that path holds the clip in memory and accepts at most MAX_ALIGN_S of audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from inference.audio.load import AudioClip, iter_audio_chunks, load_audio
from inference.audio.speech import (
    SILENT_PEAK,
    SPEECH_RATE,
    FrameLevels,
    Phone,
    SpeakerLevels,
    align_phones,
    check_speech,
    filled,
    frame_levels,
    judged_prosody,
    recognize_phones,
    silent_error,
)
from inference.errors import InputError
from inference.motion.controls import Controls
from inference.motion.procedural import CONTEXT_S, MotionGenerator, ProceduralGenerator, SpeechFeatures
from inference.motion.track import MotionFrame, MotionTrack

SEGMENT_S = 30.0  # seconds of motion decided per step (cut at the quietest point of its second half)
MAX_ALIGN_S = 600.0


@dataclass
class _Buffer:
    """The stretch of audio currently held: samples from absolute sample `start` on."""

    samples: np.ndarray
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + len(self.samples)

    def append(self, chunk: np.ndarray) -> None:
        self.samples = np.concatenate([self.samples, chunk])

    def drop_before(self, sample: int) -> None:
        if sample > self.start:
            self.samples = self.samples[sample - self.start:]
            self.start = sample

    def between(self, a: int, b: int) -> np.ndarray:
        return self.samples[max(0, a - self.start):max(0, b - self.start)]


PhoneSource = Callable[[np.ndarray, float, float], list[Phone]]


def stream_motion(path: "str | Path", controls: Controls = Controls(), fps: float = 25.0,
                  transcript: str | None = None, segment_s: float = SEGMENT_S,
                  generator: MotionGenerator | None = None) -> Iterator[np.ndarray]:
    """Motion blocks, shape (len(CHANNELS), k), covering the speech in `path` in order.

    Raises InputError for a missing, unreadable, audio-less or silent file (a silent one only
    once all of it has been read, unless it is shorter than a segment).
    """
    name = Path(path).name
    if transcript:
        clip = load_audio(path, SPEECH_RATE)
        check_speech(clip, name)
        if clip.duration > MAX_ALIGN_S:
            raise InputError(f"a transcript can be aligned to at most {MAX_ALIGN_S / 60:.0f} minutes of speech, and "
                             f"'{name}' lasts {clip.duration / 60:.1f}; split the recording, or leave the transcript out")
        aligned = align_phones(clip, transcript)
        chunks: Iterable[np.ndarray] = clip.chunks()
        phones: PhoneSource = lambda _samples, t0, t1: [p for p in aligned if p.end > t0 and p.start < t1]
    else:
        chunks = iter_audio_chunks(path, SPEECH_RATE)
        phones = _recognised
    generator = generator or ProceduralGenerator(controls, fps)
    yield from _segments(iter(chunks), phones, generator, fps, segment_s, name)


def _recognised(samples: np.ndarray, t0: float, _t1: float) -> list[Phone]:
    return [Phone(p.label, p.start + t0, p.end + t0) for p in recognize_phones(AudioClip(samples, SPEECH_RATE))]


def _segments(chunks: Iterator[np.ndarray], phones: PhoneSource, generator: MotionGenerator, fps: float,
              segment_s: float, name: str) -> Iterator[np.ndarray]:
    per_frame = SPEECH_RATE / fps  # samples per video frame
    context, segment = int(round(CONTEXT_S * fps)), max(2, int(round(segment_s * fps)))
    buf, speaker = _Buffer(np.zeros(0, np.float32)), SpeakerLevels()
    heard, start, peak, ended = 0, 0, 0.0, False  # heard: frames added to `speaker`
    while True:
        while not ended and buf.end < (start + segment + context + 1) * per_frame:
            chunk = next(chunks, None)
            if chunk is None:
                ended = True
            else:
                buf.append(chunk)
                peak = max(peak, float(np.abs(chunk).max(initial=0.0)))
        total = max(1, int(round(buf.end / per_frame))) if ended else None
        if ended and peak < SILENT_PEAK:
            raise silent_error(name)
        w0 = max(0, start - context)
        reach = total if ended else int(buf.end // per_frame) - 1  # frames the audio fully covers
        levels = frame_levels(buf.samples, SPEECH_RATE, fps, w0, reach - w0, buf.start)
        if ended and reach - start <= segment:
            stop = total
        else:
            stop = _quietest(levels.db, w0, start + segment // 2, start + segment)
        w1 = min(reach, stop + context)
        if w1 > heard:
            speaker.add(levels.db[heard - w0:w1 - w0])
            heard = w1
        n = w1 - w0
        window = FrameLevels(levels.db[:n], levels.pitch_hz[:n], levels.strength[:n])
        t0, t1 = w0 / fps, w1 / fps
        found = phones(buf.between(int(w0 * per_frame), int(w1 * per_frame)), int(w0 * per_frame) / SPEECH_RATE, t1)
        features = SpeechFeatures(tuple(filled(found, t1, start=t0)), judged_prosody(window, speaker, fps), t1, w0)
        yield generator.frames(features, start, stop)
        if ended and stop >= total:
            return
        start = stop
        buf.drop_before(int((start - context) * per_frame) - SPEECH_RATE // 10)  # keep 0.1 s for the windows


def _quietest(db: np.ndarray, first: int, lo: int, hi: int) -> int:
    """The frame in [lo, hi) where the 100 ms around it is quietest (`db` starts at frame `first`)."""
    smooth = np.convolve(db, np.ones(3) / 3, mode="same")[lo - first:hi - first]
    return lo + int(np.argmin(smooth))


def motion_frames(blocks: Iterable[np.ndarray]) -> Iterator[MotionFrame]:
    """The frames of a stream of motion blocks, one at a time."""
    for block in blocks:
        for k in range(block.shape[1]):
            yield MotionFrame(block[:, k])


def collect(blocks: Iterable[np.ndarray], fps: float) -> MotionTrack:
    """A stream of motion blocks as one track."""
    return MotionTrack(fps, np.concatenate(list(blocks), axis=1))
