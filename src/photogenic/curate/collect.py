"""Read the finished shard files back: funnel counts, histogram samples and the global-stage table.

The table holds only what the global stages need for the items that reached them (row index, id,
hashes, two scores, size, concept, a later per-item verdict), and it is on disk
(:class:`~photogenic.curate.globaltable.GlobalTable`); everything else stays in the shard files.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.curate.concepts import OTHER
from photogenic.curate.config import CurateConfig
from photogenic.curate.globaltable import GlobalTable
from photogenic.curate.shards import read_shard, shard_path

TABLE = "global.sqlite"  # the global stages' table; removed when the run ends
EARLY = ("decode", "size", "caption")  # stages before dedup
SAMPLE = 20_000  # values kept per measure for the report's histograms
NOT_PLOTTED = {"width", "height", "bytes", "jpeg_quality"}


@dataclass
class Collected:
    """Everything pass 1 left on disk, summarised."""

    n_input: int = 0
    first_drops: Counter = field(default_factory=Counter)  # stage -> count (per-item stages)
    reasons: dict[str, Counter] = field(default_factory=dict)  # stage -> reason -> count
    seconds: Counter = field(default_factory=Counter)
    samples: dict[str, array] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    table: GlobalTable | None = None


def _number(value: Any) -> float:
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else math.nan
    )


def collect(out: Path, n_shards: int, config: CurateConfig, examples: int) -> Collected:
    """Read shard files ``0 .. n_shards-1`` of ``out``."""
    got = Collected(table=GlobalTable(Path(out) / TABLE, config.table_memory_mb))
    rng = random.Random(0)
    dscore, sscore = config.dedup.score, config.select.score
    for number in range(n_shards):
        meta, rows = read_shard(shard_path(out, number))
        for stage, secs in meta.get("seconds", {}).items():
            got.seconds[stage] += secs
        for row in rows:
            got.n_input += 1
            values = row["values"]
            _sample(got, values, rng)
            stage = row["stage"]
            if stage is not None:
                got.first_drops[stage] += 1
                got.reasons.setdefault(stage, Counter())[row["reason"]] += 1
                if len(got.examples.setdefault(stage, [])) < examples:
                    got.examples[stage].append(_example(row))
            if stage in EARLY:
                continue
            got.table.add(
                row, _number(values.get(dscore)), _number(values.get(sscore)),
                str(values.get("concept", OTHER)),
            )  # fmt: skip
    return got


def _sample(got: Collected, values: dict[str, Any], rng: random.Random) -> None:
    """Reservoir-sample every numeric measurement (bounded memory for any pool size)."""
    for key, value in values.items():
        if key in NOT_PLOTTED or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        got.seen[key] += 1
        bucket = got.samples.setdefault(key, array("d"))
        if len(bucket) < SAMPLE:
            bucket.append(float(value))
        else:
            j = rng.randrange(got.seen[key])
            if j < SAMPLE:
                bucket[j] = float(value)


def _example(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("photogenic_score", "text_boxes", "text_area", "offensive_score", "clip_score")
    values = row["values"]
    return {
        "i": row["i"],
        "id": row["id"],
        "text": row["text"],
        "reason": row["reason"],
        "values": {k: values[k] for k in keep if k in values},
    }
