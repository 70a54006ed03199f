"""Apply the global stages (dedup, balance, select) to the collected table, in funnel order.

An item's verdict is the first stage, in the funnel's order, that drops it: a copy is a dedup drop
even if OCR would also have dropped it, because dedup comes first. The stages run as SQL on the
on-disk :class:`GlobalTable`; the verdicts land in its table ``decided`` (one row per item a global
stage dropped or kept, by input index), read back in input order while the outputs are written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from photogenic.curate.config import CurateConfig
from photogenic.curate.globaltable import GlobalTable
from photogenic.curate.stages.balance import concept_cap
from photogenic.curate.stages.dedup import find_duplicates

GLOBAL = ("dedup", "balance", "select")  # verdict codes 1, 2, 3; 0: not dropped by them
SURVIVING = "later IS NULL AND code = 0"  # not dropped by a per-item stage or a global one yet
BEST_FIRST = "select_score DESC NULLS LAST, r"  # missing scores last, ties by input order
Verdict = tuple[str, str, dict[str, Any]]


@dataclass
class Decisions:
    """The global stages' verdicts: counts for the funnel and report, and lookups by input index
    (:meth:`in_order` for a pass over the input, :meth:`verdict` for a few)."""

    table: GlobalTable
    score_name: str = "photogenic_score"
    dedup_score_name: str = "photogenic_score"
    cutoff: float | None = None
    cap: int | None = None
    counts: Counter = field(default_factory=Counter)  # global stage -> dropped
    reasons: dict[str, Counter] = field(default_factory=dict)
    concepts_pool: Counter = field(default_factory=Counter)
    concepts_kept: Counter = field(default_factory=Counter)
    moved: Counter = field(
        default_factory=Counter
    )  # later per-item stage -> items dedup took first

    def _rows(
        self, where: str = "true", order: str = "idx", limit: int | None = None
    ) -> Iterator[tuple]:
        query = (
            "SELECT idx, code, rank, kept_id, kind, distance, concept, select_score, dedup_score "
            f"FROM decided WHERE {where} ORDER BY {order}"
            + (f" LIMIT {int(limit)}" if limit is not None else "")
        )
        return self.table.rows(query)

    def _verdict(self, row: tuple) -> Verdict | None:
        _, code, _, kept_id, kind, distance, concept, select_score, dedup_score = row
        if code == 1:
            values = {"duplicate_of": kept_id, "distance": int(distance)}
            return "dedup", kind, {**values, self.dedup_score_name: dedup_score}
        if code == 2:
            return "balance", "concept_cap", {"concept": concept, "cap": self.cap}
        if code == 3:
            return "select", "below_top_k", {self.score_name: select_score, "cutoff": self.cutoff}
        return None

    def in_order(self) -> Iterator[tuple[int, tuple[Verdict | None, int | None]]]:
        """``(index, (verdict, rank))`` of every item a global stage dropped or kept, by index."""
        for row in self._rows():
            yield row[0], (self._verdict(row), row[2] or None)

    def verdict(self, index: int) -> Verdict | None:
        """The global stage that dropped input item ``index``, its reason and values, or None."""
        rows = list(self._rows(f"idx = {int(index)}"))
        return self._verdict(rows[0]) if rows else None

    def dropped(self, stage: str, n: int) -> list[tuple[int, str, dict[str, Any]]]:
        """``(index, reason, values)`` of the first ``n`` items ``stage`` dropped (input order)."""
        code = GLOBAL.index(stage) + 1
        out = []
        for row in self._rows(f"code = {code}", limit=n):
            _, reason, values = self._verdict(row)  # type: ignore[misc]
            out.append((row[0], reason, values))
        return out

    def best(self, n: int) -> list[tuple[int, int]]:
        """``(index, rank)`` of the ``n`` best kept items."""
        return [(row[0], row[2]) for row in self._rows("rank > 0", order="rank", limit=n)]

    def close(self) -> None:
        self.table.close()


def decide(table: GlobalTable, config: CurateConfig) -> Decisions:
    """Run dedup, then the per-item verdicts after it, then balance and select."""
    table.flush()
    out = Decisions(table, score_name=config.select.score, dedup_score_name=config.dedup.score)
    dd = config.dedup
    if dd.enabled and (dd.exact or dd.near) and len(table):
        find_duplicates(table, dd.exact, dd.near, dd.max_distance, dd.max_color_distance)
    else:
        table.execute("DROP TABLE IF EXISTS dups")
        table.execute(
            "CREATE TABLE dups (r INTEGER, kept INTEGER, kept_id TEXT, kind TEXT, distance INTEGER)"
        )
    for name in ("v", "o", "decided"):
        table.execute(f"DROP TABLE IF EXISTS {name}")
    table.execute(
        "CREATE TABLE v (r INTEGER PRIMARY KEY, idx INTEGER, concept TEXT, select_score REAL, "
        "dedup_score REAL, later TEXT, kept_id TEXT, kind TEXT, distance INTEGER, code INTEGER, "
        "rank INTEGER)"
    )
    table.execute(
        "INSERT INTO v SELECT t.r, t.idx, t.concept, t.select_score, t.dedup_score, t.later, "
        "d.kept_id, d.kind, d.distance, CASE WHEN d.r IS NULL THEN 0 ELSE 1 END, 0 "
        "FROM t LEFT JOIN dups d ON d.r = t.r"
    )
    table.execute("DROP TABLE dups")
    out.moved.update(_counts(table, "later", "code = 1 AND later IS NOT NULL"))
    out.concepts_pool.update(_counts(table, "concept", SURVIVING))
    survivors = sum(out.concepts_pool.values())
    sel, bal = config.select, config.balance
    top_k = sel.top_k if sel.enabled else None
    if bal.enabled and survivors and (bal.source != "keywords" or bal.keywords):
        out.cap = concept_cap(bal.max_share, top_k if top_k is not None else survivors)
        table.execute(
            "UPDATE v SET code = 2 FROM (SELECT r, row_number() OVER "
            f"(PARTITION BY concept ORDER BY {BEST_FIRST}) AS pos FROM v WHERE {SURVIVING}) o "
            f"WHERE v.r = o.r AND o.pos > {out.cap}"
        )
    table.execute("CREATE TABLE o (r INTEGER PRIMARY KEY, select_score REAL, pos INTEGER)")
    table.execute(
        "INSERT INTO o SELECT r, select_score, "
        f"row_number() OVER (ORDER BY {BEST_FIRST}) FROM v WHERE {SURVIVING}"
    )
    if top_k is not None and table.scalar("SELECT count(*) FROM o") > top_k:
        out.cutoff = table.scalar(f"SELECT select_score FROM o WHERE pos = {top_k}")
        table.execute(f"UPDATE v SET code = 3 FROM o WHERE v.r = o.r AND o.pos > {top_k}")
        table.execute(f"DELETE FROM o WHERE pos > {top_k}")
    table.execute("UPDATE v SET rank = o.pos FROM o WHERE v.r = o.r")
    table.execute("DROP TABLE o")
    out.concepts_kept.update(_counts(table, "concept", "rank > 0"))
    for position, stage in enumerate(GLOBAL, start=1):
        dropped = table.scalar(f"SELECT count(*) FROM v WHERE code = {position}")
        if dropped:
            out.counts[stage] = dropped
            out.reasons[stage] = (
                Counter(_counts(table, "kind", "code = 1"))
                if stage == "dedup"
                else Counter({"concept_cap" if position == 2 else "below_top_k": dropped})
            )
    table.execute(
        "CREATE TABLE decided AS SELECT idx, code, rank, kept_id, kind, distance, concept, "
        "select_score, dedup_score FROM v WHERE code > 0 OR rank > 0"
    )
    table.execute("CREATE INDEX decided_idx ON decided (idx)")
    table.execute("CREATE INDEX decided_rank ON decided (rank)")
    table.execute("DROP TABLE v")
    return out


def _counts(table: GlobalTable, column: str, where: str) -> dict[Any, int]:
    return dict(table.rows(f"SELECT {column}, count(*) FROM v WHERE {where} GROUP BY {column}"))
