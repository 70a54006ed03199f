"""Compiled summaries: every measurement of a group (colour, texture, subject) in one call.

The pixel passes of :mod:`photogenic.curate.kernels` return sums and histograms; the functions here
turn them into the measurements :mod:`photogenic.curate.features` documents, with the same
arithmetic (float32 where the array formulas use float32), so that one image costs three compiled
calls instead of some sixty small numpy calls. Each returns a float64 vector in the order of its
``*_KEYS`` tuple.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from photogenic.curate.kernels import (
    LAPLACE_OFFSET,
    colour_sums,
    label_components,
    saliency,
    texture_sums,
)

COLOUR_KEYS = (
    "mean_luminance",
    "luma_p01",
    "luma_p50",
    "luma_p99",
    "luma_range",
    "dark_fraction",
    "bright_fraction",
    "value_p99",
    "clipped_fraction",
    "colour_clipped_fraction",
    "saturation_p90",
    "rms_contrast",
    "colorfulness",
    "saturation_mean",
    "dominant_hue_share",
    "color_cast",
)
TEXTURE_KEYS = ("sharpness", "edge_sharpness", "noise_sigma", "noise_sigma_flat", "blockiness")
SUBJECT_KEYS = (
    "subject_area",
    "subject_thirds_distance",
    "subject_centre_distance",
    "subject_touches_border",
    "subject_contrast",
    "subject_shading",
    "salient_fraction",
    "clutter",
)
SQRT_HALF_PI = math.sqrt(math.pi / 2)  # Immerkær's σ = sqrt(π/2) · mean|Y * M| / 6
THIRD = 1.0 / 3.0


@njit(cache=True, nogil=True)
def _first_at_least(hist, k):  # pragma: no cover - compiled
    """The smallest index whose cumulative count reaches ``k`` (``searchsorted(cumsum, k)``)."""
    seen = 0
    for i in range(hist.size):
        seen += hist[i]
        if seen >= k:
            return i
    return hist.size


@njit(cache=True, nogil=True)
def _percentile_bin(hist, n, q):  # pragma: no cover - compiled
    """``searchsorted(cumsum(hist) / n, q)`` capped at 255, as a fraction of 255."""
    seen = 0
    for i in range(hist.size):
        seen += hist[i]
        if seen / n >= q:
            return min(255, i) / 255.0
    return 1.0


@njit(cache=True, nogil=True)
def _moments(v0, v1, v2, sums, products, n):  # pragma: no cover - compiled
    """Mean and standard deviation of ``v · (R, G, B)`` from the channel sums and products."""
    mean = (v0 * sums[0] + v1 * sums[1] + v2 * sums[2]) / n
    v = (v0, v1, v2)
    quad = 0.0
    for a in range(3):
        row = 0.0
        for b in range(3):
            row += products[a, b] * v[b]
        quad += v[a] * row
    return mean, math.sqrt(max(0.0, quad / n - mean * mean))


@njit(cache=True, nogil=True)
def colour_stats(img, keep, use_keep, luma, hue_bins):  # pragma: no cover - compiled
    """``features.colour_and_exposure`` of a uint8 (H, W, 3) array, in ``COLOUR_KEYS`` order."""
    count, isums, iproducts, hist, vhist, clipped, sat, hue, weight = colour_sums(
        img, keep, use_keep, luma, hue_bins
    )
    n = max(1, count)
    sums = isums.astype(np.float64)
    products = iproducts.astype(np.float64)
    luma_mean, luma_std = _moments(
        np.float64(luma[0]), np.float64(luma[1]), np.float64(luma[2]), sums, products, n
    )
    rg_mean, rg_std = _moments(1.0, -1.0, 0.0, sums, products, n)
    yb_mean, yb_std = _moments(0.5, 0.5, -1.0, sums, products, n)
    mean_rgb = sums / n / 255.0
    grey = (mean_rgb[0] + mean_rgb[1] + mean_rgb[2]) / 3.0
    out = np.zeros(len(COLOUR_KEYS), dtype=np.float64)
    out[0] = luma_mean / 255.0
    out[1] = _percentile_bin(hist, n, 0.01)
    out[2] = _percentile_bin(hist, n, 0.5)
    out[3] = _percentile_bin(hist, n, 0.99)
    out[4] = _percentile_bin(hist, n, 0.95) - _percentile_bin(hist, n, 0.05)
    out[5] = hist[:6].sum() / n
    out[6] = hist[250:].sum() / n
    out[7] = _percentile_bin(vhist, n, 0.99)
    out[8] = vhist[250:].sum() / n
    out[9] = clipped / n
    if sat.size:
        k90 = int(0.9 * (sat.size - 1))
        out[10] = _ranked_pair(sat, k90)[0]
        total = 0.0
        for v in sat:
            total += v
        out[13] = total / sat.size
    out[11] = luma_std / 255.0
    out[12] = math.hypot(rg_std, yb_std) + 0.3 * math.hypot(rg_mean, yb_mean)
    total_weight = weight / 255.0
    if total_weight >= 1e-6 * count:
        best = 0.0
        for b in range(hue_bins):
            window = 0.0
            for d in (-1, 0, 1):
                window += hue[(b + d) % hue_bins] / 255.0
            best = max(best, window)
        out[14] = best / total_weight
    c0, c1, c2 = mean_rgb[0] - grey, mean_rgb[1] - grey, mean_rgb[2] - grey
    out[15] = math.sqrt(c0 * c0 + c1 * c1 + c2 * c2) / (grey + 1e-3)
    return out


@njit(cache=True, nogil=True)
def _flat_noise(cells, whole, noise, masked, cell):  # pragma: no cover - compiled
    """Immerkær's σ over the flattest 10 % of the cells (see ``features``)."""
    if cells.size == 0:
        return SQRT_HALF_PI * noise[2] / noise[3] / 6 if noise[3] else 0.0
    sums = cells.ravel()
    if masked:
        chosen = whole.ravel()
        if chosen.any():
            sums = sums[chosen]
    k = int(0.1 * (sums.size - 1))
    return SQRT_HALF_PI * (np.partition(sums, k)[k] / (cell * cell)) / 6


@njit(cache=True, nogil=True)
def _grey_histogram(y, keep, use_keep):  # pragma: no cover - compiled
    """Histogram of the uint8 ``y`` over the pixels where ``keep`` is True (all, unless
    ``use_keep``), counted in four interleaved lanes so neighbouring pixels of one grey value do
    not wait on the same counter."""
    h, w = y.shape
    lanes = np.zeros((4, 256), dtype=np.int64)
    for i in range(h):
        row = y[i]
        if use_keep:
            for j in range(w):
                if keep[i, j]:
                    lanes[j & 3, row[j]] += 1
        else:
            for j in range(w):
                lanes[j & 3, row[j]] += 1
    return lanes[0] + lanes[1] + lanes[2] + lanes[3]


@njit(cache=True, nogil=True)
def texture_stats(y, keep, use_keep, cell, block):  # pragma: no cover - compiled
    """``features.texture`` of uint8 luma ``y`` (H, W, at least 3×3), over the pixels where the
    (H, W) ``keep`` is True when ``use_keep``, in ``TEXTURE_KEYS`` order."""
    h, w = y.shape
    inner = keep[1 : h - 1, 1 : w - 1].copy() if use_keep else keep
    counts, noise, cells, whole, steps = texture_sums(y, inner, use_keep, cell, block)
    n = counts.sum()
    first = 0.0
    second = 0.0
    for i in range(counts.size):
        if counts[i]:
            value = np.float64(i - LAPLACE_OFFSET)
            first += counts[i] * value
            second += counts[i] * value * value
    mean = first / n
    sharp = max(0.0, second / n - mean * mean)
    mags = counts[LAPLACE_OFFSET:].copy()  # histogram of |Laplacian|
    for i in range(1, mags.size):
        mags[i] += counts[LAPLACE_OFFSET - i]
    k = min(n - 1, int(0.995 * n))
    grey = _grey_histogram(y, keep, use_keep)
    m_px = grey.sum()
    lo = _first_at_least(grey, m_px // 20 + 1)
    hi = _first_at_least(grey, m_px - m_px // 20)
    out = np.zeros(len(TEXTURE_KEYS), dtype=np.float64)
    out[0] = sharp
    out[1] = _first_at_least(mags, k + 1) / (hi - lo + 1.0)
    out[2] = SQRT_HALF_PI * noise[0] / max(1, noise[1]) / 6
    out[3] = _flat_noise(cells, whole, noise, use_keep, cell)
    out[4] = 1.0
    if block >= 2 and steps[1] != 0 and steps[3] != 0:
        out[4] = (steps[0] / steps[1] + 1e-3) / (steps[2] / steps[3] + 1e-3)
    return out


UNIT_BUCKETS = 1024


@njit(cache=True, nogil=True)
def _ranked_pair(values, k):  # pragma: no cover - compiled
    """The ``k``-th and ``k + 1``-th smallest (from 0; the second is the first when ``k`` is the
    last) of float32 values in [0, 1]: counted into ``UNIT_BUCKETS`` buckets of equal width, then
    only the bucket(s) holding those ranks are partitioned (a sort of them all costs far more)."""
    n = values.size
    k2 = min(k + 1, n - 1)
    counts = np.zeros(UNIT_BUCKETS + 1, dtype=np.int64)
    for x in values:
        counts[min(max(np.int64(x * np.float32(UNIT_BUCKETS)), 0), UNIT_BUCKETS)] += 1
    lo = 0
    before = 0
    while before + counts[lo] <= k:
        before += counts[lo]
        lo += 1
    hi = lo
    upto = before + counts[lo]
    while upto <= k2:
        hi += 1
        upto += counts[hi]
    chosen = np.empty(upto - before, dtype=values.dtype)
    q = 0
    for x in values:
        bucket = min(max(np.int64(x * np.float32(UNIT_BUCKETS)), 0), UNIT_BUCKETS)
        if lo <= bucket <= hi:
            chosen[q] = x
            q += 1
    p = k - before
    ranked = np.partition(chosen, p)
    first = ranked[p]
    if k2 == k:
        return first, first
    second = ranked[p + 1]
    for x in ranked[p + 2 :]:
        second = min(second, x)
    return first, second


@njit(cache=True, nogil=True)
def _median_f32(values):  # pragma: no cover - compiled
    """``features.median`` of a non-empty float32 vector in [0, 1] (float32 mean of the middle
    two)."""
    k = values.size // 2
    if values.size % 2:
        return np.float64(_ranked_pair(values, k)[0])
    low, high = _ranked_pair(values, k - 1)
    return np.float64((low + high) / np.float32(2.0))


@njit(cache=True, nogil=True)
def _mean_f32(values):  # pragma: no cover - compiled
    """numpy's float32 mean of integer coordinates (their sum is exact below 2**24; numpy divides
    it in float64 by the count and rounds to float32)."""
    total = 0.0
    for v in values:
        total += v
    return np.float32(total / values.size)


@njit(cache=True, nogil=True)
def subject_stats(img, keep, use_keep, k, threshold, min_area, luma):  # pragma: no cover - compiled
    """``features.subject`` of a uint8 (H, W, 3) array (text already filled in), in
    ``SUBJECT_KEYS`` order, and a flag: 1 when the shading plane is degenerate (the subject's pixels
    lie on a line) and must be solved by least squares instead. Saliency is zero outside ``keep``."""
    h, w = img.shape[0], img.shape[1]
    sal = saliency(img, k, 2)
    mask = np.zeros((h, w), dtype=np.bool_)
    salient = 0
    for i in range(h):
        for j in range(w):
            if use_keep and not keep[i, j]:
                sal[i, j] = np.float32(0.0)
            if sal[i, j] > threshold:
                mask[i, j] = True
                salient += 1
    out = np.zeros(len(SUBJECT_KEYS), dtype=np.float64)
    out[1] = 1.0
    out[2] = 1.0
    out[6] = salient / (h * w)
    stats = label_components(mask)
    best = -1
    clutter = 0
    for c in range(stats.shape[0]):
        if stats[c, 0] >= min_area:
            clutter += 1
            if best < 0 or stats[c, 0] > stats[best, 0]:
                best = c
    out[7] = clutter
    if best < 0:
        return out, 0
    area, sy, sx, y0, x0, y1, x1 = stats[best]
    cx, cy = sx / 2 / area / w, sy / 2 / area / h
    out[0] = area / (h * w)
    nearest = np.inf
    for a in (THIRD, 2 * THIRD):
        for b in (THIRD, 2 * THIRD):
            nearest = min(nearest, math.hypot(cx - a, cy - b))
    out[1] = nearest
    out[2] = math.hypot(cx - 0.5, cy - 0.5)
    out[3] = 1.0 if x0 == 0 or y0 == 0 or x1 == w or y1 == h else 0.0
    count = 0
    for i in range(y0, y1):
        for j in range(x0, x1):
            count += mask[i, j]
    vals = np.empty(count, dtype=np.float32)
    xs = np.empty(count, dtype=np.float32)
    ys = np.empty(count, dtype=np.float32)
    lum = np.empty(count, dtype=np.float32)
    n = 0
    for i in range(y0, y1):
        for j in range(x0, x1):
            if mask[i, j]:
                vals[n] = sal[i, j]
                ys[n] = i - y0
                xs[n] = j - x0
                value = np.float32(img[i, j, 0]) * luma[0] + np.float32(img[i, j, 1]) * luma[1]
                lum[n] = (value + np.float32(img[i, j, 2]) * luma[2]) / np.float32(255.0)
                n += 1
    out[4] = _median_f32(vals)
    if count < 6:
        return out, 0
    mx, my = np.float64(_mean_f32(xs)), np.float64(_mean_f32(ys))
    sxx = sxy = syy = sxv = syv = 0.0
    for q in range(count):
        x, yy, v = xs[q] - mx, ys[q] - my, np.float64(lum[q])
        sxx += x * x
        sxy += x * yy
        syy += yy * yy
        sxv += x * v
        syv += yy * v
    det = sxx * syy - sxy * sxy
    if det <= 1e-9 * max(sxx * syy, 1e-12):
        return out, 1
    b = (syy * sxv - sxy * syv) / det
    c = (sxx * syv - sxy * sxv) / det
    out[5] = math.hypot(b, c) * math.sqrt(count)
    return out, 0


def warm() -> None:
    """Load (or compile) the summaries in this process (see ``kernels.warm``)."""
    rgb = np.zeros((12, 12, 3), dtype=np.uint8)
    rgb[4:8, 4:8] = 200
    luma = np.ones(3, dtype=np.float32) / 3
    for use in (False, True):
        keep = np.ones((12, 12), dtype=np.bool_)
        colour_stats(rgb, keep, use, luma, 12)
        texture_stats(rgb[..., 0].copy(), keep, use, 8, 4)
        subject_stats(rgb, keep, use, 1, np.float32(0.12), 4, luma)
