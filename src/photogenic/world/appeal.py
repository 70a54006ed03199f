"""Ground-truth visual appeal of a world item, from its factors, after the paper's five principles.

The appeal formula
------------------
Every factor gets a score ``s`` in (0, 1]. Good levels score between 0.98 and 1 (a little lower the
further the value is from ideal); bad levels score at most 0.7 and usually 0.1-0.6, lower the worse
the value:

========================  =====================================================================
factor                    score
========================  =====================================================================
composition               thirds 1 - 0.02·min(1, d / 1.5·jitter) (d: distance to the thirds
                          point); centred 0.5; too small 0.4; cut off 0.45 - 0.3·cut
aspect                    square 1; wide or tall 0.5
exposure                  good 1 - 0.02·|EV| / good_ev; bad clip(0.9 - 0.3·|EV|, 0.05, 0.6)
lighting                  directional 1 - 0.02·(strength_max - k) / (strength_max - strength_min);
                          flat 0.5
contrast                  good 1 - 0.02·|1 - c| / max|1 - c_good|; low c (0.3-0.55)
saturation                good 1; washed out 0.1 + s; monochrome 0.25; colour cast 0.9 - a
clutter                   clean 1; cluttered 0.6 - 0.05·(n - count_min)
separation                good 0.98 + 0.02·min(1, (d - t) / 0.3); low 0.2 + 1.6·d (d: subject to
                          background colour distance in [0, 1], t = separation_min)
visibility                1 - cut (the visible share of a subject cut off at the border)
blur                      sharp 1 - 0.02·σ / σ_good_max; blurred clip(0.8 - 0.25·σ, 0.1, 0.6)
noise                     clean 1 - 0.02·σ / σ_good_max; noisy clip(0.8 - 0.025·σ, 0.1, 0.6)
jpeg                      none (PNG) 1; artefacts 0.2 + 0.015·quality
text                      none 1; overlay 0.3; watermark 0.5
resolution                full 1; low min(0.6, side / image_size)
========================  =====================================================================

The paper's five curation principles are products of their factors' scores::

    composition = composition · aspect
    lighting    = exposure · lighting
    color       = contrast · saturation
    subject     = clutter · separation · visibility
    technical   = blur · noise · jpeg · text · resolution        (the "subjective" principle)

and the appeal is their weighted geometric mean, ``appeal = Π part_p ** w_p`` with ``Σ w_p = 1``
(default 0.2 each). A **needle** is an original (not a duplicate) whose every factor is at its good
level and whose subject colour stands out from the background. With these scores every needle has
appeal ≥ 0.98**1.4 ≈ 0.972, while one bad factor caps the appeal at 0.6**0.2 ≈ 0.903: needles
outrank every item with any bad factor, and each bad factor lowers the appeal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from photogenic.world.factors import GOOD_LEVELS

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig

PRINCIPLES = ("composition", "lighting", "color", "subject", "technical")


def _clip(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


def factor_scores(
    levels: dict[str, str], values: dict[str, float], config: WorldConfig
) -> dict[str, float]:
    """The score in (0, 1] of every factor (see the module docstring)."""
    q = config.quality
    v = values
    s: dict[str, float] = {}
    comp = levels["composition"]
    if comp == "thirds":
        s["composition"] = 1 - 0.02 * min(
            1.0, v["thirds_distance"] / (1.5 * q.composition.jitter + 1e-9)
        )
    elif comp == "centred":
        s["composition"] = 0.5
    elif comp == "too_small":
        s["composition"] = 0.4
    else:
        s["composition"] = 0.45 - 0.3 * v["cut_fraction"]
    s["aspect"] = 1.0 if levels["aspect"] == "square" else 0.5

    ev = abs(v["exposure_ev"])
    if levels["exposure"] == "good":
        s["exposure"] = 1 - 0.02 * min(1.0, ev / max(q.exposure.good_ev, 1e-9))
    else:
        s["exposure"] = _clip(0.9 - 0.3 * ev, 0.05, 0.6)
    li = q.lighting
    if levels["lighting"] == "directional":
        span = max(li.strength_max - li.strength_min, 1e-9)
        s["lighting"] = 1 - 0.02 * _clip((li.strength_max - v["light_strength"]) / span, 0, 1)
    else:
        s["lighting"] = 0.5

    c = v["contrast_scale"]
    if levels["contrast"] == "good":
        spread = max(abs(1 - q.contrast.good_min), abs(q.contrast.good_max - 1), 1e-9)
        s["contrast"] = 1 - 0.02 * min(1.0, abs(1 - c) / spread)
    else:
        s["contrast"] = _clip(c, 0.05, 0.6)
    s["saturation"] = {
        "good": 1.0,
        "washed_out": _clip(0.1 + v["saturation_scale"], 0.05, 0.6),
        "monochrome": 0.25,
        "color_cast": _clip(0.9 - v["cast_strength"], 0.05, 0.6),
    }[levels["saturation"]]

    if levels["clutter"] == "clean":
        s["clutter"] = 1.0
    else:
        s["clutter"] = _clip(0.6 - 0.05 * (v["distractors"] - q.clutter.count_min), 0.05, 0.6)
    d, t = v["separation"], config.appeal.separation_min
    if levels["separation"] == "good":
        s["separation"] = 0.98 + 0.02 * _clip((d - t) / 0.3, 0, 1)
    else:
        s["separation"] = _clip(0.2 + 1.6 * d, 0.05, 0.6)
    s["visibility"] = 1.0 - v["cut_fraction"]

    if levels["blur"] == "sharp":
        s["blur"] = 1 - 0.02 * min(1.0, v["blur_sigma"] / max(q.blur.good_sigma_max, 1e-9))
    else:
        s["blur"] = _clip(0.8 - 0.25 * v["blur_sigma"], 0.1, 0.6)
    if levels["noise"] == "clean":
        s["noise"] = 1 - 0.02 * min(1.0, v["noise_sigma"] / max(q.noise.good_sigma_max, 1e-9))
    else:
        s["noise"] = _clip(0.8 - 0.025 * v["noise_sigma"], 0.1, 0.6)
    s["jpeg"] = (
        1.0 if levels["jpeg"] == "none" else _clip(0.2 + 0.015 * v["jpeg_quality"], 0.05, 0.6)
    )
    s["text"] = {"none": 1.0, "overlay": 0.3, "watermark": 0.5}[levels["text"]]
    if levels["resolution"] == "full":
        s["resolution"] = 1.0
    else:
        s["resolution"] = min(0.6, v["saved_short_side"] / config.image_size)
    return s


PARTS: dict[str, tuple[str, ...]] = {
    "composition": ("composition", "aspect"),
    "lighting": ("exposure", "lighting"),
    "color": ("contrast", "saturation"),
    "subject": ("clutter", "separation", "visibility"),
    "technical": ("blur", "noise", "jpeg", "text", "resolution"),
}


def appeal(
    levels: dict[str, str], values: dict[str, float], config: WorldConfig
) -> tuple[float, dict[str, float]]:
    """``(appeal, appeal_parts)``: the weighted geometric mean of the five principle scores."""
    scores = factor_scores(levels, values, config)
    parts = {p: math.prod(scores[f] for f in PARTS[p]) for p in PRINCIPLES}
    weights = {p: getattr(config.appeal, p) for p in PRINCIPLES}
    total = sum(weights.values()) or 1.0
    log = sum(weights[p] / total * math.log(max(parts[p], 1e-9)) for p in PRINCIPLES)
    return round(math.exp(log), 6), {p: round(parts[p], 6) for p in PRINCIPLES}


def is_needle(levels: dict[str, str], duplicate_kind: str) -> bool:
    """All factors at their good level, subject colour distinct, and not a duplicate."""
    if duplicate_kind != "none" or levels.get("separation") != "good":
        return False
    return all(levels[f] == good for f, good in GOOD_LEVELS.items())
