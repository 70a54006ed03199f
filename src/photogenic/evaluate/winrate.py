"""Win rates from judgments: per pair a majority vote of its raters, then per axis and comparison
the win/tie/loss shares, win rates with bootstrap (over prompts) and Wilson intervals, Fleiss' kappa,
per-category and per-challenge breakdowns, and Bradley-Terry scores when three or more models meet.

Orientation: a comparison is reported as ``model`` vs ``baseline``; the baseline is the one given
(``--baseline``) or else the ``model_b`` of the first judgment of that pair of models. Rows that name
the two models the other way round have their choice (and margin) flipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from photogenic.errors import PhotogenicError
from photogenic.evaluate import stats
from photogenic.evaluate.judgments import AXES

FLIP = {"a": "b", "b": "a", "tie": "tie"}


@dataclass
class WinrateConfig:
    """Settings of ``photogenic eval winrate``."""

    baseline: str = ""  # model every comparison is oriented against; empty: as first seen
    judges: list[str] = field(default_factory=list)  # keep only these judges; empty: all
    bootstrap: int = 2000  # bootstrap replicates (resampling prompts)
    seed: int = 0  # bootstrap seed
    level: float = 0.95  # confidence level of the intervals
    bradley_terry_bootstrap: int = 500  # replicates for the Bradley-Terry intervals
    bradley_terry_prior: float = 0.0  # pseudo-ties between every two models (0: plain MLE)


@dataclass
class PairOutcome:
    """The majority outcome of one pair on one axis, oriented ``model`` vs ``baseline``."""

    axis: str
    model: str
    baseline: str
    pair_id: str
    prompt: str
    category: str
    challenge: str
    image_model: str
    image_baseline: str
    votes: dict[str, int]  # {"model": n, "baseline": n, "tie": n}
    judges: list[str]
    outcome: str  # win | tie | loss (for ``model``)
    margin: float  # mean judge margin (model - baseline), or the vote margin for people
    margin_kind: str  # "judge" or "votes"


def orient(rows: Sequence[dict[str, Any]], baseline: str = "") -> dict[frozenset, tuple[str, str]]:
    """``{frozenset({x, y}): (model, baseline)}`` for every pair of models in ``rows``."""
    order: dict[frozenset, tuple[str, str]] = {}
    for r in rows:
        key = frozenset((r["model_a"], r["model_b"]))
        if key in order:
            continue
        if baseline and baseline in key:
            other = next(m for m in key if m != baseline)
            order[key] = (other, baseline)
        else:
            order[key] = (r["model_a"], r["model_b"])
    return order


def pair_outcomes(rows: Sequence[dict[str, Any]], baseline: str = "") -> list[PairOutcome]:
    """Group judgments by (axis, models, pair) and take each group's majority vote."""
    order = orient(rows, baseline)
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        model, base = order[frozenset((r["model_a"], r["model_b"]))]
        flipped = r["model_a"] != model
        groups[(r["axis"], model, base, r["pair_id"])].append(
            {
                **r,
                "choice": FLIP[r["choice"]] if flipped else r["choice"],
                "image_model": r["image_b"] if flipped else r["image_a"],
                "image_baseline": r["image_a"] if flipped else r["image_b"],
                "margin": _num(r.get("margin"), flipped),
            }
        )
    out = []
    for (axis, model, base, pair_id), votes in groups.items():
        choices = [v["choice"] for v in votes]
        winner = stats.majority_vote(choices)
        margins = [v["margin"] for v in votes]
        n_a, n_b = choices.count("a"), choices.count("b")
        if all(m is not None for m in margins):
            margin, kind = float(np.mean(margins)), "judge"
        else:
            margin, kind = (n_a - n_b) / len(choices), "votes"
        first = votes[0]
        out.append(
            PairOutcome(
                axis,
                model,
                base,
                pair_id,
                first["prompt"],
                str(first.get("category") or ""),
                str(first.get("challenge") or ""),
                first["image_model"],
                first["image_baseline"],
                {"model": n_a, "baseline": n_b, "tie": choices.count("tie")},
                sorted({str(v["judge"]) for v in votes}),
                stats.outcome_of(winner),
                round(margin, 6),
                kind,
            )
        )
    out.sort(key=lambda o: (o.axis, o.model, o.baseline, o.pair_id))
    return out


def rates(outcomes: Sequence[PairOutcome], z: float = stats.Z95) -> dict[str, Any]:
    """Counts, percentages, the two win rates and their Wilson intervals."""
    w, t, loss = stats.count_outcomes([o.outcome for o in outcomes])
    n = w + t + loss
    return {
        "n_pairs": n,
        "win": w,
        "tie": t,
        "loss": loss,
        "win_pct": 100 * w / n if n else None,
        "tie_pct": 100 * t / n if n else None,
        "loss_pct": 100 * loss / n if n else None,
        "win_rate": stats.win_rate(w, t, loss),
        "win_rate_wilson": stats.wilson_interval(w + t / 2, n, z),
        "decisive_win_rate": stats.decisive_win_rate(w, loss),
        "decisive_win_rate_wilson": stats.wilson_interval(w, w + loss, z),
    }


def per_prompt_counts(outcomes: Sequence[PairOutcome]) -> np.ndarray:
    """``(prompts, 3)`` W/T/L counts per prompt (the bootstrap's resampling unit)."""
    index: dict[str, int] = {}
    rows: list[list[int]] = []
    col = {"win": 0, "tie": 1, "loss": 2}
    for o in outcomes:
        if o.prompt not in index:
            index[o.prompt] = len(rows)
            rows.append([0, 0, 0])
        rows[index[o.prompt]][col[o.outcome]] += 1
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def agreement(outcomes: Sequence[PairOutcome]) -> dict[str, Any]:
    """Fleiss' kappa over pairs (categories model/baseline/tie) and raters per pair."""
    table = np.array(
        [[o.votes["model"], o.votes["baseline"], o.votes["tie"]] for o in outcomes], dtype=float
    ).reshape(-1, 3)
    per_pair = table.sum(axis=1)
    return {
        "fleiss_kappa": stats.fleiss_kappa(table),
        "raters_per_pair": {
            "min": int(per_pair.min()) if len(per_pair) else 0,
            "max": int(per_pair.max()) if len(per_pair) else 0,
            "mean": float(per_pair.mean()) if len(per_pair) else 0.0,
        },
    }


def breakdown(outcomes: Sequence[PairOutcome], key: str) -> dict[str, dict[str, Any]]:
    """:func:`rates` per value of ``key`` (``category`` or ``challenge``); empty values skipped."""
    groups: dict[str, list[PairOutcome]] = defaultdict(list)
    for o in outcomes:
        value = getattr(o, key)
        if value:
            groups[value].append(o)
    return {k: rates(groups[k]) for k in sorted(groups)}


def comparison_summary(
    outcomes: Sequence[PairOutcome], config: WinrateConfig, seed: int
) -> dict[str, Any]:
    """Every statistic of one comparison on one axis."""
    z = _z(config.level)
    summary: dict[str, Any] = {
        "model": outcomes[0].model,
        "baseline": outcomes[0].baseline,
        "n_prompts": len({o.prompt for o in outcomes}),
        **rates(outcomes, z),
    }
    boot = stats.bootstrap_win_rates(
        per_prompt_counts(outcomes), config.bootstrap, seed, config.level
    )
    summary["win_rate_ci"] = boot["win_rate"]
    summary["decisive_win_rate_ci"] = boot["decisive_win_rate"]
    summary.update(agreement(outcomes))
    summary["by_category"] = breakdown(outcomes, "category")
    summary["by_challenge"] = breakdown(outcomes, "challenge")
    return summary


def bradley_terry_summary(
    outcomes: Sequence[PairOutcome], config: WinrateConfig, seed: int
) -> dict[str, Any] | None:
    """Bradley-Terry strengths (ties as half wins) with bootstrap intervals over prompts, for three
    or more models; ``None`` otherwise."""
    models = sorted({o.model for o in outcomes} | {o.baseline for o in outcomes})
    if len(models) < 3:
        return None
    idx = {m: i for i, m in enumerate(models)}
    prompts = sorted({o.prompt for o in outcomes})
    pidx = {p: i for i, p in enumerate(prompts)}
    per_prompt = np.zeros((len(prompts), len(models), len(models)))
    for o in outcomes:
        per_prompt[pidx[o.prompt]] += stats.wins_matrix(
            [(idx[o.model], idx[o.baseline], o.outcome)], len(models)
        )
    strength = stats.bradley_terry(per_prompt.sum(axis=0), prior=config.bradley_terry_prior)
    ci = stats.bootstrap_bradley_terry(
        per_prompt, config.bradley_terry_bootstrap, seed, config.level, config.bradley_terry_prior
    )
    ranked = sorted(range(len(models)), key=lambda k: -strength[k])
    return {
        "models": [models[k] for k in ranked],
        "strength": [float(strength[k]) for k in ranked],
        "strength_ci": [list(ci[k]) if ci[k] else None for k in ranked],
        "note": "P(i beats j) = s_i / (s_i + s_j); strengths sum to 1; ties count half a win",
    }


def compute_winrate(
    rows: Sequence[dict[str, Any]], config: WinrateConfig
) -> tuple[dict[str, Any], list[PairOutcome]]:
    """The win-rate summary of judgments ``rows`` and the per-pair outcomes behind it."""
    if not 0 < config.level < 1:
        raise PhotogenicError(f"confidence level {config.level}: expected a number in (0, 1)")
    if config.judges:
        rows = [r for r in rows if r["judge"] in config.judges]
    if not rows:
        raise PhotogenicError("no judgments to count (check --judge)")
    if config.baseline and not any(config.baseline in (r["model_a"], r["model_b"]) for r in rows):
        raise PhotogenicError(f"--baseline {config.baseline!r} is not a model in the judgments")
    outcomes = pair_outcomes(rows, config.baseline)
    axes: dict[str, Any] = {}
    for k, axis in enumerate(AXES):
        on_axis = [o for o in outcomes if o.axis == axis]
        if not on_axis:
            continue
        groups: dict[tuple[str, str], list[PairOutcome]] = defaultdict(list)
        for o in on_axis:
            groups[(o.model, o.baseline)].append(o)
        axes[axis] = {
            "comparisons": [
                comparison_summary(groups[g], config, config.seed + 1000 * k + i)
                for i, g in enumerate(sorted(groups))
            ],
            "bradley_terry": bradley_terry_summary(on_axis, config, config.seed + 1000 * k),
        }
    summary = {
        "judges": sorted({str(r["judge"]) for r in rows}),
        "models": sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows}),
        "n_judgments": len(rows),
        "level": config.level,
        "bootstrap": config.bootstrap,
        "seed": config.seed,
        "majority_rule": "plurality of a/b/tie votes; a shared top count is a tie",
        "axes": axes,
    }
    return summary, outcomes


def outcome_rows(outcomes: Sequence[PairOutcome]) -> list[dict[str, Any]]:
    """Outcomes as plain dicts (``outcomes.jsonl``)."""
    return [asdict(o) for o in outcomes]


def _num(value: Any, flipped: bool) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return -float(value) if flipped else float(value)
    return None


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)
