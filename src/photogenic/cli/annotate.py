"""``photogenic annotate``: serve the annotation app, and the admin commands around it.

The web stack is an optional extra, so it is imported inside the commands: ``photogenic --help``
works without it, and a missing extra is a one-line error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from photogenic.cli.common import out_option
from photogenic.errors import PhotogenicError
from photogenic.runs import RunDir

F = TypeVar("F", bound=Callable[..., Any])
EXTRA_HINT = "photogenic annotate needs the web extra: pip install 'photogenic[annotate]'"


def db_option(fn: F) -> F:
    """``--db URL`` (or ``$PHOTOGENIC_ANNOTATE_DB``): a SQLite file path/URL or a PostgreSQL URL."""
    return click.option(
        "--db",
        required=True,
        envvar="PHOTOGENIC_ANNOTATE_DB",
        show_envvar=True,
        help="Database: sqlite:///annotate.db (or a file path) or postgresql://user:pw@host/db.",
    )(fn)


def project_option(fn: F) -> F:
    """``--project NAME``."""
    return click.option("--project", required=True, help="Project name.")(fn)


@contextmanager
def opened(db: str) -> Iterator[Any]:
    """One transaction on the store at ``db`` (a one-line error if the extra is missing)."""
    try:
        from photogenic.annotate.db import Store
    except ImportError as exc:
        raise PhotogenicError(f"{EXTRA_HINT} ({exc.name} is missing)") from None
    store = Store(db)
    try:
        with store.session() as session:
            yield session
    finally:
        store.close()


@click.group()
def annotate() -> None:
    """Human annotation: triage, rubric (with captions) and pairwise A/B projects."""


@annotate.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--claim-ttl",
    type=click.FloatRange(min=1),
    default=3600,
    show_default=True,
    help="Seconds an unanswered claimed item stays reserved for its annotator.",
)
def serve(db: str, host: str, port: int, claim_ttl: float) -> None:
    """Serve the annotation app (annotators log in with the token from `invite`)."""
    try:
        from photogenic.annotate.server import serve as run_server
    except ImportError as exc:
        raise PhotogenicError(f"{EXTRA_HINT} ({exc.name} is missing)") from None
    click.echo(f"serving on http://{host}:{port} (Ctrl+C to stop)", err=True)
    run_server(db, host=host, port=port, claim_ttl=claim_ttl)


@annotate.command()
@db_option
@click.option("--name", required=True, help="Project name (unique).")
@click.option(
    "--kind",
    type=click.Choice(["triage", "rubric", "pairwise"]),
    required=True,
    help="triage: keep/reject fast; rubric: five principles + caption; pairwise: A/B.",
)
@click.option(
    "--raters",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Distinct annotators per item (triage, rubric).",
)
@click.option("--raters-appeal", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--raters-faithfulness", type=click.IntRange(min=1), default=3, show_default=True)
def create(
    db: str, name: str, kind: str, raters: int, raters_appeal: int, raters_faithfulness: int
) -> None:
    """Create a project."""
    with opened(db) as session:
        from photogenic.annotate.admin import create_project

        project = create_project(session, name, kind, raters, raters_appeal, raters_faithfulness)
        click.echo(f"created {project.kind} project {project.name!r} (id {project.id})")


@annotate.command(name="import")
@db_option
@project_option
@click.option(
    "--input",
    "input_path",
    required=True,
    help="A dataset (triage, rubric: e.g. a curation kept/ folder) or a pairs.jsonl (pairwise).",
)
@click.option(
    "--axis",
    "axes",
    multiple=True,
    type=click.Choice(["appeal", "faithfulness"]),
    help="Pairwise rows without an axis go to these axes (default: both). Repeatable.",
)
def import_(db: str, project: str, input_path: str, axes: tuple[str, ...]) -> None:
    """Import items into a project (run again to add new ones; existing ones are skipped)."""
    with opened(db) as session:
        from photogenic.annotate.admin import get_project
        from photogenic.annotate.importer import import_items

        report = import_items(session, get_project(session, project), input_path, axes or None)
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(report.errors.items())) or "none"
    click.echo(f"{report.added} added, {report.already} already there, unusable: {errors}")


@annotate.command()
@db_option
@click.option("--name", required=True, help="Annotator name (unique).")
@click.option(
    "--project", "projects", multiple=True, help="Give access to this project; repeatable."
)
@click.option("--admin", is_flag=True, help="May see every project's progress and agreement.")
@click.option("--new-token", is_flag=True, help="Replace an existing annotator's token.")
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the app is served (for the invitation link).",
)
def invite(
    db: str, name: str, projects: tuple[str, ...], admin: bool, new_token: bool, url: str
) -> None:
    """Invite an annotator (or add projects to one); prints their secret login link once."""
    with opened(db) as session:
        from photogenic.annotate.admin import invite as do_invite

        invitation = do_invite(session, name, list(projects), is_admin=admin, new_secret=new_token)
    where = ", ".join(invitation.projects) or "no project yet"
    role = " (admin)" if invitation.is_admin else ""
    click.echo(f"{invitation.name}{role}: {where}")
    if invitation.token:
        click.echo(f"token: {invitation.token}")
        click.echo(f"link:  {url.rstrip('/')}/login#token={invitation.token}")
    else:
        click.echo("existing token unchanged (use --new-token to replace it)")


@annotate.command()
@db_option
def projects(db: str) -> None:
    """List projects with their progress."""
    with opened(db) as session:
        from sqlalchemy import select

        from photogenic.annotate.models import Project
        from photogenic.annotate.stats import progress

        rows = [progress(session, p) for p in session.scalars(select(Project).order_by(Project.id))]
    if not rows:
        click.echo("no projects")
    for p in rows:
        click.echo(
            f"{p['project']} [{p['kind']}]: {p['items']} items, {p['done']}/{p['slots']} answers, "
            f"{p['claimed']} claimed"
        )


@annotate.command()
@db_option
@project_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def progress(db: str, project: str, as_json: bool) -> None:
    """Progress per annotator, Fleiss' kappa and each annotator's agreement with the majority."""
    with opened(db) as session:
        from photogenic.annotate.admin import get_project
        from photogenic.annotate.stats import agreement
        from photogenic.annotate.stats import progress as get_progress

        found = get_project(session, project)
        report = {"progress": get_progress(session, found), "agreement": agreement(session, found)}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    p = report["progress"]
    click.echo(
        f"{p['project']} [{p['kind']}]: {p['done']}/{p['slots']} answers, {p['claimed']} claimed"
    )
    for a in p["annotators"]:
        click.echo(f"  {a['name']}: {a['done']} answers, {a['undone']} undone")
    for question, r in report["agreement"].items():
        kappa = "n/a" if r["kappa"] is None else f"{r['kappa']:.3f}"
        click.echo(f"{question}: Fleiss' kappa {kappa} over {r['items_with_2plus']} items")
        for name, s in r["annotators"].items():
            rate = "n/a" if s["rate"] is None else f"{100 * s['rate']:.0f}%"
            click.echo(f"  {name}: agrees with the majority {rate} of {s['items']}")


@annotate.command()
@db_option
@project_option
@click.option("--annotator", default=None, help="Only this annotator's claims (default: all).")
def release(db: str, project: str, annotator: str | None) -> None:
    """Free claimed but unanswered items (e.g. of someone who left)."""
    with opened(db) as session:
        from sqlalchemy import select

        from photogenic.annotate.admin import get_project
        from photogenic.annotate.models import Annotator
        from photogenic.annotate.queue import release as do_release

        found = get_project(session, project)
        person_id = None
        if annotator is not None:
            person_id = session.scalar(select(Annotator.id).where(Annotator.name == annotator))
            if person_id is None:
                raise PhotogenicError(f"no annotator {annotator!r}")
        n = do_release(session, found.id, person_id)
    click.echo(f"released {n} claim(s)")


@annotate.command()
@db_option
@project_option
@out_option()
@click.option(
    "--link",
    type=click.Choice(["copy", "hardlink", "symlink"]),
    default="copy",
    show_default=True,
    help="How kept images enter the dataset.",
)
def export(db: str, project: str, out: Path, link: str) -> None:
    """Export: kept dataset + rejected/pending lists (triage, rubric) or judgments.jsonl (pairwise)."""
    with opened(db) as session:
        from photogenic.annotate.admin import get_project
        from photogenic.annotate.export import export_project

        found = get_project(session, project)
        run = RunDir(out, "annotate export")
        try:
            run.write_config({}, project=project, kind=found.kind, link=link)
            summary = export_project(session, found, out, link)  # type: ignore[arg-type]
            run.write_summary({"project": project, "kind": found.kind, **summary})
            run.log.info("exported %s: %s", project, summary)
        finally:
            run.close()
    click.echo(", ".join(f"{k}: {v}" for k, v in summary.items() if k not in ("dataset", "file")))
