"""Build a corpus of awkward and broken image files in memory (used by the data tests)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Encode a PIL image to bytes in ``fmt``."""
    buf = io.BytesIO()
    image.save(buf, format=fmt, **params)
    return buf.getvalue()


def noise(size: int = 64, seed: int = 0) -> Image.Image:
    """A random RGB image (incompressible, so truncation always cuts pixel data)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))


def solid(color: tuple[int, int, int] = RED, size: tuple[int, int] = (8, 8)) -> bytes:
    """A small valid RGB PNG of one colour."""
    return encode(Image.new("RGB", size, color), "PNG")


def patch_png_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the IHDR width/height of a PNG (and its CRC): a header that lies about its size."""
    assert data[12:16] == b"IHDR"
    ihdr = struct.pack(">II", width, height) + data[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return data[:16] + ihdr + crc + data[33:]


def exif_rotated_jpeg() -> bytes:
    """40x20 JPEG, red 10x10 marker top-left, EXIF orientation 6 (display rotated 90 deg clockwise)."""
    image = Image.new("RGB", (40, 20), WHITE)
    image.paste(RED, (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(image, "JPEG", exif=exif, quality=95)


def palette_png(transparent: bool) -> bytes:
    """2x1 palette PNG: index 0 (blue) at x=0, index 1 (red) at x=1; index 0 transparent if asked."""
    image = Image.new("P", (2, 1))
    image.putpalette([*BLUE, *RED] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    return encode(image, "PNG", **({"transparency": 0} if transparent else {}))


def rgba_png() -> bytes:
    """2x1 RGBA PNG: fully transparent black at x=0, opaque red at x=1."""
    image = Image.new("RGBA", (2, 1))
    image.putpixel((0, 0), (0, 0, 0, 0))
    image.putpixel((1, 0), (*RED, 255))
    return encode(image, "PNG")


def la_png() -> bytes:
    """2x1 LA PNG: transparent black at x=0, opaque gray 100 at x=1."""
    image = Image.new("LA", (2, 1))
    image.putpixel((0, 0), (0, 0))
    image.putpixel((1, 0), (100, 255))
    return encode(image, "PNG")


def gray16_png() -> bytes:
    """1x4 16-bit grayscale PNG with values 0, 32768, 65535, 257."""
    return encode(Image.fromarray(np.array([[0, 32768, 65535, 257]], dtype=np.uint16)), "PNG")


def float_tiff() -> bytes:
    """1x3 float (mode F) TIFF with values 0.0, 0.5, 1.0."""
    return encode(Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32)), "TIFF")


def animated_gif() -> bytes:
    """A two-frame GIF: red, then blue."""
    frames = [Image.new("RGB", (4, 4), RED), Image.new("RGB", (4, 4), BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def one_bit_png() -> bytes:
    """2x1 1-bit PNG: black at x=0, white at x=1."""
    image = Image.new("1", (2, 1), 0)
    image.putpixel((1, 0), 1)
    return encode(image, "PNG")


CASES: dict[str, Callable[[], bytes]] = {
    "zero_byte.png": lambda: b"",
    "text_file.jpg": lambda: b"this is a caption, not a picture\n",
    "truncated.png": lambda: (lambda d: d[: len(d) // 2])(encode(noise(), "PNG")),
    "truncated.jpg": lambda: (lambda d: d[: len(d) // 2])(encode(noise(), "JPEG")),
    "bomb.png": lambda: patch_png_size(solid(), 100_000, 100_000),
    "big_header.png": lambda: patch_png_size(solid(), 9_000, 9_000),
    "cmyk.jpg": lambda: encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95),
    "gray16.png": gray16_png,
    "float.tif": float_tiff,
    "palette.png": lambda: palette_png(transparent=False),
    "palette_trns.png": lambda: palette_png(transparent=True),
    "rgba.png": rgba_png,
    "la.png": la_png,
    "exif6.jpg": exif_rotated_jpeg,
    "gray.png": lambda: encode(Image.new("L", (3, 2), 77), "PNG"),
    "one_bit.png": one_bit_png,
    "animated.gif": animated_gif,
    "plain.png": lambda: solid(RED, (5, 3)),
}
BAD = {
    "zero_byte.png": "empty_file",
    "text_file.jpg": "not_an_image",
    "truncated.png": "truncated",
    "truncated.jpg": "truncated",
    "bomb.png": "too_many_pixels",
    "big_header.png": "too_many_pixels",
}


def write_corpus(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write the named cases (default: all) into ``folder``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in names or list(CASES):
        paths[name] = folder / name
        paths[name].write_bytes(CASES[name]())
    return paths
