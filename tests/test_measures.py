"""Weight-free image measurements on synthetic arrays with known answers."""

import math

import numpy as np
import pytest

from photogenic.curate import measures as m


def flat(value=(128, 128, 128), h=64, w=64):
    return np.full((h, w, 3), value, dtype=np.uint8)


def disc(cx, cy, r, h=64, w=64, color=(230, 40, 40), bg=(90, 140, 220)):
    """A disc on a vertical gradient background."""
    img = np.empty((h, w, 3), np.float32)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    img[:] = (np.array(bg, np.float32) * (1 - 0.3 * t))[:, None, :].repeat(w, axis=1)
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    img[inside] = color
    return img.astype(np.uint8)


def test_flat_image_has_no_structure():
    img = flat()
    assert m.sharpness(img) == 0
    assert m.rms_contrast(img) == 0
    assert m.noise_sigma(img) == 0
    assert m.colorfulness(img) == 0
    assert m.saturation_mean(img) == 0
    assert m.dominant_hue_share(img) == 0
    assert m.color_cast(img) == pytest.approx(0, abs=1e-6)
    assert m.blockiness(img) == pytest.approx(1.0)
    sub = m.subject_measures(img)
    assert sub["clutter"] == 0 and sub["subject_area"] == 0


def test_luminance_and_clipping():
    assert m.mean_luminance(flat((255, 255, 255))) == pytest.approx(1.0)
    assert m.mean_luminance(flat((0, 0, 0))) == 0
    img = flat((128, 128, 128))
    img[:16] = 0
    img[-8:] = 255
    dark, bright = m.clipped_fractions(img)
    assert dark == pytest.approx(0.25) and bright == pytest.approx(0.125)
    assert m.rms_contrast(img) > 0.2


def test_colorfulness_and_saturation_order():
    rng = np.random.default_rng(0)
    vivid = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    gray = np.repeat(vivid[..., :1], 3, axis=2)
    assert m.colorfulness(vivid) > 50 > m.colorfulness(gray) == 0
    assert m.saturation_mean(vivid) > 0.3 > m.saturation_mean(gray)


def test_dominant_hue_and_cast():
    red = flat((220, 30, 30))
    assert m.dominant_hue_share(red) == pytest.approx(1.0)
    half = red.copy()
    half[:, 32:] = (30, 30, 220)
    assert m.dominant_hue_share(half) == pytest.approx(0.5, abs=0.02)
    assert m.color_cast(flat((200, 150, 100))) > 0.2 > m.color_cast(flat((150, 150, 150)))


def test_sharpness_drops_with_blur():
    yy, xx = np.mgrid[0:64, 0:64]
    checker = (((yy // 4) + (xx // 4)) % 2 * 255).astype(np.uint8)
    sharp = np.repeat(checker[..., None], 3, axis=2)
    blurred = sharp.astype(np.float32)
    for _ in range(3):  # a few 3x3 box passes
        p = np.pad(blurred, ((1, 1), (1, 1), (0, 0)), mode="edge")
        blurred = sum(p[i : i + 64, j : j + 64] for i in range(3) for j in range(3)) / 9
    assert m.sharpness(sharp) > 10 * m.sharpness(blurred.astype(np.uint8)) > 0


def test_noise_estimate_recovers_sigma():
    rng = np.random.default_rng(1)
    noisy = np.clip(128 + rng.normal(0, 10, (96, 96, 1)), 0, 255).repeat(3, axis=2).astype(np.uint8)
    assert m.noise_sigma(noisy) == pytest.approx(10, rel=0.15)


def test_blockiness_sees_an_8x8_grid():
    rng = np.random.default_rng(2)
    blocks = rng.integers(60, 200, (8, 8), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    blocky = np.repeat(blocks[..., None], 3, axis=2)
    yy, xx = np.mgrid[0:64, 0:64]
    smooth = np.repeat(((xx * 2 + yy) % 256).astype(np.uint8)[..., None], 3, axis=2)
    assert m.blockiness(blocky) > 10
    assert m.blockiness(smooth) == pytest.approx(1.0, abs=0.05)


def test_components_are_8_connected_and_sorted():
    mask = np.zeros((10, 10), bool)
    mask[1:4, 1:4] = True  # 9 px
    mask[4, 4] = True  # touches the square diagonally -> same component
    mask[7:9, 6:9] = True  # 6 px
    comps = m.components(mask)
    assert [c["area"] for c in comps] == [10, 6]
    assert comps[1]["cy"] == pytest.approx(8.0) and comps[1]["cx"] == pytest.approx(7.5)
    assert (comps[1]["y0"], comps[1]["x0"], comps[1]["y1"], comps[1]["x1"]) == (7, 6, 9, 9)
    assert len(m.components(mask, min_area=7)) == 1


def test_subject_measures_follow_placement():
    third = m.subject_measures(disc(64 / 3, 64 / 3, 8))
    centre = m.subject_measures(disc(32, 32, 8))
    cut = m.subject_measures(disc(2, 40, 10))
    small = m.subject_measures(disc(64 / 3, 64 / 3, 3))
    assert third["subject_thirds_distance"] < 0.03
    assert centre["subject_thirds_distance"] == pytest.approx(math.sqrt(2) / 6, abs=0.03)
    assert centre["subject_centre_distance"] < 0.03
    assert cut["subject_touches_border"] == 1.0 and third["subject_touches_border"] == 0.0
    assert third["subject_area"] == pytest.approx(math.pi * 64 / 4096, rel=0.3)
    assert small["subject_area"] < third["subject_area"] / 4
    assert third["clutter"] == 1


def test_clutter_counts_distractors():
    img = disc(20, 22, 8)
    yy, xx = np.mgrid[0:64, 0:64] + 0.5
    for cx, cy in ((50, 10), (50, 50), (12, 52)):
        img[(xx - cx) ** 2 + (yy - cy) ** 2 <= 16] = (250, 220, 0)
    assert m.subject_measures(img)["clutter"] == 4


def test_measure_all_is_flat_floats_and_checks_input():
    out = m.measure_all(disc(30, 30, 10, h=48, w=96))
    assert out["aspect_ratio"] == 2.0 and out["width"] == 96.0
    assert all(isinstance(v, float) for v in out.values())
    assert {"sharpness", "noise_sigma", "blockiness", "clutter", "colorfulness"} <= set(out)
    with pytest.raises(ValueError):
        m.measure_all(np.zeros((8, 8), np.uint8))


def _flood_areas(mask):
    """Reference 8-connected component areas by flood fill."""
    seen = np.zeros_like(mask)
    areas = []
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        stack, area = [(y, x)], 0
        seen[y, x] = True
        while stack:
            a, b = stack.pop()
            area += 1
            for c in range(max(0, a - 1), min(mask.shape[0], a + 2)):
                for d in range(max(0, b - 1), min(mask.shape[1], b + 2)):
                    if mask[c, d] and not seen[c, d]:
                        seen[c, d] = True
                        stack.append((c, d))
        areas.append(area)
    return sorted(areas, reverse=True)


def test_components_match_a_flood_fill_on_random_masks():
    rng = np.random.default_rng(3)
    for _ in range(40):
        mask = rng.random((int(rng.integers(1, 24)), int(rng.integers(1, 24)))) < rng.uniform(
            0.2, 0.6
        )
        assert [c["area"] for c in m.components(mask)] == _flood_areas(mask)
