"""Export a project's answers.

Triage and rubric projects become a dataset of the kept images with their final captions
(``kept/``, via :class:`DatasetWriter`) plus ``rejected.jsonl``, ``pending.jsonl`` (not yet
answered) and ``errors.jsonl`` (entries that could not be imported): nothing is lost. Their rows
look like the curation funnel's dropped rows: ``{id, file_name, text, stage, reason, detail}``
(rejected rows add ``values``: the votes and mean rubric ratings). Pairwise
projects become ``judgments.jsonl`` in the judgments schema, with left/right mapped back to a/b.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from photogenic.annotate.kinds import PAIRWISE, PRINCIPLES, RUBRIC, judgment_choice
from photogenic.annotate.models import Annotator, Image, Item, Label, Project
from photogenic.data import METADATA, DatasetWriter
from photogenic.data.writer import LinkMode
from photogenic.errors import PhotogenicError
from photogenic.evaluate.judgments import FIELDS
from photogenic.runs import atomic_write_text

# the pair's own fields of the judgments schema (judge, axis and choice come from the label)
JUDGMENT_FIELDS = tuple(f for f in FIELDS if f not in ("judge", "axis", "choice"))


def export_project(
    session: Session, project: Project, out: str | Path, link: LinkMode = "copy"
) -> dict[str, Any]:
    """Write the project's export into ``out``; returns the counts for ``summary.json``."""
    out = Path(out)
    if project.kind == PAIRWISE:
        return export_judgments(session, project, out / "judgments.jsonl")
    return export_dataset(session, project, out, link)


def export_judgments(session: Session, project: Project, path: Path) -> dict[str, Any]:
    """Every active pairwise answer as a judgments row (``choice`` a/b/tie; raw answer kept)."""
    names = dict(session.execute(select(Annotator.id, Annotator.name)).all())
    rows = session.execute(
        select(Label, Item)
        .join(Item, Item.id == Label.item_id)
        .where(Label.project_id == project.id, Label.active.is_(True))
        .order_by(Item.position, Label.id)
    ).all()
    out = []
    for label, item in rows:
        meta = dict(item.meta)
        row = {k: meta.pop(k, "") for k in JUDGMENT_FIELDS}
        row.update(
            judge="human",
            axis=item.axis,
            choice=judgment_choice(label.choice or ""),
            raw_choice=label.choice,
            shown_left=label.left_side,
            annotator=names.get(label.annotator_id, "?"),
            submission_id=label.submission_id,
            submitted_at=_iso(label.created_at),
            project=project.name,
        )
        out.append({**row, **{k: v for k, v in meta.items() if k not in row}})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out))
    by_axis: dict[str, int] = defaultdict(int)
    for r in out:
        by_axis[r["axis"]] += 1
    return {"judgments": len(out), "by_axis": dict(by_axis), "file": str(path)}


def export_dataset(session: Session, project: Project, out: Path, link: LinkMode) -> dict[str, Any]:
    """Kept items as a dataset in ``out/kept``; every other item listed with its reason."""
    kept_dir = out / "kept"
    if (kept_dir / METADATA).exists():
        raise PhotogenicError(f"{kept_dir} already holds a dataset; choose an empty --out folder")
    images = dict(
        session.execute(select(Image.id, Image.path).where(Image.project_id == project.id)).all()
    )
    labels: dict[int, list[Label]] = defaultdict(list)
    for label in session.scalars(
        select(Label)
        .where(Label.project_id == project.id, Label.active.is_(True))
        .order_by(Label.id)
    ):
        labels[label.item_id].append(label)
    items = session.scalars(
        select(Item).where(Item.project_id == project.id).order_by(Item.position)
    )
    lists: dict[str, list[dict[str, Any]]] = {"rejected": [], "pending": [], "errors": []}
    kept = 0
    with DatasetWriter(kept_dir, resume=False) as writer:
        for item in items:
            base = {
                "id": item.key,
                "file_name": item.meta.get("file_name", ""),
                "text": item.text,
                "stage": project.kind,
            }
            if item.error:
                lists["errors"].append({**base, "reason": item.error, "detail": item.detail})
                continue
            votes = labels.get(item.id, [])
            if not votes:
                lists["pending"].append({**base, "reason": "not_annotated"})
                continue
            decided = _decide(project, item, votes)
            if decided["keep"]:
                columns = {
                    k: v
                    for k, v in (item.meta.get("columns") or {}).items()
                    if k not in ("file_name", "text")
                }
                columns.update(decided["columns"])
                writer.add_file(
                    base["file_name"], images[item.image_id], decided["text"], mode=link, **columns
                )
                kept += 1
            else:
                lists["rejected"].append({**base, **decided["record"]})
    for name, rows in lists.items():
        atomic_write_text(
            out / f"{name}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        )
    total = kept + sum(len(v) for v in lists.values())
    return {
        "items": total,
        "kept": kept,
        "rejected": len(lists["rejected"]),
        "pending": len(lists["pending"]),
        "errors": len(lists["errors"]),
        "dataset": str(kept_dir),
    }


def _decide(project: Project, item: Item, votes: list[Label]) -> dict[str, Any]:
    """Majority keep/reject; a tie keeps in triage (recall) and rejects in rubric (precision)."""
    keeps = [v for v in votes if v.decision == "keep"]
    rejects = [v for v in votes if v.decision != "keep"]
    keep = len(keeps) > len(rejects) or (len(keeps) == len(rejects) and project.kind != RUBRIC)
    columns: dict[str, Any] = {
        f"{project.kind}_keep_votes": len(keeps),
        f"{project.kind}_reject_votes": len(rejects),
    }
    text = item.text
    if project.kind == RUBRIC:
        for principle in PRINCIPLES:
            values = [v.scores[principle] for v in votes if v.scores and principle in v.scores]
            if values:
                columns[f"rubric_{principle}"] = round(statistics.fmean(values), 3)
        written = [v.caption for v in keeps if v.caption]
        if keep and written and written[-1] != item.text:
            columns["original_text"] = item.text
            text = written[-1]
    if keep:
        return {"keep": True, "text": text, "columns": columns}
    return {"keep": False, "record": {**_reason(project, rejects), "values": columns}}


def _reason(project: Project, rejects: list[Label]) -> dict[str, Any]:
    details = [v.reason for v in rejects if v.reason]
    if project.kind == RUBRIC and not details:
        low = sorted(
            {p for v in rejects for p, s in (v.scores or {}).items() if s <= 2},
            key=list(PRINCIPLES).index,
        )
        if low:
            details = ["low " + ", ".join(PRINCIPLES[p].lower() for p in low)]
    return {"reason": f"rejected_in_{project.kind}", "detail": "; ".join(details)}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
