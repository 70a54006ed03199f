"""The three project kinds, their answers and defaults (paper §3.3 curation, §5 evaluation protocol)."""

from __future__ import annotations

from photogenic.errors import PhotogenicError

TRIAGE = "triage"
RUBRIC = "rubric"
PAIRWISE = "pairwise"
KINDS = (TRIAGE, RUBRIC, PAIRWISE)

APPEAL = "appeal"
FAITHFULNESS = "faithfulness"
AXES = (APPEAL, FAITHFULNESS)

DECISIONS = ("keep", "reject")
# The five photography principles the specialists rated by (paper §3.3).
PRINCIPLES: dict[str, str] = {
    "composition": "Composition",
    "lighting": "Lighting",
    "color_contrast": "Colour and contrast",
    "subject_background": "Subject and background",
    "subjective": "Subjective assessment",
}
RATING_MIN, RATING_MAX = 1, 5

# Pairwise answers as the annotator sees them (screen sides) and as stored (model sides).
SCREEN_ANSWERS: dict[str, tuple[str, ...]] = {
    APPEAL: ("left", "right", "tie"),
    FAITHFULNESS: ("left", "right", "both", "neither"),
}
# Visual appeal: 5 raters, caption hidden; text faithfulness: 3 raters, caption shown (paper §5).
DEFAULT_RATERS = {APPEAL: 5, FAITHFULNESS: 3}
SHOW_PROMPT = {APPEAL: False, FAITHFULNESS: True}
TIE_ALIASES = {"both": "tie", "neither": "tie"}


def check_kind(kind: str) -> str:
    """``kind`` if it is a project kind; a one-line error otherwise."""
    if kind not in KINDS:
        raise PhotogenicError(f"project kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def check_axis(axis: str) -> str:
    """``axis`` if it is a pairwise axis; a one-line error otherwise."""
    if axis not in AXES:
        raise PhotogenicError(f"axis {axis!r}; expected one of {', '.join(AXES)}")
    return axis


def unrandomise(answer: str, left_side: str) -> str:
    """Map a screen answer (left/right/tie/both/neither) back to a model answer (a/b/...)."""
    if answer == "left":
        return left_side
    if answer == "right":
        return "b" if left_side == "a" else "a"
    return answer


def judgment_choice(raw: str) -> str:
    """The judgments-schema choice (a, b or tie) of a stored answer (both/neither count as tie)."""
    return TIE_ALIASES.get(raw, raw)
