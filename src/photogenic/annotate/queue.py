"""Hand out work: each annotator gets free slots in item order, never two slots of one item.

Claims are compare-and-set updates, so concurrent annotators (or server processes) never share a
slot. A claim left unanswered for ``ttl`` seconds may be taken by someone else.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from photogenic.annotate.db import savepoint
from photogenic.annotate.kinds import PAIRWISE
from photogenic.annotate.models import Project, Slot

CLAIM_TTL = 3600.0


def pending(session: Session, project_id: int, annotator_id: int, limit: int) -> list[Slot]:
    """The annotator's claimed, unanswered slots in the project, oldest claim first."""
    return list(
        session.scalars(
            select(Slot)
            .where(
                Slot.project_id == project_id,
                Slot.annotator_id == annotator_id,
                Slot.done.is_(False),
            )
            .order_by(Slot.claimed_at, Slot.id)
            .limit(limit)
        )
    )


def work_queue(
    session: Session,
    project: Project,
    annotator_id: int,
    size: int = 1,
    ttl: float = CLAIM_TTL,
) -> list[Slot]:
    """Up to ``size`` slots for the annotator: their pending claims, topped up with new claims."""
    slots = pending(session, project.id, annotator_id, size)
    while len(slots) < size:
        slot = claim(session, project, annotator_id, ttl=ttl)
        if slot is None:
            break
        slots.append(slot)
    return slots


def claim(
    session: Session, project: Project, annotator_id: int, ttl: float = CLAIM_TTL
) -> Slot | None:
    """Claim a slot on an item the annotator has no slot on: the first free slot in item order,
    else a stale claim. None when there is none.

    On PostgreSQL the candidate row is locked with ``SKIP LOCKED``, so concurrent annotators take
    different slots without waiting on each other; SQLite runs one write transaction at a time.
    """
    now = time.time()
    stale = and_(Slot.annotator_id.is_not(None), Slot.done.is_(False), Slot.claimed_at < now - ttl)
    free = Slot.annotator_id.is_(None)
    for _ in range(8):
        slot_id = _candidate(session, project.id, annotator_id, free, Slot.position)
        if slot_id is None:
            slot_id = _candidate(session, project.id, annotator_id, stale, Slot.claimed_at)
        if slot_id is None:
            return None
        side = random.choice("ab") if project.kind == PAIRWISE else None
        claim = (
            update(Slot)
            .where(Slot.id == slot_id, or_(free, stale))
            .values(annotator_id=annotator_id, claimed_at=now, left_side=side)
            .returning(Slot)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        try:
            with savepoint(session):
                slot = session.scalars(claim).first()
        except IntegrityError:  # the same annotator claimed this item in a parallel request
            continue
        if slot is not None:
            return slot
    return None


def _candidate(
    session: Session, project_id: int, annotator_id: int, condition: Any, order: Any
) -> int | None:
    mine = aliased(Slot)
    seen = exists().where(mine.item_id == Slot.item_id, mine.annotator_id == annotator_id)
    return session.scalar(
        select(Slot.id)
        .where(Slot.project_id == project_id, condition, ~seen)
        .order_by(order, Slot.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def release(session: Session, project_id: int, annotator_id: int | None = None) -> int:
    """Free unanswered claims (of one annotator, or everyone's); returns how many."""
    query = update(Slot).where(
        Slot.project_id == project_id, Slot.done.is_(False), Slot.annotator_id.is_not(None)
    )
    if annotator_id is not None:
        query = query.where(Slot.annotator_id == annotator_id)
    result = session.execute(
        query.values(annotator_id=None, claimed_at=None, left_side=None).execution_options(
            synchronize_session=False
        )
    )
    return int(result.rowcount)
