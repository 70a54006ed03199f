"""Apply the global stages (dedup, balance, select) to the collected table, in funnel order.

An item's verdict is the first stage, in the funnel's order, that drops it: a copy is a dedup drop
even if OCR would also have dropped it, because dedup comes first. Verdicts are kept as one small
code per table row; the values written beside a drop are built when it is looked up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from photogenic.curate.collect import Table, as_numpy
from photogenic.curate.config import CurateConfig
from photogenic.curate.stages.balance import balance_mask, concept_cap, rank, select_mask
from photogenic.curate.stages.dedup import find_duplicates

GLOBAL = ("dedup", "balance", "select")  # verdict codes 1, 2, 3; 0: not dropped by them


@dataclass
class Decisions:
    """Verdicts for the table's rows, looked up by input index: dropped ``(stage, reason, values)``
    (:meth:`verdict`) or kept with a rank (:meth:`rank`)."""

    index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # input index, sorted
    code: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # GLOBAL position + 1
    ranks: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )  # 1.. when kept, else 0
    concept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    concept_names: list[str] = field(default_factory=list)
    select_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    duplicates: dict[int, tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # row -> verdict
    score_name: str = "photogenic_score"
    cutoff: float | None = None
    counts: Counter = field(default_factory=Counter)  # global stage -> dropped
    reasons: dict[str, Counter] = field(default_factory=dict)
    concepts_pool: Counter = field(default_factory=Counter)
    concepts_kept: Counter = field(default_factory=Counter)
    cap: int | None = None
    moved: Counter = field(
        default_factory=Counter
    )  # later per-item stage -> items dedup took first

    def _row(self, index: int) -> int | None:
        row = int(np.searchsorted(self.index, index))
        return row if row < len(self.index) and self.index[row] == index else None

    def _verdict(self, row: int) -> tuple[str, str, dict[str, Any]] | None:
        code = int(self.code[row])
        if code == 1:
            reason, values = self.duplicates[row]
            return "dedup", reason, values
        if code == 2:
            return "balance", "concept_cap", {
                "concept": self.concept_names[self.concept[row]],
                "cap": self.cap,
            }  # fmt: skip
        if code == 3:
            return "select", "below_top_k", {
                self.score_name: _num(self.select_score[row]),
                "cutoff": self.cutoff,
            }  # fmt: skip
        return None

    def verdict(self, index: int) -> tuple[str, str, dict[str, Any]] | None:
        """The global stage that dropped input item ``index``, its reason and values, or None."""
        row = self._row(index)
        return None if row is None else self._verdict(row)

    def rank(self, index: int) -> int | None:
        """The kept item's rank (1 = best), or None when ``index`` is not kept."""
        row = self._row(index)
        return None if row is None or not self.ranks[row] else int(self.ranks[row])

    def dropped(self) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        """``(index, stage, reason, values)`` of every global drop, in input order."""
        for row in np.flatnonzero(self.code).tolist():
            stage, reason, values = self._verdict(row)  # type: ignore[misc]
            yield int(self.index[row]), stage, reason, values

    def best(self, n: int) -> list[tuple[int, int]]:
        """``(index, rank)`` of the ``n`` best kept items."""
        rows = np.flatnonzero(self.ranks)
        rows = rows[np.argsort(self.ranks[rows], kind="stable")][:n]
        return [(int(self.index[r]), int(self.ranks[r])) for r in rows.tolist()]


def decide(table: Table, config: CurateConfig) -> Decisions:
    """Run dedup, then the per-item verdicts after it, then balance and select."""
    cols = as_numpy(table)
    n = len(table)
    later_names = table.later.names
    dropped_later = np.array([name is not None for name in later_names], dtype=bool)[cols["later"]]
    code = np.zeros(n, dtype=np.int8)
    out = Decisions(
        index=cols["index"].copy(), concept=cols["concept"].copy(),
        concept_names=list(table.concept.names), select_score=cols["select_score"],
        score_name=config.select.score,
    )  # fmt: skip
    dd = config.dedup
    if dd.enabled and (dd.exact or dd.near) and n:
        dups = find_duplicates(
            cols["sha"], cols["phash"], cols["dedup_score"], cols["pixels"], dd.exact, dd.near,
            dd.max_distance, cols["colors"], dd.max_color_distance,
        )  # fmt: skip
        for row, dup in dups.items():
            if dropped_later[row]:
                out.moved[table.later[row]] += 1
            code[row] = 1
            out.duplicates[row] = (
                dup.kind,
                {
                    "duplicate_of": table.ids[dup.kept],
                    "distance": dup.distance,
                    dd.score: _num(cols["dedup_score"][row]),
                },
            )
    rows = np.flatnonzero(~dropped_later & (code == 0))
    concepts = out.concept[rows]
    for c, count in enumerate(np.bincount(concepts, minlength=len(out.concept_names)).tolist()):
        if count:
            out.concepts_pool[out.concept_names[c]] += count
    scores = cols["select_score"][rows]
    sel = config.select
    top_k = sel.top_k if sel.enabled else None
    bal = config.balance
    if bal.enabled and len(rows) and (bal.source != "keywords" or bal.keywords):
        budget = top_k if top_k is not None else len(rows)
        out.cap = concept_cap(bal.max_share, budget)
        over = balance_mask(concepts.tolist(), scores, out.cap)
        code[rows[over]] = 2
        rows, scores = rows[~over], scores[~over]
    if top_k is not None and len(rows) > top_k:
        out_of = select_mask(scores, top_k)
        out.cutoff = float(scores[rank(scores)[top_k - 1]])
        code[rows[out_of]] = 3
        rows, scores = rows[~out_of], scores[~out_of]
    out.code = code
    out.ranks = np.zeros(n, dtype=np.int32)
    out.ranks[rows[rank(scores)]] = np.arange(1, len(rows) + 1, dtype=np.int32)
    for c in out.concept[rows].tolist():
        out.concepts_kept[out.concept_names[c]] += 1
    for position, stage in enumerate(GLOBAL, start=1):
        dropped = int((code == position).sum())
        if dropped:
            out.counts[stage] = dropped
            if stage == "dedup":
                out.reasons[stage] = Counter(reason for reason, _ in out.duplicates.values())
            else:
                out.reasons[stage] = Counter(
                    {"concept_cap" if position == 2 else "below_top_k": dropped}
                )
    return out


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
