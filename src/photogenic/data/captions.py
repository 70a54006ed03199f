"""Caption decoding: sidecar bytes to clean text, or a reason (missing, not UTF-8).

An empty caption is valid here; dropping empty captions is a curation decision, not a read error.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from photogenic.data import reasons


@dataclass(frozen=True)
class Caption:
    """A decoded caption: ``text`` or an ``error`` reason with a human ``detail``."""

    text: str | None
    error: str | None = None
    detail: str = ""


def clean_text(text: str) -> str:
    """Strip a leading byte-order mark and surrounding whitespace."""
    return text.lstrip("\ufeff").strip()


def decode_caption(raw: bytes | None, where: str = "caption") -> Caption:
    """Decode caption bytes (UTF-8, or UTF-16 with a BOM); None means there is no caption."""
    if raw is None:
        return Caption(None, reasons.CAPTION_MISSING, f"{where}: no caption")
    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        detail = f"{where}: byte {exc.start} (0x{raw[exc.start]:02x}) is not valid UTF-8"
        return Caption(None, reasons.CAPTION_NOT_UTF8, detail)
    return Caption(clean_text(text))


def read_caption_file(path: Path) -> Caption:
    """Read and decode a ``.txt`` sidecar; a missing file gives ``caption_missing``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Caption(None, reasons.CAPTION_MISSING, f"{path}: no caption file")
    except OSError as exc:
        return Caption(None, reasons.READ_ERROR, f"{path}: {exc.strerror or exc}")
    return decode_caption(raw, str(path))
