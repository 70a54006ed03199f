"""Progress and agreement of a project, read from the store (what the admin page shows)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from photogenic.annotate.agreement import agreement_with_majority, count_table, fleiss_kappa
from photogenic.annotate.kinds import AXES, DECISIONS, PAIRWISE, judgment_choice
from photogenic.annotate.models import Annotator, Item, Label, Membership, Project, Slot

PAIR_CATEGORIES = ("a", "b", "tie")


def progress(session: Session, project: Project) -> dict[str, Any]:
    """Counts of items, slots (done, claimed, free) and answers per annotator."""
    items = session.scalar(select(func.count(Item.id)).where(Item.project_id == project.id))
    errors = session.scalar(
        select(func.count(Item.id)).where(Item.project_id == project.id, Item.error.is_not(None))
    )
    slots = dict(
        session.execute(
            select(Slot.done, func.count(Slot.id))
            .where(Slot.project_id == project.id, Slot.annotator_id.is_not(None))
            .group_by(Slot.done)
        ).all()
    )
    total_slots = session.scalar(select(func.count(Slot.id)).where(Slot.project_id == project.id))
    done = int(slots.get(True, 0))
    claimed = int(slots.get(False, 0))
    people = _annotators(session, project)
    answers = Counter(
        dict(
            session.execute(
                select(Label.annotator_id, func.count(Label.id))
                .where(Label.project_id == project.id, Label.active.is_(True))
                .group_by(Label.annotator_id)
            ).all()
        )
    )
    undone = Counter(
        dict(
            session.execute(
                select(Label.annotator_id, func.count(Label.id))
                .where(Label.project_id == project.id, Label.active.is_(False))
                .group_by(Label.annotator_id)
            ).all()
        )
    )
    return {
        "project": project.name,
        "kind": project.kind,
        "items": int(items or 0),
        "error_items": int(errors or 0),
        "slots": int(total_slots or 0),
        "done": done,
        "claimed": claimed,
        "free": int(total_slots or 0) - done - claimed,
        "answers": _answer_counts(session, project),
        "annotators": [
            {"name": name, "done": answers[pid], "undone": undone[pid]}
            for pid, name in sorted(people.items(), key=lambda kv: kv[1])
        ],
    }


def agreement(session: Session, project: Project) -> dict[str, Any]:
    """Fleiss' kappa and per-annotator agreement with the majority, per question.

    The question is the keep/reject decision for triage and rubric projects, and each axis
    (a / b / tie, with both and neither as tie) for pairwise projects.
    """
    people = _annotators(session, project)
    rows = session.execute(
        select(Label.item_id, Label.annotator_id, Label.decision, Label.choice, Item.axis)
        .join(Item, Item.id == Label.item_id)
        .where(Label.project_id == project.id, Label.active.is_(True))
    ).all()
    groups: dict[str, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for item_id, annotator_id, decision, choice, axis in rows:
        if project.kind == PAIRWISE:
            groups[axis or ""][item_id][people.get(annotator_id, "?")] = judgment_choice(choice)
        else:
            groups["decision"][item_id][people.get(annotator_id, "?")] = decision
    names = list(AXES) if project.kind == PAIRWISE else ["decision"]
    categories = PAIR_CATEGORIES if project.kind == PAIRWISE else DECISIONS
    out = {}
    for name in names:
        ratings = groups.get(name, {})
        table = count_table({k: list(v.values()) for k, v in ratings.items()}, categories)
        out[name] = {
            "kappa": fleiss_kappa(table),
            "items_with_2plus": sum(1 for row in table if sum(row) >= 2),
            "annotators": {
                str(rater): stats
                for rater, stats in sorted(agreement_with_majority(ratings).items())
            },
        }
    return out


def _annotators(session: Session, project: Project) -> dict[int, str]:
    """Members and anyone who answered, by id."""
    members = select(Membership.annotator_id).where(Membership.project_id == project.id)
    answered = select(Label.annotator_id).where(Label.project_id == project.id)
    return dict(
        session.execute(
            select(Annotator.id, Annotator.name).where(
                Annotator.id.in_(members) | Annotator.id.in_(answered)
            )
        ).all()
    )


def _answer_counts(session: Session, project: Project) -> dict[str, int]:
    column = Label.choice if project.kind == PAIRWISE else Label.decision
    rows = session.execute(
        select(column, func.count(Label.id))
        .where(Label.project_id == project.id, Label.active.is_(True))
        .group_by(column)
    ).all()
    return {str(k): int(v) for k, v in rows}
