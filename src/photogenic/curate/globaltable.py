"""The global stages' table on disk: one SQLite file, so memory does not grow with the pool.

Rows are the items that reached the global stages (dedup, balance, select): row number ``r`` in
input order, input index, id, content hash, perceptual hash, colour grid, the two scores, size,
concept and a later per-item verdict. They are appended in batches; the stages run as SQL on the file with
a page cache of ``memory_mb`` (sorts beyond it spill to temporary files), and results are read
back a batch at a time. Two functions are registered for the SQL: ``hamming(a, b)`` (bits that
differ between two 64-bit hashes) and ``color_distance(a, b)`` (mean absolute difference of two
colour grids).
"""

from __future__ import annotations

import math
import operator
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BATCH = 8192  # rows held in Python before they go to the file, and rows read back at once
MASK = (1 << 64) - 1
COLUMNS = (
    "r INTEGER PRIMARY KEY, idx INTEGER, id TEXT, digest BLOB, phash INTEGER, colors BLOB, "
    "dedup_score REAL, select_score REAL, pixels INTEGER, concept TEXT, later TEXT"
)  # phash is stored as a signed 64-bit integer; missing scores are NULL (ranked last)


def _fixed(hex_value: Any, width: int) -> bytes:
    """``width`` bytes from a hex string (zeros when it is missing or malformed)."""
    try:
        raw = bytes.fromhex(hex_value)
    except (TypeError, ValueError):
        raw = b""
    return raw if len(raw) == width else bytes(width)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits that differ between two 64-bit hashes (stored signed)."""
    return ((a ^ b) & MASK).bit_count()


def color_distance(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two colour grids of equal length."""
    return sum(map(abs, map(operator.sub, a, b))) / max(1, len(a))


def band(value: int, lo: int, width: int) -> int:
    """Bits ``lo .. lo + width`` of a 64-bit hash (stored signed)."""
    return ((value & MASK) >> lo) & ((1 << width) - 1)


class GlobalTable:
    """Append-only rows in a SQLite file (``path``), queried through :attr:`con`."""

    def __init__(self, path: Path, memory_mb: int = 8) -> None:
        self.path = Path(path)
        self.remove_files()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, isolation_level=None)
        self.con.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;"
            f"PRAGMA cache_size = -{int(memory_mb) * 1024}; CREATE TABLE t ({COLUMNS});"
        )
        self.con.create_function("hamming", 2, hamming, deterministic=True)
        self.con.create_function("color_distance", 2, color_distance, deterministic=True)
        self.con.create_function("band", 3, band, deterministic=True)
        self._rows: list[tuple] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(
        self, row: dict[str, Any], dedup_score: float, select_score: float, concept: str
    ) -> None:
        """Append one shard record."""
        values = row["values"]
        self._rows.append(
            (
                self._count,
                row["i"],
                row["id"],
                _fixed(values.get("content_hash"), 16),
                _signed(int(values.get("phash", "0"), 16)),
                _fixed(values.get("color_grid"), 48),
                _score(dedup_score),
                _score(select_score),
                int(values.get("width", 0)) * int(values.get("height", 0)),
                concept,
                row["stage"],
            )
        )
        self._count += 1
        if len(self._rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the held rows to the file."""
        if not self._rows:
            return
        self.insert("t", self._rows)
        self._rows = []

    def insert(self, name: str, rows: list) -> None:
        """Append ``rows`` (sequences of equal length) to table ``name`` in one transaction."""
        if rows:
            self.execute("BEGIN")
            self.con.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * len(rows[0]))})", rows
            )
            self.execute("COMMIT")

    def execute(self, sql: str) -> None:
        """Run one statement (no result)."""
        self.con.execute(sql)

    def rows(self, query: str) -> Iterator[tuple]:
        """The rows of ``query``, fetched a batch at a time on a cursor of their own."""
        self.flush()
        cursor = self.con.execute(query)
        while batch := cursor.fetchmany(BATCH):
            yield from batch

    def scalar(self, query: str) -> Any:
        self.flush()
        return self.con.execute(query).fetchone()[0]

    def close(self) -> None:
        """Close the database and remove its file."""
        self.con.close()
        self.remove_files()

    def remove_files(self) -> None:
        for suffix in ("", "-journal", "-wal"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)


def _score(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


class OrderedLookup:
    """Values of ``(index, value)`` pairs sorted by index, looked up by increasing index: a merge
    with a pass over the input that holds one batch of the pairs at a time."""

    def __init__(self, pairs: Iterator[tuple[int, Any]]) -> None:
        self._pairs = pairs
        self._next = next(self._pairs, None)

    def get(self, index: int, default: Any = None) -> Any:
        while self._next is not None and self._next[0] < index:
            self._next = next(self._pairs, None)
        if self._next is not None and self._next[0] == index:
            return self._next[1]
        return default
