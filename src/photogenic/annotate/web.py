"""Request helpers shared by the routes: the store, the logged-in user, CSRF, project access."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from photogenic.annotate.answers import RequestError
from photogenic.annotate.db import Store
from photogenic.annotate.models import Membership, Project
from photogenic.annotate.sessions import COOKIE, User, user_of
from photogenic.annotate.tokens import same_secret

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
T = TypeVar("T")
NO_CHECK = object()


class NotLoggedIn(Exception):
    """The request has no valid session (pages redirect to the login page; the API answers 401)."""


async def in_db(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(session, *args)`` in one transaction on a worker thread."""
    store: Store = request.app.state.store

    def work() -> T:
        with store.session() as session:
            return fn(session, *args)

    return await run_in_threadpool(work)


async def current_user(request: Request) -> User:
    """The logged-in annotator; raises :class:`NotLoggedIn` without a valid session cookie."""
    return await as_user(request, lambda _session, user: user)


async def as_user(request: Request, fn: Callable[..., T], *args: Any, csrf: Any = NO_CHECK) -> T:
    """Run ``fn(session, user, *args)`` for the logged-in user in one transaction.

    Raises :class:`NotLoggedIn` without a valid session; with ``csrf`` given, checks it first
    (state-changing requests), so nothing runs for a forged request.
    """
    store: Store = request.app.state.store
    cookie = request.cookies.get(COOKIE)

    def work() -> T:
        with store.session() as session:
            user = user_of(session, cookie)
            if user is None:
                raise NotLoggedIn()
            if csrf is not NO_CHECK:
                check_csrf(user, csrf)
            return fn(session, user, *args)

    return await run_in_threadpool(work)


def check_csrf(user: User, token: Any) -> None:
    """Refuse a state-changing request whose CSRF token is not the session's (403)."""
    if not isinstance(token, str) or not same_secret(token, user.csrf):
        raise RequestError(403, "missing or wrong CSRF token; reload the page and try again")


def member_project(session: Session, user: User, project_id: int) -> Project:
    """The project, if the user is a member of it (404 when it does not exist, 403 when not in it)."""
    found = session.execute(
        select(Project, Membership.annotator_id)
        .outerjoin(
            Membership,
            (Membership.project_id == Project.id) & (Membership.annotator_id == user.id),
        )
        .where(Project.id == project_id)
    ).first()
    if found is None:
        raise RequestError(404, "no such project")
    if found[1] is None:
        raise RequestError(403, "you are not a member of this project")
    return found[0]


def require_admin(user: User) -> None:
    """Refuse non-admins (403)."""
    if not user.is_admin:
        raise RequestError(403, "admins only")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a template (autoescaped) with ``request`` in its context."""
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)
