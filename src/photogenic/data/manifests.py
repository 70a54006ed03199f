"""Read Parquet manifests, batch by batch (a pool too big for JSONL never loads whole).

The image is either an ``image`` column (bytes, or a Hugging Face ``{bytes, path}`` struct) or a
local path column (``file_name``, ``path``, ``image_path``, ``file``, ``filepath``, ``url``; relative
paths are relative to the Parquet file). The caption is ``text`` or ``caption``; the other columns
are kept as item columns (binary values become null).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq

from photogenic.data import reasons
from photogenic.data.formats import is_image_name, sniff_extension
from photogenic.data.item import Item, is_safe_relative, json_safe, stem_id
from photogenic.errors import PhotogenicError

IMAGE_COLUMN = "image"
PATH_COLUMNS = ("file_name", "path", "image_path", "file", "filepath", "url", "image_url")
TEXT_COLUMNS = ("text", "caption")
BATCH_ROWS = 1024


def parquet_files(path: str | Path) -> list[Path]:
    """The ``.parquet`` files of a file or a folder (recursively, sorted)."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".parquet":
        return [path]
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else []
    if not files:
        raise PhotogenicError(f"{path}: expected a .parquet manifest or a folder of them")
    return files


def read_parquet(path: str | Path) -> Iterator[Item]:
    """Yield one item per manifest row of every Parquet file."""
    files = parquet_files(path)
    for file in files:
        try:
            names = pq.read_schema(file).names
        except Exception:  # a damaged file is reported as an error item when reached
            continue
        _columns(file, names)
    return _items(files)


def _columns(file: Path, names: list[str]) -> tuple[str | None, str | None, str | None]:
    """The image, path and text column names; an error when there is no image at all."""
    image_col = IMAGE_COLUMN if IMAGE_COLUMN in names else None
    path_col = next((c for c in PATH_COLUMNS if c in names), None)
    text_col = next((c for c in TEXT_COLUMNS if c in names), None)
    if image_col is None and path_col is None:
        raise PhotogenicError(
            f"{file}: no image column; expected '{IMAGE_COLUMN}' (bytes) or a path column "
            f"({', '.join(PATH_COLUMNS)})"
        )
    return image_col, path_col, text_col


def _items(files: list[Path]) -> Iterator[Item]:
    for file in files:
        yield from _read_manifest(file)


def _read_manifest(file: Path) -> Iterator[Item]:
    index = 0
    try:
        manifest = pq.ParquetFile(file)
        image_col, path_col, text_col = _columns(file, manifest.schema_arrow.names)
        for batch in manifest.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                yield _row_item(file, index, row, image_col, path_col, text_col)
                index += 1
    except PhotogenicError:
        raise
    except Exception as exc:  # pyarrow raises several types for a damaged file
        detail = f"{file}: unreadable from row {index}: {exc}"
        yield Item(
            f"{file.name}:{index}",
            "",
            error=reasons.SHARD_UNREADABLE,
            detail=detail,
            source=str(file),
        )


def _row_item(
    file: Path,
    index: int,
    row: dict[str, Any],
    image_col: str | None,
    path_col: str | None,
    text_col: str | None,
) -> Item:
    source = f"{file}:row {index}"
    columns = {k: json_safe(v) for k, v in row.items() if k not in (image_col, path_col, text_col)}
    text = row.get(text_col) if text_col else None
    text = text if isinstance(text, str) else None
    data, ref = _image_value(row.get(image_col) if image_col else None)
    if ref is None and path_col is not None and isinstance(row.get(path_col), str):
        ref = row[path_col]
    if data is not None:
        name = _bytes_name(file, index, ref, data)
        item = Item(stem_id(name), name, text, columns, source=source, data=data)
    elif ref:
        item = _path_item(file, ref, text, columns, source)
    else:
        detail = f"{source}: no image bytes and no path"
        return Item(
            f"{file.stem}/{index:08d}",
            "",
            text,
            columns,
            reasons.METADATA_MISSING_FIELD,
            detail,
            source,
        )
    if item.error is None and text is None:
        item.error = reasons.CAPTION_MISSING
        item.detail = f"{source}: no {' or '.join(TEXT_COLUMNS)} string"
    return item


def _image_value(value: Any) -> tuple[bytes | None, str | None]:
    if isinstance(value, dict):
        data, ref = value.get("bytes"), value.get("path")
        return (bytes(data) if data else None), (ref if isinstance(ref, str) and ref else None)
    if isinstance(value, (bytes, bytearray)) and value:
        return bytes(value), None
    return None, None


def _bytes_name(file: Path, index: int, ref: str | None, data: bytes) -> str:
    """A file name for in-memory bytes: the given path if it is a safe relative one, else a new one."""
    if ref and is_safe_relative(ref) and "://" not in ref:
        name = PurePosixPath(ref.replace("\\", "/")).as_posix()
    elif ref and "://" not in ref:
        name = PurePosixPath(ref.replace("\\", "/")).name
    else:
        name = f"{file.stem}/{index:08d}"
    if not is_image_name(name):
        name += sniff_extension(data) or ".img"
    return name


def _path_item(
    file: Path, ref: str, text: str | None, columns: dict[str, Any], source: str
) -> Item:
    if ref.startswith(("http://", "https://")):
        detail = f"{source}: {ref} is remote; download it first (no network access here)"
        name = ref.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return Item(stem_id(name), name, text, columns, reasons.REMOTE_URL, detail, source)
    local = Path(ref.removeprefix("file://"))
    path = local if local.is_absolute() else file.parent / local
    try:
        name = path.resolve().relative_to(file.parent.resolve()).as_posix()
    except ValueError:
        name = path.name
    item = Item(stem_id(name), name, text, columns, source=source, path=path)
    if not path.is_file():
        item.error, item.detail = reasons.FILE_MISSING, f"{source}: {path} does not exist"
    return item
