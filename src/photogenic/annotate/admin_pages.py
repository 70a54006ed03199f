"""Admin pages: every project's progress and agreement (read-only; changes go through the CLI)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from photogenic.annotate.answers import RequestError
from photogenic.annotate.models import Project
from photogenic.annotate.sessions import User
from photogenic.annotate.stats import agreement, progress
from photogenic.annotate.web import as_user, render, require_admin

router = APIRouter()


@router.get("/admin")
async def admin_home(request: Request) -> Response:
    """All projects with their progress."""
    context = await as_user(request, _all_progress)
    return render(request, "admin.html", context)


@router.get("/admin/p/{project_id}")
async def admin_project(request: Request, project_id: int) -> Response:
    """One project's progress per annotator, Fleiss' kappa and agreement with the majority."""
    context = await as_user(request, _report, project_id)
    return render(request, "admin_project.html", context)


@router.get("/api/admin/p/{project_id}")
async def admin_project_json(request: Request, project_id: int) -> dict[str, Any]:
    """The same report as JSON."""
    report = await as_user(request, _report, project_id)
    report.pop("user")
    report["project"] = {"id": report["project"].id, "name": report["project"].name}
    return report


def _all_progress(session: Session, user: User) -> dict[str, Any]:
    require_admin(user)
    projects = session.scalars(select(Project).order_by(Project.name)).all()
    rows = [{"project": p, "progress": progress(session, p)} for p in projects]
    return {"user": user, "projects": rows}


def _report(session: Session, user: User, project_id: int) -> dict[str, Any]:
    require_admin(user)
    project = session.get(Project, project_id)
    if project is None:
        raise RequestError(404, "no such project")
    return {
        "user": user,
        "project": project,
        "progress": progress(session, project),
        "agreement": agreement(session, project),
    }
