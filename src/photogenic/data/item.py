"""``Item``: one image-text pair as read from any dataset format, or an error standing in for one."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from photogenic.data import reasons
from photogenic.data.decode import Decoded, decode_image
from photogenic.errors import PhotogenicError


@dataclass
class Item:
    """One dataset entry.

    ``id`` is stable across runs (the file name without its extension, or the WebDataset key);
    ``file_name`` is the relative name to write the image under. Image bytes live either in a local
    file (``path``) or in memory (``data``, for tar and Parquet sources). An item with an ``error``
    is kept in the stream (never silently dropped) so that counts add up.
    """

    id: str
    file_name: str
    text: str | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    detail: str = ""
    source: str = ""
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def read_bytes(self) -> bytes:
        """The encoded image bytes, from memory or from the local file."""
        if self.data is not None:
            return self.data
        if self.path is None:
            raise PhotogenicError(f"{self.id}: item has no image ({self.error or 'no data'})")
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise PhotogenicError(f"{self.path}: {exc.strerror or exc}") from None

    def decode(self, **kwargs: Any) -> Decoded:
        """Decode the image with :func:`decode_image` (keyword arguments pass through)."""
        if self.data is not None:
            return decode_image(self.data, **kwargs)
        if self.path is None:
            return Decoded(None, self.error or reasons.IMAGE_MISSING, self.detail)
        return decode_image(self.path, **kwargs)


_ODD_PARTS = ("", ".", "..")  # path parts that pathlib drops or that leave the folder


def is_plain_name(name: str) -> bool:
    """True for a relative POSIX name that ``PurePosixPath`` keeps as it is (no empty, ``.`` or
    ``..`` part, no backslash): the common case, which the helpers below take without pathlib."""
    return bool(name) and "\\" not in name and all(p not in _ODD_PARTS for p in name.split("/"))


def stem_id(file_name: str) -> str:
    """The id of a file name: its relative path without the extension."""
    if is_plain_name(file_name):  # pathlib's rule: a suffix is a last dot, not first, not final
        base = file_name[file_name.rfind("/") + 1 :]
        dot = base.rfind(".")
        return (
            file_name[: len(file_name) - len(base) + dot] if 0 < dot < len(base) - 1 else file_name
        )
    return str(PurePosixPath(file_name).with_suffix(""))


def is_safe_relative(name: str) -> bool:
    """True when ``name`` is a non-empty relative path that stays inside its folder."""
    if is_plain_name(name):
        return True
    rel = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and not rel.is_absolute() and ".." not in rel.parts and bool(rel.parts)


def json_safe(value: Any) -> Any:
    """Make a column value JSON-writable: dates and decimals become text, bytes become None."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal)):
        return str(value)
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return str(value)
