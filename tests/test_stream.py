"""Speech streamed a segment at a time: the same motion however it is cut, smooth at the cuts,
flat memory on long files, and clear errors."""

import tracemalloc

import av
import numpy as np
import pytest

from inference.audio import load_audio
from inference.errors import InputError
from inference.motion import stream as S
from inference.motion.stream import collect, stream_motion

from conftest import shared_asset

CLIP_25S = "audio/pd_speech_en_male_librivox_austen_5utts_concat_25s.wav"


def write_flac(path, samples: np.ndarray, rate: int = 16000) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray((np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :],
                                           format="s16", layout="mono")
        frame.sample_rate = rate
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


@pytest.fixture(scope="module")
def whole_and_cut():
    path = shared_asset(CLIP_25S)
    cuts = []
    whole = collect(stream_motion(path, segment_s=60.0), 25.0)
    pieces = stream_motion(path, segment_s=7.0)
    blocks = []
    for block in pieces:
        blocks.append(block)
        cuts.append(sum(b.shape[1] for b in blocks))
    return whole, collect(blocks, 25.0), cuts[:-1]


def test_cut_speech_gives_the_same_motion(whole_and_cut):
    whole, cut, cuts = whole_and_cut
    assert len(cuts) >= 3 and whole.n_frames == cut.n_frames
    # Random events come from streams drawn in time order: identical however the speech was cut.
    for name in ("eyeBlinkLeft", "gazeYaw", "gazePitch"):
        assert np.array_equal(whole.channel(name), cut.channel(name)), name
    # Phones are recognised per segment (with context), so the lips differ a little.
    assert np.corrcoef(whole.channel("jawOpen"), cut.channel("jawOpen"))[0, 1] > 0.8
    assert np.corrcoef(whole.channel("headYaw"), cut.channel("headYaw"))[0, 1] > 0.95


def test_no_jumps_at_the_cuts(whole_and_cut):
    _, cut, cuts = whole_and_cut
    for name in ("headYaw", "headPitch", "headRoll", "jawOpen", "mouthClose"):
        step = np.abs(np.diff(cut.channel(name)))
        at_cuts = step[[c - 1 for c in cuts]]
        assert at_cuts.max() <= step.max() + 1e-6 and at_cuts.max() <= np.percentile(step, 99) + 1e-6, name


def test_memory_stays_flat_on_long_speech(tmp_path):
    speech = load_audio(shared_asset(CLIP_25S), 16000).samples
    peaks = {}
    for seconds in (40, 120):
        path = tmp_path / f"speech_{seconds}.flac"
        write_flac(path, np.resize(speech, seconds * 16000))
        tracemalloc.start()
        frames = sum(block.shape[1] for block in stream_motion(path, segment_s=10.0))
        peaks[seconds] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert frames == seconds * 25
    # Three times the speech, the same peak (~24 MB, mostly one block of pitch spectra): at most a
    # segment and its context are held. The whole 120 s at 16 kHz float32 would add 7.7 MB (1.3x).
    assert peaks[120] < 1.2 * peaks[40], peaks


def test_silence_and_bad_files_are_refused(tmp_path):
    quiet = tmp_path / "quiet.flac"
    write_flac(quiet, np.zeros(16000 * 3))
    with pytest.raises(InputError, match="silent"):
        list(stream_motion(quiet))
    with pytest.raises(InputError, match="does not exist"):
        next(stream_motion(tmp_path / "missing.wav"))


def test_a_transcript_for_too_long_a_recording_is_refused(monkeypatch):
    monkeypatch.setattr(S, "MAX_ALIGN_S", 10.0)
    with pytest.raises(InputError, match="at most 0 minutes|split the recording"):
        next(stream_motion(shared_asset(CLIP_25S), transcript="it is a truth universally acknowledged"))
