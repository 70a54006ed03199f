"""Safe image decoding: any bytes or path in, an 8-bit RGB image or a specific reason out.

``decode_image`` never raises on bad input. The pixel limit is checked on the header, before any
pixel is decoded. Truncation is detected from the file structure (PNG ``IEND``, JPEG ``EOI``, GIF
trailer, WebP RIFF size) as well as from Pillow's decoder, so the result does not depend on the
process-wide ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` switch (this module never sets it).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from photogenic.data import reasons
from photogenic.data.formats import WEB_FORMATS, sniff_extension
from photogenic.data.normalise import to_rgb

DEFAULT_MAX_PIXELS = 64_000_000
_ORIENTATION = 0x0112


@dataclass
class Decoded:
    """The result of decoding one image: ``image`` (RGB) or ``error`` (a reason code)."""

    image: Image.Image | None
    error: str | None = None
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def decode_image(source: bytes | str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Decode ``source`` (encoded bytes or a file path) to 8-bit RGB, never raising on bad input.

    ``info`` holds the original ``mode``, ``format``, ``width``, ``height`` (as stored, before EXIF
    rotation), ``n_frames``, and flags ``exif_rotated``, ``had_alpha``, ``alpha_used``,
    ``was_grayscale``, ``bit_depth``, ``animated`` and ``normalised`` (the pixels differ from a
    plain RGB read of the file). Animated images give their first frame.
    """
    data, failed = _read(source)
    if failed is not None:
        return failed
    if not data:
        return Decoded(None, reasons.EMPTY_FILE, "0 bytes")
    info: dict[str, Any] = {"bytes": len(data)}
    ext = sniff_extension(data)
    try:
        with warnings.catch_warnings():
            # the pixel limit is ours (max_pixels), checked below on the header
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return _decode(data, ext, max_pixels, info)
    except Image.DecompressionBombError as exc:
        return Decoded(None, reasons.TOO_MANY_PIXELS, str(exc), info)
    except Exception as exc:  # any decoder failure becomes a reason, never a crash
        if ext is not None and _structurally_truncated(data, ext):
            return Decoded(None, reasons.TRUNCATED, f"{ext[1:]} data ends early: {exc}", info)
        if "truncated" in str(exc).lower():
            return Decoded(None, reasons.TRUNCATED, str(exc), info)
        if "mode" not in info and ext is None:
            detail = f"not a recognised image format (starts with {data[:12]!r})"
            return Decoded(None, reasons.NOT_AN_IMAGE, detail, info)
        if isinstance(exc, UnidentifiedImageError):
            detail = f"{ext[1:] if ext else 'image'} header could not be parsed"
            return Decoded(None, reasons.CORRUPT, detail, info)
        return Decoded(None, reasons.CORRUPT, f"{type(exc).__name__}: {exc}", info)


def _decode(data: bytes, ext: str | None, max_pixels: int, info: dict[str, Any]) -> Decoded:
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    n_frames = getattr(image, "n_frames", 1)
    info.update(
        mode=image.mode,
        format=image.format,
        width=width,
        height=height,
        n_frames=n_frames,
        animated=n_frames > 1,
    )
    if width * height > max_pixels:
        detail = f"{width}x{height} = {width * height} pixels > limit {max_pixels}"
        return Decoded(None, reasons.TOO_MANY_PIXELS, detail, info)
    if width == 0 or height == 0:
        return Decoded(None, reasons.CORRUPT, f"declared size {width}x{height}", info)
    if ext is not None and _structurally_truncated(data, ext):
        return Decoded(None, reasons.TRUNCATED, f"{ext[1:]} data ends before the image does", info)
    image.load()
    orientation = _orientation(image)
    info["exif_rotated"] = orientation in range(2, 9)
    if info["exif_rotated"]:
        image = ImageOps.exif_transpose(image)
    try:
        rgb, flags = to_rgb(image)
    except (ValueError, OSError) as exc:
        return Decoded(None, reasons.UNSUPPORTED_MODE, f"mode {image.mode}: {exc}", info)
    info.update(flags)
    info["normalised"] = bool(
        info["mode"] != "RGB" or info["exif_rotated"] or info["animated"] or flags["had_alpha"]
    )
    info["reencode"] = info["normalised"] or info["format"] not in WEB_FORMATS
    return Decoded(rgb, None, "", info)


def image_size(source: bytes | str | Path, *, oriented: bool = True) -> tuple[int, int] | None:
    """``(width, height)`` from the header only (no pixel decode); None if not a readable image.

    With ``oriented`` the size is as displayed, i.e. swapped for EXIF orientations 5-8.
    """
    try:
        fp = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fp) as image:
                width, height = image.size
                if oriented and _orientation(image) in range(5, 9):
                    return height, width
                return width, height
    except Exception:  # "not readable" is the answer, not an exception
        return None


def _read(source: bytes | str | Path) -> tuple[bytes, Decoded | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    path = Path(source)
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        return b"", Decoded(None, reasons.FILE_MISSING, f"{path}: no such file")
    except OSError as exc:
        return b"", Decoded(None, reasons.READ_ERROR, f"{path}: {exc.strerror or exc}")


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # a broken EXIF block means "no rotation", not a bad image
        return 1


def _structurally_truncated(data: bytes, ext: str) -> bool:
    """True when the container shows the data stops early, independent of Pillow's settings."""
    if ext == ".png":
        return data.rfind(b"IEND") < 0
    if ext == ".jpg":
        scan = data.rfind(b"\xff\xda")
        return scan < 0 or data.find(b"\xff\xd9", scan) < 0
    if ext == ".gif":
        return not data.rstrip(b"\x00").endswith(b";")
    if ext == ".webp":
        return int.from_bytes(data[4:8], "little") + 8 > len(data)
    return False
