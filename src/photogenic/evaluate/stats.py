"""Pairwise statistics: majority vote, win/tie/loss, win rates, Wilson and bootstrap intervals,
Fleiss' kappa and Bradley-Terry scores (the statistics listed in REFERENCE.md, "Statistics to report").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

CHOICES = ("a", "b", "tie")
OUTCOMES = ("win", "tie", "loss")
Z95 = 1.959963984540054


def majority_vote(choices: Sequence[str]) -> str:
    """The plurality choice among ``"a"``, ``"b"``, ``"tie"``; a shared top count gives ``"tie"``.

    E.g. a, a, b -> a; a, b, tie -> tie; a, a, tie, tie, b -> tie; a single vote is itself.
    """
    if not choices:
        raise ValueError("majority_vote of no votes")
    counts = Counter(choices)
    bad = set(counts) - set(CHOICES)
    if bad:
        raise ValueError(f"unknown choice(s) {sorted(bad)}; expected one of {CHOICES}")
    top = max(counts.values())
    leaders = [c for c in CHOICES if counts.get(c, 0) == top]
    return leaders[0] if len(leaders) == 1 else "tie"


def outcome_of(choice: str) -> str:
    """Model A's outcome for a choice: a -> win, b -> loss, tie -> tie."""
    return {"a": "win", "b": "loss", "tie": "tie"}[choice]


def count_outcomes(outcomes: Sequence[str]) -> tuple[int, int, int]:
    """``(wins, ties, losses)``."""
    c = Counter(outcomes)
    return c.get("win", 0), c.get("tie", 0), c.get("loss", 0)


def win_rate(wins: float, ties: float, losses: float) -> float | None:
    """``(W + T/2) / N`` (ties count half); ``None`` when there are no pairs."""
    n = wins + ties + losses
    return (wins + ties / 2) / n if n else None


def decisive_win_rate(wins: float, losses: float) -> float | None:
    """``W / (W + L)`` (ties left out); ``None`` when every pair tied."""
    return wins / (wins + losses) if wins + losses else None


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion ``successes / n`` (``None`` when ``n`` is 0).

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``; ``successes`` may be fractional
    (``W + T/2``).
    """
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def bootstrap_counts(counts: np.ndarray, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """Cluster bootstrap over prompts: ``counts`` is ``(prompts, 3)`` (W, T, L per prompt); each
    replicate draws as many prompts with replacement and sums their counts. Returns ``(n_boot, 3)``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    if n == 0:
        return np.zeros((n_boot, 3))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(n_boot, n)) + n * np.arange(n_boot)[:, None]
    weights = np.bincount(picks.ravel(), minlength=n_boot * n).reshape(n_boot, n)
    return weights.astype(np.float64) @ counts


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float] | None:
    """The central ``level`` percentile interval of ``values`` (NaNs ignored; ``None`` if all NaN)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or np.all(np.isnan(values)):
        return None
    alpha = (1 - level) / 2
    lo, hi = np.nanquantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def bootstrap_win_rates(
    counts: np.ndarray, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap intervals (over prompts) of the win rate and the decisive win rate."""
    boot = bootstrap_counts(counts, n_boot, seed)
    w, t, loss = boot[:, 0], boot[:, 1], boot[:, 2]
    n = w + t + loss
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, (w + t / 2) / n, np.nan)
        decisive = np.where(w + loss > 0, w / (w + loss), np.nan)
    return {
        "win_rate": percentile_interval(rate, level),
        "decisive_win_rate": percentile_interval(decisive, level),
    }


def fleiss_kappa(table: np.ndarray) -> float | None:
    """Fleiss' kappa from ``table[item, category]`` = number of raters choosing that category.

    ``P_i = (Σ_j n_ij² - n_i) / (n_i (n_i - 1))``, ``P̄ = mean_i P_i``, ``p_j = Σ_i n_ij / Σ_i n_i``,
    ``P_e = Σ_j p_j²``, ``κ = (P̄ - P_e) / (1 - P_e)``. With the same number of raters per item this
    is Fleiss (1971); items may have different numbers of raters (items with fewer than two are left
    out). ``None`` when no item has two raters or every vote falls in one category (``P_e = 1``).
    """
    table = np.asarray(table, dtype=np.float64)
    if table.size == 0:
        return None  # no items at all
    if table.ndim != 2:
        raise ValueError("fleiss_kappa expects a 2-D (items, categories) table")
    n_i = table.sum(axis=1)
    table = table[n_i >= 2]
    n_i = n_i[n_i >= 2]
    if table.shape[0] == 0:
        return None
    p_item = ((table**2).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_bar = float(p_item.mean())
    p_cat = table.sum(axis=0) / n_i.sum()
    p_e = float((p_cat**2).sum())
    if p_e >= 1 - 1e-12:
        return None
    return (p_bar - p_e) / (1 - p_e)


def bradley_terry(
    wins: np.ndarray, prior: float = 0.0, max_iter: int = 10_000, tol: float = 1e-12
) -> np.ndarray:
    """Bradley-Terry strengths (summing to 1) from ``wins[i, j]`` = (half-)wins of ``i`` over ``j``.

    Ties enter as half a win for each side. Maximum likelihood by the MM algorithm (Hunter 2004):
    ``p_i <- W_i / Σ_j n_ij / (p_i + p_j)``. ``P(i beats j) = p_i / (p_i + p_j)``. ``prior`` adds that
    many pseudo-games, split as ties, between every two models (0: plain maximum likelihood; a model
    that never wins then gets strength 0).
    """
    w = np.array(wins, dtype=np.float64)
    m = w.shape[0]
    if w.shape != (m, m):
        raise ValueError("bradley_terry expects a square wins matrix")
    np.fill_diagonal(w, 0.0)
    if prior > 0:
        w = w + (prior / 2) * (1 - np.eye(m))
    games = w + w.T
    total_wins = w.sum(axis=1)
    p = np.full(m, 1.0 / m)
    for _ in range(max_iter):
        denom = (games / np.maximum(p[:, None] + p[None, :], 1e-300)).sum(axis=1)
        new = np.where(denom > 0, total_wins / np.maximum(denom, 1e-300), p)
        new = new / new.sum() if new.sum() > 0 else np.full(m, 1.0 / m)
        if np.max(np.abs(new - p)) < tol:
            p = new
            break
        p = new
    return p


def wins_matrix(games: Sequence[tuple[int, int, str]], n_models: int) -> np.ndarray:
    """``wins[i, j]`` from games ``(i, j, outcome of i)``; a tie gives each side half a win."""
    w = np.zeros((n_models, n_models))
    for i, j, outcome in games:
        if outcome == "win":
            w[i, j] += 1
        elif outcome == "loss":
            w[j, i] += 1
        elif outcome == "tie":
            w[i, j] += 0.5
            w[j, i] += 0.5
        else:
            raise ValueError(f"unknown outcome {outcome!r}")
    return w


def bootstrap_bradley_terry(
    per_prompt: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    prior: float = 0.0,
) -> list[tuple[float, float] | None]:
    """Percentile intervals of each model's strength, resampling prompts: ``per_prompt`` is
    ``(prompts, M, M)``, the wins matrix of each prompt's games."""
    per_prompt = np.asarray(per_prompt, dtype=np.float64)
    n, m = per_prompt.shape[0], per_prompt.shape[1]
    rng = np.random.default_rng(seed)
    flat = per_prompt.reshape(n, m * m)
    samples = np.empty((n_boot, m))
    for b in range(n_boot):
        weights = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)
        samples[b] = bradley_terry(
            (weights @ flat).reshape(m, m), prior=prior, max_iter=2000, tol=1e-10
        )
    return [percentile_interval(samples[:, k], level) for k in range(m)]
