"""Applying the photographic faults to a clean render, in camera-pipeline order.

exposure -> contrast -> saturation / colour cast -> blur (optics) -> downscale (low resolution) ->
sensor noise -> overlaid text -> encoding (JPEG artefacts or lossless PNG).
"""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec. 709 luma weights


def clip01(img: np.ndarray) -> np.ndarray:
    """Clip a float array to [0, 1] in place (two ufuncs; cheaper than ``np.clip`` on tiny arrays)."""
    np.maximum(img, 0.0, out=img)
    return np.minimum(img, 1.0, out=img)


def _edge_pad(img: np.ndarray, r: int, axis: int) -> np.ndarray:
    first = img[:1] if axis == 0 else img[:, :1]
    last = img[-1:] if axis == 0 else img[:, -1:]
    return np.concatenate([np.repeat(first, r, axis), img, np.repeat(last, r, axis)], axis=axis)


_FONT: ImageFont.ImageFont | None = None


def font() -> ImageFont.ImageFont:
    """PIL's built-in bitmap font (real glyphs, no file needed)."""
    global _FONT
    if _FONT is None:
        _FONT = ImageFont.load_default_imagefont()
    return _FONT


def tone(
    img: np.ndarray, ev: float, contrast: float, saturation: float, cast: float, tint
) -> np.ndarray:
    """Exposure (``x·2**(EV/2.2)``), contrast around the mean luma, saturation, colour cast; clipped."""
    if ev != 0.0:
        img = clip01(img * np.float32(2.0 ** (ev / 2.2)))
    if contrast != 1.0:
        mean = float(luma(img).mean())
        img = mean + (img - mean) * np.float32(contrast)
    if saturation != 1.0 or cast > 0.0:
        gray = luma(img)[..., None]
        if saturation != 1.0:
            img = gray + (img - gray) * np.float32(saturation)
        if cast > 0.0:
            t = np.asarray(tint, np.float32)
            t = t / float(luma(t))
            img = img * np.float32(1 - cast) + gray * t * np.float32(cast)
    return clip01(img)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float [0, 1] to uint8 with rounding."""
    return (img * 255.0 + 0.5).astype(np.uint8)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of a float ``(H, W, 3)`` image, standard deviation ``sigma`` px, kernel
    cut at 3σ, borders extended (no-op below 0.05). Shifted sums, no BLAS: cheap for small images."""
    if sigma < 0.05:
        return img
    r = max(1, math.ceil(3 * sigma))
    taps = np.exp(-(np.arange(-r, r + 1, dtype=np.float32) ** 2) / np.float32(2 * sigma * sigma))
    taps /= taps.sum()
    h, w = img.shape[:2]
    p = _edge_pad(img, r, 0)
    rows = p[:h] * taps[0]
    for i in range(1, 2 * r + 1):
        rows += p[i : i + h] * taps[i]
    p = _edge_pad(rows, r, 1)
    out = p[:, :w] * taps[0]
    for i in range(1, 2 * r + 1):
        out += p[:, i : i + w] * taps[i]
    return out


def luma(img: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of a float ``(..., 3)`` image (explicit sums: no BLAS threads for tiny arrays)."""
    return img[..., 0] * LUMA[0] + img[..., 1] * LUMA[1] + img[..., 2] * LUMA[2]


def downscale(arr: np.ndarray, short_side: int) -> np.ndarray:
    """Resize a uint8 image so its short side is ``short_side`` px, keeping the aspect ratio."""
    h, w = arr.shape[:2]
    if min(w, h) <= short_side:
        return arr
    scale = short_side / min(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(arr).resize(size, Image.Resampling.LANCZOS))


def add_noise(arr: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian noise of ``sigma`` (0-255 units) on a uint8 array."""
    if sigma < 0.25:
        return arr
    out = rng.standard_normal(arr.shape, dtype=np.float32)
    out *= np.float32(sigma)
    out += arr
    np.maximum(out, 0, out=out)
    np.minimum(out, 255, out=out)
    return out.astype(np.uint8)


def overlay_text(
    arr: np.ndarray, text: str, at: tuple[float, float], color: int, watermark: bool, alpha: float
) -> np.ndarray:
    """Draw ``text`` on a uint8 image in the bitmap font: a slogan is opaque with a dark outline, a
    watermark is semi-transparent white in the lower part of the frame."""
    if not text:
        return arr
    image = Image.fromarray(arr)
    f = font()
    x0, y0, x1, y1 = f.getbbox(text)
    tw, th = x1 - x0, y1 - y0
    w, h = image.size
    x = int(at[0] * max(0, w - tw))
    if watermark:
        y = int(h * 0.55 + at[1] * max(0, h * 0.45 - th))
        layer = Image.new("L", image.size, 0)
        ImageDraw.Draw(layer).text((x, y), text, fill=int(255 * alpha), font=f)
        white = Image.new("RGB", image.size, (255, 255, 255))
        return np.asarray(Image.composite(white, image, layer))
    y = int(at[1] * max(0, h - th))
    fill = ((255, 255, 255), (255, 230, 0), (255, 40, 40))[color % 3]
    draw = ImageDraw.Draw(image)
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        draw.text((x + dx, y + dy), text, fill=(0, 0, 0), font=f)
    draw.text((x, y), text, fill=fill, font=f)
    return np.asarray(image)


def encode(
    pixels: np.ndarray | Image.Image, jpeg_quality: int | None, png_level: int = 1
) -> tuple[bytes, str]:
    """Encode an RGB image (uint8 array or PIL) as JPEG at ``jpeg_quality``, or as PNG when that is
    ``None``; returns ``(bytes, extension)``."""
    if jpeg_quality is not None:
        image = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=int(jpeg_quality))
        return buf.getvalue(), "jpg"
    arr = np.asarray(pixels.convert("RGB")) if isinstance(pixels, Image.Image) else pixels
    return png_bytes(arr, png_level), "png"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(rgb: np.ndarray, level: int = 1) -> bytes:
    """A standard 8-bit RGB PNG of ``rgb`` with the "up" row filter: about twice as fast as Pillow's
    encoder on small images, and decoded by any PNG reader."""
    h, w, _ = rgb.shape
    rows = rgb.reshape(h, w * 3)
    filtered = np.empty((h, w * 3 + 1), np.uint8)
    filtered[0, 0], filtered[1:, 0] = 0, 2  # filter type per row: none for the first, then "up"
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 arithmetic wraps mod 256
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(filtered.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )
