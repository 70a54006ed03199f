"""Store answers and undo them. A retried submission (same id) returns the stored row, never a copy."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from photogenic.annotate.answers import RequestError, parse_ids, validate_answer
from photogenic.annotate.db import savepoint
from photogenic.annotate.kinds import unrandomise
from photogenic.annotate.models import Item, Label, Project, Slot


def submit(
    session: Session, project: Project, annotator_id: int, raw: dict[str, Any]
) -> tuple[Label, bool]:
    """Store the answer in ``raw`` for one of the annotator's slots; returns (label, duplicate).

    ``duplicate`` is true when this submission id was already stored (a retry): nothing new is
    written. Errors are :class:`RequestError` with the HTTP status to answer.
    """
    slot_id, submission_id = parse_ids(raw)
    stored = _by_submission(session, submission_id)
    if stored is not None:
        return _as_retry(stored, project, annotator_id), True
    slot = session.get(Slot, slot_id)
    if slot is None or slot.project_id != project.id:
        raise RequestError(404, "no such assignment in this project")
    if slot.annotator_id != annotator_id:
        raise RequestError(409, "this item is not assigned to you (the claim may have expired)")
    if slot.done:
        raise RequestError(409, "this item is already answered; undo it first to change it")
    item = session.get(Item, slot.item_id)
    assert item is not None
    answer = validate_answer(project.kind, item.axis, raw)
    label = Label(
        project_id=project.id,
        item_id=item.id,
        slot_id=slot.id,
        annotator_id=annotator_id,
        submission_id=submission_id,
        created_at=time.time(),
        active=True,
        decision=answer.decision,
        answer=answer.answer,
        choice=unrandomise(answer.answer, slot.left_side or "a") if answer.answer else None,
        left_side=slot.left_side,
        scores=answer.scores,
        caption=answer.caption,
        reason=answer.reason,
        elapsed_ms=answer.elapsed_ms,
    )
    try:
        with savepoint(session):
            session.add(label)
            slot.done = True
            session.flush()
    except IntegrityError:  # a parallel retry of the same submission won the race
        stored = _by_submission(session, submission_id)
        if stored is None:
            raise RequestError(409, "this item was answered by a parallel request") from None
        return _as_retry(stored, project, annotator_id), True
    return label, False


def undo(
    session: Session, project: Project, annotator_id: int, label_id: int | None = None
) -> Label | None:
    """Undo the annotator's label ``label_id`` (default: their latest active one in the project).

    The slot goes back to the top of their queue. Undoing an already undone label changes
    nothing (so a retried undo is harmless). Returns the label, or None when there is none.
    """
    if label_id is None:
        label = last_active(session, project.id, annotator_id)
    else:
        label = session.get(Label, label_id)
        if label is None or label.project_id != project.id or label.annotator_id != annotator_id:
            raise RequestError(404, "no such answer of yours in this project")
    if label is None or not label.active:
        return label
    slot = session.get(Slot, label.slot_id)
    assert slot is not None
    now = time.time()
    label.active = False
    label.undone_at = now
    # The undone item goes to the front of the annotator's queue: their other open claims are
    # renewed a moment later (the queue is ordered by claim time).
    session.execute(
        update(Slot)
        .where(
            Slot.project_id == project.id,
            Slot.annotator_id == annotator_id,
            Slot.done.is_(False),
        )
        .values(claimed_at=now + 0.001)
        .execution_options(synchronize_session=False)
    )
    slot.done = False
    slot.claimed_at = now
    session.flush()
    return label


def last_active(session: Session, project_id: int, annotator_id: int) -> Label | None:
    """The annotator's most recent active label in the project (what undo would undo)."""
    return session.scalar(
        select(Label)
        .where(
            Label.project_id == project_id,
            Label.annotator_id == annotator_id,
            Label.active.is_(True),
        )
        .order_by(Label.id.desc())
        .limit(1)
    )


def _by_submission(session: Session, submission_id: str) -> Label | None:
    return session.scalar(select(Label).where(Label.submission_id == submission_id))


def _as_retry(stored: Label, project: Project, annotator_id: int) -> Label:
    if stored.annotator_id != annotator_id or stored.project_id != project.id:
        raise RequestError(409, "this submission id belongs to another submission")
    return stored
