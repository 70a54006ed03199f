"""Weight-free per-image measurements on an RGB uint8 array ``(H, W, 3)``.

Each function documents its formula. Luma ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` (Rec. 709 weights on
the stored sRGB values); unless said otherwise values are in [0, 1], and the filter-based measures
(sharpness, noise) use 0-255 units like their usual definitions. ``measure_all`` returns them all.
"""

from __future__ import annotations

import math

import numpy as np

from photogenic.curate import kernels

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


SALIENCY_TOLERANCE = 0.05  # share of the height a background row may be away from a pixel


def saliency_map(
    img: np.ndarray, tolerance: float = SALIENCY_TOLERANCE, border: int = 2
) -> np.ndarray:
    """How much each pixel stands out from the background:
    ``box3(min_{|dy| <= k} max_c |I_c(y, x) - B_c(y + dy)|)`` with ``I = img / 255`` and
    ``k = max(1, round(tolerance · H))`` rows, so a gently curved horizon still matches a nearby row
    of the model while a subject matches none; rows beyond the image repeat its first or last.
    ``B`` is the per-row background colour, the channel-wise median of three guesses: the median of
    the left ``border`` pixels, of the right ones and of the whole row (right for gradient skies and
    horizons, and for a subject that fills most of a row or touches one side). ``box3`` is the 3×3
    mean with edges replicated. Float32 ``(H, W)`` in [0, 1], computed in one compiled pass
    (``kernels.saliency``)."""
    img = np.ascontiguousarray(_check(img))
    k = max(1, round(tolerance * img.shape[0]))
    return kernels.saliency(img, k, border)


def saliency_mask(img: np.ndarray, threshold: float = 0.12) -> np.ndarray:
    """Salient pixels: ``saliency_map > threshold`` (bool ``(H, W)``)."""
    return saliency_map(img) > threshold


def components(mask: np.ndarray, min_area: int = 1) -> list[dict]:
    """8-connected components of a bool mask with at least ``min_area`` pixels, largest first (ties
    in raster order of their first pixel).

    Each is ``{"area", "cy", "cx", "y0", "x0", "y1", "x1"}`` (centroid of the pixel centres, bounding
    box with exclusive ends), from ``kernels.label_components``.
    """
    stats = kernels.label_components(np.ascontiguousarray(mask, dtype=bool))
    out = []
    for c in np.argsort(-stats[:, 0], kind="stable"):
        area, sy, sx, y0, x0, y1, x1 = (int(v) for v in stats[c])
        if area < min_area:
            break
        out.append(
            {
                "area": area,
                "cy": sy / 2 / area,
                "cx": sx / 2 / area,
                "y0": y0,
                "x0": x0,
                "y1": y1,
                "x1": x1,
            }  # fmt: skip
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
