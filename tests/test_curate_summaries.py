"""The compiled summaries give what the array formulas of ``features``' docstrings give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_curate_kernels import _texture_reference

from photogenic.curate import features
from photogenic.curate import measures as m

SQRT_HALF_PI = math.sqrt(math.pi / 2)


def _rank(values, k):
    """The ``k``-th smallest (0-based) of integer ``values``."""
    return int(np.sort(values)[k])


def texture_reference(y, scale, keep):
    """``features.texture`` by numpy: filter sums from the kernel test's array formulas."""
    block = 8 // scale if scale in (1, 2, 4) else 0
    inner = None if keep is None else keep[1:-1, 1:-1]
    counts, noise, cells, whole, steps = _texture_reference(y, inner, 8, block)
    values = np.repeat(np.arange(-1020, 1021), counts)
    k = min(values.size - 1, int(0.995 * values.size))
    px = y[keep] if keep is not None else y.ravel()
    lo, hi = _rank(px, px.size // 20), _rank(px, px.size - 1 - px.size // 20)
    if cells.size:
        sums = cells.ravel()
        if keep is not None and whole.any():
            sums = sums[whole.ravel()]
        q = int(0.1 * (sums.size - 1))
        flat = SQRT_HALF_PI * np.sort(sums)[q] / 64 / 6
    else:
        flat = SQRT_HALF_PI * noise[2] / noise[3] / 6
    blocky = 1.0
    if block >= 2 and steps[1] and steps[3]:
        blocky = (steps[0] / steps[1] + 1e-3) / (steps[2] / steps[3] + 1e-3)
    return {
        "sharpness": float(values.var()),
        "edge_sharpness": _rank(np.abs(values), k) / (hi - lo + 1.0),
        "noise_sigma": SQRT_HALF_PI * noise[0] / max(1, noise[1]) / 6,
        "noise_sigma_flat": flat,
        "blockiness": blocky,
    }


@pytest.mark.parametrize("masked", [False, True])
def test_texture_matches_the_array_formulas(masked):
    rng = np.random.default_rng(11)
    for t in range(40):
        h, w = (int(v) for v in rng.integers(3, 70, 2))
        y = rng.integers(0, 256, (h, w)).astype(np.uint8)
        if t % 2:  # smooth with a little noise, so the flat cells differ from the busy ones
            y = np.clip(
                np.add.outer(np.arange(h), np.arange(w)) + rng.integers(0, 4, (h, w)), 0, 255
            )
            y = y.astype(np.uint8)
        keep = rng.random((h, w)) > 0.2 if masked else None
        if keep is not None:
            keep[1:-1, 1:-1].flat[0] = True
        scale = int(rng.choice([1, 2, 3, 4]))
        got = features.texture(y, scale, keep)
        want = texture_reference(y, scale, keep)
        for key, value in want.items():
            np.testing.assert_allclose(got[key], value, rtol=1e-9, atol=1e-12, err_msg=key)


def subject_reference(img, keep, threshold=0.12, min_area_fraction=0.003):
    """``features.subject`` by numpy: the saliency map, its components, then the subject's pixels."""
    h, w = img.shape[:2]
    if keep is not None:
        img = features.fill_in(img, keep)
    sal = m.saliency_map(img)
    if keep is not None:
        sal = np.where(keep, sal, 0.0)
    mask = sal > threshold
    comps = m.components(mask, max(4, round(min_area_fraction * h * w)))
    out = {"salient_fraction": float(mask.mean()), "clutter": float(len(comps))}
    if not comps:
        return out | {"subject_area": 0.0, "subject_contrast": 0.0, "subject_shading": 0.0}
    s = comps[0]
    sub = mask[s["y0"] : s["y1"], s["x0"] : s["x1"]]
    vals = sal[s["y0"] : s["y1"], s["x0"] : s["x1"]][sub]
    f = img[s["y0"] : s["y1"], s["x0"] : s["x1"]][sub].astype(np.float64)
    lum = f @ m.LUMA.astype(np.float64) / 255
    ys, xs = np.nonzero(sub)
    shading = 0.0
    if lum.size >= 6:
        a = np.stack([np.ones(lum.size), xs, ys], axis=1).astype(np.float64)
        _, b, c = np.linalg.lstsq(a, lum, rcond=None)[0]
        shading = math.hypot(b, c) * math.sqrt(lum.size)
    cx, cy = s["cx"] / w, s["cy"] / h
    return out | {
        "subject_area": s["area"] / (h * w),
        "subject_thirds_distance": m.thirds_distance(cx, cy),
        "subject_centre_distance": math.hypot(cx - 0.5, cy - 0.5),
        "subject_contrast": float(np.median(vals)),
        "subject_shading": shading,
    }


@pytest.mark.parametrize("masked", [False, True])
def test_subject_matches_the_array_formulas(masked):
    rng = np.random.default_rng(12)
    found = 0
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(8, 60, 2))
        img = np.empty((h, w, 3), np.uint8)
        img[:] = rng.integers(0, 256, 3)
        for _ in range(int(rng.integers(1, 4))):  # a few shaded rectangles
            y0, x0 = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 2))
            y1, x1 = int(rng.integers(y0 + 2, h + 1)), int(rng.integers(x0 + 2, w + 1))
            ramp = np.linspace(0, 60, x1 - x0)[None, :, None]
            img[y0:y1, x0:x1] = np.clip(rng.integers(0, 190, 3) + ramp, 0, 255)
        keep = None
        if masked:
            keep = np.ones((h, w), bool)
            keep[: h // 4, : w // 3] = False
        got = features.subject(img, keep=keep)
        want = subject_reference(img, keep)
        found += want["clutter"] > 0
        for key, value in want.items():
            np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-7, err_msg=key)
    assert found > 20  # most scenes have a subject, so its measures were compared


def test_colour_percentiles_match_sorted_pixels():
    rng = np.random.default_rng(13)
    for _ in range(20):
        h, w = (int(v) for v in rng.integers(2, 40, 2))
        img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        got = features.colour_and_exposure(img)
        px = img.reshape(-1, 3)
        n = len(px)
        luma = np.sort(np.floor(px.astype(np.float32) @ m.LUMA + np.float32(0.5)).astype(int))
        value = np.sort(px.max(axis=1))
        sat = np.sort((px.max(axis=1) - px.min(axis=1)) / np.maximum(px.max(axis=1), 1))

        def pct(sorted_values, q):
            count = len(sorted_values)
            return sorted_values[max(0, math.ceil(q * count - 1e-9) - 1)] / 255

        for q, key in ((0.01, "luma_p01"), (0.5, "luma_p50"), (0.99, "luma_p99")):
            assert got[key] == pytest.approx(pct(luma, q)), key
        assert got["luma_range"] == pytest.approx(pct(luma, 0.95) - pct(luma, 0.05))
        assert got["value_p99"] == pytest.approx(pct(value, 0.99))
        assert got["saturation_p90"] == pytest.approx(sat[int(0.9 * (n - 1))], rel=1e-6)
        assert got["dark_fraction"] == np.count_nonzero(luma < 6) / n
        assert got["bright_fraction"] == np.count_nonzero(luma >= 250) / n
        mean = px.mean(axis=0) / 255
        cast = np.linalg.norm(mean - mean.mean()) / (mean.mean() + 1e-3)
        assert got["color_cast"] == pytest.approx(cast, rel=1e-9)
