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
    lanes = np.zeros((4, 2 * LAPLACE_OFFSET + 1), dtype=np.int32)
    noise = np.zeros(4, dtype=np.int64)
    ch, cw = (h - 2) // cell, n // cell
    cells = np.zeros((ch, cw), dtype=np.int64)
    whole = np.ones((ch, cw), dtype=np.bool_)
    up = np.empty(n, dtype=np.int32)  # second differences along rows i, i + 1, i + 2
    mid = np.empty(n, dtype=np.int32)
    down = np.empty(n, dtype=np.int32)
    lap = np.empty(n, dtype=np.int32)
    conv = np.empty(n, dtype=np.int32)
    column_sums = np.zeros(n, dtype=np.int32)  # conv summed down the rows of the current cells
    for j in range(n):
        up[j] = np.int32(y[0, j]) - 2 * np.int32(y[0, j + 1]) + np.int32(y[0, j + 2])
        mid[j] = np.int32(y[1, j]) - 2 * np.int32(y[1, j + 1]) + np.int32(y[1, j + 2])
    for i in range(h - 2):
        top, centre, bottom = y[i], y[i + 1], y[i + 2]
        for j in range(n):
            down[j] = np.int32(bottom[j]) - 2 * np.int32(bottom[j + 1]) + np.int32(bottom[j + 2])
        total = 0
        for j in range(n):
            lap[j] = (
                mid[j]
                + np.int32(top[j + 1])
                + np.int32(bottom[j + 1])
                - 2 * np.int32(centre[j + 1])
            )
            c = abs(up[j] - 2 * mid[j] + down[j])
            conv[j] = c
            total += c
        noise[2] += total
        noise[3] += n
        ci = i // cell
        if ci < ch:  # vector adds per row; the cells' sums once their last row is in
            for j in range(n):
                column_sums[j] += conv[j]
            if i % cell == cell - 1:
                for cj in range(cw):
                    part = 0
                    for j in range(cj * cell, cj * cell + cell):
                        part += column_sums[j]
                    cells[ci, cj] = part
                column_sums[:] = 0
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
        up, mid, down = mid, down, up
    steps = np.zeros(4, dtype=np.int64)  # [Σ grid, n grid, Σ other, n other]
    if block >= 2:
        grid_sum = other_sum = grid_n = other_n = 0  # locals, so the loops keep them in registers
        step = np.empty(w, dtype=np.int16)  # a row's absolute steps, then summed (vector passes)
        if w - 1 >= block:
            for i in range(h):
                row = y[i]
                for j in range(w - 1):
                    step[j] = abs(np.int16(row[j + 1]) - np.int16(row[j]))
                part = 0
                for j in range(w - 1):
                    part += step[j]
                grid = 0
                for j in range(block - 1, w - 1, block):
                    grid += step[j]
                grid_sum += grid
                other_sum += part - grid
                grid_n += (w - 1) // block
                other_n += w - 1 - (w - 1) // block
        if h - 1 >= block:
            for i in range(h - 1):
                top, bottom = y[i], y[i + 1]
                for j in range(w):
                    step[j] = abs(np.int16(bottom[j]) - np.int16(top[j]))
                part = 0
                for j in range(w):
                    part += step[j]
                if i % block == block - 1:
                    grid_sum += part
                    grid_n += w
                else:
                    other_sum += part
                    other_n += w
        steps[0], steps[1], steps[2], steps[3] = grid_sum, grid_n, other_sum, other_n
    lap_counts = lanes[0].astype(np.int64) + lanes[1] + lanes[2] + lanes[3]
    return lap_counts, noise, cells, whole, steps


@njit(cache=True, nogil=True)
def _median_of_counts(counts, n):  # pragma: no cover - compiled
    """Median of ``n`` uint8 values from their 256-bin ``counts`` (16-bin ``coarse`` sums are
    ``counts[256:272]``) as float32: the mean of the two middle values for an even count."""
    lo_rank, hi_rank = (n - 1) // 2, n // 2
    seen = 0
    block = 0
    while seen + counts[256 + block] <= lo_rank:  # skip whole 16-value blocks below the median
        seen += counts[256 + block]
        block += 1
    lo = hi = -1
    for v in range(16 * block, 256):
        seen += counts[v]
        if lo < 0 and seen > lo_rank:
            lo = v
        if seen > hi_rank:
            hi = v
            break
    return (np.float32(lo) + np.float32(hi)) / np.float32(2.0)


@njit(cache=True, nogil=True)
def _edge_median(img, i, j0, j1, c):  # pragma: no cover - compiled
    """Median of the few values ``img[i, j0:j1, c]`` (sorted by insertion) as float32."""
    n = j1 - j0
    if n <= 2:
        return (np.float32(img[i, j0, c]) + np.float32(img[i, j1 - 1, c])) / np.float32(2.0)
    values = np.empty(n, dtype=np.int64)
    for q in range(n):
        v = np.int64(img[i, j0 + q, c])
        p = q
        while p > 0 and values[p - 1] > v:
            values[p] = values[p - 1]
            p -= 1
        values[p] = v
    return (np.float32(values[(n - 1) // 2]) + np.float32(values[n // 2])) / np.float32(2.0)


@njit(cache=True, nogil=True)
def saliency(img, k, border):  # pragma: no cover - compiled
    """``measures.saliency_map`` of a uint8 (H, W, 3) array in float32, operation for operation."""
    h, w = img.shape[0], img.shape[1]
    bg = np.empty((h, 3), dtype=np.float32)
    counts = np.zeros((3, 272), dtype=np.int32)  # per channel: 256 values, then 16 blocks
    edge = min(border, w)
    planes = np.empty((3, h, w), dtype=np.float32)  # the channels in [0, 1], one plane each
    for i in range(h):
        counts[:] = 0
        for j in range(w):
            for c in range(3):
                v = img[i, j, c]
                counts[c, v] += 1
                counts[c, 256 + (v >> 4)] += 1
                planes[c, i, j] = np.float32(v) / np.float32(255.0)
        for c in range(3):
            left = _edge_median(img, i, 0, edge, c)
            right = _edge_median(img, i, w - edge, w, c)
            row = _median_of_counts(counts[c], w)
            middle = max(min(left, right), min(max(left, right), row))
            bg[i, c] = middle / np.float32(255.0)
    diff = np.empty((h, w), dtype=np.float32)
    for i in range(h):
        best = diff[i]
        best[:] = np.float32(np.inf)
        r, g, b = planes[0, i], planes[1, i], planes[2, i]
        for dy in range(-k, k + 1):
            q = min(max(i + dy, 0), h - 1)
            b0, b1, b2 = bg[q, 0], bg[q, 1], bg[q, 2]
            for j in range(w):  # one row at a time: the compiler can use vector instructions
                d = max(max(abs(r[j] - b0), abs(g[j] - b1)), abs(b[j] - b2))
                best[j] = min(best[j], d)
    column = np.empty((h, w), dtype=np.float32)  # 3-row sums, edges replicated
    for i in range(h):
        above, below = diff[max(i - 1, 0)], diff[min(i + 1, h - 1)]
        middle, total = diff[i], column[i]
        for j in range(w):
            total[j] = above[j] + middle[j] + below[j]
    out = np.empty((h, w), dtype=np.float32)
    for i in range(h):
        total, row = column[i], out[i]
        row[0] = (total[0] + total[0] + total[min(1, w - 1)]) / np.float32(9.0)
        for j in range(1, w - 1):
            row[j] = (total[j - 1] + total[j] + total[j + 1]) / np.float32(9.0)
        if w > 1:
            row[w - 1] = (total[w - 2] + total[w - 1] + total[w - 1]) / np.float32(9.0)
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

    Each row is gathered, then summed and transformed in loops without branches (which the compiler
    turns into vector instructions), then counted into four interleaved histograms.
    """
    h, w = img.shape[0], img.shape[1]
    hists = np.zeros((4, 256), dtype=np.int64)  # interleaved: neighbours rarely share a counter
    vhists = np.zeros((4, 256), dtype=np.int64)
    hues = np.zeros((4, hue_bins), dtype=np.int64)
    sat = np.empty(h * w, dtype=np.float32)
    step = np.float32(hue_bins / 6)
    l0, l1, l2 = luma[0], luma[1], luma[2]
    r = np.empty(w, dtype=np.int32)
    g = np.empty(w, dtype=np.int32)
    b = np.empty(w, dtype=np.int32)
    lumas = np.empty(w, dtype=np.int64)
    highs = np.empty(w, dtype=np.int32)
    lows = np.empty(w, dtype=np.int32)
    bins = np.empty(w, dtype=np.int64)
    sums = np.zeros(3, dtype=np.int64)
    products = np.zeros((3, 3), dtype=np.int64)
    clipped = n = weight = 0
    for i in range(h):
        m = 0
        for j in range(w):
            if use_keep and not keep[i, j]:
                continue
            r[m], g[m], b[m] = img[i, j, 0], img[i, j, 1], img[i, j, 2]
            m += 1
        for start in range(0, m, 16384):  # int32 sums of 16,384 products of bytes are exact
            t0 = t1 = t2 = q00 = q01 = q02 = q11 = q12 = q22 = 0
            for j in range(start, min(m, start + 16384)):
                rj, gj, bj = r[j], g[j], b[j]
                t0 += rj
                t1 += gj
                t2 += bj
                q00 += rj * rj
                q01 += rj * gj
                q02 += rj * bj
                q11 += gj * gj
                q12 += gj * bj
                q22 += bj * bj
            sums[0] += t0
            sums[1] += t1
            sums[2] += t2
            products[0, 0] += q00
            products[0, 1] += q01
            products[0, 2] += q02
            products[1, 1] += q11
            products[1, 2] += q12
            products[2, 2] += q22
        for j in range(m):
            rj, gj, bj = r[j], g[j], b[j]
            y = np.float32(rj) * l0 + np.float32(gj) * l1
            y = y + np.float32(bj) * l2
            lumas[j] = np.int64(y + np.float32(0.5))
            mx, mn = max(rj, gj, bj), min(rj, gj, bj)
            highs[j], lows[j] = mx, mn
            delta = mx - mn
            sat[n + j] = np.float32(delta) / np.float32(max(mx, 1))
            is_r = mx == rj  # red, then green, then blue on ties
            is_g = (mx == gj) & ~is_r
            sextant = 0 if is_r else (2 if is_g else 4)
            num = (gj - bj) if is_r else ((bj - rj) if is_g else (rj - gj))
            turn = (np.float32(sextant) + np.float32(num) / np.float32(max(delta, 1))) * step
            bin_ = np.int64(turn + np.float32(hue_bins))  # in [hue_bins * 5/6, hue_bins * 11/6]
            bins[j] = bin_ - hue_bins if bin_ >= hue_bins else bin_
        for j in range(m):
            lane = j & 3
            mx, mn = highs[j], lows[j]
            hists[lane, lumas[j]] += 1
            vhists[lane, mx] += 1
            clipped += (mx >= 250) & (mn < 250)
            weight += mx - mn
            hues[lane, bins[j]] += mx - mn  # grey pixels weigh nothing
        n += m
    products[1, 0], products[2, 0], products[2, 1] = products[0, 1], products[0, 2], products[1, 2]
    hist = hists[0] + hists[1] + hists[2] + hists[3]
    vhist = vhists[0] + vhists[1] + vhists[2] + vhists[3]
    hue = hues[0] + hues[1] + hues[2] + hues[3]
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
