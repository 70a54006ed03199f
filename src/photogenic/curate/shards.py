"""Shards of the input: fixed runs of ``shard_size`` items in input order, one result file each.

``<out>/shards/NNNNN.jsonl`` holds a header line (shard number, item count, first and last id, stage
seconds) and one record per item. It is written to a temporary name and renamed, so it either
exists whole or not at all: a killed run, restarted, skips every shard whose file is there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from photogenic.data.item import Item

SHARDS = "shards"
_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY


def _line(value: dict[str, Any]) -> bytes:
    """One JSON line (orjson: about 15 times faster than ``json`` on a record of ~50 numbers,
    which the driver encodes for every item while the workers share its cores)."""
    return orjson.dumps(value, option=_OPTIONS)


def shard_path(out: Path, number: int) -> Path:
    """The result file of shard ``number``."""
    return Path(out) / SHARDS / f"{number:05d}.jsonl"


def iter_shards(items: Iterable[Item], size: int) -> Iterator[tuple[int, list[tuple[int, Item]]]]:
    """``(number, [(index, item), ...])`` in input order; only one shard is held at a time."""
    batch: list[tuple[int, Item]] = []
    number = 0
    for index, item in enumerate(items):
        batch.append((index, item))
        if len(batch) == size:
            yield number, batch
            number += 1
            batch = []
    if batch:
        yield number, batch


def header(number: int, batch: list[tuple[int, Item]]) -> dict[str, Any]:
    """What identifies a shard's input: its number, size and first/last item ids."""
    return {
        "shard": number,
        "n": len(batch),
        "first": batch[0][1].id if batch else "",
        "last": batch[-1][1].id if batch else "",
    }


def write_shard(path: Path, meta: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Write the shard file atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(_line(meta))
        f.writelines(_line(row) for row in records)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def shard_done(path: Path, expected: dict[str, Any]) -> bool:
    """True when ``path`` holds the finished result of the shard described by ``expected``."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            meta = orjson.loads(f.readline())
    except (OSError, ValueError):
        return False
    return all(meta.get(k) == v for k, v in expected.items())


def read_shard(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """``(header, records)`` of a finished shard file; records are read lazily."""
    f = open(path, "rb")  # noqa: SIM115 - closed by the generator
    meta = orjson.loads(f.readline())

    def rows() -> Iterator[dict[str, Any]]:
        with f:
            for line in f:
                if line.strip():
                    yield orjson.loads(line)

    return meta, rows()


def shard_numbers(out: Path) -> list[int]:
    """Numbers of the shard files present, sorted."""
    folder = Path(out) / SHARDS
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("[0-9]*.jsonl"))
