"""Motion tracks: the channel set, JSON round trip, defaults, errors that name the known channels."""

import json

import numpy as np
import pytest

from inference.errors import InputError
from inference.motion import BLENDSHAPES, CHANNELS, MotionFrame, MotionTrack


def test_channel_set_is_head_gaze_and_the_52_arkit_shapes():
    assert len(BLENDSHAPES) == 52
    assert CHANNELS[:8] == ("headYaw", "headPitch", "headRoll", "headX", "headY", "headDistance", "gazeYaw", "gazePitch")
    for name in ("jawOpen", "eyeBlinkLeft", "mouthSmileRight", "browInnerUp", "cheekSquintLeft", "tongueOut"):
        assert name in BLENDSHAPES


def test_json_round_trip_keeps_values_and_fps(tmp_path):
    track = MotionTrack.from_channels(30, {"jawOpen": [0, 0.5, 1], "headYaw": [-10, 0, 12.5]})
    path = tmp_path / "t.json"
    track.save(path)
    doc = json.loads(path.read_text())
    assert doc["fps"] == 30 and doc["channels"]["jawOpen"] == [0, 0.5, 1]
    again = MotionTrack.load(path)
    assert again.fps == 30 and again.n_frames == 3
    np.testing.assert_allclose(again.channel("headYaw"), [-10, 0, 12.5])
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_absent_channels_are_neutral():
    track = MotionTrack.from_json_dict({"fps": 25, "channels": {"jawOpen": [0.2, 0.4]}})
    assert np.all(track.channel("eyeBlinkLeft") == 0)
    assert np.all(track.channel("headDistance") == 1.0)  # 1.0 = as photographed
    assert track.frame(1)["jawOpen"] == pytest.approx(0.4)


def test_unknown_channel_is_an_error_listing_the_known_ones():
    with pytest.raises(InputError) as err:
        MotionTrack.from_json_dict({"fps": 25, "channels": {"jawOpn": [0.1]}})
    assert "jawOpn" in str(err.value) and "jawOpen" in str(err.value) and "headYaw" in str(err.value)


@pytest.mark.parametrize("doc, words", [
    ({"fps": 0, "channels": {}}, "fps"),
    ({"fps": 25, "channels": {"jawOpen": [0, 1], "headYaw": [0]}}, "equally long"),
    ({"fps": 25, "channels": {"jawOpen": ["a"]}}, "list of numbers"),
    ([1, 2, 3], "expected an object"),
])
def test_malformed_tracks_say_what_is_wrong(doc, words):
    with pytest.raises(InputError, match=words):
        MotionTrack.from_json_dict(doc)


def test_unreadable_json_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match="not readable JSON"):
        MotionTrack.load(path)


def test_time_sampling_interpolates_and_resampling_keeps_duration():
    track = MotionTrack.from_channels(10, {"jawOpen": np.linspace(0, 1, 11)})
    assert track.at_time(0.25)["jawOpen"] == pytest.approx(0.25)
    assert track.at_time(99)["jawOpen"] == pytest.approx(1.0)
    faster = track.resampled(30)
    assert faster.n_frames == 33 and faster.fps == 30


def test_frames_clamp_into_range():
    f = MotionFrame.from_dict({"jawOpen": 3.0, "headYaw": 80.0, "headDistance": 0.1}).clamped()
    assert f["jawOpen"] == 1.0 and f["headYaw"] == 30.0 and f["headDistance"] == pytest.approx(0.6)
