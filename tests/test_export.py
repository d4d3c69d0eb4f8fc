"""MP4 export: frame count, size, exact rate, audio/video length agreement, pixels, atomic writes."""

from fractions import Fraction

import av
import numpy as np
import pytest

from inference.audio import AudioClip, load_audio
from inference.errors import InputError
from inference.export import VideoWriter, probe_media

W, H, FPS, SECONDS = 64, 48, 25, 2
N_FRAMES = FPS * SECONDS
TONE_HZ = 440.0


def gradient_frame(i: int, width: int = W, height: int = H) -> np.ndarray:
    """A smooth RGB gradient that slides right by 2 px per frame, shape (height, width, 3) uint8."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = (x + 2 * i) / (width + 2 * N_FRAMES) * 255  # never wraps: no hard edge for H.264 to blur
    green = y / (height - 1) * 255
    blue = np.full_like(x, 40 + 2 * i)
    return np.stack([red, green, blue], axis=-1).round().astype(np.uint8)


def sine_clip(seconds: float, sample_rate: int) -> AudioClip:
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return AudioClip((0.5 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32), sample_rate)


def write_clip(path, n_frames=N_FRAMES, fps=FPS, audio=None, metadata=None, size=(W, H)):
    with VideoWriter(path, size[0], size[1], fps, audio=audio, metadata=metadata) as writer:
        for i in range(n_frames):
            writer.write(gradient_frame(i, *size))


@pytest.mark.parametrize(
    ("audio_seconds", "sample_rate", "encoded_rate"),
    [
        (1.0, 16000, 16000),  # shorter than the video: padded with silence
        (3.0, 22050, 22050),  # longer: trimmed
        (1.3, 11000, 48000),  # a rate AAC lacks: resampled to 48 kHz
    ],
)
def test_audio_and_video_last_equally_long(tmp_path, audio_seconds, sample_rate, encoded_rate):
    out = tmp_path / "clip.mp4"
    write_clip(out, audio=sine_clip(audio_seconds, sample_rate))

    info = probe_media(out)
    frame = 1 / FPS
    assert info["frames"] == N_FRAMES
    assert (info["width"], info["height"]) == (W, H)
    assert info["fps"] == pytest.approx(FPS)
    assert info["video_duration"] == pytest.approx(SECONDS, abs=frame)
    assert info["audio_duration"] == pytest.approx(info["video_duration"], abs=frame)
    assert info["audio_sample_rate"] == encoded_rate
    # What a decoder actually delivers, not only what the header claims.
    assert load_audio(out, 16000).duration == pytest.approx(SECONDS, abs=frame)


def test_short_audio_is_padded_with_silence(tmp_path):
    out = tmp_path / "clip.mp4"
    write_clip(out, audio=sine_clip(1.0, 16000))
    samples = load_audio(out, 16000).samples
    tone, tail = samples[2000:14000], samples[18000:]  # skip AAC's fade-in and the cut itself
    assert np.sqrt(np.mean(tone**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    assert np.abs(tail).max() < 0.01


def test_frames_decode_back_close_to_what_was_written(tmp_path):
    out = tmp_path / "clip.mp4"
    write_clip(out)
    with av.open(str(out)) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == N_FRAMES
    for i in (0, N_FRAMES // 2):
        error = np.abs(decoded[i].astype(np.int16) - gradient_frame(i).astype(np.int16))
        assert error.mean() < 3.0, f"frame {i}: mean abs error {error.mean():.2f}"


def test_saturated_colours_keep_their_hue(tmp_path):
    # Catches an RGB->YUV matrix that disagrees with the stream's colour tags (BT.601 vs BT.709).
    red_blue = np.zeros((H, W, 3), np.uint8)
    red_blue[:, : W // 2] = (220, 30, 30)
    red_blue[:, W // 2 :] = (30, 30, 220)
    out = tmp_path / "colours.mp4"
    with VideoWriter(out, W, H, FPS) as writer:
        for _ in range(5):
            writer.write(red_blue)
    with av.open(str(out)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(first.astype(np.int16) - red_blue).mean() < 3.0


def test_ntsc_rate_is_exact(tmp_path):
    out = tmp_path / "ntsc.mp4"
    fps = Fraction(30000, 1001)
    write_clip(out, n_frames=60, fps=fps, audio=sine_clip(2.5, 48000))
    info = probe_media(out)
    assert info["frames"] == 60
    assert info["fps"] == pytest.approx(30000 / 1001, rel=1e-6)
    assert info["video_duration"] == pytest.approx(60 / fps, abs=1 / 29.97)
    assert info["audio_duration"] == pytest.approx(info["video_duration"], abs=1 / 29.97)


def test_audio_is_interleaved_with_video_in_the_file(tmp_path):
    # Encoding all audio at close would leave seconds of video ahead of the first audio packet
    # (FFmpeg only holds 10 s for interleaving): players would stall and memory would grow.
    out = tmp_path / "long.mp4"
    n_frames = 12 * FPS
    write_clip(out, n_frames=n_frames, audio=sine_clip(12.0, 16000), size=(32, 32))
    with av.open(str(out)) as container:
        packets = [(p.pos, p.stream.type, float(p.dts * p.time_base))
                   for p in container.demux() if p.size]
    packets.sort()  # file order
    latest_video = -1.0
    for _, kind, time in packets:
        if kind == "video":
            latest_video = max(latest_video, time)
        else:
            assert latest_video - time < 1.0, f"audio at {time:.2f}s stored after video at {latest_video:.2f}s"


def test_metadata_round_trips(tmp_path):
    out = tmp_path / "tagged.mp4"
    tags = {"comment": "synthetic: made with Avatar Studio", "title": "hello"}
    write_clip(out, n_frames=5, metadata=tags)
    assert tags.items() <= probe_media(out)["metadata"].items()


def test_custom_metadata_keys_are_kept(tmp_path):
    out = tmp_path / "tagged.mp4"
    tags = {"comment": "synthetic: made with Avatar Studio", "avatar_studio_seed": "42"}
    write_clip(out, n_frames=5, metadata=tags)
    assert tags.items() <= probe_media(out)["metadata"].items()


def test_exception_inside_with_leaves_no_file(tmp_path):
    out = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError, match="renderer died"):
        with VideoWriter(out, W, H, FPS, audio=sine_clip(2.0, 16000)) as writer:
            for i in range(10):
                writer.write(gradient_frame(i))
            raise RuntimeError("renderer died")
    assert list(tmp_path.iterdir()) == []


def test_abort_keeps_an_existing_target_and_removes_the_temporary(tmp_path):
    out = tmp_path / "take.mp4"
    out.write_bytes(b"previous export")
    writer = VideoWriter(out, W, H, FPS)
    writer.write(gradient_frame(0))
    writer.abort()
    assert list(tmp_path.iterdir()) == [out]
    assert out.read_bytes() == b"previous export"


def test_target_appears_only_when_complete(tmp_path):
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, W, H, FPS) as writer:
        writer.write(gradient_frame(0))
        assert not out.exists()
        [temporary] = tmp_path.iterdir()
        assert temporary.name.startswith(".clip.mp4.") and temporary.name.endswith(".tmp.mp4")
    assert list(tmp_path.iterdir()) == [out]


def test_odd_width_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="even"):
        VideoWriter(tmp_path / "odd.mp4", 63, 48, FPS)
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_shape_is_rejected(tmp_path):
    with VideoWriter(tmp_path / "clip.mp4", W, H, FPS) as writer:
        with pytest.raises(ValueError, match=r"\(48, 64, 3\) uint8"):
            writer.write(np.zeros((H, W + 2, 3), np.uint8))
        writer.write(gradient_frame(0))


def test_probe_rejects_a_non_media_file(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)
    with pytest.raises(InputError):
        probe_media(text)
