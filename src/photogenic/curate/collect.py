"""Read the finished shard files back: funnel counts, histogram samples and the global-stage table.

The table holds only what the global stages need for the items that reached them (row index, id,
hashes, two scores, size, concept, a later per-item verdict) in flat buffers, about 150 bytes per
item and no Python object per item, while everything else stays on disk in the shard files.
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


class Strings:
    """Text values in one buffer (the UTF-8 bytes and where each value ends)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def append(self, value: str) -> None:
        self._data += value.encode("utf-8")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, row: int) -> str:
        start = self._ends[row - 1] if row else 0
        return self._data[start : self._ends[row]].decode("utf-8")


class Codes:
    """Repeated values (concepts, stage names) as small integer codes and their ``names``."""

    def __init__(self) -> None:
        self.names: list[Any] = []
        self._code: dict[Any, int] = {}
        self.codes = array("i")

    def append(self, value: Any) -> None:
        code = self._code.setdefault(value, len(self.names))
        if code == len(self.names):
            self.names.append(value)
        self.codes.append(code)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row: int) -> Any:
        return self.names[self.codes[row]]


def _fixed(hex_value: Any, width: int) -> bytes:
    """``width`` bytes from a hex string (zeros when it is missing or malformed)."""
    try:
        raw = bytes.fromhex(hex_value)
    except (TypeError, ValueError):
        raw = b""
    return raw if len(raw) == width else bytes(width)


@dataclass
class Table:
    """Global-stage input: one row per item that passed stages 1-2, in input order."""

    index: array = field(default_factory=lambda: array("q"))
    ids: Strings = field(default_factory=Strings)
    sha: bytearray = field(default_factory=bytearray)  # 32 bytes a row
    phash: array = field(default_factory=lambda: array("Q"))
    colors: bytearray = field(default_factory=bytearray)  # 48 bytes a row (the 4×4 colour grid)
    dedup_score: array = field(default_factory=lambda: array("d"))
    select_score: array = field(default_factory=lambda: array("d"))
    pixels: array = field(default_factory=lambda: array("q"))
    concept: Codes = field(default_factory=Codes)
    later: Codes = field(default_factory=Codes)  # a per-item stage after dedup that dropped it

    def __len__(self) -> int:
        return len(self.index)

    def add(
        self, row: dict[str, Any], dedup_score: float, select_score: float, concept: str
    ) -> None:
        """Append one shard record."""
        values = row["values"]
        self.index.append(row["i"])
        self.ids.append(row["id"])
        self.sha += _fixed(values.get("sha256"), 32)
        self.phash.append(int(values.get("phash", "0"), 16))
        self.colors += _fixed(values.get("color_grid"), 48)
        self.dedup_score.append(dedup_score)
        self.select_score.append(select_score)
        self.pixels.append(int(values.get("width", 0)) * int(values.get("height", 0)))
        self.concept.append(concept)
        self.later.append(row["stage"])


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


def as_numpy(table: Table) -> dict[str, np.ndarray]:
    """The columns as numpy arrays (views of the table's buffers where possible)."""
    n = len(table)
    return {
        "index": np.frombuffer(table.index, dtype=np.int64) if n else np.zeros(0, np.int64),
        "phash": np.frombuffer(table.phash, dtype=np.uint64) if n else np.zeros(0, np.uint64),
        "sha": np.frombuffer(bytes(table.sha), dtype=np.uint8).reshape(n, 32),
        "colors": np.frombuffer(bytes(table.colors), dtype=np.uint8).reshape(n, 48),
        "dedup_score": np.array(table.dedup_score, dtype=np.float64),
        "select_score": np.array(table.select_score, dtype=np.float64),
        "pixels": np.array(table.pixels, dtype=np.int64),
        "concept": np.frombuffer(table.concept.codes, dtype=np.int32)
        if n
        else np.zeros(0, np.int32),
        "later": np.frombuffer(table.later.codes, dtype=np.int32) if n else np.zeros(0, np.int32),
    }
