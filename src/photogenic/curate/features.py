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
from photogenic.curate import summaries

MIN_PHOTO_SHARE = 0.25  # measure around text only while this share of the frame is left


def measure_image(
    image: Image.Image,
    scale: int = 1,
    composition_side: int = 64,
    text_regions: Sequence[np.ndarray] = (),
    grey: Image.Image | None = None,
    small: Image.Image | None = None,
) -> dict[str, float]:
    """All measurements of an RGB image decoded at ``1/scale`` of its full resolution.

    ``text_regions``: text boxes as ``(k, 2)`` polygons of x, y in fractions of the width and height
    (the OCR stage's), left out of the measurements (see the module docstring). ``grey`` and
    ``small``: the image's ``convert("L")`` and its composition copy (``reduce`` by
    ``min(size) // composition_side`` when that is at least 2), when the caller already has them.
    """
    work = np.asarray(grey if grey is not None else image.convert("L"))
    if small is None:
        factor = min(image.size) // composition_side
        small = image.reduce(factor) if factor >= 2 else image
    small = np.asarray(small)
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
    where ``keep`` is True, when given).

    Means and standard deviations of luma and of the opponent channels come from the channel sums
    and the 3×3 matrix of channel products (every one is a linear combination of R, G, B);
    percentiles from histograms of the 8-bit values (``summaries.colour_stats``).
    """
    img = np.ascontiguousarray(img, dtype=np.uint8)
    mask = _NO_MASK if keep is None else np.ascontiguousarray(keep, dtype=bool)
    values = summaries.colour_stats(img, mask, keep is not None, m.LUMA, HUE_BINS)
    return dict(zip(summaries.COLOUR_KEYS, values.tolist(), strict=True))


HUE_BINS = 12  # dominant_hue_share: the largest share in 3 neighbouring bins of 12
_NO_TEXTURE = {
    "sharpness": 0.0,
    "edge_sharpness": 0.0,
    "noise_sigma": 0.0,
    "noise_sigma_flat": 0.0,
    "blockiness": 1.0,
}
FLAT_CELL = 8  # side of the cells of noise_sigma_flat
_NO_MASK = np.ones((1, 1), dtype=bool)


def texture(luma: np.ndarray, scale: int = 1, keep: np.ndarray | None = None) -> dict[str, float]:
    """Sharpness, noise and blockiness of an 8-bit luma array (0-255 units).

    Blockiness looks for the 8-px JPEG grid, which a ``scale``-fold reduction shrinks to
    ``8 / scale`` px; when that is not a whole number of at least 2 px it is reported as 1 (none).
    With ``keep``, sharpness and noise are taken over the pixels (filter windows centred on them,
    and 8×8 cells entirely in them) where it is True; blockiness over the whole image.
    ``noise_sigma_flat`` is Immerkær's σ over the flattest cells only: the mean ``|Y * M|`` of each
    ``FLAT_CELL``² block, its 10th percentile, times ``sqrt(π/2) / 6`` (texture raises busy cells,
    not the flat ones, so this tells sensor noise from detail). Every filter is summed in integers
    in one compiled pass; the Laplacian's variance and percentile come from its histogram
    (``summaries.texture_stats``).
    """
    if min(luma.shape) < 3:
        return dict(_NO_TEXTURE)
    y = np.ascontiguousarray(luma, dtype=np.uint8)
    mask = _NO_MASK if keep is None else np.ascontiguousarray(keep, dtype=bool)
    block = 8 // scale if scale in (1, 2, 4) else 0
    values = summaries.texture_stats(y, mask, keep is not None, FLAT_CELL, block)
    return dict(zip(summaries.TEXTURE_KEYS, values.tolist(), strict=True))


def subject(
    img: np.ndarray,
    threshold: float = 0.12,
    min_area_fraction: float = 0.003,
    keep: np.ndarray | None = None,
) -> dict:
    """Composition, clutter and subject measures from the saliency map (see ``measures``): the
    largest component of ``saliency > threshold`` (at least ``min_area_fraction`` of the frame and
    4 px) is the subject. Pixels outside ``keep`` (text) are filled in from their row (``fill_in``)
    before the background is modelled, and have no saliency."""
    h, w = img.shape[:2]
    if keep is not None:
        img = fill_in(img, keep)
    img = np.ascontiguousarray(img, dtype=np.uint8)
    values, degenerate = summaries.subject_stats(
        img,
        _NO_MASK if keep is None else np.ascontiguousarray(keep, dtype=bool),
        keep is not None,
        max(1, round(m.SALIENCY_TOLERANCE * h)),
        np.float32(threshold),  # compared in float32, as numpy compares the float32 map
        max(4, round(min_area_fraction * h * w)),
        m.LUMA,
    )
    out = dict(zip(summaries.SUBJECT_KEYS, values.tolist(), strict=True))
    if degenerate:  # the subject's pixels lie on a line: least squares
        out["subject_shading"] = _line_shading(img, keep, threshold, min_area_fraction)
    return out


def _line_shading(img, keep, threshold, min_area_fraction) -> float:
    """``subject_shading`` by least squares, for a subject whose pixels lie on a line."""
    h, w = img.shape[:2]
    sal = m.saliency_map(img)
    if keep is not None:
        sal = np.where(keep, sal, 0.0)
    mask = sal > threshold
    s = m.components(mask, max(4, round(min_area_fraction * h * w)))[0]
    ys, xs = np.nonzero(mask[s["y0"] : s["y1"], s["x0"] : s["x1"]])
    f = img[s["y0"] : s["y1"], s["x0"] : s["x1"]][ys, xs].astype(np.float32)
    lum = (f[:, 0] * m.LUMA[0] + f[:, 1] * m.LUMA[1] + f[:, 2] * m.LUMA[2]) / 255.0
    a = np.stack([np.ones(lum.size), xs - xs.mean(), ys - ys.mean()], axis=1)
    _, b, c = np.linalg.lstsq(a, lum.astype(np.float64), rcond=None)[0]
    return float(math.hypot(b, c) * math.sqrt(lum.size))


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
