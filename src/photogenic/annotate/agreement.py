"""Rater agreement: Fleiss' kappa (shared with the evaluation statistics) and each rater's agreement
with the majority (pure functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from photogenic.evaluate.stats import fleiss_kappa

__all__ = ["agreement_with_majority", "count_table", "fleiss_kappa", "majority"]


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
