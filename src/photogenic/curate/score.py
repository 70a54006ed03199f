"""``curate score``: every measurement for every item, nothing dropped, as ``scores.parquet``.

Each stage's would-be verdicts are in ``flags`` (``"stage:reason"``, ``;``-separated), the copy a
near/exact duplicate points to in ``duplicate_of``; unreadable items have ``error`` set and no
measurements. Written shard by shard, so memory does not grow with the pool.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from photogenic.curate.collect import TABLE
from photogenic.curate.config import CurateConfig, validate
from photogenic.curate.funnel import check_run_dir, measure_pass
from photogenic.curate.globaltable import GlobalTable, OrderedLookup
from photogenic.curate.shards import read_shard, shard_path
from photogenic.curate.stages.dedup import find_duplicates
from photogenic.data.readers import detect_format

SCORES = "scores.parquet"
FIXED = ("i", "id", "file_name", "text", "error", "flags", "duplicate_of")


def score_pool(
    input_path: str,
    out: str | Path,
    config: CurateConfig,
    engine: str = "local",
    workers: int = 0,
    address: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure every item of ``input_path`` and write ``out/scores.parquet``; returns the summary."""
    config = validate(config)
    detect_format(input_path)
    out = Path(out)
    check_run_dir(out, input_path, config, "score")
    pass1 = measure_pass(input_path, out, config, engine, workers, address, True, progress)
    start = time.perf_counter()
    table = GlobalTable(out / TABLE, config.table_memory_mb)
    try:
        types = _scan(out, pass1["shards"], table)
        dd = config.dedup
        copies = find_duplicates(table, dd.exact, dd.near, dd.max_distance, dd.max_color_distance)
        rows_written = _write_scores(out, pass1["shards"], types, table)
    finally:
        table.close()
    return {
        "items": rows_written,
        "columns": len(FIXED) + len(types),
        "duplicates": copies,
        "pass1": pass1,
        "output_seconds": round(time.perf_counter() - start, 3),
        "images_per_second": round(pass1["processed_items"] / pass1["seconds"], 1)
        if pass1["seconds"] > 0 and pass1["processed_items"]
        else None,
    }


def _write_scores(out: Path, n_shards: int, types: dict[str, str], table: GlobalTable) -> int:
    """``scores.parquet``, shard by shard; ``duplicate_of`` read from the table's ``dups`` in
    input order alongside."""
    pointers = OrderedLookup(
        table.rows("SELECT t.idx, d.kept_id FROM dups d JOIN t USING (r) ORDER BY t.idx")
    )
    schema = pa.schema(
        [("i", pa.int64()), ("id", pa.string()), ("file_name", pa.string()), ("text", pa.string()),
         ("error", pa.string()), ("flags", pa.string()), ("duplicate_of", pa.string())]
        + [(k, pa.float64() if t == "num" else pa.string()) for k, t in sorted(types.items())]
    )  # fmt: skip
    tmp = out / f".{SCORES}.tmp"
    rows_written = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for number in range(n_shards):
            _, rows = read_shard(shard_path(out, number))
            data: dict[str, list[Any]] = {name: [] for name in schema.names}
            for row in rows:
                values = row["values"]
                data["i"].append(row["i"])
                data["id"].append(row["id"])
                data["file_name"].append(row["file_name"])
                data["text"].append(row["text"])
                data["error"].append(row["reason"] if row["stage"] == "decode" else None)
                data["flags"].append(";".join(row.get("flags", [])))
                data["duplicate_of"].append(pointers.get(row["i"]))
                for key, kind in types.items():
                    v = values.get(key)
                    data[key].append(_cast(v, kind))
                rows_written += 1
            writer.write_table(pa.table(data, schema=schema))
    tmp.replace(out / SCORES)
    return rows_written


def _cast(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "num":
        return float(value) if isinstance(value, (int, float)) else None
    return str(value)


def _scan(out: Path, n_shards: int, table: GlobalTable) -> dict[str, str]:
    """Column types (numeric or text) over all records; readable items go into the dedup table."""
    types: dict[str, str] = {}
    for number in range(n_shards):
        _, rows = read_shard(shard_path(out, number))
        for row in rows:
            values = row["values"]
            for key, value in values.items():
                if key in FIXED:
                    continue
                numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                if value is None:
                    types.setdefault(key, "num")
                elif not numeric:
                    types[key] = "text"
                else:
                    types.setdefault(key, "num")
            if "content_hash" not in values:
                continue
            score = values.get("photogenic_score")
            dedup_score = float(score) if score is not None else np.nan
            table.add({**row, "stage": None}, dedup_score, np.nan, "")
    return types
