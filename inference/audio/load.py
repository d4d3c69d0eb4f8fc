"""Decode any audio PyAV can read into float32 mono at one sample rate.

Speech analysis wants one format (16 kHz mono float in [-1, 1]) whatever came in: WAV, FLAC,
MP3, M4A/AAC, Ogg/Opus or the audio track of a video. `iter_audio_chunks` streams so an
hour-long file never sits in memory twice; `load_audio` collects its chunks into an `AudioClip`.
Judging the content (silence, clipping) is left to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from inference.errors import InputError

SPEECH_SAMPLE_RATE = 16000  # Hz; what the phone recogniser and the motion generator expect


@dataclass(frozen=True, eq=False)
class AudioClip:
    """Mono audio: `samples` float32 shape (N,) in [-1, 1], at `sample_rate` Hz.

    eq=False: comparing clips by value would compare arrays element by element; identity is
    what a frozen value holding an array can honestly promise.
    """

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"AudioClip samples must be mono, shape (N,); got shape {samples.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"AudioClip sample_rate must be positive; got {self.sample_rate}")
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "sample_rate", int(self.sample_rate))

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate

    def chunks(self, chunk_seconds: float = 1.0) -> Iterator[np.ndarray]:
        """The samples in pieces, as an AudioFile gives them."""
        step = max(1, round(chunk_seconds * self.sample_rate))
        for start in range(0, len(self.samples), step):
            yield self.samples[start:start + step]


@dataclass(frozen=True)
class AudioFile:
    """Audio read from disk a piece at a time, at `sample_rate` Hz: how an hour-long file reaches
    the encoder without ever being in memory whole. Same `chunks` interface as AudioClip."""

    path: Path
    sample_rate: int

    def chunks(self, chunk_seconds: float = 1.0) -> Iterator[np.ndarray]:
        return iter_audio_chunks(self.path, self.sample_rate, chunk_seconds)


def load_audio(path: str | Path, sample_rate: int = SPEECH_SAMPLE_RATE) -> AudioClip:
    """Decode the first audio track of `path` to float32 mono at `sample_rate` Hz."""
    # 10 s chunks: few enough to keep the list short, small enough that the final concatenate
    # is the only moment the samples exist twice.
    chunks = list(iter_audio_chunks(path, sample_rate, chunk_seconds=10.0))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return AudioClip(samples, sample_rate)


def iter_audio_chunks(
    path: str | Path, sample_rate: int = SPEECH_SAMPLE_RATE, chunk_seconds: float = 1.0
) -> Iterator[np.ndarray]:
    """Yield float32 mono chunks of round(chunk_seconds * sample_rate) samples; the last may be shorter.

    Memory stays at one chunk plus one decoded packet whatever the file's length. Being a
    generator, it raises InputError (missing, unreadable, no audio) on the first `next`.
    """
    if sample_rate <= 0 or chunk_seconds <= 0:
        raise ValueError(f"sample_rate and chunk_seconds must be positive; got {sample_rate}, {chunk_seconds}")
    chunk_len = max(1, round(chunk_seconds * sample_rate))
    pending = SampleQueue()
    for samples in _decode_resampled(Path(path), sample_rate):
        pending.push(samples)
        while len(pending) >= chunk_len:
            yield pending.pop(chunk_len)
    if len(pending):
        yield pending.pop(len(pending))


def _decode_resampled(path: Path, sample_rate: int) -> Iterator[np.ndarray]:
    """Decode the first audio stream, converted frame by frame to float32 mono at `sample_rate`."""
    with _open_media(path) as container:
        if not container.streams.audio:
            raise InputError(f"'{path.name}' has no audio track; choose a file with sound in it.")
        converter = _MonoConverter(sample_rate)
        try:
            for frame in _decode_trimmed(container, container.streams.audio[0]):
                yield from converter.convert(frame)
        except av.error.FFmpegError as error:
            raise InputError(f"'{path.name}' could not be decoded past some point ({error}); "
                             "the file may be damaged.") from error
        yield from converter.flush()


def _decode_trimmed(container, stream) -> Iterator[av.AudioFrame]:
    """Decoded frames of `stream`, the last one cut where the packets say the stream ends.

    AAC always decodes whole 1024-sample frames; MP4/M4A mark the true end only by the last
    packet's duration (FFmpeg trims the start's encoder delay, not this tail padding). Without
    the cut, our own exports would load up to 1023 samples longer than they play.
    """
    end = None  # in stream.time_base: max(packet.pts + packet.duration) so far
    durations_known = True
    for packet in container.demux(stream):
        if packet.pts is not None and packet.duration:
            end = max(end if end is not None else packet.pts, packet.pts + packet.duration)
        elif packet.size:
            durations_known = False  # a packet without a duration: the tail cannot be trusted
        for frame in packet.decode():
            if durations_known and end is not None:
                frame = _cut_after(frame, end)
            if frame is not None:
                yield frame


def _cut_after(frame: av.AudioFrame, end: int) -> av.AudioFrame | None:
    """`frame` without its samples at or after `end` (a pts in the frame's time base)."""
    if frame.pts is None or frame.time_base is None:
        return frame
    keep = round((end - frame.pts) * frame.time_base * frame.sample_rate)
    if keep >= frame.samples:
        return frame
    if keep <= 0:
        return None
    # to_ndarray is (channels, n) for planar formats and (1, n * channels) for packed ones.
    per_sample = 1 if frame.format.is_planar else frame.layout.nb_channels
    kept = np.ascontiguousarray(frame.to_ndarray()[:, :keep * per_sample])
    cut = av.AudioFrame.from_ndarray(kept, format=frame.format.name, layout=frame.layout.name)
    cut.sample_rate = frame.sample_rate
    return cut


class _MonoConverter:
    """Decoded frames in any format to float32 mono samples at one rate, via av.AudioResampler."""

    def __init__(self, sample_rate: int) -> None:
        self._sample_rate = sample_rate
        self._resampler: av.AudioResampler | None = None
        self._source_key = None

    def convert(self, frame: av.AudioFrame) -> Iterator[np.ndarray]:
        # A stream may change layout or rate mid-file (concatenated broadcasts); a resampler is
        # fixed to its first frame's setup, so start a fresh one on a change.
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key != self._source_key:
            yield from self.flush()
            # 'flt' is packed float32, so a mono frame's to_ndarray() is shape (1, n).
            # rematrix_maxval=1 makes the downmix an average (stereo: 0.5 L + 0.5 R); FFmpeg's
            # default, 0.707 L + 0.707 R, reaches 1.41 on loud correlated channels.
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=self._sample_rate,
                                                options={"rematrix_maxval": "1.0"})
            self._source_key = key
        # We count samples, so timestamps are not needed; odd ones from damaged files would only
        # confuse the filter graph.
        frame.pts = None
        yield from _frames_to_samples(self._resampler.resample(frame))

    def flush(self) -> Iterator[np.ndarray]:
        """The resampler's last few samples; call at the end of the stream."""
        if self._resampler is not None:
            yield from _frames_to_samples(self._resampler.resample(None))
            self._resampler, self._source_key = None, None


def _open_media(path: Path):
    if not path.exists():
        raise InputError(f"file '{path}' does not exist; check the path.")
    if not path.is_file():
        raise InputError(f"'{path}' is not a file; choose an audio or video file.")
    try:
        # Tags with broken UTF-8 are common in MP3s; they must not make the sound unreadable.
        return av.open(str(path), mode="r", metadata_errors="replace")
    except av.error.FFmpegError as error:
        raise InputError(f"'{path.name}' is not an audio or video file that can be read "
                         f"({error.strerror}).") from error


def _frames_to_samples(frames) -> Iterator[np.ndarray]:
    for frame in frames:
        if frame is not None and frame.samples:
            yield frame.to_ndarray().reshape(-1)


class SampleQueue:
    """FIFO of float32 samples fed in arbitrary pieces and taken out in fixed-size ones."""

    def __init__(self) -> None:
        self._pieces: list[np.ndarray] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, samples: np.ndarray) -> None:
        if len(samples):
            self._pieces.append(samples)
            self._size += len(samples)

    def pop(self, n: int) -> np.ndarray:
        """Take the first n samples (n <= len(self))."""
        joined = np.concatenate(self._pieces) if len(self._pieces) > 1 else self._pieces[0]
        head, tail = joined[:n], joined[n:]
        self._pieces = [tail] if len(tail) else []
        self._size = len(tail)
        return np.ascontiguousarray(head, dtype=np.float32)


def resample(clip: AudioClip, sample_rate: int) -> AudioClip:
    """The clip at another rate, through the same FFmpeg resampler that decoding uses."""
    if clip.sample_rate == sample_rate:
        return clip
    frame = av.AudioFrame.from_ndarray(clip.samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = clip.sample_rate
    converter = _MonoConverter(sample_rate)
    parts = list(converter.convert(frame)) + list(converter.flush())
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return AudioClip(samples.astype(np.float32), sample_rate)
