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

from photogenic.curate import measures as m

LUMA_BINS = np.arange(256, dtype=np.float64) / 255.0
MIN_PHOTO_SHARE = 0.25  # measure around text only while this share of the frame is left


def measure_image(
    image: Image.Image,
    scale: int = 1,
    composition_side: int = 64,
    text_regions: Sequence[np.ndarray] = (),
) -> dict[str, float]:
    """All measurements of an RGB image decoded at ``1/scale`` of its full resolution.

    ``text_regions``: text boxes as ``(k, 2)`` polygons of x, y in fractions of the width and height
    (the OCR stage's), left out of the measurements (see the module docstring).
    """
    work = np.asarray(image.convert("L"), dtype=np.float32)
    factor = min(image.size) // composition_side
    small_img = image.reduce(factor) if factor >= 2 else image
    small = np.asarray(small_img)
    keep_small = photo_mask(text_regions, small.shape[1], small.shape[0])
    keep_work = photo_mask(text_regions, work.shape[1], work.shape[0])
    out = colour_and_exposure(small, keep_small)
    out.update(texture(work, scale, keep_work))
    out.update(subject(small, keep=keep_small))
    return out


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


def colour_and_exposure(img: np.ndarray, keep: np.ndarray | None = None) -> dict[str, float]:
    """Exposure, clipping, contrast and colour measures of an RGB uint8 array (over the pixels
    where ``keep`` is True, when given)."""
    f = img.astype(np.float32)
    if keep is not None:
        f = f[keep]  # (n, 3): every statistic below is per pixel
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = (r * m.LUMA[0] + g * m.LUMA[1] + b * m.LUMA[2]) / 255.0
    hist = np.bincount(np.clip(y * 255.0 + 0.5, 0, 255).astype(np.intp).ravel(), minlength=256)
    cdf = np.cumsum(hist) / max(1, y.size)

    def pct(q: float) -> float:
        return float(LUMA_BINS[min(255, int(np.searchsorted(cdf, q)))])

    rg = r - g
    yb = 0.5 * (r + g) - b
    colourful = math.hypot(float(rg.std()), float(yb.std())) + 0.3 * math.hypot(
        float(rg.mean()), float(yb.mean())
    )
    mx = f.max(axis=-1)
    mn = f.min(axis=-1)
    delta = mx - mn
    sat = np.where(mx > 0, delta / np.maximum(mx, 1e-6), 0.0)
    d = np.maximum(delta, 1e-6)
    hue = np.where(mx == r, ((g - b) / d) % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4))
    hue = (hue / 6.0) % 1.0
    clipped_channels = (f >= 250.0).sum(axis=-1)
    sat_sorted = np.partition(sat.ravel(), int(0.9 * (sat.size - 1)))
    vhist = np.bincount(mx.astype(np.intp).ravel(), minlength=256)
    vcdf = np.cumsum(vhist) / max(1, mx.size)
    mean_rgb = f.reshape(-1, 3).mean(axis=0) / 255.0
    grey = float(mean_rgb.mean())
    return {
        "mean_luminance": float(y.mean()),
        "luma_p01": pct(0.01),
        "luma_p50": pct(0.5),
        "luma_p99": pct(0.99),
        "luma_range": pct(0.95) - pct(0.05),
        "dark_fraction": float(hist[:6].sum() / y.size),
        "bright_fraction": float(hist[250:].sum() / y.size),
        "value_p99": float(LUMA_BINS[min(255, int(np.searchsorted(vcdf, 0.99)))]),
        "clipped_fraction": float(vhist[250:].sum() / mx.size),
        "colour_clipped_fraction": float(((clipped_channels > 0) & (clipped_channels < 3)).mean()),
        "saturation_p90": float(sat_sorted[int(0.9 * (sat.size - 1))]),
        "rms_contrast": float(y.std()),
        "colorfulness": colourful,
        "saturation_mean": float(sat.mean()),
        "dominant_hue_share": m._dominant_hue(hue, sat, mx / 255.0),
        "color_cast": float(np.linalg.norm(mean_rgb - grey) / (grey + 1e-3)),
    }


def texture(luma: np.ndarray, scale: int = 1, keep: np.ndarray | None = None) -> dict[str, float]:
    """Sharpness, noise and blockiness of a float luma array in 0-255 units.

    Blockiness looks for the 8-px JPEG grid, which a ``scale``-fold reduction shrinks to
    ``8 / scale`` px; when that is not a whole number of at least 2 px it is reported as 1 (none).
    With ``keep``, sharpness and noise are taken over the pixels (filter windows centred on them,
    and 8×8 cells entirely in them) where it is True; blockiness over the whole image.
    """
    y = luma
    if min(y.shape) < 3:
        return {
            "sharpness": 0.0,
            "edge_sharpness": 0.0,
            "noise_sigma": 0.0,
            "noise_sigma_flat": 0.0,
            "blockiness": 1.0,
        }
    inner = None if keep is None else keep[1:-1, 1:-1]
    c = y[1:-1, 1:-1]
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * c
    sharp = float(lap.var() if inner is None else lap[inner].var())
    flat = (y if keep is None else y[keep]).ravel()
    n = flat.size
    lo, hi = np.partition(flat, (n // 20, n - 1 - n // 20))[[n // 20, n - 1 - n // 20]]
    mags = np.abs(lap if inner is None else lap[inner]).ravel()
    k = min(mags.size - 1, int(0.995 * mags.size))
    edge = float(np.partition(mags, k)[k]) / (float(hi - lo) + 1.0)
    # Immerkær's mask [[1,-2,1],[-2,4,-2],[1,-2,1]] = (row second difference) ⊗ (column second difference)
    rows = y[:, :-2] - 2 * y[:, 1:-1] + y[:, 2:]
    conv = np.abs(rows[:-2] - 2 * rows[1:-1] + rows[2:])
    noise = math.sqrt(math.pi / 2) * float(conv.mean() if inner is None else conv[inner].mean()) / 6
    flat = _flat_noise(conv, inner)
    block = 8 // scale if scale in (1, 2, 4) else 0
    blocky = _blockiness(y, block) if block >= 2 else 1.0
    return {
        "sharpness": sharp,
        "edge_sharpness": edge,
        "noise_sigma": noise,
        "noise_sigma_flat": flat,
        "blockiness": blocky,
    }


def _flat_noise(
    mag: np.ndarray, keep: np.ndarray | None = None, cell: int = 8, quantile: float = 0.1
) -> float:
    """Immerkær's σ over the flattest cells only: the mean ``|Y * M|`` of each ``cell``×``cell`` block,
    its ``quantile``-th smallest, times ``sqrt(π/2) / 6``. Texture raises busy cells, not the flat
    ones, so this tells sensor noise from detail in real photos. With ``keep``, only cells entirely
    inside it count (all cells when none is)."""
    h, w = mag.shape
    if h < cell or w < cell:
        return math.sqrt(math.pi / 2) * float(mag.mean()) / 6 if mag.size else 0.0
    hh, ww = h - h % cell, w - w % cell
    blocks = mag[:hh, :ww].reshape(hh // cell, cell, ww // cell, cell).mean(axis=(1, 3)).ravel()
    if keep is not None:
        whole = keep[:hh, :ww].reshape(hh // cell, cell, ww // cell, cell).all(axis=(1, 3)).ravel()
        if whole.any():
            blocks = blocks[whole]
    k = int(quantile * (blocks.size - 1))
    return math.sqrt(math.pi / 2) * float(np.partition(blocks, k)[k]) / 6


def _blockiness(y: np.ndarray, block: int) -> float:
    num = den = 0.0
    num_n = den_n = 0
    for diffs in (np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0)).T):
        n = diffs.shape[1]
        if n < block:
            continue
        at_edge = (np.arange(n) + 1) % block == 0
        col = diffs.sum(axis=0)
        num += float(col[at_edge].sum())
        den += float(col[~at_edge].sum())
        num_n += diffs.shape[0] * int(at_edge.sum())
        den_n += diffs.shape[0] * int((~at_edge).sum())
    if num_n == 0 or den_n == 0:
        return 1.0
    return float((num / num_n + 1e-3) / (den / den_n + 1e-3))


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
    lum = (f @ m.LUMA) / 255.0
    out.update(
        subject_area=s["area"] / (h * w),
        subject_thirds_distance=m.thirds_distance(cx, cy),
        subject_centre_distance=math.hypot(cx - 0.5, cy - 0.5),
        subject_touches_border=float(s["x0"] == 0 or s["y0"] == 0 or s["x1"] == w or s["y1"] == h),
        subject_contrast=float(np.median(vals)),
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
    """Luma change across the subject from a least-squares plane fit (see the module docstring)."""
    if lum.size < 6:
        return 0.0
    a = np.stack([np.ones_like(xs), xs - xs.mean(), ys - ys.mean()], axis=1)
    coef, *_ = np.linalg.lstsq(a, lum, rcond=None)
    return float(math.hypot(float(coef[1]), float(coef[2])) * math.sqrt(lum.size))
