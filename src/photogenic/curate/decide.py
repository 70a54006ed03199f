"""Apply the global stages (dedup, balance, select) to the collected table, in funnel order.

An item's verdict is the first stage, in the funnel's order, that drops it: a copy is a dedup drop
even if OCR would also have dropped it, because dedup comes first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from photogenic.curate.collect import Table, as_numpy
from photogenic.curate.config import CurateConfig
from photogenic.curate.stages.balance import balance_mask, concept_cap, rank, select_mask
from photogenic.curate.stages.dedup import find_duplicates


@dataclass
class Decisions:
    """Verdicts for table rows (by input index): dropped ``(stage, reason, values)`` or kept."""

    dropped: dict[int, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    kept: dict[int, dict[str, Any]] = field(default_factory=dict)  # index -> extra columns
    counts: Counter = field(default_factory=Counter)  # global stage -> dropped
    reasons: dict[str, Counter] = field(default_factory=dict)
    concepts_pool: Counter = field(default_factory=Counter)
    concepts_kept: Counter = field(default_factory=Counter)
    cap: int | None = None
    moved: Counter = field(
        default_factory=Counter
    )  # later per-item stage -> items dedup took first


def decide(table: Table, config: CurateConfig) -> Decisions:
    """Run dedup, then the per-item verdicts after it, then balance and select."""
    out = Decisions()
    cols = as_numpy(table)
    n = len(table)
    stage: list[str | None] = list(table.later)
    reason: list[str | None] = [None] * n
    values: list[dict[str, Any]] = [{} for _ in range(n)]
    dd = config.dedup
    if dd.enabled and (dd.exact or dd.near) and n:
        dups = find_duplicates(
            table.sha, cols["phash"], cols["dedup_score"], cols["pixels"], dd.exact, dd.near,
            dd.max_distance, table.colors, dd.max_color_distance,
        )  # fmt: skip
        for row, dup in dups.items():
            if stage[row] is not None:
                out.moved[stage[row]] += 1
            stage[row], reason[row] = "dedup", dup.kind
            values[row] = {
                "duplicate_of": table.ids[dup.kept],
                "distance": dup.distance,
                dd.score: _num(cols["dedup_score"][row]),
            }
    alive = np.array([s is None for s in stage], dtype=bool)
    rows = np.flatnonzero(alive)
    for c in (table.concept[r] for r in rows.tolist()):
        out.concepts_pool[c] += 1
    scores = cols["select_score"][rows]
    sel = config.select
    top_k = sel.top_k if sel.enabled else None
    bal = config.balance
    if bal.enabled and len(rows) and (bal.source != "keywords" or bal.keywords):
        budget = top_k if top_k is not None else len(rows)
        out.cap = concept_cap(bal.max_share, budget)
        concepts = [table.concept[r] for r in rows.tolist()]
        over = balance_mask(concepts, scores, out.cap)
        for row in rows[over].tolist():
            stage[row], reason[row] = "balance", "concept_cap"
            values[row] = {"concept": table.concept[row], "cap": out.cap}
        keep = ~over
        rows, scores = rows[keep], scores[keep]
    if top_k is not None and len(rows) > top_k:
        out_of = select_mask(scores, top_k)
        cutoff = float(scores[rank(scores)[top_k - 1]])
        for row in rows[out_of].tolist():
            stage[row], reason[row] = "select", "below_top_k"
            values[row] = {sel.score: _num(cols["select_score"][row]), "cutoff": cutoff}
        rows = rows[~out_of]
        scores = scores[~out_of]
    order = rank(scores)
    rank_of = {int(rows[j]): pos + 1 for pos, j in enumerate(order.tolist())}
    for row in range(n):
        index = int(table.index[row])
        if stage[row] is None:
            out.kept[index] = {"curate_rank": rank_of.get(row, 0)}
            out.concepts_kept[table.concept[row]] += 1
        elif stage[row] in ("dedup", "balance", "select"):
            out.dropped[index] = (stage[row], reason[row] or "", values[row])
            out.counts[stage[row]] += 1
            out.reasons.setdefault(stage[row], Counter())[reason[row] or ""] += 1
    return out


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
