"""Browser sessions: a token logs in once; afterwards a random cookie (stored hashed) identifies
the annotator, and each session carries its own CSRF token."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from photogenic.annotate.models import Annotator, WebSession
from photogenic.annotate.tokens import hash_token, new_token

COOKIE = "photogenic_session"
SESSION_DAYS = 30


@dataclass(frozen=True)
class User:
    """The logged-in annotator of a request."""

    id: int
    name: str
    is_admin: bool
    csrf: str
    session_hash: str


def login(session: Session, token: str) -> tuple[str, User] | None:
    """Start a session for the annotator holding ``token``; returns (cookie value, user) or None."""
    if not token or len(token) > 200:
        return None
    person = session.scalar(select(Annotator).where(Annotator.token_hash == hash_token(token)))
    if person is None:
        return None
    cookie = new_token() + new_token()
    row = WebSession(
        id_hash=hash_token(cookie), annotator_id=person.id, csrf=new_token(), created_at=time.time()
    )
    session.add(row)
    session.flush()
    return cookie, User(person.id, person.name, person.is_admin, row.csrf, row.id_hash)


def user_of(session: Session, cookie: str | None) -> User | None:
    """The user of a session cookie, or None when it is missing, unknown or expired."""
    if not cookie or len(cookie) > 200:
        return None
    found = session.execute(
        select(WebSession, Annotator)
        .join(Annotator, Annotator.id == WebSession.annotator_id)
        .where(WebSession.id_hash == hash_token(cookie))
    ).first()
    if found is None:
        return None
    row, person = found
    if row.created_at < time.time() - SESSION_DAYS * 86400:
        return None
    return User(person.id, person.name, person.is_admin, row.csrf, row.id_hash)


def logout(session: Session, user: User) -> None:
    """End the user's current session."""
    session.execute(delete(WebSession).where(WebSession.id_hash == user.session_hash))
