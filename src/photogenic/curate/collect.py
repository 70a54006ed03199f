"""Read the finished shard files back: funnel counts, histogram samples and the global-stage table.

The table holds only what the global stages need for the items that reached them (row index, id,
hashes, two scores, size, concept, a later per-item verdict): a few dozen bytes per item, while
everything else stays on disk in the shard files.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from photogenic.curate.concepts import OTHER
from photogenic.curate.config import CurateConfig
from photogenic.curate.shards import read_shard, shard_path

EARLY = ("decode", "size", "caption")  # stages before dedup
SAMPLE = 20_000  # values kept per measure for the report's histograms
NOT_PLOTTED = {"width", "height", "bytes", "jpeg_quality"}


@dataclass
class Table:
    """Global-stage input: one row per item that passed stages 1-2, in input order."""

    index: array = field(default_factory=lambda: array("q"))
    ids: list[str] = field(default_factory=list)
    sha: list[str] = field(default_factory=list)
    phash: array = field(default_factory=lambda: array("Q"))
    colors: list[str] = field(default_factory=list)
    dedup_score: array = field(default_factory=lambda: array("d"))
    select_score: array = field(default_factory=lambda: array("d"))
    pixels: array = field(default_factory=lambda: array("q"))
    concept: list[str] = field(default_factory=list)
    later: list[str | None] = field(default_factory=list)  # a per-item stage after dedup dropped it

    def __len__(self) -> int:
        return len(self.index)


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
    table: Table = field(default_factory=Table)


def _number(value: Any) -> float:
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else math.nan
    )


def collect(out: Path, n_shards: int, config: CurateConfig, examples: int) -> Collected:
    """Read shard files ``0 .. n_shards-1`` of ``out``."""
    got = Collected()
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
            t = got.table
            t.index.append(row["i"])
            t.ids.append(row["id"])
            t.sha.append(values.get("sha256", ""))
            t.phash.append(int(values.get("phash", "0"), 16))
            t.colors.append(values.get("color_grid", ""))
            t.dedup_score.append(_number(values.get(dscore)))
            t.select_score.append(_number(values.get(sscore)))
            t.pixels.append(int(values.get("width", 0)) * int(values.get("height", 0)))
            t.concept.append(str(values.get("concept", OTHER)))
            t.later.append(stage)
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


def as_numpy(table: Table) -> dict[str, np.ndarray]:
    """The numeric columns as numpy arrays."""
    return {
        "phash": np.frombuffer(table.phash, dtype=np.uint64)
        if len(table)
        else np.zeros(0, np.uint64),
        "dedup_score": np.array(table.dedup_score, dtype=np.float64),
        "select_score": np.array(table.select_score, dtype=np.float64),
        "pixels": np.array(table.pixels, dtype=np.int64),
    }
