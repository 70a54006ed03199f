"""Small JPEG thumbnails as data URIs for image grids."""

from __future__ import annotations

import io

from PIL import Image

from photogenic.report.html import data_uri


def thumbnail_uri(image: Image.Image, size: int = 128) -> str:
    """A JPEG thumbnail (long side ``size``, never enlarged beyond 2×) as a data URI."""
    image = image.convert("RGB")
    scale = min(size / max(image.size), 2.0)
    resample = Image.NEAREST if scale > 1 else Image.BILINEAR
    thumb = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), resample
    )
    buf = io.BytesIO()
    thumb.save(buf, format="JPEG", quality=80)
    return data_uri(buf.getvalue(), "image/jpeg")
