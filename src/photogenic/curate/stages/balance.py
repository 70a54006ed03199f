"""Stages 8 and 9: domain balancing (a cap per concept) and top-K selection.

Balancing keeps, for each concept, only its ``cap = ceil(max_share · budget)`` best items (the budget
is ``top_k``, or the number of survivors without one); selection then keeps the ``top_k`` best. That
is the same as walking the survivors best-first and skipping a concept once it is full, so the
final set covers the pool's concepts instead of filling up with the most common one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np

from photogenic.curate.stages.base import GlobalStage


def rank(scores: np.ndarray) -> np.ndarray:
    """Row order best-first: higher score first, ties (and missing scores last) by row."""
    safe = np.where(np.isnan(scores), -np.inf, scores)
    return np.lexsort((np.arange(len(scores)), -safe))


def balance_mask(concepts: Sequence[Hashable], scores: np.ndarray, cap: int) -> np.ndarray:
    """True for rows beyond their concept's ``cap`` best (concepts as names or codes)."""
    over = np.zeros(len(concepts), dtype=bool)
    taken: dict[Hashable, int] = {}
    for row in rank(scores).tolist():
        c = concepts[row]
        taken[c] = taken.get(c, 0) + 1
        over[row] = taken[c] > cap
    return over


def concept_cap(max_share: float, budget: int) -> int:
    """The most items one concept may hold."""
    return max(1, math.ceil(max_share * budget))


def select_mask(scores: np.ndarray, top_k: int | None) -> np.ndarray:
    """True for rows outside the ``top_k`` best (none when ``top_k`` is None)."""
    out = np.zeros(len(scores), dtype=bool)
    if top_k is not None:
        out[rank(scores)[top_k:]] = True
    return out


class BalanceStage(GlobalStage):
    """Global stage: cap each concept's share of the budget."""

    name = "balance"

    def notice(self) -> str | None:
        cfg = self.config.balance
        if not cfg.enabled:
            return "switched off"
        if cfg.source == "keywords" and not cfg.keywords:
            return "skipped: balance.keywords is empty"
        return None

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {}


class SelectStage(GlobalStage):
    """Global stage: the top-K by ``select.score``."""

    name = "select"

    def notice(self) -> str | None:
        cfg = self.config.select
        if not cfg.enabled:
            return "switched off"
        if cfg.top_k is None:
            return "keeps every survivor (select.top_k is not set)"
        return None
