"""Write a subset of items as a new imagefolder dataset, without re-encoding any image."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from photogenic.data.item import Item
from photogenic.data.writer import DatasetWriter, LinkMode
from photogenic.errors import PhotogenicError


def write_subset(
    items: Iterable[Item],
    out_dir: str | Path,
    mode: LinkMode = "hardlink",
    extra_columns: Callable[[Item], dict[str, Any]] | None = None,
) -> int:
    """Write ``items`` to ``out_dir`` (image files + ``metadata.jsonl``); returns how many were written.

    Local files are hard-linked (falling back to a copy across filesystems), copied or symlinked per
    ``mode``; bytes that only exist inside a tar or Parquet source are written as they are. Columns
    are the item's own plus ``extra_columns(item)``. Items already in ``out_dir`` are skipped
    (resume). An item with an ``error`` is refused: record it in a :class:`Ledger` instead.
    """
    written = 0
    with DatasetWriter(out_dir, resume=True) as writer:
        for item in items:
            if item.error is not None or item.text is None:
                raise PhotogenicError(
                    f"{item.id}: cannot write an item with error {item.error or 'caption_missing'}"
                )
            if item.file_name in writer:
                continue
            columns = dict(item.columns)
            if extra_columns is not None:
                columns.update(extra_columns(item))
            if item.data is None and item.path is not None:
                writer.add_entry(item.file_name, item.text, columns, source=item.path, mode=mode)
            else:
                writer.add_entry(item.file_name, item.text, columns, data=item.read_bytes())
            written += 1
    return written
