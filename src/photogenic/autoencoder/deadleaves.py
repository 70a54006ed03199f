"""Dead-leaves images: synthetic training photos with natural-image statistics, made offline.

The dead-leaves model (Matheron; Lee, Mumford and Huang 2001) stacks random opaque disks whose
radii follow a power law ``p(r) ∝ r^-3`` between ``r_min`` and ``r_max``; the result has the
scale invariance and the edge and occlusion statistics of natural images, and image-restoration
networks trained on it come close to ones trained on photos (Achddou, Gousseau and Ladjal 2021). Each
disk here gets a colour: a brightness drawn uniformly plus a chroma offset whose spread is drawn
per image (grey-ish scenes to vivid ones; every hue occurs, saturated reds included), and a texture: a flat colour, a sinusoidal grating of random period and angle, or fine noise; some images
get a Gaussian blur (out-of-focus depth). Disks are drawn front to back, each filling only the
pixels no earlier disk covered, until the image is covered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from tqdm import tqdm

from photogenic.data import DatasetWriter


def dead_leaves(
    size: int, rng: np.random.Generator, r_min: float = 3.0, r_max: float = 0.5
) -> np.ndarray:
    """One ``size``² dead-leaves image as uint8 HxWx3; ``r_max`` is a share of ``size``."""
    r_max_px = r_max * size
    chroma = rng.uniform(10, 80)  # this image's colourfulness
    image = np.zeros((size, size, 3), np.float32)
    free = np.ones((size, size), bool)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    while free.any():
        # inverse CDF of p(r) ∝ r^-3 on [r_min, r_max]
        u = rng.random()
        r = (r_min**-2 - u * (r_min**-2 - r_max_px**-2)) ** -0.5
        cy, cx = rng.uniform(-r, size + r, 2)
        y0, y1 = max(0, int(cy - r)), min(size, int(cy + r) + 1)
        x0, x1 = max(0, int(cx - r)), min(size, int(cx + r) + 1)
        if y0 >= y1 or x0 >= x1:
            continue
        sy, sx = yy[y0:y1, x0:x1], xx[y0:y1, x0:x1]
        mask = ((sy - cy) ** 2 + (sx - cx) ** 2 <= r * r) & free[y0:y1, x0:x1]
        if not mask.any():
            continue
        offset = rng.normal(0, chroma, 3)
        colour = (rng.uniform(0, 255) + offset - offset.mean()).astype(np.float32)
        kind = rng.integers(3)
        if kind == 0:
            patch = np.broadcast_to(colour, (*mask.shape, 3))
        elif kind == 1:  # a grating between the colour and a darker or lighter copy of it
            period, angle = rng.uniform(2, max(3, r)), rng.uniform(0, np.pi)
            wave = np.sin((sx * np.cos(angle) + sy * np.sin(angle)) * 2 * np.pi / period)
            patch = colour * (1 + rng.uniform(0.1, 0.5) * wave[..., None])
        else:
            patch = colour + rng.normal(0, rng.uniform(5, 30), (*mask.shape, 3))
        image[y0:y1, x0:x1][mask] = patch[mask]
        free[y0:y1, x0:x1] &= ~mask
    out = Image.fromarray(np.clip(image, 0, 255).round().astype(np.uint8))
    if rng.random() < 0.3:
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    return np.asarray(out)


def write_dead_leaves(
    out: Path, n: int, size: int = 256, seed: int = 0, progress: bool = True
) -> Path:
    """A dataset of ``n`` dead-leaves images at ``out`` (resumes: existing files are kept)."""
    with DatasetWriter(out) as writer:
        for i in tqdm(range(n), desc="dead leaves", unit="img", disable=not progress):
            name = f"leaves-{i:05d}.png"
            if name not in writer:
                rng = np.random.default_rng([seed, i])
                writer.add_image(name, Image.fromarray(dead_leaves(size, rng)), "dead leaves")
    return out
