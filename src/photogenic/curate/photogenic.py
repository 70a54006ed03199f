"""The photogenic score: one transparent sub-score per principle of the paper, and their blend.

Every term turns one measurement ``x`` into a desirability in ``[floor, 1]``::

    t = (x - bad) / (good - bad)                         (0 at the bad anchor, 1 at the good one)
    S(t) = 0.9 · clip(t, 0, 1) + 0.1 · logistic(4 · (t - 0.5))
    d = floor + (1 - floor) · S(t)

``S`` rises linearly between the anchors and keeps a small slope outside them, so a worse value
always scores a little lower (a degraded copy never ties with its original). ``bad > good`` means
"higher is worse". A principle's sub-score is the product of its terms' ``d``; the photogenic score
is the weighted geometric mean of the sub-scores, ``Π part_p ** (w_p / Σ w)`` — the same shape as
the world's ground-truth appeal, so one bad principle pulls the whole score down. A term whose
measurement is missing (e.g. ``text_area`` when the OCR stage is off) counts as 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from photogenic.curate.config import PhotogenicConfig, Term

SCORE = "photogenic_score"


def desirability(x: float, term: Term) -> float:
    """``d`` of one measurement (see the module docstring)."""
    t = (x - term.bad) / (term.good - term.bad)
    s = 0.9 * min(1.0, max(0.0, t)) + 0.1 / (1.0 + math.exp(-4.0 * min(50.0, max(-50.0, t - 0.5))))
    return term.floor + (1.0 - term.floor) * s


def photogenic_parts(values: Mapping[str, float], config: PhotogenicConfig) -> dict[str, float]:
    """The sub-score of each principle: the product of its terms' desirabilities."""
    parts = {}
    for name, terms in config.principles.items():
        part = 1.0
        for term in terms:
            x = values.get(term.measure)
            if x is None or (isinstance(x, float) and math.isnan(x)):
                continue
            part *= desirability(float(x), term)
        parts[name] = part
    return parts


def photogenic_score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted geometric mean of the sub-scores (principles without a weight count 1)."""
    w = {p: float(weights.get(p, 1.0)) for p in parts}
    total = sum(w.values())
    if total <= 0:
        return 0.0
    log = sum(w[p] / total * math.log(max(parts[p], 1e-9)) for p in parts)
    return math.exp(log)


def score_values(values: Mapping[str, float], config: PhotogenicConfig) -> dict[str, float]:
    """``{"photogenic_score": s, "photogenic_<principle>": part, ...}`` for one item's measures."""
    parts = photogenic_parts(values, config)
    out = {SCORE: photogenic_score(parts, config.weights)}
    out.update({f"photogenic_{name}": part for name, part in parts.items()})
    return out
