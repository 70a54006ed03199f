"""Decode an item for measurement: the header size first, then pixels at a reduced scale.

Big JPEGs are decoded with Pillow's ``draft`` (DCT scaling, 1/2 to 1/8) straight to about the size the
measurements need; other formats are decoded in full and reduced. Anything unusual (a truncated
file, a pixel bomb, an odd mode) falls back to :func:`photogenic.data.decode_image`, which gives
the specific reason code, so a bad file is a drop with a reason and never a crash.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from PIL import Image, ImageOps

from photogenic.data import decode_image
from photogenic.data.decode import DEFAULT_MAX_PIXELS
from photogenic.data.item import Item

_ORIENTATION = 0x0112


@dataclass
class Loaded:
    """A decoded item: ``image`` (RGB, reduced to about ``side`` px on its short side) or ``error``."""

    image: Image.Image | None
    width: int = 0  # as displayed (after EXIF rotation), full resolution
    height: int = 0
    scale: int = 1  # full-resolution pixels per measured pixel (DCT draft times box reduction)
    data: bytes = b""
    error: str | None = None
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    _small: tuple[int, Image.Image] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def grey(self) -> Image.Image | None:
        """The image's luma (``convert("L")``), made once for the measurements."""
        return None if self.image is None else self.image.convert("L")

    def small(self, side: int) -> Image.Image | None:
        """The composition copy: ``image`` box-reduced by ``min(size) // side`` (itself when that is
        under 2), made once for the perceptual hashes and the colour and subject measurements."""
        if self.image is None:
            return None
        if self._small is None or self._small[0] != side:
            factor = min(self.image.size) // side
            self._small = (side, self.image.reduce(factor) if factor >= 2 else self.image)
        return self._small[1]


def load_item(item: Item, side: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Loaded:
    """Read and decode ``item`` so that its short side is about ``side`` px (never upscaled)."""
    if item.error is not None:
        return Loaded(None, error=item.error, detail=item.detail)
    try:
        data = item.read_bytes()
    except Exception as exc:  # a vanished or unreadable file is a reason, not a crash
        full = item.decode(max_pixels=max_pixels)
        return Loaded(None, error=full.error or "read_error", detail=full.detail or str(exc))
    try:
        return _fast(data, side, max_pixels)
    except Exception:  # the careful decoder names what is wrong
        full = decode_image(data, max_pixels=max_pixels)
        if not full.ok or full.image is None:
            return Loaded(None, data=data, error=full.error, detail=full.detail)
        image = full.image
        width, height = image.size
        reduced, factor = _reduce(image, side)
        return Loaded(reduced, width, height, factor, data, info=full.info)


def _fast(data: bytes, side: int, max_pixels: int) -> Loaded:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels or width == 0 or height == 0:
            raise ValueError("size")
        if image.mode not in ("RGB", "L", "YCbCr") or "transparency" in image.info:
            raise ValueError("mode")  # palette, alpha, 16-bit, CMYK: the careful path
        if getattr(image, "n_frames", 1) > 1:
            raise ValueError("animated")
        if image.format == "JPEG":
            if data.rfind(b"\xff\xd9") < 0:
                raise ValueError("truncated")
            if min(width, height) >= 2 * side:
                short = min(width, height)
                image.draft("RGB", (side * width // short, side * height // short))
        elif image.format == "PNG" and data.rfind(b"IEND") < 0:
            raise ValueError("truncated")
        quality = jpeg_quality(image)
        orientation = _orientation(image)
        image.load()
        draft = max(1, round(width / image.size[0]))
        if orientation in range(2, 9):
            image = ImageOps.exif_transpose(image)
            if orientation in range(5, 9):
                width, height = height, width
        rgb = image if image.mode == "RGB" else image.convert("RGB")
    reduced, factor = _reduce(rgb, side)
    info = {"format": image.format, "jpeg_quality": quality}
    return Loaded(reduced, width, height, draft * factor, data, info=info)


# The luminance quantisation table of the JPEG standard (ITU-T T.81 Annex K), quality 50.
_STD_LUMA_TABLE_MEAN = 57.625


def jpeg_quality(image: Image.Image) -> float:
    """The JPEG quality (1-100) that the luminance quantisation table in the header corresponds to
    (the IJG scaling: ``scale = mean(table) / mean(standard table) · 100``, quality ``(200 - scale) / 2``
    up to 100 % scale, ``5000 / scale`` above); 100 for images that are not JPEG."""
    tables = getattr(image, "quantization", None)
    if image.format != "JPEG" or not tables or 0 not in tables:
        return 100.0
    scale = sum(tables[0]) / len(tables[0]) / _STD_LUMA_TABLE_MEAN * 100.0
    quality = (200.0 - scale) / 2.0 if scale <= 100.0 else 5000.0 / scale
    return float(min(100.0, max(1.0, quality)))


def _reduce(image: Image.Image, side: int) -> tuple[Image.Image, int]:
    """Shrink so the short side is about ``side`` (integer box reduction: fast and alias-free)."""
    factor = min(image.size) // side
    if factor >= 2:
        return image.reduce(factor), factor
    return image, 1


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # a broken EXIF block means "no rotation"
        return 1
