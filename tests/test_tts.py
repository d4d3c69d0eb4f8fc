"""Typed scripts: the bundled eSpeak NG speaks them and its own phone timings drive the lips."""

import numpy as np
import pytest

from inference.audio.load import resample
from inference.audio.speech import analyse_prosody
from inference.audio.tts import cmu_phone, synthesize
from inference.errors import InputError
from inference.motion.from_speech import motion_from_text


def test_script_is_spoken_with_timed_phones():
    clip, phones = synthesize("Bob made a map.")
    assert clip.sample_rate > 8000 and 0.6 < clip.duration < 4.0
    labels = [p.label for p in phones if p.label != "SIL"]
    assert labels[:3] == ["B", "AA", "B"] or labels.count("B") >= 2
    assert labels.count("M") >= 2 and "P" in labels
    # Timings cover the sound, in order, and voiced sound is where phones are.
    assert phones[0].start == 0 and abs(phones[-1].end - clip.duration) < 0.02
    assert all(a.end <= b.start + 1e-6 for a, b in zip(phones, phones[1:]))


def test_lips_close_on_the_scripts_bilabials():
    track, voice = motion_from_text("Mama bought a big puppy.")
    assert abs(track.duration - voice.duration) < 1 / 25
    _, phones = synthesize("Mama bought a big puppy.")
    closes = [track.at_time((p.start + p.end) / 2)["mouthClose"] for p in phones if p.label in ("M", "B", "P")]
    opens = [track.at_time((p.start + p.end) / 2)["jawOpen"] for p in phones if p.label in ("AA", "AO", "AH")]
    assert np.mean(closes) > 0.7 and np.mean(opens) > 0.2


def test_resampled_speech_keeps_its_length_and_loudness():
    clip, _ = synthesize("Testing the resampler.")
    speech = resample(clip, 16000)
    assert speech.sample_rate == 16000 and abs(speech.duration - clip.duration) < 0.01
    assert (~analyse_prosody(speech, 25).pause).mean() > 0.5


@pytest.mark.parametrize("espeak, cmu", [("'aI", "AY"), ("tS", "CH"), ("@", "AH"), ("_:", "SIL"), ("m", "M"), ("oU", "OW")])
def test_espeak_phonemes_map_to_cmu(espeak, cmu):
    assert cmu_phone(espeak) == cmu


def test_empty_script_is_refused():
    with pytest.raises(InputError, match="script is empty"):
        synthesize("   ")
