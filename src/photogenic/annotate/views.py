"""What an annotator sees for one slot, as plain data (rendered by the templates, sent by the API)."""

from __future__ import annotations

import numbers
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from photogenic.annotate.kinds import PAIRWISE, PRINCIPLES, SCREEN_ANSWERS, SHOW_PROMPT
from photogenic.annotate.models import Item, Label, Project, Slot


def slot_view(session: Session, project: Project, slot: Slot) -> dict[str, Any]:
    """The fields a page needs to show ``slot``: images by screen side, text, scores, answers."""
    item = session.get(Item, slot.item_id)
    assert item is not None
    view: dict[str, Any] = {"slot_id": slot.id, "item_key": item.key, "kind": project.kind}
    if project.kind == PAIRWISE:
        axis = item.axis or "appeal"
        a, b = image_url(item.image_id), image_url(item.image_b_id)
        left, right = (a, b) if slot.left_side != "b" else (b, a)
        view.update(
            axis=axis,
            left=left,
            right=right,
            prompt=item.text if SHOW_PROMPT.get(axis) else None,
            answers=list(SCREEN_ANSWERS[axis]),
        )
        return view
    view.update(
        image=image_url(item.image_id),
        text=item.text,
        file_name=item.meta.get("file_name", ""),
        scores=automatic_scores(item.meta.get("columns") or {}),
        principles=PRINCIPLES,
    )
    return view


def image_url(image_id: int | None) -> str:
    """The URL that serves a registered image."""
    return f"/image/{image_id}" if image_id is not None else ""


def automatic_scores(columns: dict[str, Any]) -> list[tuple[str, float]]:
    """Numeric columns from the curation run: scores (``*score*``), the per-principle sub-scores
    (``photogenic_<principle>``) and anything named after a principle; the overall score first."""
    out = []
    for key, value in columns.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            continue
        name = key.lower()
        if "score" in name or name.startswith("photogenic_") or any(p in name for p in PRINCIPLES):
            out.append((key, round(float(value), 4)))
    return sorted(out, key=lambda kv: (kv[0] != "photogenic_score", kv[0]))


def counts(session: Session, project: Project, annotator_id: int) -> dict[str, int]:
    """The counter on every page: answers given by this annotator and slots left in the project."""
    done = session.scalar(
        select(func.count(Label.id)).where(
            Label.project_id == project.id,
            Label.annotator_id == annotator_id,
            Label.active.is_(True),
        )
    )
    left = session.scalar(
        select(func.count(Slot.id)).where(Slot.project_id == project.id, Slot.done.is_(False))
    )
    return {"done": int(done or 0), "left": int(left or 0)}
