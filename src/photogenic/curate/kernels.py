"""Compiled single-pass loops for the per-pixel measurements (numba, cached on disk).

Each kernel returns integer sums (exact), from which :mod:`photogenic.curate.features` computes the
same values as the array formulas its docstrings state; a pass over the pixels replaces some twenty
numpy passes over whole arrays. Compiled on first use in a process and cached next to this file
(or in numba's user cache when that is read-only), so later processes load them in milliseconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LAPLACE_OFFSET = 1020  # the 4-neighbour Laplacian of 8-bit luma lies in [-1020, 1020]


@njit(cache=True, nogil=True)
def texture_sums(y, keep, use_keep, cell, block):  # pragma: no cover - compiled
    """Integer sums of the texture filters of uint8 luma ``y`` (H, W), in one pass.

    ``keep`` (bool, H-2 × W-2; read when ``use_keep``): the interior pixels (centres of the 3×3
    windows) that count for the Laplacian histogram and Immerkær's noise sum. Returns

    - ``lap_counts``: histogram of the Laplacian ``[[0,1,0],[1,-4,1],[0,1,0]]`` (index + 1020),
    - ``noise``: ``[Σ|Y * M|, n]`` over ``keep`` then over every interior pixel, with Immerkær's
      mask ``M``,
    - ``cells``: ``Σ|Y * M|`` over each ``cell``×``cell`` block of the interior (whole blocks only),
      and ``whole``: whether each block lies entirely in ``keep``,
    - ``steps``: ``[Σ grid steps, n grid, Σ other steps, n other]`` of the absolute steps between
      neighbouring columns and rows, the grid being every ``block``-th step (``block`` < 2: none).
    """
    h, w = y.shape
    n = w - 2  # interior columns; interior pixel (i, j) is centred at y[i + 1, j + 1]
    # four interleaved histograms: consecutive pixels rarely wait on the same counter
    lanes = np.zeros((4, 2 * LAPLACE_OFFSET + 1), dtype=np.int64)
    noise = np.zeros(4, dtype=np.int64)
    ch, cw = (h - 2) // cell, n // cell
    cells = np.zeros((ch, cw), dtype=np.int64)
    whole = np.ones((ch, cw), dtype=np.bool_)
    rows = np.empty((3, n), dtype=np.int32)  # second differences along rows, rolling
    lap = np.empty(n, dtype=np.int32)
    conv = np.empty(n, dtype=np.int32)
    for r in range(2):
        for j in range(n):
            rows[r, j] = np.int32(y[r, j]) - 2 * np.int32(y[r, j + 1]) + np.int32(y[r, j + 2])
    for i in range(h - 2):
        up, mid, down = rows[i % 3], rows[(i + 1) % 3], rows[(i + 2) % 3]
        for j in range(n):
            down[j] = (
                np.int32(y[i + 2, j]) - 2 * np.int32(y[i + 2, j + 1]) + np.int32(y[i + 2, j + 2])
            )
        for j in range(n):
            centre = np.int32(y[i + 1, j + 1])
            lap[j] = mid[j] + np.int32(y[i, j + 1]) + np.int32(y[i + 2, j + 1]) - 2 * centre
            conv[j] = abs(up[j] - 2 * mid[j] + down[j])
        total = 0
        for j in range(n):
            total += conv[j]
        noise[2] += total
        noise[3] += n
        ci = i // cell
        if ci < ch:
            for cj in range(cw):
                part = 0
                for j in range(cj * cell, cj * cell + cell):
                    part += conv[j]
                cells[ci, cj] += part
        if use_keep:
            for j in range(n):
                if keep[i, j]:
                    lanes[j & 3, lap[j] + LAPLACE_OFFSET] += 1
                    noise[0] += conv[j]
                    noise[1] += 1
                elif ci < ch and j // cell < cw:
                    whole[ci, j // cell] = False
        else:
            for j in range(n):
                lanes[j & 3, lap[j] + LAPLACE_OFFSET] += 1
            noise[0] += total
            noise[1] += n
    steps = np.zeros(4, dtype=np.int64)  # [Σ grid, n grid, Σ all, n all] until the end
    if block >= 2:
        if w - 1 >= block:
            for i in range(h):
                for j in range(w - 1):
                    steps[2] += abs(np.int32(y[i, j + 1]) - np.int32(y[i, j]))
                for j in range(block - 1, w - 1, block):
                    steps[0] += abs(np.int32(y[i, j + 1]) - np.int32(y[i, j]))
                steps[1] += (w - 1) // block
                steps[3] += w - 1
        if h - 1 >= block:
            for i in range(h - 1):
                grid = i % block == block - 1
                part = 0
                for j in range(w):
                    part += abs(np.int32(y[i + 1, j]) - np.int32(y[i, j]))
                steps[2] += part
                steps[3] += w
                if grid:
                    steps[0] += part
                    steps[1] += w
    steps[2] -= steps[0]
    steps[3] -= steps[1]
    lap_counts = lanes[0] + lanes[1] + lanes[2] + lanes[3]
    return lap_counts, noise, cells, whole, steps


@njit(cache=True, nogil=True)
def _median_u8(img, i, j0, j1, c, counts):  # pragma: no cover - compiled
    """Median of ``img[i, j0:j1, c]`` (uint8) as float32 (the mean of the two middle values for an
    even count), by counting into the 256-bin scratch ``counts``."""
    n = j1 - j0
    if n <= 2:
        return (np.float32(img[i, j0, c]) + np.float32(img[i, j1 - 1, c])) / np.float32(2.0)
    counts[:] = 0
    for j in range(j0, j1):
        counts[img[i, j, c]] += 1
    lo_rank, hi_rank = (n - 1) // 2, n // 2
    lo = hi = -1
    seen = 0
    for v in range(256):
        seen += counts[v]
        if lo < 0 and seen > lo_rank:
            lo = v
        if seen > hi_rank:
            hi = v
            break
    return (np.float32(lo) + np.float32(hi)) / np.float32(2.0)


@njit(cache=True, nogil=True)
def saliency(img, k, border):  # pragma: no cover - compiled
    """``measures.saliency_map`` of a uint8 (H, W, 3) array in float32, operation for operation."""
    h, w = img.shape[0], img.shape[1]
    bg = np.empty((h, 3), dtype=np.float32)
    counts = np.empty(256, dtype=np.int64)
    edge = min(border, w)
    for i in range(h):
        for c in range(3):
            left = _median_u8(img, i, 0, edge, c, counts)
            right = _median_u8(img, i, w - edge, w, c, counts)
            row = _median_u8(img, i, 0, w, c, counts)
            middle = max(min(left, right), min(max(left, right), row))
            bg[i, c] = middle / np.float32(255.0)
    diff = np.empty((h, w), dtype=np.float32)
    for i in range(h):
        for j in range(w):
            r = np.float32(img[i, j, 0]) / np.float32(255.0)
            g = np.float32(img[i, j, 1]) / np.float32(255.0)
            b = np.float32(img[i, j, 2]) / np.float32(255.0)
            best = np.float32(np.inf)
            for dy in range(-k, k + 1):
                q = min(max(i + dy, 0), h - 1)
                d = max(max(abs(r - bg[q, 0]), abs(g - bg[q, 1])), abs(b - bg[q, 2]))
                best = min(best, d)
            diff[i, j] = best
    column = np.empty((h, w), dtype=np.float32)  # 3-row sums, edges replicated
    for i in range(h):
        above, below = max(i - 1, 0), min(i + 1, h - 1)
        for j in range(w):
            column[i, j] = diff[above, j] + diff[i, j] + diff[below, j]
    out = np.empty((h, w), dtype=np.float32)
    for i in range(h):
        for j in range(w):
            left, right = max(j - 1, 0), min(j + 1, w - 1)
            out[i, j] = (column[i, left] + column[i, j] + column[i, right]) / np.float32(9.0)
    return out


@njit(cache=True, nogil=True)
def _root(parent, a):  # pragma: no cover - compiled
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True, nogil=True)
def label_components(mask):  # pragma: no cover - compiled
    """8-connected components of a bool (H, W) mask, in raster order of their first pixel.

    Returns an (n, 7) int64 array: area, Σ(2y + 1), Σ(2x + 1), y0, x0, y1, x1 (bounding box with
    exclusive ends); the sums are twice the pixel-centre sums, so centroids are exact.
    """
    h, w = mask.shape
    labels = np.full((h, w), -1, dtype=np.int64)
    parent = np.empty(h * w, dtype=np.int64)
    count = 0
    for i in range(h):
        for j in range(w):
            if not mask[i, j]:
                continue
            best = -1
            for di, dj in ((-1, -1), (-1, 0), (-1, 1), (0, -1)):
                y, x = i + di, j + dj
                if y >= 0 and 0 <= x < w and labels[y, x] >= 0:
                    r = _root(parent, labels[y, x])
                    if best < 0:
                        best = r
                    elif r != best:
                        lo, hi = min(r, best), max(r, best)
                        parent[hi] = lo
                        best = lo
            if best < 0:
                parent[count] = count
                best = count
                count += 1
            labels[i, j] = best
    index = np.full(count, -1, dtype=np.int64)
    n = 0
    for a in range(count):  # roots are the smallest label of each component: raster order
        if _root(parent, a) == a:
            index[a] = n
            n += 1
    stats = np.zeros((n, 7), dtype=np.int64)
    stats[:, 3] = h
    stats[:, 4] = w
    for i in range(h):
        for j in range(w):
            if labels[i, j] < 0:
                continue
            s = stats[index[_root(parent, labels[i, j])]]
            s[0] += 1
            s[1] += 2 * i + 1
            s[2] += 2 * j + 1
            s[3] = min(s[3], i)
            s[4] = min(s[4], j)
            s[5] = max(s[5], i + 1)
            s[6] = max(s[6], j + 1)
    return stats


@njit(cache=True, nogil=True)
def colour_sums(img, keep, use_keep, luma, hue_bins):  # pragma: no cover - compiled
    """Per-pixel colour statistics of a uint8 (H, W, 3) array, over ``keep`` when ``use_keep``.

    Returns ``n``; ``sums`` (3) and ``products`` (3×3) of the channels; histograms of the rounded
    float32 luma ``Σ c·luma[c]`` and of ``max(R, G, B)``; the count of pixels with a channel at 250
    or more but not all three; the HSV saturation of each pixel (float32, in scan order); and the
    hue histogram (``hue_bins`` bins) weighted by ``max - min``, with its total weight.
    """
    h, w = img.shape[0], img.shape[1]
    sums = np.zeros(3, dtype=np.int64)
    products = np.zeros((3, 3), dtype=np.int64)
    hist = np.zeros(256, dtype=np.int64)
    vhist = np.zeros(256, dtype=np.int64)
    sat = np.empty(h * w, dtype=np.float32)
    hue = np.zeros(hue_bins, dtype=np.int64)
    step = np.float32(hue_bins / 6)
    clipped = 0
    n = 0
    weight = 0
    for i in range(h):
        for j in range(w):
            if use_keep and not keep[i, j]:
                continue
            r, g, b = np.int64(img[i, j, 0]), np.int64(img[i, j, 1]), np.int64(img[i, j, 2])
            sums[0] += r
            sums[1] += g
            sums[2] += b
            products[0, 0] += r * r
            products[0, 1] += r * g
            products[0, 2] += r * b
            products[1, 1] += g * g
            products[1, 2] += g * b
            products[2, 2] += b * b
            y = np.float32(r) * luma[0] + np.float32(g) * luma[1]
            y = y + np.float32(b) * luma[2]
            hist[np.int64(y + np.float32(0.5))] += 1
            mx, mn = max(r, g, b), min(r, g, b)
            vhist[mx] += 1
            if mx >= 250 and mn < 250:
                clipped += 1
            delta = mx - mn
            sat[n] = np.float32(delta) / np.float32(max(mx, 1))
            n += 1
            if delta == 0:
                continue
            weight += delta
            if mx == r:  # red, then green, then blue on ties
                sextant, num = 0, g - b
            elif mx == g:
                sextant, num = 2, b - r
            else:
                sextant, num = 4, r - g
            turn = (np.float32(sextant) + np.float32(num) / np.float32(delta)) * step
            hue[np.int64(turn + np.float32(hue_bins)) % hue_bins] += delta
    products[1, 0], products[2, 0], products[2, 1] = products[0, 1], products[0, 2], products[1, 2]
    return n, sums, products, hist, vhist, clipped, sat[:n], hue, weight


def warm() -> None:
    """Load (or compile) every kernel in this process, so that worker processes forked from it
    start with them ready instead of each loading them again."""
    luma = np.zeros((12, 12), dtype=np.uint8)
    texture_sums(luma, np.ones((1, 1), dtype=np.bool_), False, 8, 4)
    texture_sums(luma, np.ones((10, 10), dtype=np.bool_), True, 8, 4)
    saliency(np.zeros((4, 4, 3), dtype=np.uint8), 1, 2)
    label_components(np.zeros((4, 4), dtype=np.bool_))
    colour_sums(
        np.zeros((4, 4, 3), dtype=np.uint8),
        np.ones((1, 1), dtype=np.bool_),
        False,
        np.ones(3, dtype=np.float32),
        12,
    )
    from photogenic.curate import summaries  # the summaries call these kernels

    summaries.warm()
