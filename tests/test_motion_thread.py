"""The preview's motion thread: serves the newest request only, regenerates on amount changes,
and gives the same frames export renders."""

import numpy as np
import pytest

from conftest import REPO
from inference.motion.controls import Controls, Curve
from inference.motion.from_speech import speech_from_file
from inference.motion.procedural import conditioned_frame, conditioned_track
from studio.motion_thread import PREVIEW_FPS, MotionThread

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def features():
    return speech_from_file(REPO / "assets" / "demo_voice.wav").features(PREVIEW_FPS)


@pytest.fixture
def thread(qtbot, no_dangling_threads):
    t = MotionThread()
    t.start()
    yield t
    t.stop()


def test_stale_requests_are_dropped_and_frames_arrive_in_order(thread, qtbot, features):
    served = []
    thread.frame_ready.connect(lambda number, frame: served.append(number))
    with qtbot.waitSignal(thread.track_ready, timeout=10_000):
        thread.set_speech(features)
    last = 0
    for k in range(500):  # far faster than frames can be served
        last = thread.request(k * 0.01)
    qtbot.waitUntil(lambda: bool(served) and served[-1] == last, timeout=10_000)
    assert served == sorted(served) and len(set(served)) == len(served)
    assert len(served) < 500  # older requests were replaced, not queued


def test_an_amount_change_regenerates_once_for_the_latest_value(thread, qtbot, features):
    tracks = []
    thread.track_ready.connect(tracks.append)
    with qtbot.waitSignal(thread.track_ready, timeout=10_000):
        thread.set_speech(features)
    for scale in np.linspace(1.0, 0.0, 50):
        thread.set_controls(Controls(motion_scale=float(scale)))
    qtbot.waitUntil(lambda: thread.track is not None and np.ptp(thread.track.channel("headYaw")) < 1e-6, timeout=10_000)
    assert len(tracks) < 50
    n = len(tracks)
    thread.set_controls(Controls(motion_scale=0.0, gaze_yaw=Curve.constant(10.0)))  # a condition: no regeneration
    thread.request(1.0)
    qtbot.wait(200)
    assert len(tracks) == n


def test_preview_frames_equal_the_exported_track(features):
    from inference.motion.procedural import generate

    controls = Controls(gaze_yaw=Curve.constant(-8.0), distance=Curve.constant(1.1), emotion="sad",
                        emotion_strength=Curve.constant(0.7), expressiveness=1.4)
    base = generate(features, controls.without_conditions(), PREVIEW_FPS)
    exported = conditioned_track(base, controls)
    for i in (0, 40, 120):
        shown = conditioned_frame(base, i / PREVIEW_FPS, controls)
        np.testing.assert_allclose(shown.values, exported.frame(i).values, atol=1e-5)
    assert exported.channel("gazeYaw").mean() == pytest.approx(base.channel("gazeYaw").mean() - 8.0, abs=1e-4)
    assert exported.channel("mouthFrownLeft").min() >= 0.34  # the emotion is on every frame


def test_at_rest_is_the_photo_plus_the_conditions():
    frame = conditioned_frame(None, None, Controls(gaze_pitch=Curve.constant(5.0)))
    assert frame["gazePitch"] == pytest.approx(5.0) and frame["jawOpen"] == 0.0
