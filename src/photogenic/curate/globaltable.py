"""The global stages' table on disk: one DuckDB file, so memory does not grow with the pool.

Rows are the items that reached the global stages (dedup, balance, select): row number ``r`` in
input order, input index, id, SHA-256, perceptual hash, colour grid, the two scores, size, concept
and a later per-item verdict. They are appended in batches; the stages run as SQL on the file, and
DuckDB keeps within ``memory_mb`` by spilling sorts, joins and windows to a folder beside it
(``memory_mb`` is a ceiling DuckDB fills as its cache: small pools use less).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

BATCH = 8192  # rows held in Python before they go to the file
SCHEMA = pa.schema(
    [
        ("r", pa.int64()),
        ("idx", pa.int64()),
        ("id", pa.string()),
        ("sha", pa.binary()),
        ("phash", pa.uint64()),
        ("colors", pa.binary()),
        ("dedup_score", pa.float64()),  # missing scores are NULL (ranked last)
        ("select_score", pa.float64()),
        ("pixels", pa.int64()),
        ("concept", pa.string()),
        ("later", pa.string()),  # a per-item stage after dedup that dropped the item, or NULL
    ]
)


def _fixed(hex_value: Any, width: int) -> bytes:
    """``width`` bytes from a hex string (zeros when it is missing or malformed)."""
    try:
        raw = bytes.fromhex(hex_value)
    except (TypeError, ValueError):
        raw = b""
    return raw if len(raw) == width else bytes(width)


def _score(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


class GlobalTable:
    """Append-only rows in a DuckDB file (``path``), queried through :attr:`con`."""

    def __init__(self, path: Path, memory_mb: int = 256) -> None:
        self.path = Path(path)
        self.spill = self.path.with_name(self.path.name + ".tmp")
        self.remove_files()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        import duckdb  # here, not at import: worker processes forked earlier never map it

        self.con = duckdb.connect(str(self.path))
        self.con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
        self.con.execute("SET temp_directory = ?", [str(self.spill)])
        self.con.execute("SET preserve_insertion_order = false")
        columns = ", ".join(f"{f.name} {_SQL_TYPES[str(f.type)]}" for f in SCHEMA)
        self.con.execute(f"CREATE TABLE t ({columns})")
        self._rows: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(
        self, row: dict[str, Any], dedup_score: float, select_score: float, concept: str
    ) -> None:
        """Append one shard record."""
        values = row["values"]
        buf = self._rows
        buf["r"].append(self._count)
        buf["idx"].append(row["i"])
        buf["id"].append(row["id"])
        buf["sha"].append(_fixed(values.get("sha256"), 32))
        buf["phash"].append(int(values.get("phash", "0"), 16))
        buf["colors"].append(_fixed(values.get("color_grid"), 48))
        buf["dedup_score"].append(_score(dedup_score))
        buf["select_score"].append(_score(select_score))
        buf["pixels"].append(int(values.get("width", 0)) * int(values.get("height", 0)))
        buf["concept"].append(concept)
        buf["later"].append(row["stage"])
        self._count += 1
        if len(buf["r"]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the held rows to the file."""
        if not self._rows["r"]:
            return
        batch = pa.table(self._rows, schema=SCHEMA)  # noqa: F841 (read by the query below)
        self.con.execute("INSERT INTO t SELECT * FROM batch")
        self._rows = {name: [] for name in SCHEMA.names}

    def rows(self, query: str, size: int = 8192) -> Iterator[tuple]:
        """The rows of ``query``, fetched ``size`` at a time on a cursor of their own."""
        self.flush()
        cursor = self.con.cursor()  # held: the reader stops when its connection is collected
        for batch in cursor.sql(query).to_arrow_reader(size):
            columns = [batch.column(k).to_pylist() for k in range(batch.num_columns)]
            yield from zip(*columns, strict=True)

    def scalar(self, query: str) -> Any:
        self.flush()
        return self.con.execute(query).fetchone()[0]

    def close(self) -> None:
        """Close the database and remove its files."""
        self.con.close()
        self.remove_files()

    def remove_files(self) -> None:
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.spill, ignore_errors=True)


_SQL_TYPES = {
    "int64": "BIGINT",
    "string": "VARCHAR",
    "binary": "BLOB",
    "uint64": "UBIGINT",
    "double": "DOUBLE",
}


class OrderedLookup:
    """Values of ``(index, value)`` pairs sorted by index, looked up by increasing index: a merge
    with a pass over the input that holds one chunk of the pairs at a time."""

    def __init__(self, pairs: Iterator[tuple[int, Any]]) -> None:
        self._pairs = pairs
        self._next = next(self._pairs, None)

    def get(self, index: int, default: Any = None) -> Any:
        while self._next is not None and self._next[0] < index:
            self._next = next(self._pairs, None)
        if self._next is not None and self._next[0] == index:
            return self._next[1]
        return default
