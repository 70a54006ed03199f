"""Stages 8 and 9: domain balancing (a cap per concept) and top-K selection.

Balancing keeps, for each concept, only its ``cap = ceil(max_share · budget)`` best items (the budget
is ``top_k``, or the number of survivors without one); selection then keeps the ``top_k`` best. That
is the same as walking the survivors best-first and skipping a concept once it is full, so the
final set covers the pool's concepts instead of filling up with the most common one. Both run as
SQL windows on the on-disk table (:func:`photogenic.curate.decide.decide`).
"""

from __future__ import annotations

import math

from photogenic.curate.stages.base import GlobalStage


def concept_cap(max_share: float, budget: int) -> int:
    """The most items one concept may hold."""
    return max(1, math.ceil(max_share * budget))


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
