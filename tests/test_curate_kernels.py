"""The compiled measurement kernels give exactly what the array formulas in their docstrings give."""

from __future__ import annotations

import numpy as np
import pytest

from photogenic.curate import kernels
from photogenic.curate import measures as m


def _texture_reference(y, keep, cell, block):
    y = y.astype(np.int64)
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    across = y[:, :-2] - 2 * y[:, 1:-1] + y[:, 2:]
    conv = np.abs(across[:-2] - 2 * across[1:-1] + across[2:])
    inner = np.ones(lap.shape, bool) if keep is None else keep
    counts = np.bincount(lap[inner] + 1020, minlength=2041)
    noise = [conv[inner].sum(), inner.sum(), conv.sum(), conv.size]
    ch, cw = conv.shape[0] // cell, conv.shape[1] // cell
    blocks = conv[: ch * cell, : cw * cell].reshape(ch, cell, cw, cell)
    cells = blocks.sum(axis=(1, 3))
    whole = inner[: ch * cell, : cw * cell].reshape(ch, cell, cw, cell).all(axis=(1, 3))
    steps = [0, 0, 0, 0]
    if block >= 2:
        for d in (np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0)).T):
            if d.shape[1] < block:
                continue
            grid = d[:, block - 1 :: block]
            steps[0] += grid.sum()
            steps[1] += grid.size
            steps[2] += d.sum() - grid.sum()
            steps[3] += d.size - grid.size
    return counts, noise, cells, whole, steps


@pytest.mark.parametrize("masked", [False, True])
def test_texture_sums_match_the_array_formulas(masked):
    rng = np.random.default_rng(3)
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(3, 60, 2))
        y = rng.integers(0, 256, (h, w)).astype(np.uint8)
        keep = rng.random((h - 2, w - 2)) > 0.3 if masked else None
        for block in (0, 2, 4, 8):
            got = kernels.texture_sums(
                y, keep if masked else np.ones((1, 1), bool), masked, 8, block
            )
            want = _texture_reference(y, keep, 8, block)
            for g, e in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, e)


def _saliency_reference(img, k, border=2):
    f = img.astype(np.float32) / np.float32(255)
    rows = img.transpose(0, 2, 1).astype(np.float32)  # (H, 3, W)
    left = np.median(rows[..., :border], axis=-1).astype(np.float32)
    right = np.median(rows[..., -border:], axis=-1).astype(np.float32)
    row = np.median(rows, axis=-1).astype(np.float32)
    bg = np.maximum(np.minimum(left, right), np.minimum(np.maximum(left, right), row)) / np.float32(
        255
    )
    h = img.shape[0]
    diff = np.full(img.shape[:2], np.inf, dtype=np.float32)
    for dy in range(-k, k + 1):
        near = bg[np.clip(np.arange(h) + dy, 0, h - 1)][:, None, :]
        diff = np.minimum(diff, np.abs(f - near).max(axis=2))
    p = np.pad(diff, 1, mode="edge")
    s = p[:-2] + p[1:-1] + p[2:]
    return (s[:, :-2] + s[:, 1:-1] + s[:, 2:]) / np.float32(9.0)


def test_saliency_matches_the_array_formula():
    rng = np.random.default_rng(4)
    for t in range(60):
        h, w = (int(v) for v in rng.integers(1, 50, 2))
        img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        if t % 2:  # a flat background with one rectangle
            img[:] = rng.integers(0, 256, 3)
            img[rng.integers(0, h) :, rng.integers(0, w) :] = rng.integers(0, 256, 3)
        k = max(1, round(0.05 * h))
        np.testing.assert_allclose(
            kernels.saliency(img, k, 2), _saliency_reference(img, k), rtol=0, atol=1e-7
        )


def test_components_are_8_connected_with_exact_centroids():
    mask = np.zeros((6, 8), dtype=bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True  # one diagonal component
    mask[4:6, 5:8] = True  # a 2×3 block
    mask[0, 7] = True  # a single pixel
    comps = m.components(mask)
    assert [c["area"] for c in comps] == [6, 3, 1]
    block = comps[0]
    assert (block["cy"], block["cx"]) == (5.0, 6.5)
    assert (block["y0"], block["x0"], block["y1"], block["x1"]) == (4, 5, 6, 8)
    diagonal = comps[1]
    assert (diagonal["cy"], diagonal["cx"]) == (1.5, 1.5)
    assert m.components(mask, min_area=3) == comps[:2]


def test_equal_components_keep_raster_order():
    mask = np.zeros((5, 5), dtype=bool)
    mask[3, 0] = mask[0, 4] = mask[0, 1] = True
    assert [(c["y0"], c["x0"]) for c in m.components(mask)] == [(0, 1), (0, 4), (3, 0)]


def test_colour_measures_match_the_per_pixel_formulas():
    from photogenic.curate.features import colour_and_exposure

    rng = np.random.default_rng(6)
    for t in range(30):
        h, w = (int(v) for v in rng.integers(2, 40, 2))
        img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        if t % 3 == 0:
            img[..., 2] = 252  # blue clipped, the others not: colour clipping
        keep = rng.random((h, w)) > 0.3 if t % 2 else np.ones((h, w), bool)
        keep.flat[0] = True
        got = colour_and_exposure(img, keep if t % 2 else None)
        px = img[keep].astype(np.float64)
        n = len(px)
        mx, mn = px.max(axis=1), px.min(axis=1)
        rg, yb = px[:, 0] - px[:, 1], (px[:, 0] + px[:, 1]) / 2 - px[:, 2]
        assert got["colour_clipped_fraction"] == np.count_nonzero((mx >= 250) & (mn < 250)) / n
        assert got["clipped_fraction"] == np.count_nonzero(mx >= 250) / n
        np.testing.assert_allclose(got["mean_luminance"], (px @ m.LUMA).mean() / 255, rtol=1e-6)
        np.testing.assert_allclose(got["rms_contrast"], (px @ m.LUMA).std() / 255, rtol=1e-5)
        colourful = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
        np.testing.assert_allclose(got["colorfulness"], colourful, rtol=1e-9)
        sat = (mx - mn) / np.maximum(mx, 1)
        np.testing.assert_allclose(got["saturation_mean"], sat.mean(), rtol=1e-5)
        if t % 2 == 0:  # the whole image: the reference module's hue share
            np.testing.assert_allclose(
                got["dominant_hue_share"], m.dominant_hue_share(img), rtol=1e-5
            )
