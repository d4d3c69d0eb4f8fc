"""Speech analysis (PocketSphinx phones, prosody) and the procedural generator behind the lips,
face, head, blinks and gaze. The reference alignment JSON is used only to judge the output."""

import json

import numpy as np
import pytest

from inference.audio import AudioClip, load_audio
from inference.audio.speech import align_phones, analyse_prosody, check_speech, recognize_phones
from inference.errors import InputError
from inference.motion.controls import Controls, Curve, parse_curve
from inference.motion.from_speech import speech_features
from inference.motion.procedural import BREATH_JAW, BREATH_S, HUSH_CLOSE, generate
from inference.motion.visemes import BILABIALS, OPEN_VOWELS, shape_of

from conftest import shared_asset

CLIP_7S = "audio/pd_speech_en_male_librivox_austen_0870_7s"


@pytest.fixture(scope="module")
def speech7():
    clip = load_audio(shared_asset(CLIP_7S + ".wav"), 16000)
    reference = json.loads(shared_asset(CLIP_7S + ".phone_alignment.json").read_text())
    ref = [(p["t"], p["b"], p["b"] + p["d"]) for w in reference["w"] for p in w["w"]]
    return clip, ref


def label_at(phones, t):
    return next((p.label for p in phones if p.start <= t < p.end), "SIL")


def test_phone_recognition_finds_the_speech(speech7):
    clip, ref = speech7
    phones = recognize_phones(clip)
    assert phones[0].start == 0 and abs(phones[-1].end - clip.duration) < 0.02
    centres = [(t, (b + e) / 2) for t, b, e in ref if t != "SIL"]
    same_shape = np.mean([shape_of(label_at(phones, c)) == shape_of(t) for t, c in centres])
    assert same_shape > 0.45  # without a transcript, about half the mouth shapes are right


def test_alignment_with_a_transcript_is_clearly_better(speech7):
    clip, ref = speech7
    text = shared_asset(CLIP_7S + ".txt").read_text()
    aligned = align_phones(clip, text)
    centres = [(t, (b + e) / 2) for t, b, e in ref if t != "SIL"]
    exact = np.mean([label_at(aligned, c) == t for t, c in centres])
    recognised = np.mean([label_at(recognize_phones(clip), c) == t for t, c in centres])
    assert exact > 0.85 and exact > recognised + 0.2


def test_transcript_errors_are_clear():
    clip = AudioClip(np.zeros(16000, np.float32), 16000)
    with pytest.raises(InputError, match="no words"):
        align_phones(clip, "  ... !!! ")
    with pytest.raises(InputError, match="dictionary lacks"):
        align_phones(clip, "hello zzyzxqw")


def test_silence_is_refused():
    with pytest.raises(InputError, match="silent"):
        check_speech(AudioClip(np.zeros(32000, np.float32), 16000), "quiet.wav")


def test_prosody_finds_pauses_and_a_male_voice(speech7):
    clip, _ = speech7
    p = analyse_prosody(clip, 25)
    assert len(p.loudness_db) == round(clip.duration * 25)
    assert p.pause[:4].all() and p.pause[-8:].all()  # silence before and after the sentence
    assert 0.6 < (~p.pause).mean() < 0.97
    voiced = p.pitch_hz[p.voicing > 0.5]
    assert len(voiced) > 40 and 70 < np.median(voiced) < 180


@pytest.fixture(scope="module")
def track7(speech7):
    clip, ref = speech7
    return generate(speech_features(clip, 25.0)), ref


def test_lips_close_on_bilabials_and_open_on_vowels(track7):
    track, ref = track7
    jaw, close = track.channel("jawOpen"), track.channel("mouthClose")
    at = lambda s: int(round(s * 25))  # noqa: E731
    vowels = [jaw[at((b + e) / 2)] for t, b, e in ref if t in OPEN_VOWELS]
    closures = [(jaw[at((b + e) / 2)], close[at((b + e) / 2)]) for t, b, e in ref if t in BILABIALS]
    assert np.median(vowels) > 0.25
    assert np.mean([j < 0.1 and c > 0.5 for j, c in closures]) >= 0.7


def settled(pause: np.ndarray) -> np.ndarray:
    """Pause frames 0.1 s past the last word and more than the pre-speech breath before the next."""
    edge = np.zeros_like(pause)
    for k in np.nonzero(pause[:-1] & ~pause[1:])[0] + 1:
        edge[max(0, k - int(round(BREATH_S * 25))):k] = True
    for k in np.nonzero(~pause[:-1] & pause[1:])[0] + 1:
        edge[k:k + 3] = True
    return pause & ~edge


def test_pauses_rest_the_mouth_closed_once_speech_has_begun(speech7, track7):
    clip, _ = speech7
    track, _ = track7
    pause = analyse_prosody(clip, 25.0).pause
    started = np.maximum.accumulate(~pause)
    resting = settled(pause) & started
    assert resting.sum() >= 5
    assert track.channel("mouthClose")[resting].min() > 0.9 and track.channel("jawOpen")[resting].max() < 0.05
    # Before the first word the face rests as photographed: no closure beyond the quiet-speech
    # narrowing (a pause closes fully, as above), lips parting to breathe in.
    lead = ~started
    assert lead.sum() >= 1 and track.channel("mouthClose")[lead].max() <= HUSH_CLOSE + 0.01
    before_word = np.nonzero(lead)[0][:-2]  # the first word's own opening blends into the last two
    assert track.channel("jawOpen")[before_word].max() <= BREATH_JAW + 1e-3


def test_generator_is_seeded_and_deterministic(speech7):
    clip, _ = speech7
    feats = speech_features(clip, 25.0)
    a, b = generate(feats, Controls(seed=3)), generate(feats, Controls(seed=3))
    c = generate(feats, Controls(seed=4))
    assert np.array_equal(a.data, b.data)
    assert not np.allclose(a.channel("headYaw"), c.channel("headYaw"))


def test_controls_act_as_conditions(speech7):
    clip, _ = speech7
    feats = speech_features(clip, 25.0)
    base = generate(feats)
    looked = generate(feats, Controls(gaze_yaw=Curve.constant(15.0)))
    assert looked.channel("gazeYaw").mean() - base.channel("gazeYaw").mean() == pytest.approx(15.0, abs=0.01)
    happy = generate(feats, Controls(emotion="happy", emotion_strength=Curve.constant(1.0)))
    sad = generate(feats, Controls(emotion="sad", emotion_strength=Curve.constant(1.0)))
    assert happy.channel("mouthSmileLeft").mean() > base.channel("mouthSmileLeft").mean() + 0.3
    assert sad.channel("mouthFrownLeft").mean() > base.channel("mouthFrownLeft").mean() + 0.3
    # Emotion shifts the face without overriding speech: the jaw still moves as before.
    assert np.corrcoef(happy.channel("jawOpen"), base.channel("jawOpen"))[0, 1] > 0.95
    closer = generate(feats, Controls(distance=parse_curve("0:1.0,4:1.2", "distance")))
    assert closer.channel("headDistance")[0] == pytest.approx(1.0) and closer.channel("headDistance")[-1] == pytest.approx(1.2)
    still = generate(feats, Controls(motion_scale=0.0))
    assert np.abs(still.channel("headYaw")).max() < 1e-6


def test_bad_controls_say_what_is_wrong():
    with pytest.raises(InputError, match="emotion must be one of"):
        Controls(emotion="smug")
    with pytest.raises(InputError, match="keyframes"):
        parse_curve("0:1,x:2", "--distance")


def test_long_clip_statistics_look_natural():
    clip = load_audio(shared_asset("audio/pd_speech_en_male_librivox_austen_5utts_concat_25s.wav"), 16000)
    track = generate(speech_features(clip, 25.0))
    blink = track.channel("eyeBlinkLeft") > 0.5
    starts = np.nonzero(np.diff(blink.astype(int)) == 1)[0]
    per_minute = len(starts) / clip.duration * 60
    assert 10 <= per_minute <= 30
    for name in ("headYaw", "headPitch"):
        assert 1.0 <= track.channel(name).std() <= 6.0


@pytest.mark.parametrize("with_transcript", [False, True], ids=["no-transcript", "transcript"])
def test_retracked_lip_sync_separates_open_vowels_from_mbp(speech7, renderers, tracker, with_transcript):
    from inference.render.qa import lip_sync_auc, retracked_lip_gaps

    clip, ref = speech7
    text = shared_asset(CLIP_7S + ".txt").read_text() if with_transcript else None
    track = generate(speech_features(clip, 25.0, text))
    r = renderers("pd_photo_woman_nasa_astronaut_eileen_collins.png")
    gaps = retracked_lip_gaps(r, tracker, (track.frame(i) for i in range(track.n_frames)))
    score = lip_sync_auc(gaps, 25.0, ref)
    print(f"lip-sync AUC ({'with' if with_transcript else 'without'} transcript): {score:.3f}")
    assert score >= 0.9


@pytest.mark.parametrize("name", ["cc0_speech_de_male_thorsten_gt03_5s.wav", "ccby_singing_female_vocadito_14_12s.wav",
                                  "ccby_speech_en_female_vctk_p240_5s.mp3"])
def test_other_languages_and_singing_still_move_the_mouth(name):
    clip = load_audio(shared_asset(f"audio/{name}"), 16000)
    feats = speech_features(clip, 25.0)
    jaw = generate(feats).channel("jawOpen")
    loud = feats.prosody.loudness_db
    voiced = ~feats.prosody.pause
    assert jaw[voiced].mean() > 0.15  # the mouth works while sound is made
    quiet = settled(feats.prosody.pause)  # well inside the pauses, away from their edges
    assert not quiet.any() or jaw[quiet].mean() < 0.05
    assert np.corrcoef(jaw, np.clip(loud, -40, 0))[0, 1] > 0.35  # and follows the loudness
