"""The avatar-studio command line: exit codes, one-line errors, a real MP4 with its sound."""

import json
import subprocess
import sys

import numpy as np
import pytest

from inference.export import probe_media

from conftest import REPO, shared_asset

PORTRAIT = "portraits/pd_photo_woman_nasa_astronaut_eileen_collins.png"


def cli(*args, env_cache=None):
    env = None
    if env_cache is not None:
        import os

        env = dict(os.environ, AVATAR_STUDIO_CACHE=str(env_cache))
    return subprocess.run([sys.executable, "-m", "studio", *map(str, args)], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def write_track(path, n=30, fps=25):
    t = np.arange(n) / fps
    doc = {"fps": fps, "channels": {"jawOpen": list(np.clip(np.sin(t * 8), 0, 1)), "headYaw": list(8 * np.sin(t * 2))}}
    path.write_text(json.dumps(doc))
    return path


def test_analyze_prints_what_it_found(private_cache):
    result = cli("analyze", shared_asset(PORTRAIT), env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    assert "478 landmarks" in result.stdout and "512x512" in result.stdout


def test_analyze_unusable_photo_exits_2_with_one_line(tmp_path, private_cache):
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    result = cli("analyze", bad, env_cache=private_cache)
    assert result.returncode == 2
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("avatar-studio: error:") and "Traceback" not in result.stderr


def test_render_writes_video_with_matching_audio(tmp_path, private_cache):
    out = tmp_path / "clip.mp4"
    track = write_track(tmp_path / "t.json", n=30)
    audio = shared_asset("audio/pd_speech_en_male_librivox_austen_0870_7s.wav")
    result = cli("render", shared_asset(PORTRAIT), "--motion", track, "-o", out, "--audio", audio, "--size", 256, env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    info = probe_media(out)
    assert info["frames"] == 30 and info["width"] == 256 and info["height"] == 256
    assert abs(info["audio_duration"] - info["video_duration"]) <= 1 / 25
    assert "synthetic" in json.dumps(info["metadata"]).lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "t.json"]  # no temporary left over


def test_render_resamples_to_the_requested_fps_and_full_framing(tmp_path, private_cache):
    out = tmp_path / "clip.mp4"
    track = write_track(tmp_path / "t.json", n=25)
    result = cli("render", shared_asset("portraits/pd_painting_mona_lisa_leonardo.jpg"), "--motion", track, "-o", out,
                 "--fps", 30, "--framing", "full", "--size", 320, env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    info = probe_media(out)
    assert info["frames"] == 30 and (info["width"], info["height"]) == (180, 320)


@pytest.mark.parametrize("track_text, words", [
    ('{"fps": 25, "channels": {"jawOpn": [0.1]}}', "unknown motion channel 'jawOpn'"),
    ("{oops", "not readable JSON"),
    ('{"fps": 25, "channels": {}}', "has no frames"),
])
def test_render_bad_track_exits_2_and_writes_nothing(tmp_path, private_cache, track_text, words):
    track = tmp_path / "t.json"
    track.write_text(track_text)
    out = tmp_path / "clip.mp4"
    result = cli("render", shared_asset(PORTRAIT), "--motion", track, "-o", out, env_cache=private_cache)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_render_output_folder_must_exist(tmp_path, private_cache):
    track = write_track(tmp_path / "t.json")
    result = cli("render", shared_asset(PORTRAIT), "--motion", track, "-o", tmp_path / "nope" / "x.mp4", env_cache=private_cache)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_studio_without_a_display_says_so(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "studio"], capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert result.returncode == 2 and "no display found" in result.stderr and "Traceback" not in result.stderr


def test_render_from_speech_and_export_the_motion(tmp_path, private_cache):
    audio = shared_asset("audio/pd_speech_en_male_librivox_austen_0870_7s.wav")
    track = tmp_path / "talk.json"
    result = cli("motion", audio, "-o", track, "--emotion", "happy:0.6", "--seed", 2, env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    doc = json.loads(track.read_text())
    assert doc["fps"] == 25 and len(doc["channels"]["jawOpen"]) == 178 and "mouthSmileLeft" in doc["channels"]
    out = tmp_path / "talk.mp4"
    result = cli("render", shared_asset(PORTRAIT), audio, "-o", out, "--size", 256, "--gaze", "10,0", env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    info = probe_media(out)
    assert info["frames"] == 178 and abs(info["audio_duration"] - info["video_duration"]) <= 1 / 25


@pytest.mark.parametrize("args, words", [
    (["--gaze", "ten"], "--gaze takes YAW,PITCH"),
    (["--emotion", "smug"], "emotion must be one of"),
    (["--emotion", "happy:2"], "strength must be from 0 to 1"),
])
def test_render_bad_controls_exit_2(tmp_path, private_cache, args, words):
    audio = shared_asset("audio/pd_speech_en_male_librivox_austen_0870_7s.wav")
    result = cli("render", shared_asset(PORTRAIT), audio, "-o", tmp_path / "x.mp4", *args, env_cache=private_cache)
    assert result.returncode == 2 and words in result.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_render_needs_speech_or_a_track(tmp_path, private_cache):
    result = cli("render", shared_asset(PORTRAIT), "-o", tmp_path / "x.mp4", env_cache=private_cache)
    assert result.returncode == 2 and "give one of" in result.stderr


def test_render_a_typed_script(tmp_path, private_cache):
    out = tmp_path / "said.mp4"
    result = cli("render", shared_asset(PORTRAIT), "--text", "Good morning, everybody.", "-o", out, "--size", 256, env_cache=private_cache)
    assert result.returncode == 0, result.stderr
    info = probe_media(out)
    assert info["frames"] > 20 and info["audio_duration"] is not None
    assert abs(info["audio_duration"] - info["video_duration"]) <= 1 / 25
