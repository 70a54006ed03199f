"""Weight-free per-image measurements on an RGB uint8 array ``(H, W, 3)``.

Each function documents its formula. Luma ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` (Rec. 709 weights on
the stored sRGB values); unless said otherwise values are in [0, 1], and the filter-based measures
(sharpness, noise) use 0-255 units like their usual definitions. ``measure_all`` returns them all.
"""

from __future__ import annotations

import math

import numpy as np

from photogenic.curate.unionfind import union_pairs

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
THIRDS = ((1 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1 / 3), (2 / 3, 2 / 3))


def _check(img: np.ndarray) -> np.ndarray:
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 array (H, W, 3), got {img.dtype} {img.shape}")
    return img


def luma(img: np.ndarray) -> np.ndarray:
    """Luma ``Y`` in [0, 1], float32 ``(H, W)``."""
    f = _check(img).astype(np.float32)
    return (f[..., 0] * LUMA[0] + f[..., 1] * LUMA[1] + f[..., 2] * LUMA[2]) / 255.0


def mean_luminance(img: np.ndarray) -> float:
    """Mean luma: ``mean(Y)``."""
    return float(luma(img).mean())


def clipped_fractions(
    img: np.ndarray, dark: float = 5 / 255, bright: float = 250 / 255
) -> tuple[float, float]:
    """``(dark, bright)``: the shares of pixels with ``Y <= dark`` and with ``Y >= bright``."""
    y = luma(img)
    return float((y <= dark).mean()), float((y >= bright).mean())


def rms_contrast(img: np.ndarray) -> float:
    """RMS contrast: the standard deviation of luma, ``sqrt(mean((Y - mean Y)²))``."""
    return float(luma(img).std())


def colorfulness(img: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness in 0-255 units.

    ``rg = R - G``, ``yb = (R + G) / 2 - B``; ``M = sqrt(σ_rg² + σ_yb²) + 0.3 · sqrt(μ_rg² + μ_yb²)``.
    Grey images score 0; vivid photos typically score above 50.
    """
    f = _check(img).astype(np.float32)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    sigma = math.hypot(float(rg.std()), float(yb.std()))
    mu = math.hypot(float(rg.mean()), float(yb.mean()))
    return sigma + 0.3 * mu


def _hsv(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hue in [0, 1) (fraction of the circle), saturation and value in [0, 1]."""
    f = _check(img).astype(np.float32) / 255.0
    mx, mn = f.max(axis=2), f.min(axis=2)
    delta = mx - mn
    sat = np.where(mx > 0, delta / np.maximum(mx, 1e-6), 0.0)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    d = np.maximum(delta, 1e-6)
    hue = np.where(mx == r, ((g - b) / d) % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4))
    return (hue / 6.0) % 1.0, sat, mx


def saturation_mean(img: np.ndarray) -> float:
    """Mean HSV saturation ``(max - min) / max`` over pixels (0 for black pixels)."""
    return float(_hsv(img)[1].mean())


def dominant_hue_share(img: np.ndarray, bins: int = 12) -> float:
    """Share of colour held by the strongest hue: pixels are binned by hue (``bins`` bins) with weight
    ``saturation · value``, and the score is the heaviest window of 3 neighbouring bins (90° of the
    hue circle at 12 bins) over the total weight. 1 = one colour rules the image; grey images score 0.
    """
    return _dominant_hue(*_hsv(img), bins=bins)


def _dominant_hue(hue: np.ndarray, sat: np.ndarray, val: np.ndarray, bins: int = 12) -> float:
    weight = sat * val
    total = float(weight.sum())
    if total < 1e-6 * weight.size:
        return 0.0
    hist = np.bincount(
        (hue * bins).astype(np.intp).ravel() % bins, weights=weight.ravel(), minlength=bins
    )
    window = hist + np.roll(hist, 1) + np.roll(hist, -1)
    return float(window.max() / total)


def color_cast(img: np.ndarray) -> float:
    """Colour-cast strength (grey-world): the distance of the mean colour from grey relative to its
    brightness, ``|mean RGB - mean(mean RGB)| / (mean(mean RGB) + 1e-3)``, over channels in [0, 1]."""
    mean = _check(img).reshape(-1, 3).astype(np.float64).mean(axis=0) / 255.0
    gray = float(mean.mean())
    return float(np.linalg.norm(mean - gray) / (gray + 1e-3))


def _laplacian(y: np.ndarray) -> np.ndarray:
    """4-neighbour Laplacian ``[[0,1,0],[1,-4,1],[0,1,0]]`` on the interior of ``y``."""
    return y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]


def sharpness(img: np.ndarray) -> float:
    """Variance of the Laplacian of luma in 0-255 units (Pech-Pacheco et al. 2000); 0 when flat."""
    y = luma(img) * 255.0
    if min(y.shape) < 3:
        return 0.0
    return float(_laplacian(y).var())


def noise_sigma(img: np.ndarray) -> float:
    """Immerkær's (1996) fast noise estimate in 0-255 units:
    ``σ = sqrt(π/2) / (6 (W-2)(H-2)) · Σ |Y * M|`` with ``M = [[1,-2,1],[-2,4,-2],[1,-2,1]]``.
    """
    y = luma(img) * 255.0
    h, w = y.shape
    if h < 3 or w < 3:
        return 0.0
    conv = (
        y[:-2, :-2] - 2 * y[:-2, 1:-1] + y[:-2, 2:]
        - 2 * y[1:-1, :-2] + 4 * y[1:-1, 1:-1] - 2 * y[1:-1, 2:]
        + y[2:, :-2] - 2 * y[2:, 1:-1] + y[2:, 2:]
    )  # fmt: skip
    return float(math.sqrt(math.pi / 2) * np.abs(conv).sum() / (6 * (w - 2) * (h - 2)))


def blockiness(img: np.ndarray, block: int = 8) -> float:
    """JPEG blockiness: the mean absolute luma step across 8×8 block boundaries divided by the mean
    step elsewhere, horizontally and vertically pooled: ``(b + ε) / (n + ε)``, ε = 1e-3. About 1 for
    an image without a block grid; above 1 when blocks show. Needs at least two blocks on an axis."""
    y = luma(img) * 255.0
    num = [0.0, 0.0]  # boundary sum, count
    den = [0.0, 0.0]
    for diffs in (np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0)).T):
        n = diffs.shape[1]  # step j lies between columns j and j + 1
        if n < block:
            continue
        at_edge = (np.arange(n) + 1) % block == 0
        num[0] += float(diffs[:, at_edge].sum())
        num[1] += diffs.shape[0] * int(at_edge.sum())
        den[0] += float(diffs[:, ~at_edge].sum())
        den[1] += diffs.shape[0] * int((~at_edge).sum())
    if num[1] == 0 or den[1] == 0:
        return 1.0
    return float((num[0] / num[1] + 1e-3) / (den[0] / den[1] + 1e-3))


def _box3(a: np.ndarray) -> np.ndarray:
    """3×3 mean filter with edge replication."""
    p = np.pad(a, 1, mode="edge")
    s = p[:-2] + p[1:-1] + p[2:]
    return (s[:, :-2] + s[:, 1:-1] + s[:, 2:]) / 9.0


def _median_last(a: np.ndarray) -> np.ndarray:
    """Median over the last axis (float32), by partial sorting."""
    n = a.shape[-1]
    if n % 2:
        return np.partition(a, n // 2, axis=-1)[..., n // 2].astype(np.float32)
    p = np.partition(a, (n // 2 - 1, n // 2), axis=-1)
    return (p[..., n // 2 - 1].astype(np.float32) + p[..., n // 2]) / np.float32(2.0)


def background_model(img: np.ndarray, border: int = 2) -> np.ndarray:
    """Per-row background colour, the channel-wise median of three guesses: the left border, the
    right border and the row's median. Right for gradient skies and horizons, and for a subject that
    fills most of a row or touches one side. Float ``(H, 1, 3)`` in [0, 1]."""
    rows = np.ascontiguousarray(_check(img).transpose(0, 2, 1))  # (H, 3, W)
    left = _median_last(rows[..., :border])
    right = _median_last(rows[..., -border:])
    row = _median_last(rows)
    middle = np.maximum(np.minimum(left, right), np.minimum(np.maximum(left, right), row))
    return (middle / np.float32(255.0))[:, None, :]


def saliency_map(img: np.ndarray, tolerance: float = 0.05) -> np.ndarray:
    """How much each pixel stands out from the background:
    ``box3(min_{|dy| <= k} max_c |I_c(y, x) - B_c(y + dy)|)``, ``B`` from ``background_model`` and
    ``k = max(1, round(tolerance · H))`` rows, so a gently curved horizon still matches a nearby row of
    the model while a subject matches none. Float ``(H, W)`` in [0, 1]."""
    f = img.astype(np.float32) / np.float32(255.0)
    bg = background_model(img)[:, 0, :]  # (H, 3)
    h = f.shape[0]
    k = max(1, round(tolerance * h))
    padded = np.concatenate([np.repeat(bg[:1], k, 0), bg, np.repeat(bg[-1:], k, 0)])
    channels = [np.ascontiguousarray(f[..., c]) for c in range(3)]
    diff = None
    for dy in range(-k, k + 1):
        rows = padded[k + dy : k + dy + h]
        d = np.abs(channels[0] - rows[:, :1])
        np.maximum(d, np.abs(channels[1] - rows[:, 1:2]), out=d)
        np.maximum(d, np.abs(channels[2] - rows[:, 2:3]), out=d)
        diff = d if diff is None else np.minimum(diff, d, out=diff)
    return _box3(diff)


def saliency_mask(img: np.ndarray, threshold: float = 0.12) -> np.ndarray:
    """Salient pixels: ``saliency_map > threshold`` (bool ``(H, W)``)."""
    return saliency_map(img) > threshold


def components(mask: np.ndarray, min_area: int = 1) -> list[dict]:
    """8-connected components of a bool mask with at least ``min_area`` pixels, largest first.

    Each is ``{"area", "cy", "cx", "y0", "x0", "y1", "x1"}`` (centroid in pixels, bounding box with
    exclusive ends). Works on runs (horizontal segments of the mask): a run joins every run of the
    previous row that it overlaps or touches diagonally; the components of that graph come from
    :func:`~photogenic.curate.unionfind.union_pairs`.
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=bool)
    padded[:, 1:-1] = mask
    ys, xs = np.nonzero(padded[:, 1:] != padded[:, :-1])  # run starts and ends, row by row
    y, start, end = ys[0::2], xs[0::2], xs[1::2]  # end exclusive
    n = y.size
    if n == 0:
        return []
    # runs of row y - 1 that overlap run r: starts <= end[r] and ends >= start[r] (sorted, disjoint)
    stride = w + 2
    lo = np.searchsorted(y * stride + end, (y - 1) * stride + start, side="left")
    hi = np.searchsorted(y * stride + start, (y - 1) * stride + end, side="right")
    count = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(n), count)
    b = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    label = union_pairs(np.arange(n), a, b)
    length = (end - start).astype(np.float64)
    roots, comp = np.unique(label, return_inverse=True)  # roots in raster order of first run
    area = np.bincount(comp, length)
    sy = np.bincount(comp, length * (y + 0.5))
    sx = np.bincount(comp, length * (start + end) / 2)
    y0 = np.full(roots.size, h)
    x0 = np.full(roots.size, w)
    y1 = np.zeros(roots.size, dtype=np.intp)
    x1 = np.zeros(roots.size, dtype=np.intp)
    np.minimum.at(y0, comp, y)
    np.minimum.at(x0, comp, start)
    np.maximum.at(y1, comp, y + 1)
    np.maximum.at(x1, comp, end)
    out = []
    for c in np.argsort(-area, kind="stable"):
        if area[c] < min_area:
            break
        out.append(
            {
                "area": int(area[c]),
                "cy": float(sy[c] / area[c]),
                "cx": float(sx[c] / area[c]),
                "y0": int(y0[c]),
                "x0": int(x0[c]),
                "y1": int(y1[c]),
                "x1": int(x1[c]),
            }
        )
    return out


def thirds_distance(cx: float, cy: float) -> float:
    """Distance from ``(cx, cy)`` (fractions of width and height) to the nearest thirds point."""
    return min(math.hypot(cx - a, cy - b) for a, b in THIRDS)


def subject_measures(
    img: np.ndarray, threshold: float = 0.12, min_area_fraction: float = 0.003
) -> dict[str, float]:
    """Composition helpers from the saliency mask; the largest salient component is the subject.

    - ``subject_area``: its area over the image area,
    - ``subject_thirds_distance``: its centroid's distance (frame fractions) to the nearest thirds
      point (``sqrt(2)/6 ≈ 0.236`` for a centred subject; 1.0 when nothing is salient),
    - ``subject_centre_distance``: its centroid's distance to the frame centre,
    - ``subject_touches_border``: 1.0 if its bounding box reaches an image edge,
    - ``clutter``: the number of salient components of at least ``min_area_fraction`` of the image
      (at least 4 pixels), the subject included.
    """
    h, w = img.shape[:2]
    comps = components(saliency_mask(img, threshold), max(4, round(min_area_fraction * h * w)))
    if not comps:
        return {
            "subject_area": 0.0,
            "subject_thirds_distance": 1.0,
            "subject_centre_distance": 1.0,
            "subject_touches_border": 0.0,
            "clutter": 0.0,
        }
    s = comps[0]
    cx, cy = s["cx"] / w, s["cy"] / h
    touches = s["x0"] == 0 or s["y0"] == 0 or s["x1"] == w or s["y1"] == h
    return {
        "subject_area": s["area"] / (h * w),
        "subject_thirds_distance": thirds_distance(cx, cy),
        "subject_centre_distance": math.hypot(cx - 0.5, cy - 0.5),
        "subject_touches_border": float(touches),
        "clutter": float(len(comps)),
    }


def measure_all(img: np.ndarray) -> dict[str, float]:
    """Every measurement of this module for one image, as a flat ``{name: float}``."""
    _check(img)
    h, w = img.shape[:2]
    dark, bright = clipped_fractions(img)
    hsv = _hsv(img)
    out = {
        "width": float(w),
        "height": float(h),
        "aspect_ratio": w / h,
        "mean_luminance": mean_luminance(img),
        "dark_fraction": dark,
        "bright_fraction": bright,
        "rms_contrast": rms_contrast(img),
        "colorfulness": colorfulness(img),
        "saturation_mean": float(hsv[1].mean()),
        "dominant_hue_share": _dominant_hue(*hsv),
        "color_cast": color_cast(img),
        "sharpness": sharpness(img),
        "noise_sigma": noise_sigma(img),
        "blockiness": blockiness(img),
    }
    out.update(subject_measures(img))
    return out
