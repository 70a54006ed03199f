"""Bring any decoded Pillow image to 8-bit RGB, recording what had to change."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_GRAY_MODES = {"1", "L", "I", "F"}
_BIT_DEPTH = {"1": 1, "I": 32, "F": 32}


def to_rgb(image: Image.Image) -> tuple[Image.Image, dict[str, Any]]:
    """Return ``(rgb_image, flags)``; flags: ``had_alpha``, ``alpha_used``, ``was_grayscale``, ``bit_depth``.

    Alpha (an alpha channel or a ``transparency`` key, e.g. a palette PNG with tRNS) is composited
    on white. 16-bit, 32-bit integer and float grayscale are scaled to 0..255, never clipped.
    """
    mode = image.mode
    flags: dict[str, Any] = {
        "had_alpha": False,
        "alpha_used": False,
        "was_grayscale": mode in _GRAY_MODES or mode.startswith("I;16"),
        "bit_depth": 16 if mode.startswith("I;16") else _BIT_DEPTH.get(mode, 8),
    }
    if mode == "RGB" and "transparency" not in image.info:
        return image, flags
    if mode.startswith("I;16") or mode in ("I", "F"):
        gray, depth = _scale_to_8bit(image)
        flags["bit_depth"] = depth
        return gray.convert("RGB"), flags
    if mode in _ALPHA_MODES or "transparency" in image.info:
        return _composite_on_white(image, flags), flags
    return image.convert("RGB"), flags


def _composite_on_white(image: Image.Image, flags: dict[str, Any]) -> Image.Image:
    rgba = image.convert("RGBA")
    flags["had_alpha"] = True
    flags["alpha_used"] = rgba.getextrema()[3][0] < 255
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _scale_to_8bit(image: Image.Image) -> tuple[Image.Image, int]:
    """Map 16-bit/32-bit/float grayscale to ``L``; returns the image and the source bit depth.

    Integer values inside 0..65535 are read as 16-bit (65535 -> 255); float values inside 0..1 as
    unit range (1.0 -> 255); anything else is stretched from its own min..max.
    """
    arr = np.asarray(image).astype(np.float64)
    arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    if image.mode == "F":
        depth = 32
        scale_lo, scale_hi = (0.0, 1.0) if lo >= 0.0 and hi <= 1.0 else (lo, hi)
    elif lo >= 0 and hi <= 65535:
        depth = 16
        scale_lo, scale_hi = 0.0, 65535.0
    else:
        depth = 32
        scale_lo, scale_hi = lo, hi
    span = scale_hi - scale_lo
    out = np.zeros_like(arr) if span <= 0 else (arr - scale_lo) * (255.0 / span)
    out = np.floor(out + 0.5).clip(0, 255).astype(np.uint8)
    return Image.fromarray(out), depth
