"""Portrait analysis: every shared portrait becomes an Avatar; bad photos get a clear InputError."""

import time

import cv2
import numpy as np
import pytest
from PIL import Image

from inference.errors import InputError
from inference.face import Framing, analyze
from inference.face.analyze import MIN_FACE_PX

from conftest import PORTRAITS, shared_asset

ASTRONAUT = "portraits/pd_photo_woman_nasa_astronaut_eileen_collins.png"


@pytest.mark.parametrize("path", PORTRAITS, ids=lambda p: p.name)
def test_every_shared_portrait_analyses_into_a_square_avatar(path):
    a = analyze(path)
    assert a.size == (512, 512)
    assert a.landmarks.shape == (478, 3)
    # Portrait framing: the face fills a good part of the frame, as in VASA-1's output.
    assert 0.25 < a.face_width / 512 < 0.6
    assert a.mask.shape == (512, 512) and a.mask.max() == 255
    for side in ("Left", "Right"):
        assert 1.5 < a.iris_radius[side] < 30
        assert a.sclera[side].rgba.shape[2] == 4 and a.iris[side].rgba.shape[2] == 4


def test_full_framing_keeps_the_whole_photo_at_the_requested_long_side():
    path = shared_asset("portraits/pd_painting_mona_lisa_leonardo.jpg")  # 720x1280
    a = analyze(path, Framing("full", 640))
    assert a.size == (360, 640)


def test_plate_removes_the_person_but_keeps_the_background():
    a = analyze(shared_asset(ASTRONAUT))
    person = a.mask > 200
    background = cv2.erode((a.mask < 10).astype(np.uint8), np.ones((15, 15))) > 0
    face = np.zeros_like(person)
    x0, y0 = a.landmarks[:, :2].min(0).astype(int)
    x1, y1 = a.landmarks[:, :2].max(0).astype(int)
    face[y0:y1, x0:x1] = True
    diff = np.abs(a.plate.astype(int) - a.image.astype(int)).sum(2)
    assert diff[background].mean() < 2  # background untouched
    assert diff[face & person].mean() > 40  # the face is gone from the plate


def test_cache_reopens_fast_and_identically(private_cache):
    path = shared_asset(ASTRONAUT)
    first = analyze(path, Framing("portrait", 384))
    t0 = time.perf_counter()
    again = analyze(path, Framing("portrait", 384))
    assert time.perf_counter() - t0 < 1.0  # the benchmark measures the real figure; this only catches a miss
    assert np.array_equal(first.image, again.image) and np.array_equal(first.landmarks, again.landmarks)


def test_damaged_cache_entry_is_rebuilt(private_cache):
    path = shared_asset(ASTRONAUT)
    analyze(path, Framing("portrait", 320))
    for f in private_cache.glob("*.npz"):
        f.write_bytes(b"garbage")
    again = analyze(path, Framing("portrait", 320))
    assert again.size == (320, 320)


def test_no_face(tmp_path):
    path = tmp_path / "gradient.png"
    y, x = np.mgrid[0:300, 0:400]
    Image.fromarray(np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)).save(path)
    with pytest.raises(InputError, match="no face found"):
        analyze(path)


def test_several_faces_takes_the_largest_and_says_so(tmp_path):
    big = np.asarray(Image.open(shared_asset(ASTRONAUT)).convert("RGB"))
    small = cv2.resize(big, (400, 400))
    canvas = np.full((512, 940, 3), 200, np.uint8)
    canvas[:, :512] = big
    canvas[56:456, 530:930] = small
    path = tmp_path / "two.png"
    Image.fromarray(canvas).save(path)
    a = analyze(path)
    assert any("2 faces found; using the largest" in n for n in a.notes)
    x0 = a.crop[0]
    assert x0 < 300  # the crop is around the big face on the left


def test_face_too_small_names_the_minimum(tmp_path):
    img = Image.open(shared_asset(ASTRONAUT)).convert("RGB")
    canvas = Image.new("RGB", (500, 500), (200, 200, 200))
    canvas.paste(img.resize((300, 300)), (100, 100))  # face about 50 px wide
    path = tmp_path / "tiny.png"
    canvas.save(path)
    with pytest.raises(InputError, match=rf"at least {MIN_FACE_PX} px"):
        analyze(path)


@pytest.mark.parametrize("content, words", [
    (b"", "not an image"),
    (b"\x89PNG\r\n\x1a\n garbage", "not an image"),
    (b"hello, I am text", "not an image"),
])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        analyze(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        analyze(tmp_path / "nope.png")
    with pytest.raises(InputError, match="is a folder"):
        analyze(tmp_path)


def test_exif_rotation_is_honoured(tmp_path):
    img = Image.open(shared_asset(ASTRONAUT)).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90 CW to view": undoes the rotation above
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif, quality=95)
    a = analyze(path)
    assert a.landmarks[10, 1] < a.landmarks[152, 1]  # forehead above chin: upright


def test_fifty_megapixel_photo_is_reduced_with_a_note(tmp_path):
    img = Image.open(shared_asset(ASTRONAUT)).convert("RGB").resize((8660, 5774))
    path = tmp_path / "huge.jpg"
    img.save(path, quality=80)
    a = analyze(path)
    assert a.size == (512, 512)
    assert any("50 MP" in n and "reduced" in n for n in a.notes)


def test_bad_framing_settings():
    with pytest.raises(InputError, match="framing must be one of"):
        Framing("closeup")
    with pytest.raises(InputError, match="between 128 and 2048"):
        Framing("portrait", 64)
