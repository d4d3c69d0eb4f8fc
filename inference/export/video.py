"""Streaming MP4 export: RGB frames and audio (a clip, or a file read piece by piece) in, H.264 + AAC out.

Frames are encoded as they arrive and the audio up to each frame's end time is encoded right
after it, so memory stays flat for any length and the muxer always has both streams at hand
to interleave. The file is written under a hidden temporary name beside the target and moved
onto it only once complete: a crash or an abort never leaves a half-written video behind.
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from inference.audio.load import AudioClip, AudioFile, SampleQueue
from inference.errors import InputError

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow", "placebo")
# Rates (Hz) FFmpeg's AAC encoder accepts; anything else is resampled to 48 kHz.
AAC_SAMPLE_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025,
                    8000, 7350)
AAC_FALLBACK_RATE = 48000
AAC_BIT_RATE = 96_000  # bit/s; transparent for mono speech
# Keys the MP4 muxer writes as ordinary iTunes-style tags, which every player shows. Any other
# key would be dropped silently, so a file with one gets QuickTime 'mdta' keys instead.
_MP4_STANDARD_TAGS = frozenset({
    "title", "artist", "album_artist", "album", "composer", "date", "comment", "genre",
    "copyright", "grouping", "lyrics", "description", "synopsis", "show", "episode_id",
    "network", "encoder",
})
_SOURCE_BLOCK = 4096  # source samples handed to the resampler at a time


class VideoWriter:
    """Write HxWx3 uint8 RGB frames at `fps` (with optional audio) to an MP4 at `path`.

        with VideoWriter("out.mp4", 512, 512, 25, audio=clip) as writer:
            for frame in frames:
                writer.write(frame)

    The audio is trimmed or padded with silence to exactly n_frames / fps. Leaving the `with`
    block through an exception, or calling `abort()`, deletes everything written so far.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float | Fraction,
        audio: AudioClip | AudioFile | None = None,
        metadata: dict[str, str] | None = None,
        crf: int = 20,
        preset: str = "veryfast",
    ) -> None:
        check_video_settings(width, height, crf, preset)
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.fps = exact_frame_rate(fps)
        self.frames_written = 0
        self._closed = False
        self._container = None
        self._temp_path = _make_temp_path(self.path)
        try:
            self._container = _open_mp4(self._temp_path, metadata or {})
            self._video = _add_h264_stream(self._container, self.width, self.height, self.fps, crf, preset)
            self._audio = _AudioTrack(self._container, audio) if audio is not None else None
        except BaseException:
            self.abort()
            raise
        self._reformatter = VideoReformatter()

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    def write(self, frame: np.ndarray) -> None:
        """Encode one RGB frame, shape (height, width, 3) uint8, then the audio up to its end."""
        self._check_open()
        rgb = self._checked_frame(frame)
        yuv = self._to_yuv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))
        yuv.pts = self.frames_written  # in the codec time base, 1 / fps: one tick per frame
        self._container.mux(self._video.encode(yuv))
        self.frames_written += 1
        if self._audio is not None:
            self._audio.encode_until(self._audio_samples_at(self.frames_written))

    def close(self) -> None:
        """Flush the encoders, finish the file and move it onto `path`."""
        if self._closed:
            return
        try:
            if self.frames_written == 0:
                raise ValueError("no frames were written; an empty video cannot be saved")
            self._container.mux(self._video.encode(None))  # x264 holds a few frames of lookahead
            if self._audio is not None:
                self._audio.finish(self._audio_samples_at(self.frames_written))
            self._container.close()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        try:
            _make_readable(self._temp_path)
            os.replace(self._temp_path, self.path)
        except OSError as error:
            self._temp_path.unlink(missing_ok=True)
            raise InputError(f"could not save the video as '{self.path}' ({error.strerror}); "
                             "choose another name or folder.") from error

    def abort(self) -> None:
        """Stop and delete the partial file; the target path is left as it was."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._container is not None:
                self._container.close()
        except (av.error.FFmpegError, OSError):
            pass  # the file is being thrown away; a failed trailer does not matter
        self._temp_path.unlink(missing_ok=True)

    @property
    def duration(self) -> float:
        """Seconds of video written so far."""
        return float(self.frames_written / self.fps)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"VideoWriter for '{self.path}' is already closed")

    def _checked_frame(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame)
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"expected a ({self.height}, {self.width}, 3) uint8 RGB frame; "
                             f"got {frame.shape} {frame.dtype}")
        return np.ascontiguousarray(frame)

    def _to_yuv(self, rgb: av.VideoFrame) -> av.VideoFrame:
        # BT.709 limited range, matching the tags on the stream, so players and PyAV's own
        # decoder convert back with the same matrix (untagged, swscale would use BT.601).
        return self._reformatter.reformat(rgb, format="yuv420p", dst_colorspace=Colorspace.ITU709,
                                          dst_color_range=ColorRange.MPEG)

    def _audio_samples_at(self, n_frames: int) -> int:
        """Audio samples (at the encoder's rate) that cover exactly n_frames of video."""
        return round(n_frames * self._audio.sample_rate / self.fps)


def check_video_settings(width: int, height: int, crf: int, preset: str) -> None:
    if width <= 0 or height <= 0:
        raise InputError(f"video size must be positive; got {width}x{height}.")
    if width % 2 or height % 2:
        raise InputError(f"video width and height must be even for H.264 (yuv420p); got "
                         f"{width}x{height}. Try {width + width % 2}x{height + height % 2}.")
    if not 0 <= crf <= 51:
        raise InputError(f"quality (crf) must be between 0 and 51; got {crf}.")
    if preset not in X264_PRESETS:
        raise InputError(f"unknown encoder preset '{preset}'; choose one of {', '.join(X264_PRESETS)}.")


def exact_frame_rate(fps: float | Fraction) -> Fraction:
    """fps as an exact fraction: 25 -> 25/1, 29.97 -> 2997/100, Fraction(30000, 1001) unchanged.

    A float is rounded to the nearest fraction with denominator <= 1001, which recovers the
    NTSC rates (30000/1001 given as 29.97002997...) without binary-float noise in the time base.
    """
    rate = fps if isinstance(fps, Fraction) else Fraction(float(fps)).limit_denominator(1001)
    if rate <= 0:
        raise InputError(f"frame rate must be positive; got {fps}.")
    return rate


def _make_temp_path(target: Path) -> Path:
    # Same directory, so os.replace is an atomic rename; ends in .mp4 so tools recognise it.
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp.mp4", dir=target.parent)
    except FileNotFoundError as error:
        raise InputError(f"folder '{target.parent}' does not exist; choose another place to save.") from error
    except PermissionError as error:
        raise InputError(f"cannot write to folder '{target.parent}'; choose another place to save.") from error
    os.close(fd)
    return Path(name)


def _make_readable(path: Path) -> None:
    # mkstemp creates files mode 0600; give the export the mode a normal new file would get.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _open_mp4(path: Path, metadata: dict[str, str]):
    options = {"movflags": "+faststart"}  # index up front, so players can start before the end
    if not set(metadata) <= _MP4_STANDARD_TAGS:
        options["movflags"] += "+use_metadata_tags"
    container = av.open(str(path), mode="w", format="mp4", container_options=options)
    container.metadata.update({str(k): str(v) for k, v in metadata.items()})
    return container


def _add_h264_stream(container, width: int, height: int, fps: Fraction, crf: int, preset: str):
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = 1 / fps  # frame i has pts i
    stream.codec_context.colorspace = int(Colorspace.ITU709)  # AVCOL_SPC_BT709 == SWS_CS_ITU709 == 1
    stream.codec_context.color_primaries = 1  # AVCOL_PRI_BT709
    stream.codec_context.color_trc = 1  # AVCOL_TRC_BT709
    stream.codec_context.color_range = int(ColorRange.MPEG)
    stream.options = {"crf": str(crf), "preset": preset}
    return stream


class _AudioTrack:
    """The AAC stream, fed from a clip or file up to a sample count; silence past its end."""

    def __init__(self, container, clip: AudioClip | AudioFile) -> None:
        self.sample_rate = clip.sample_rate if clip.sample_rate in AAC_SAMPLE_RATES else AAC_FALLBACK_RATE
        self._container = container
        self._stream = container.add_stream("aac", rate=self.sample_rate)
        self._stream.codec_context.layout = "mono"
        self._stream.codec_context.bit_rate = AAC_BIT_RATE
        self._source = _ResampledClip(clip, self.sample_rate)
        self._sent = 0  # samples at self.sample_rate handed to the encoder so far

    def encode_until(self, n_samples: int) -> None:
        """Encode samples [sent, n_samples): the clip's, then silence once it has run out."""
        count = n_samples - self._sent
        if count <= 0:
            return
        frame = av.AudioFrame.from_ndarray(self._source.take(count)[None, :], format="flt", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.time_base = Fraction(1, self.sample_rate)
        frame.pts = self._sent
        # PyAV's encoder re-blocks into AAC's 1024-sample frames (and to fltp) internally.
        self._container.mux(self._stream.encode(frame))
        self._sent = n_samples

    def finish(self, n_samples: int) -> None:
        self.encode_until(n_samples)
        self._container.mux(self._stream.encode(None))


class _ResampledClip:
    """A clip or file read out at another rate, piece by piece; zeros once it has run out."""

    def __init__(self, clip: AudioClip | AudioFile, sample_rate: int) -> None:
        self._source_rate = clip.sample_rate
        self._pieces = clip.chunks(_SOURCE_BLOCK / clip.sample_rate)
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        self._queue = SampleQueue()  # resampled samples not yet taken
        self._exhausted = False

    def take(self, count: int) -> np.ndarray:
        """The next `count` samples, shape (count,) float32."""
        while len(self._queue) < count and not self._exhausted:
            self._resample_next_block()
        available = min(count, len(self._queue))
        taken = self._queue.pop(available) if available else np.zeros(0, dtype=np.float32)
        return np.pad(taken, (0, count - available))  # silence past the clip's end

    def _resample_next_block(self) -> None:
        block = next(self._pieces, None)
        if block is None:
            frames = self._resampler.resample(None)  # flush the filter's last few samples
            self._exhausted = True
        else:
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block)[None, :], format="flt", layout="mono")
            frame.sample_rate = self._source_rate
            frames = self._resampler.resample(frame)
        for out in frames:
            if out is not None:
                self._queue.push(out.to_ndarray().reshape(-1))


def probe_media(path: str | Path) -> dict:
    """Facts about a media file, read from its headers and packet index (no decoding).

    Keys: frames, fps, width, height, video_duration (s), audio_duration (s), audio_sample_rate
    (Hz), metadata (container tags). Video keys are None without a video stream, audio keys
    without an audio stream.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"'{path}' does not exist or is not a file.")
    try:
        with av.open(str(path), mode="r", metadata_errors="replace") as container:
            return {**_probe_video(container), **_probe_audio(container),
                    "metadata": dict(container.metadata)}
    except av.error.FFmpegError as error:
        raise InputError(f"'{path.name}' is not a media file that can be read ({error.strerror}).") from error


def _probe_video(container) -> dict:
    if not container.streams.video:
        return dict.fromkeys(("frames", "fps", "width", "height", "video_duration"))
    stream = container.streams.video[0]
    frames = stream.frames or _count_packets(container, stream)  # 0 when the header has no count
    rate = stream.average_rate or stream.guessed_rate
    duration = _stream_seconds(stream)
    if duration is None and rate:
        duration = float(frames / rate)
    return {"frames": frames, "fps": float(rate) if rate else None, "width": stream.width,
            "height": stream.height, "video_duration": duration}


def _probe_audio(container) -> dict:
    if not container.streams.audio:
        return {"audio_duration": None, "audio_sample_rate": None}
    stream = container.streams.audio[0]
    return {"audio_duration": _stream_seconds(stream), "audio_sample_rate": stream.sample_rate}


def _stream_seconds(stream) -> float | None:
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _count_packets(container, stream) -> int:
    count = sum(1 for packet in container.demux(stream) if packet.size)
    container.seek(0)
    return count
