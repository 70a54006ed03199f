"""Validate a submitted answer against its project kind (and pairwise axis)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from photogenic.annotate.kinds import (
    DECISIONS,
    PAIRWISE,
    PRINCIPLES,
    RATING_MAX,
    RATING_MIN,
    RUBRIC,
    SCREEN_ANSWERS,
    TRIAGE,
)
from photogenic.errors import PhotogenicError

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_CAPTION = 4000
MAX_REASON = 1000


class RequestError(PhotogenicError):
    """A request the server refuses, with the HTTP status to answer and a message for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Answer:
    """A validated answer for one slot."""

    slot_id: int
    submission_id: str
    decision: str | None = None
    answer: str | None = None
    scores: dict[str, int] | None = None
    caption: str | None = None
    reason: str | None = None
    elapsed_ms: int | None = None


def parse_ids(raw: dict[str, Any]) -> tuple[int, str]:
    """The slot id and submission id of a raw submission (422 when malformed)."""
    submission_id = str(raw.get("submission_id") or "")
    if not SUBMISSION_ID.match(submission_id):
        raise RequestError(422, "submission_id must be 8-64 letters, digits, '-' or '_'")
    try:
        slot_id = int(raw.get("slot_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RequestError(422, "slot_id must be an integer") from None
    return slot_id, submission_id


def validate_answer(kind: str, axis: str | None, raw: dict[str, Any]) -> Answer:
    """Check ``raw`` (form or JSON fields) for a ``kind`` project; 422 with a message otherwise."""
    slot_id, submission_id = parse_ids(raw)
    out = Answer(slot_id, submission_id, elapsed_ms=_elapsed(raw.get("elapsed_ms")))
    if kind in (TRIAGE, RUBRIC):
        decision = raw.get("decision")
        if decision not in DECISIONS:
            raise RequestError(422, f"decision {decision!r}: expected keep or reject")
        out.decision = decision
    if kind == RUBRIC:
        out.scores = _scores(raw)
        caption = str(raw.get("caption") or "").strip()
        if len(caption) > MAX_CAPTION:
            raise RequestError(422, f"caption is longer than {MAX_CAPTION} characters")
        if out.decision == "keep" and not caption:
            raise RequestError(422, "a kept image needs a caption")
        out.caption = caption
        reason = str(raw.get("reason") or "").strip()
        if len(reason) > MAX_REASON:
            raise RequestError(422, f"reason is longer than {MAX_REASON} characters")
        out.reason = reason or None
    if kind == PAIRWISE:
        allowed = SCREEN_ANSWERS.get(axis or "", ())
        answer = raw.get("answer")
        if answer not in allowed:
            raise RequestError(
                422, f"answer {answer!r} on {axis}: expected one of {', '.join(allowed)}"
            )
        out.answer = answer
    return out


def _scores(raw: dict[str, Any]) -> dict[str, int]:
    scores = raw.get("scores")
    if scores is None:  # form fields score_<principle>
        scores = {p: raw.get(f"score_{p}") for p in PRINCIPLES}
    if not isinstance(scores, dict):
        raise RequestError(422, "scores must be an object of principle -> rating")
    unknown = set(scores) - set(PRINCIPLES)
    if unknown:
        raise RequestError(422, f"unknown principle(s): {', '.join(sorted(map(str, unknown)))}")
    out = {}
    for principle, label in PRINCIPLES.items():
        value = scores.get(principle)
        rating = _rating(value)
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            raise RequestError(
                422, f"rate {label.lower()} from {RATING_MIN} to {RATING_MAX} (got {value!r})"
            )
        out[principle] = rating
    return out


def _rating(value: Any) -> int | None:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _elapsed(value: Any) -> int | None:
    try:
        ms = int(value)
    except (TypeError, ValueError):
        return None
    return ms if 0 <= ms < 86_400_000 else None
