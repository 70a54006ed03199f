"""Every weight-free measurement of one image, computed in a few passes for throughput.

Two working sizes: colour, exposure and composition are measured on a small copy (short side
``composition_side``, default 64 px: enough to find the subject, cheap to scan), sharpness, noise and
JPEG blockiness on the luma of the decoded image (short side about ``measure_side``). The formulas are
those of :mod:`photogenic.curate.measures` (which documents each); the additions are

- ``luma_p01``/``luma_p50``/``luma_p99``: luma percentiles (histogram of 8-bit luma),
- ``luma_range``: ``p95 - p05`` of luma, a contrast measure robust to a few extreme pixels,
- ``value_p99``: the 99th percentile of ``max(R, G, B)``: a well exposed image has some pixel
  near full value, a dim one has none, whatever the colour of the scene,
- ``clipped_fraction``: the share of pixels with a channel at 250 or more (blown highlights),
- ``colour_clipped_fraction``: the share of pixels with one or two channels at 250 or more but not
  all three: clipping that destroyed a colour (a blown sky or skin), unlike white snow or paper,
- ``saturation_p90``: the 90th percentile of HSV saturation: washed-out images have no vivid
  region at all,
- ``subject_contrast``: the median saliency (largest channel difference from the background model)
  inside the subject: how well the subject separates from its background (0 when none is found),
- ``subject_shading``: the luma change across the subject along its steepest direction, from a
  least-squares plane ``Y = a + b·x + c·y`` fitted to the subject's pixels,
  ``sqrt(b² + c²) · sqrt(area)``: directional light shades a subject, flat light does not; the fit
  averages noise away,
- ``noise_sigma_flat``: the same noise estimate over the flattest 10 % of 8×8 cells (texture
  is not noise),
- ``sharpness``: variance of the Laplacian, as in ``measures``, on the working luma;
  ``edge_sharpness``: the 99.5th percentile of ``|Laplacian|`` over the luma range ``p95 - p05``
  (+1), i.e. the steepest edges per unit of contrast, so a dim or flat but sharp image is not
  called blurred.

Text found by the OCR stage is judged once, by its own measurement (``text_area``); the photograph
is measured around it. Pixels inside the text boxes are left out of the colour, exposure,
sharpness and noise statistics; for the subject measures they are filled in from their row
(``fill_in``) and have no saliency (a caption is not the subject), so a bright caption with a black
outline does not pass for colour, contrast, crisp detail or a subject. When the boxes cover more
than ``1 - MIN_PHOTO_SHARE`` of the frame, the whole image is measured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from photogenic.curate import kernels
from photogenic.curate import measures as m

LUMA_BINS = np.arange(256, dtype=np.float64) / 255.0
MIN_PHOTO_SHARE = 0.25  # measure around text only while this share of the frame is left


def measure_image(
    image: Image.Image,
    scale: int = 1,
    composition_side: int = 64,
    text_regions: Sequence[np.ndarray] = (),
    grey: Image.Image | None = None,
) -> dict[str, float]:
    """All measurements of an RGB image decoded at ``1/scale`` of its full resolution.

    ``text_regions``: text boxes as ``(k, 2)`` polygons of x, y in fractions of the width and height
    (the OCR stage's), left out of the measurements (see the module docstring). ``grey``: the
    image's ``convert("L")``, when the caller already has it.
    """
    work = np.asarray(grey if grey is not None else image.convert("L"))
    factor = min(image.size) // composition_side
    small_img = image.reduce(factor) if factor >= 2 else image
    small = np.asarray(small_img)
    keep_small = photo_mask(text_regions, small.shape[1], small.shape[0])
    keep_work = photo_mask(text_regions, work.shape[1], work.shape[0])
    out = colour_and_exposure(small, keep_small)
    out.update(texture(work, scale, keep_work))
    out.update(subject(small, keep=keep_small))
    return out


def median(values: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-D array (same value and dtype arithmetic), by one partial sort."""
    k = values.size // 2
    if values.size % 2:
        return float(np.partition(values, k)[k])
    low = np.partition(values, (k - 1, k))
    return float((low[k - 1] + low[k]) / values.dtype.type(2))


def photo_mask(regions: Sequence[np.ndarray], width: int, height: int) -> np.ndarray | None:
    """Pixels outside every text polygon (bool ``(height, width)``), a pixel counting as text when
    the polygon touches it; None when there is no text or less than ``MIN_PHOTO_SHARE`` is left."""
    if not len(regions):
        return None
    canvas = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    scale = np.array([width, height], dtype=np.float64)
    for poly in regions:
        points = np.asarray(poly, dtype=np.float64).reshape(-1, 2) * scale
        draw.polygon([(float(x), float(y)) for x, y in points], fill=1, outline=1)
    keep = ~np.asarray(canvas, dtype=bool)
    return keep if keep.mean() >= MIN_PHOTO_SHARE else None


def _rank(hist: np.ndarray, k: int) -> int:
    """The ``k``-th smallest value (0-based) of the data a histogram of integer values counts."""
    return int(np.searchsorted(np.cumsum(hist), k + 1))


def colour_and_exposure(img: np.ndarray, keep: np.ndarray | None = None) -> dict[str, float]:
    """Exposure, clipping, contrast and colour measures of an RGB uint8 array (over the pixels
    where ``keep`` is True, when given).

    Means and standard deviations of luma and of the opponent channels come from the channel sums
    and the 3×3 matrix of channel products (every one is a linear combination of R, G, B);
    percentiles from histograms of the 8-bit values.
    """
    img = np.ascontiguousarray(img, dtype=np.uint8)
    mask = _NO_MASK if keep is None else np.ascontiguousarray(keep, dtype=bool)
    count, sums, products, hist, vhist, clipped, sat, hue, weight = kernels.colour_sums(
        img, mask, keep is not None, m.LUMA, HUE_BINS
    )
    n = max(1, count)
    sums, products = sums.astype(np.float64), products.astype(np.float64)

    def moments(v: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``v · (R, G, B)`` over the pixels."""
        mean = float(v @ sums) / n
        return mean, math.sqrt(max(0.0, float(v @ products @ v) / n - mean * mean))

    luma_mean, luma_std = moments(m.LUMA.astype(np.float64))
    rg_mean, rg_std = moments(np.array([1.0, -1.0, 0.0]))
    yb_mean, yb_std = moments(np.array([0.5, 0.5, -1.0]))
    mean_rgb = sums / n / 255.0
    grey = float(mean_rgb.mean())

    cdf, vcdf = np.cumsum(hist) / n, np.cumsum(vhist) / n

    def pct(q: float, c: np.ndarray = cdf) -> float:
        return float(LUMA_BINS[min(255, int(np.searchsorted(c, q)))])

    k90 = int(0.9 * (sat.size - 1))
    return {
        "mean_luminance": luma_mean / 255.0,
        "luma_p01": pct(0.01),
        "luma_p50": pct(0.5),
        "luma_p99": pct(0.99),
        "luma_range": pct(0.95) - pct(0.05),
        "dark_fraction": float(hist[:6].sum() / n),
        "bright_fraction": float(hist[250:].sum() / n),
        "value_p99": pct(0.99, vcdf),
        "clipped_fraction": float(vhist[250:].sum() / n),
        "colour_clipped_fraction": float(clipped / n),
        "saturation_p90": float(np.partition(sat, k90)[k90]),
        "rms_contrast": luma_std / 255.0,
        "colorfulness": math.hypot(rg_std, yb_std) + 0.3 * math.hypot(rg_mean, yb_mean),
        "saturation_mean": float(sat.mean()),
        "dominant_hue_share": _dominant_hue(hue, weight, count),
        "color_cast": math.hypot(*(mean_rgb - grey)) / (grey + 1e-3),
    }


HUE_BINS = 12
_NEIGHBOURS = (np.arange(HUE_BINS)[:, None] + np.array([-1, 0, 1])) % HUE_BINS  # 3-bin windows


def _dominant_hue(hue: np.ndarray, weight: int, count: int) -> float:
    """``measures.dominant_hue_share`` from ``kernels.colour_sums``'s hue histogram: the weight
    ``saturation · value`` of a pixel is ``(max - min) / 255``, and its hue's sextant comes from
    which channel is the largest (red, then green, then blue on ties)."""
    total = weight / 255.0
    if total < 1e-6 * count:
        return 0.0
    return float((hue / 255.0)[_NEIGHBOURS].sum(axis=1).max() / total)


_NO_TEXTURE = {
    "sharpness": 0.0,
    "edge_sharpness": 0.0,
    "noise_sigma": 0.0,
    "noise_sigma_flat": 0.0,
    "blockiness": 1.0,
}
_LAPLACE = np.arange(-1020, 1021, dtype=np.float64)  # the values a Laplacian of 8-bit luma takes
_SQRT_HALF_PI = math.sqrt(math.pi / 2)  # Immerkær's σ = sqrt(π/2) · mean|Y * M| / 6
FLAT_CELL = 8  # side of the cells of noise_sigma_flat
_NO_MASK = np.ones((1, 1), dtype=bool)


def texture(luma: np.ndarray, scale: int = 1, keep: np.ndarray | None = None) -> dict[str, float]:
    """Sharpness, noise and blockiness of an 8-bit luma array (0-255 units).

    Blockiness looks for the 8-px JPEG grid, which a ``scale``-fold reduction shrinks to
    ``8 / scale`` px; when that is not a whole number of at least 2 px it is reported as 1 (none).
    With ``keep``, sharpness and noise are taken over the pixels (filter windows centred on them,
    and 8×8 cells entirely in them) where it is True; blockiness over the whole image. Every filter
    is summed in integers in one compiled pass (``kernels.texture_sums``); the Laplacian's variance
    and percentile come from its histogram.
    """
    if min(luma.shape) < 3:
        return dict(_NO_TEXTURE)
    y = np.ascontiguousarray(luma, dtype=np.uint8)
    inner = None if keep is None else np.ascontiguousarray(keep[1:-1, 1:-1])
    block = 8 // scale if scale in (1, 2, 4) else 0
    counts, noise_sums, cells, whole, steps = kernels.texture_sums(
        y, _NO_MASK if inner is None else inner, inner is not None, FLAT_CELL, block
    )
    n = int(counts.sum())
    mean = float((counts * _LAPLACE).sum()) / n
    sharp = max(0.0, float((counts * _LAPLACE * _LAPLACE).sum()) / n - mean * mean)
    mags = counts[1020:].copy()  # histogram of |Laplacian|
    mags[1:] += counts[1019::-1]
    k = min(n - 1, int(0.995 * n))
    mask = None if keep is None else Image.fromarray(keep)
    grey = np.array(Image.fromarray(y).histogram(mask))
    m_px = int(grey.sum())
    lo, hi = _rank(grey, m_px // 20), _rank(grey, m_px - 1 - m_px // 20)
    edge = _rank(mags, k) / (hi - lo + 1.0)
    noise = _SQRT_HALF_PI * float(noise_sums[0]) / max(1, int(noise_sums[1])) / 6
    return {
        "sharpness": sharp,
        "edge_sharpness": edge,
        "noise_sigma": noise,
        "noise_sigma_flat": _flat_noise(cells, whole, noise_sums, inner is not None),
        "blockiness": _blockiness(steps) if block >= 2 else 1.0,
    }


def _flat_noise(
    cells: np.ndarray,
    whole: np.ndarray,
    noise_sums: np.ndarray,
    masked: bool,
    quantile: float = 0.1,
) -> float:
    """Immerkær's σ over the flattest cells only: the mean ``|Y * M|`` of each ``FLAT_CELL``² block,
    its ``quantile``-th smallest, times ``sqrt(π/2) / 6``. Texture raises busy cells, not the flat
    ones, so this tells sensor noise from detail in real photos. When masked, only cells entirely
    inside the mask count (all cells when none is). An image too small for one cell gives the
    mean over all its pixels."""
    if cells.size == 0:
        total, count = int(noise_sums[2]), int(noise_sums[3])
        return _SQRT_HALF_PI * total / count / 6 if count else 0.0
    sums = cells.ravel()
    if masked and whole.any():
        sums = sums[whole.ravel()]
    k = int(quantile * (sums.size - 1))
    return _SQRT_HALF_PI * (float(np.partition(sums, k)[k]) / (FLAT_CELL * FLAT_CELL)) / 6


def _blockiness(steps: np.ndarray) -> float:
    """Mean absolute step across the block grid over the mean step elsewhere (both directions),
    from ``kernels.texture_sums``'s ``[Σ grid, n grid, Σ other, n other]``."""
    at, at_n, off, off_n = (int(v) for v in steps)
    if at_n == 0 or off_n == 0:
        return 1.0
    return float((at / at_n + 1e-3) / (off / off_n + 1e-3))


def subject(
    img: np.ndarray,
    threshold: float = 0.12,
    min_area_fraction: float = 0.003,
    keep: np.ndarray | None = None,
) -> dict:
    """Composition, clutter and subject measures from the saliency map (see ``measures``). Pixels
    outside ``keep`` (text) are filled in from their row (``fill_in``) before the background is
    modelled, and have no saliency."""
    h, w = img.shape[:2]
    if keep is not None:
        img = fill_in(img, keep)
    sal = m.saliency_map(img)
    if keep is not None:
        sal = np.where(keep, sal, 0.0)
    mask = sal > threshold
    comps = m.components(mask, max(4, round(min_area_fraction * h * w)))
    out = {
        "subject_area": 0.0,
        "subject_thirds_distance": 1.0,
        "subject_centre_distance": 1.0,
        "subject_touches_border": 0.0,
        "subject_contrast": 0.0,
        "subject_shading": 0.0,
        "salient_fraction": float(mask.mean()),
        "clutter": float(len(comps)),
    }
    if not comps:
        return out
    s = comps[0]
    cx, cy = s["cx"] / w, s["cy"] / h
    box = mask[s["y0"] : s["y1"], s["x0"] : s["x1"]]
    ys, xs = np.nonzero(box)
    vals = sal[s["y0"] : s["y1"], s["x0"] : s["x1"]][ys, xs]
    f = img[s["y0"] : s["y1"], s["x0"] : s["x1"]][ys, xs].astype(np.float32)
    lum = (f[:, 0] * m.LUMA[0] + f[:, 1] * m.LUMA[1] + f[:, 2] * m.LUMA[2]) / 255.0
    out.update(
        subject_area=s["area"] / (h * w),
        subject_thirds_distance=m.thirds_distance(cx, cy),
        subject_centre_distance=math.hypot(cx - 0.5, cy - 0.5),
        subject_touches_border=float(s["x0"] == 0 or s["y0"] == 0 or s["x1"] == w or s["y1"] == h),
        subject_contrast=median(vals),
        subject_shading=_shading(xs.astype(np.float32), ys.astype(np.float32), lum),
    )
    return out


def fill_in(img: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``img`` with the pixels outside ``keep`` replaced by linear interpolation between the nearest
    kept pixels of their row (of their column, for rows with none kept), channel by channel."""
    out = img.astype(np.float32)
    filled = _fill_rows(out, keep)
    _fill_rows(out.transpose(1, 0, 2), np.repeat(filled[None, :], keep.shape[1], axis=0))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _fill_rows(img: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Interpolate, in place, each row's pixels outside ``keep`` from its kept ones; returns which
    rows are complete afterwards (those with at least one kept pixel)."""
    xs = np.arange(img.shape[1])
    for r in np.nonzero(keep.any(axis=1) & ~keep.all(axis=1))[0]:
        ok = keep[r]
        for c in range(img.shape[2]):
            img[r, ~ok, c] = np.interp(xs[~ok], xs[ok], img[r, ok, c])
    return keep.any(axis=1)


def _shading(xs: np.ndarray, ys: np.ndarray, lum: np.ndarray) -> float:
    """Luma change across the subject from a least-squares plane fit (see the module docstring),
    by the normal equations of the centred coordinates (the plane's offset drops out)."""
    if lum.size < 6:
        return 0.0
    x = xs.astype(np.float64) - xs.mean()
    y = ys.astype(np.float64) - ys.mean()
    v = lum.astype(np.float64)
    sxx, sxy, syy = float((x * x).sum()), float((x * y).sum()), float((y * y).sum())
    sxv, syv = float((x * v).sum()), float((y * v).sum())  # no BLAS: its threads would contend
    det = sxx * syy - sxy * sxy
    if det > 1e-9 * max(sxx * syy, 1e-12):
        b, c = (syy * sxv - sxy * syv) / det, (sxx * syv - sxy * sxv) / det
    else:  # the pixels lie on a line: the minimum-norm solution
        a = np.stack([np.ones_like(x), x, y], axis=1)
        _, b, c = np.linalg.lstsq(a, v, rcond=None)[0]
    return float(math.hypot(b, c) * math.sqrt(lum.size))
