"""Admin functions: create projects, invite annotators, look things up by name."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from photogenic.annotate.kinds import DEFAULT_RATERS, check_kind
from photogenic.annotate.models import Annotator, Membership, Project
from photogenic.annotate.tokens import hash_token, new_token
from photogenic.errors import PhotogenicError


@dataclass
class Invitation:
    """The result of an invitation: the token is shown once and never stored in clear."""

    name: str
    token: str | None
    projects: list[str]
    is_admin: bool


def create_project(
    session: Session,
    name: str,
    kind: str,
    raters: int = 1,
    raters_appeal: int = DEFAULT_RATERS["appeal"],
    raters_faithfulness: int = DEFAULT_RATERS["faithfulness"],
) -> Project:
    """Create a project; its name must be new and every rater count at least 1."""
    check_kind(kind)
    name = name.strip()
    if not name:
        raise PhotogenicError("a project needs a name")
    if min(raters, raters_appeal, raters_faithfulness) < 1:
        raise PhotogenicError("rater counts must be at least 1")
    if session.scalar(select(Project).where(Project.name == name)) is not None:
        raise PhotogenicError(f"project {name!r} already exists")
    project = Project(
        name=name,
        kind=kind,
        raters=raters,
        raters_appeal=raters_appeal,
        raters_faithfulness=raters_faithfulness,
        created_at=time.time(),
    )
    session.add(project)
    session.flush()
    return project


def get_project(session: Session, name: str) -> Project:
    """The project called ``name``; a one-line error listing the projects otherwise."""
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        names = session.scalars(select(Project.name).order_by(Project.name)).all()
        raise PhotogenicError(
            f"no project {name!r}; projects: {', '.join(names) if names else '(none)'}"
        )
    return project


def invite(
    session: Session,
    name: str,
    projects: list[str],
    is_admin: bool = False,
    new_secret: bool = False,
) -> Invitation:
    """Create annotator ``name`` (or find them) and give them access to ``projects``.

    A new annotator gets a token; an existing one keeps theirs unless ``new_secret`` (which
    replaces it and so logs out nobody already logged in, but stops the old token working).
    """
    name = name.strip()
    if not name:
        raise PhotogenicError("an annotator needs a name")
    found = [get_project(session, p) for p in projects]
    person = session.scalar(select(Annotator).where(Annotator.name == name))
    token = None
    if person is None:
        token = new_token()
        person = Annotator(
            name=name, token_hash=hash_token(token), is_admin=is_admin, created_at=time.time()
        )
        session.add(person)
        session.flush()
    else:
        if new_secret:
            token = new_token()
            person.token_hash = hash_token(token)
        if is_admin:
            person.is_admin = True
    for project in found:
        key = {"project_id": project.id, "annotator_id": person.id}
        if session.get(Membership, key) is None:
            session.add(Membership(**key))
    session.flush()
    member_of = session.scalars(
        select(Project.name)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.annotator_id == person.id)
        .order_by(Project.name)
    ).all()
    return Invitation(person.name, token, list(member_of), person.is_admin)


def is_member(session: Session, annotator_id: int, project_id: int) -> bool:
    """True when the annotator may work on the project."""
    key = {"project_id": project_id, "annotator_id": annotator_id}
    return session.get(Membership, key) is not None
