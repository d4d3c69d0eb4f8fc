"""Audio loading: any container PyAV reads comes back float32 mono at the requested rate."""

from pathlib import Path

import av
import numpy as np
import pytest

from inference.audio import AudioClip, iter_audio_chunks, load_audio
from inference.errors import InputError
from inference.export import VideoWriter

ASSETS = Path(__file__).resolve().parents[2] / "shared" / "assets"
TONE_HZ = 440.0
AMPLITUDE = 0.5


def asset(relative: str) -> Path:
    path = ASSETS / relative
    if not path.is_file():
        pytest.skip(f"shared asset {relative} is not in this checkout ({ASSETS})")
    return path


def write_tone(path: Path, codec: str, sample_rate: int, seconds: float, layout: str = "mono") -> None:
    """A 440 Hz sine of AMPLITUDE encoded with `codec` in the container named by path's suffix."""
    n_channels = 2 if layout == "stereo" else 1
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    wave = (AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=sample_rate)
        stream.codec_context.layout = layout
        for start in range(0, len(wave), 4096):
            block = np.tile(wave[start:start + 4096], (n_channels, 1))  # (channels, n) planar
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.sample_rate = sample_rate
            frame.pts = start
            container.mux(stream.encode(frame))  # the encoder converts to its own sample format
        container.mux(stream.encode(None))


def dominant_hz(clip: AudioClip) -> float:
    spectrum = np.abs(np.fft.rfft(clip.samples * np.hanning(len(clip.samples))))
    return float(np.argmax(spectrum) * clip.sample_rate / len(clip.samples))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


@pytest.mark.parametrize(
    ("name", "codec", "source_rate", "layout", "length_slack"),
    [
        ("tone.wav", "pcm_s16le", 44100, "mono", 0.001),
        ("tone.flac", "flac", 48000, "stereo", 0.001),
        ("tone.mp3", "libmp3lame", 44100, "mono", 0.01),  # exact only thanks to the LAME tag
        ("tone.ogg", "libopus", 48000, "stereo", 0.01),  # Opus pads to 20 ms frames; pre-skip trims
        ("tone.m4a", "aac", 44100, "mono", 0.001),  # trimmed exactly via packet durations
    ],
)
def test_round_trip_resamples_to_16k_mono(tmp_path, name, codec, source_rate, layout, length_slack):
    path = tmp_path / name
    write_tone(path, codec, source_rate, seconds=1.5, layout=layout)

    clip = load_audio(path)

    assert clip.sample_rate == 16000
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert clip.duration == pytest.approx(1.5, abs=length_slack)
    assert dominant_hz(clip) == pytest.approx(TONE_HZ, abs=2.0)
    # Stereo is averaged, not summed: the same sine in both channels keeps its level.
    assert rms(clip.samples[1600:-1600]) == pytest.approx(AMPLITUDE / np.sqrt(2), rel=0.05)


def test_other_target_rate(tmp_path):
    path = tmp_path / "tone.wav"
    write_tone(path, "pcm_s16le", 16000, seconds=1.0)
    clip = load_audio(path, sample_rate=48000)
    assert clip.sample_rate == 48000
    assert len(clip.samples) == pytest.approx(48000, abs=2)
    assert dominant_hz(clip) == pytest.approx(TONE_HZ, abs=2.0)


def test_audio_track_of_an_exported_mp4(tmp_path):
    t = np.arange(32000) / 16000
    speech = AudioClip((AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32), 16000)
    path = tmp_path / "talk.mp4"
    with VideoWriter(path, 32, 32, 25, audio=speech) as writer:
        for _ in range(50):
            writer.write(np.full((32, 32, 3), 128, np.uint8))

    clip = load_audio(path)

    assert clip.duration == pytest.approx(2.0, abs=1 / 25)
    assert dominant_hz(clip) == pytest.approx(TONE_HZ, abs=2.0)


def test_chunks_are_fixed_size_and_add_up_to_the_whole(tmp_path):
    path = tmp_path / "tone.flac"
    write_tone(path, "flac", 44100, seconds=2.3)
    chunks = list(iter_audio_chunks(path, 16000, chunk_seconds=0.5))
    assert [len(c) for c in chunks[:-1]] == [8000] * (len(chunks) - 1)
    assert 0 < len(chunks[-1]) <= 8000
    assert all(c.dtype == np.float32 for c in chunks)
    np.testing.assert_array_equal(np.concatenate(chunks), load_audio(path).samples)


def test_real_mp3_speech():
    clip = load_audio(asset("audio/ccby_speech_en_female_vctk_p240_5s.mp3"))
    assert clip.sample_rate == 16000
    assert clip.duration == pytest.approx(4.94, abs=0.05)  # 24 kHz source, as ffprobe reports
    assert 0.01 < rms(clip.samples) and np.abs(clip.samples).max() <= 1.0


def test_real_22k_wav_speech():
    path = asset("audio/cc0_speech_de_male_thorsten_gt03_5s.wav")
    with av.open(str(path)) as container:
        assert container.streams.audio[0].sample_rate == 22050  # the case this test is for
    clip = load_audio(path)
    assert clip.sample_rate == 16000
    assert clip.duration == pytest.approx(4.93, abs=0.01)
    assert rms(clip.samples) > 0.01


def test_audio_track_of_a_real_video():
    clip = load_audio(asset("videos/ccby_grid_talking_man_glasses_lbax4n_3s.mpg"))
    assert clip.duration == pytest.approx(3.0, abs=0.1)
    assert rms(clip.samples) > 0.01
    assert np.abs(clip.samples).max() <= 1.01  # stereo MP2 downmixed without overshoot


def test_text_file_named_wav_raises_input_error(tmp_path):
    fake = tmp_path / "speech.wav"
    fake.write_text("this is a shopping list, not a recording\n" * 40)
    with pytest.raises(InputError, match="speech.wav"):
        load_audio(fake)


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_audio(tmp_path / "nowhere.wav")


def test_video_without_audio_raises_input_error(tmp_path):
    silent = tmp_path / "silent.mp4"
    with VideoWriter(silent, 32, 32, 25) as writer:
        for _ in range(3):
            writer.write(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(InputError, match="no audio"):
        load_audio(silent)


def test_audio_clip_is_mono_float32_and_knows_its_duration():
    clip = AudioClip(np.zeros(8000, dtype=np.float64), 16000)
    assert clip.samples.dtype == np.float32
    assert clip.duration == 0.5
    with pytest.raises(ValueError, match="mono"):
        AudioClip(np.zeros((2, 100), np.float32), 16000)
