"""Rater agreement: Fleiss' kappa and each rater's agreement with the majority (pure functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa of an items x categories table of rating counts.

    Row ``i`` holds how many raters put item ``i`` in each category. Items with fewer than two
    ratings carry no agreement and are left out; items may have different numbers of ratings
    (each item's agreement uses its own count). None when undefined: no item with two or more
    ratings, or every rating in one category (chance agreement is then 1).
    """
    rows = [[int(c) for c in row] for row in counts if sum(row) >= 2]
    if not rows:
        return None
    width = len(rows[0])
    if any(len(row) != width for row in rows) or any(c < 0 for row in rows for c in row):
        raise ValueError("every row needs the same number of non-negative counts")
    total = sum(sum(row) for row in rows)
    shares = [sum(row[j] for row in rows) / total for j in range(width)]
    per_item = [(sum(c * c for c in row) - n) / (n * (n - 1)) for row in rows for n in [sum(row)]]
    observed = sum(per_item) / len(per_item)
    chance = sum(p * p for p in shares)
    if chance >= 1.0 - 1e-12:
        return None
    return (observed - chance) / (1.0 - chance)


def count_table(
    ratings: Mapping[Hashable, Sequence[str]], categories: Sequence[str]
) -> list[list[int]]:
    """The items x categories count table of ``{item: [answer, ...]}`` (unknown answers raise)."""
    index = {c: j for j, c in enumerate(categories)}
    table = []
    for answers in ratings.values():
        row = [0] * len(categories)
        for answer in answers:
            row[index[answer]] += 1
        table.append(row)
    return table


def majority(answers: Sequence[str]) -> str | None:
    """The single most common answer, or None when the top answers tie (or there are none)."""
    ranked = Counter(answers).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def agreement_with_majority(
    ratings: Mapping[Hashable, Mapping[Hashable, str]], min_raters: int = 3
) -> dict[Hashable, dict[str, Any]]:
    """Per rater: on items with ``min_raters``+ ratings and a clear majority, how often they agree.

    ``ratings`` is ``{item: {rater: answer}}``. Returns ``{rater: {"agree", "items", "rate"}}``;
    ``rate`` is None for a rater with no counted item.
    """
    out: dict[Hashable, dict[str, Any]] = {}
    for by_rater in ratings.values():
        for rater in by_rater:
            out.setdefault(rater, {"agree": 0, "items": 0, "rate": None})
        if len(by_rater) < min_raters:
            continue
        top = majority(list(by_rater.values()))
        if top is None:
            continue
        for rater, answer in by_rater.items():
            out[rater]["items"] += 1
            out[rater]["agree"] += int(answer == top)
    for stats in out.values():
        if stats["items"]:
            stats["rate"] = stats["agree"] / stats["items"]
    return out
