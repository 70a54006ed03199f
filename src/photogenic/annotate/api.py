"""The JSON API (same session cookie; POSTs carry the ``X-CSRF-Token`` header).

Used by scripted clients and the load benchmark; the pages use the same functions underneath.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from photogenic.annotate import labels, queue
from photogenic.annotate.answers import RequestError
from photogenic.annotate.sessions import User
from photogenic.annotate.views import slot_view
from photogenic.annotate.web import as_user, current_user, member_project

router = APIRouter(prefix="/api")
CSRF_HEADER = "x-csrf-token"


@router.get("/me")
async def me(request: Request) -> dict[str, Any]:
    """The logged-in annotator and the CSRF token for this session."""
    user = await current_user(request)
    return {"name": user.name, "is_admin": user.is_admin, "csrf": user.csrf}


@router.get("/p/{project_id}/next")
async def next_item(request: Request, project_id: int) -> dict[str, Any]:
    """The annotator's next item (claimed for them), or ``item: null`` when none is left."""
    return await as_user(request, _next, project_id, request.app.state.claim_ttl)


@router.post("/p/{project_id}/answer")
async def answer(request: Request, project_id: int) -> JSONResponse:
    """Store an answer; a retry with the same ``submission_id`` answers 200 and stores nothing."""
    raw = await _json_object(request)
    csrf = request.headers.get(CSRF_HEADER)
    label_id, duplicate = await as_user(request, _submit, project_id, raw, csrf=csrf)
    body = {"status": "duplicate" if duplicate else "stored", "label_id": label_id}
    return JSONResponse(body, status_code=200 if duplicate else 201)


@router.post("/p/{project_id}/undo")
async def undo(request: Request, project_id: int) -> dict[str, Any]:
    """Undo the annotator's latest answer, or the one named by ``label_id``."""
    raw = await _json_object(request)
    label_id = raw.get("label_id")
    if label_id is not None and not isinstance(label_id, int):
        raise RequestError(422, "label_id must be an integer")
    csrf = request.headers.get(CSRF_HEADER)
    undone = await as_user(request, _undo, project_id, label_id, csrf=csrf)
    return {"undone": undone}


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError(400, "the body must be a JSON object") from None
    if not isinstance(raw, dict):
        raise RequestError(400, "the body must be a JSON object")
    return raw


def _next(session: Session, user: User, project_id: int, ttl: float) -> dict[str, Any]:
    project = member_project(session, user, project_id)
    slots = queue.work_queue(session, project, user.id, size=1, ttl=ttl)
    view = slot_view(session, project, slots[0]) if slots else None
    if view is not None:
        view.pop("principles", None)
    return {"item": view}


def _submit(session: Session, user: User, project_id: int, raw: dict[str, Any]) -> tuple[int, bool]:
    project = member_project(session, user, project_id)
    label, duplicate = labels.submit(session, project, user.id, raw)
    return label.id, duplicate


def _undo(session: Session, user: User, project_id: int, label_id: int | None) -> int | None:
    project = member_project(session, user, project_id)
    label = labels.undo(session, project, user.id, label_id)
    return label.id if label else None
