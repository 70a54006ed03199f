"""Automated judges (registry :data:`JUDGES`): the weight-free ``photogenic`` score, and judges on
local CLIP weights (``aesthetic``, ``clip-score``, ``pickscore``, ``hps``). Importing this package
registers them all."""

from photogenic.evaluate.judges import (  # noqa: F401  (registration)
    aesthetic,
    clip_score,
    photogenic,
    preference,
    world,
)
from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions, decide, judge_pairs
from photogenic.evaluate.judges.photogenic import (
    ImageScoreJudge,
    photogenic_score,
    photogenic_terms,
    register_image_score_judge,
)

__all__ = [
    "JUDGES",
    "ImageScoreJudge",
    "Judge",
    "JudgeOptions",
    "decide",
    "judge_pairs",
    "photogenic_score",
    "photogenic_terms",
    "register_image_score_judge",
]
