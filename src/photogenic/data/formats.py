"""Image file extensions and format sniffing from the first bytes."""

from __future__ import annotations

from pathlib import PurePath

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".ppm", ".pgm"}
    | {".pbm", ".pnm", ".tga", ".ico"}
)
# formats written as-is by convert; anything else is re-encoded as PNG
WEB_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
    (b"BM", ".bmp"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
)


def is_image_name(name: str | PurePath) -> bool:
    """True when the file name has an image extension (case-insensitive)."""
    return PurePath(name).suffix.lower() in IMAGE_EXTENSIONS


def sniff_extension(data: bytes) -> str | None:
    """The usual extension (``.jpg``, ``.png``, ...) for encoded image bytes, or None if unknown."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    for magic, ext in _SIGNATURES:
        if data.startswith(magic):
            return ext
    return None
