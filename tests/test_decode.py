"""Safe decoding: every awkward or broken case gives a specific reason or an exact 8-bit RGB image."""

from __future__ import annotations

import numpy as np
import pytest
from bad_images import (
    BAD,
    BLUE,
    CASES,
    RED,
    WHITE,
    encode,
    exif_rotated_jpeg,
    solid,
    write_corpus,
)
from PIL import Image, ImageFile

from photogenic.data import Decoded, decode_image, image_size


def pixels(decoded: Decoded) -> np.ndarray:
    assert decoded.ok, (decoded.error, decoded.detail)
    assert decoded.image is not None and decoded.image.mode == "RGB"
    arr = np.asarray(decoded.image)
    assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3
    return arr


@pytest.mark.parametrize("name", sorted(BAD))
def test_broken_files_get_their_own_reason(name: str, tmp_path) -> None:
    path = write_corpus(tmp_path, [name])[name]
    for source in (path, path.read_bytes()):
        decoded = decode_image(source)
        assert decoded.image is None
        assert decoded.error == BAD[name], decoded.detail
        assert decoded.detail


def test_truncation_is_found_even_with_pillows_global_switch_on(monkeypatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for name in ("truncated.png", "truncated.jpg"):
        assert decode_image(CASES[name]()).error == "truncated"
    assert decode_image(solid()).ok


def test_pixel_limit_is_checked_on_the_header_before_decoding() -> None:
    decoded = decode_image(CASES["big_header.png"]())
    # the header says 9000x9000; the data behind it is an 8x8 image, so decoding would fail
    assert decoded.error == "too_many_pixels"
    assert (decoded.info["width"], decoded.info["height"]) == (9000, 9000)
    assert decode_image(solid(size=(8, 8)), max_pixels=63).error == "too_many_pixels"
    assert decode_image(solid(size=(8, 8)), max_pixels=64).ok


def test_missing_and_unreadable_paths(tmp_path) -> None:
    assert decode_image(tmp_path / "nope.png").error == "file_missing"
    assert decode_image(tmp_path).error == "read_error"


def test_plain_rgb_is_untouched() -> None:
    decoded = decode_image(CASES["plain.png"]())
    arr = pixels(decoded)
    assert arr.shape == (3, 5, 3) and (arr == RED).all()
    assert decoded.info["mode"] == "RGB" and decoded.info["format"] == "PNG"
    assert not decoded.info["normalised"] and not decoded.info["reencode"]


def test_cmyk_jpeg_becomes_rgb() -> None:
    decoded = decode_image(CASES["cmyk.jpg"]())
    arr = pixels(decoded).astype(int)
    assert decoded.info["mode"] == "CMYK" and decoded.info["normalised"]
    assert np.abs(arr - RED).max() <= 3


@pytest.mark.parametrize(
    ("name", "expected", "depth"),
    [("gray16.png", [0, 128, 255, 1], 16), ("float.tif", [0, 128, 255], 32)],
)
def test_high_bit_depth_gray_is_scaled_not_clipped(name: str, expected: list[int], depth) -> None:
    decoded = decode_image(CASES[name]())
    arr = pixels(decoded)
    assert arr[0, :, 0].tolist() == expected
    assert (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all()
    assert decoded.info["was_grayscale"] and decoded.info["bit_depth"] == depth


def test_palette_without_transparency_keeps_colours() -> None:
    decoded = decode_image(CASES["palette.png"]())
    assert pixels(decoded)[0].tolist() == [list(BLUE), list(RED)]
    assert not decoded.info["had_alpha"]


@pytest.mark.parametrize(
    ("name", "opaque"), [("palette_trns.png", RED), ("rgba.png", RED), ("la.png", (100,) * 3)]
)
def test_transparency_is_composited_on_white(name: str, opaque) -> None:
    decoded = decode_image(CASES[name]())
    assert pixels(decoded)[0].tolist() == [list(WHITE), list(opaque)]
    assert decoded.info["had_alpha"] and decoded.info["alpha_used"]


def test_exif_orientation_is_applied_and_recorded() -> None:
    decoded = decode_image(exif_rotated_jpeg())
    arr = pixels(decoded).astype(int)
    # stored 40 wide x 20 high; orientation 6 displays it rotated 90 degrees clockwise
    assert arr.shape[:2] == (40, 20)
    assert decoded.info["exif_rotated"]
    assert (decoded.info["width"], decoded.info["height"]) == (40, 20)  # as stored
    assert np.abs(arr[5, 15] - RED).max() < 40  # the top-left marker is now top-right
    assert np.abs(arr[5, 4] - WHITE).max() < 40
    assert np.abs(arr[35, 15] - WHITE).max() < 40
    assert image_size(exif_rotated_jpeg()) == (20, 40)
    assert image_size(exif_rotated_jpeg(), oriented=False) == (40, 20)


@pytest.mark.parametrize(
    ("name", "row"), [("gray.png", [[77] * 3] * 3), ("one_bit.png", [[0] * 3, [255] * 3])]
)
def test_grayscale_and_one_bit_become_rgb(name: str, row) -> None:
    decoded = decode_image(CASES[name]())
    assert pixels(decoded)[0].tolist() == row
    assert decoded.info["was_grayscale"]


def test_animated_gif_gives_its_first_frame() -> None:
    decoded = decode_image(CASES["animated.gif"]())
    assert (pixels(decoded) == RED).all()
    assert decoded.info["animated"] and decoded.info["n_frames"] == 2


def test_every_good_case_decodes_from_a_path(tmp_path) -> None:
    good = [name for name in CASES if name not in BAD]
    for name, path in write_corpus(tmp_path, good).items():
        assert pixels(decode_image(path)).size > 0, name


def test_image_size_reads_only_the_header() -> None:
    assert image_size(CASES["big_header.png"]()) == (9000, 9000)
    assert image_size(CASES["text_file.jpg"]()) is None
    assert image_size(b"") is None


def test_32_bit_integer_gray_outside_16_bit_range_is_stretched() -> None:
    values = np.array([[0, 35000, 70000]], dtype=np.int32)
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert pixels(decoded)[0, :, 0].tolist() == [0, 128, 255]
    assert decoded.info["mode"] == "I" and decoded.info["bit_depth"] == 32
