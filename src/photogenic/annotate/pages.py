"""HTML pages for annotators: login, their projects, the task page, answers and undo by form."""

from __future__ import annotations

import os
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from photogenic.annotate import labels, queue
from photogenic.annotate.admin import is_member
from photogenic.annotate.answers import RequestError
from photogenic.annotate.models import Image, Membership, Project
from photogenic.annotate.sessions import COOKIE, SESSION_DAYS, User, login, logout
from photogenic.annotate.views import counts, slot_view
from photogenic.annotate.web import as_user, in_db, member_project, render

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, bool]:
    """Liveness probe."""
    return {"ok": True}


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The login form (an invitation link fills in the token from the URL fragment)."""
    return render(request, "login.html", {"user": None, "error": None})


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """Exchange an annotator token for a session cookie."""
    form = await request.form()
    token = str(form.get("token") or "").strip()
    result = await in_db(request, login, token)
    if result is None:
        context = {"user": None, "error": "unknown token"}
        return render(request, "login.html", context, status=401)
    cookie, _user = result
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    """End the session."""
    form = await request.form()
    await as_user(request, logout, csrf=form.get("csrf"))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    """The annotator's projects with their counters."""
    context = await as_user(request, _my_projects)
    return render(request, "home.html", context)


@router.get("/p/{project_id}")
async def task_page(request: Request, project_id: int) -> Response:
    """The next item to answer (and the one after it, prefetched)."""
    context = await as_user(request, _task, project_id, request.app.state.claim_ttl)
    return render(request, f"{context['project'].kind}.html", context)


@router.post("/p/{project_id}/answer")
async def answer_form(request: Request, project_id: int) -> Response:
    """Store an answer from the task page's form, then show the next item."""
    form = await request.form()
    raw: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    await as_user(request, _submit, project_id, raw, csrf=form.get("csrf"))
    return RedirectResponse(f"/p/{project_id}", status_code=303)


@router.post("/p/{project_id}/undo")
async def undo_form(request: Request, project_id: int) -> Response:
    """Undo the annotator's last answer (or the one named by ``label_id``)."""
    form = await request.form()
    label_id = _optional_int(form.get("label_id"))
    await as_user(request, _undo, project_id, label_id, csrf=form.get("csrf"))
    return RedirectResponse(f"/p/{project_id}", status_code=303)


@router.get("/image/{image_id}")
async def image(request: Request, image_id: int) -> Response:
    """Send a registered image file, to members of its project only."""
    path = await as_user(request, _image_path, image_id)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


def _my_projects(session: Session, user: User) -> dict[str, Any]:
    projects = session.scalars(
        select(Project)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.annotator_id == user.id)
        .order_by(Project.name)
    ).all()
    rows = [{"project": p, "counts": counts(session, p, user.id)} for p in projects]
    return {"user": user, "projects": rows}


def _task(session: Session, user: User, project_id: int, ttl: float) -> dict[str, Any]:
    project = member_project(session, user, project_id)
    slots = queue.work_queue(session, project, user.id, size=2, ttl=ttl)
    views = [slot_view(session, project, s) for s in slots]
    last = labels.last_active(session, project.id, user.id)
    return {
        "user": user,
        "project": project,
        "view": views[0] if views else None,
        "prefetch": _images(views[1]) if len(views) > 1 else [],
        "counts": counts(session, project, user.id),
        "last_label_id": last.id if last else None,
        "submission_id": uuid.uuid4().hex,
    }


def _images(view: dict[str, Any]) -> list[str]:
    return [view[k] for k in ("image", "left", "right") if view.get(k)]


def _submit(session: Session, user: User, project_id: int, raw: dict[str, Any]) -> None:
    project = member_project(session, user, project_id)
    labels.submit(session, project, user.id, raw)


def _undo(session: Session, user: User, project_id: int, label_id: int | None) -> None:
    project = member_project(session, user, project_id)
    labels.undo(session, project, user.id, label_id)


def _image_path(session: Session, user: User, image_id: int) -> str:
    row = session.get(Image, image_id)
    if row is None or not is_member(session, user.id, row.project_id):
        raise RequestError(404, "no such image")
    if not os.path.isfile(row.path):
        raise RequestError(404, "the image file is no longer on the server")
    return row.path


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RequestError(422, "label_id must be an integer") from None
