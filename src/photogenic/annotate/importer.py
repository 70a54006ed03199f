"""Import items into a project: a curation dataset (triage, rubric) or an evaluation pairs file.

Importing is idempotent: items whose key is already in the project are skipped, so an interrupted
or repeated import can simply be run again. Unusable entries are stored as error items (no slots)
so that the export accounts for every input entry.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from photogenic.annotate.kinds import AXES, PAIRWISE, check_axis
from photogenic.annotate.models import Image, Item, Project, Slot
from photogenic.data import open_dataset
from photogenic.data.item import is_safe_relative, json_safe
from photogenic.errors import PhotogenicError

PAIRS_FILE = "pairs.jsonl"
PAIR_FIELDS = ("pair_id", "prompt", "image_a", "image_b", "model_a", "model_b")
NO_LOCAL_FILE = "no_local_file"
BATCH = 500


@dataclass
class ImportReport:
    """What an import did: items added, already present, and error items by reason."""

    added: int = 0
    already: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "already": self.already, "errors": dict(self.errors)}


@dataclass
class _Entry:
    key: str
    text: str
    meta: dict[str, Any]
    paths: tuple[Path, ...] = ()
    axis: str | None = None
    error: str | None = None
    detail: str = ""


def import_items(
    session: Session, project: Project, path: str | Path, axes: Iterable[str] | None = None
) -> ImportReport:
    """Import ``path`` into ``project`` (a dataset for triage/rubric, a pairs file for pairwise)."""
    if project.kind == PAIRWISE:
        entries = read_pairs(path, tuple(axes) if axes else None)
    else:
        if axes:
            raise PhotogenicError("--axis applies to pairwise projects only")
        entries = _dataset_entries(path)
    return _store(session, project, entries)


def pairs_file(path: str | Path) -> Path:
    """The pairs JSONL file named by ``path`` (the file itself or a folder holding pairs.jsonl)."""
    p = Path(path)
    if p.is_dir():
        p = p / PAIRS_FILE
    if not p.is_file():
        raise PhotogenicError(f"pairs file not found: {p}")
    return p


def read_pairs(path: str | Path, axes: tuple[str, ...] | None = None) -> list[_Entry]:
    """Validate a pairs file; one entry per (pair, axis). Rows without ``axis`` get ``axes``
    (both axes when None); image paths must be relative and stay inside the file's folder."""
    file = pairs_file(path)
    folder = file.parent.resolve()
    for axis in axes or ():
        check_axis(axis)
    entries: list[_Entry] = []
    seen: set[str] = set()
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{file}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PhotogenicError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise PhotogenicError(f"{where}: expected a JSON object")
        missing = [k for k in PAIR_FIELDS if k not in row]
        if missing:
            raise PhotogenicError(f"{where}: missing field(s) {', '.join(missing)}")
        if row["model_a"] == row["model_b"]:
            raise PhotogenicError(f"{where}: model_a and model_b are both {row['model_a']!r}")
        row_axes = (check_axis(str(row["axis"])),) if row.get("axis") else (axes or AXES)
        meta = {k: json_safe(v) for k, v in row.items() if k != "axis"}
        meta["pair_id"] = str(row["pair_id"])
        meta.setdefault("category", "")
        for axis in row_axes:
            key = f"{row['pair_id']}|{axis}"
            if key in seen:
                raise PhotogenicError(f"{where}: pair {row['pair_id']!r} on {axis} repeats")
            seen.add(key)
            entries.append(_pair_entry(key, str(row["prompt"]), meta, axis, folder))
    return entries


def _pair_entry(key: str, prompt: str, meta: dict[str, Any], axis: str, folder: Path) -> _Entry:
    paths = []
    for side in ("image_a", "image_b"):
        rel = str(meta[side])
        if not is_safe_relative(rel):
            detail = f"{side} {rel!r} is not a relative path inside the pairs folder"
            return _Entry(key, prompt, meta, axis=axis, error="unsafe_path", detail=detail)
        full = folder / rel
        if not full.is_file():
            detail = f"{side} {rel!r} does not exist"
            return _Entry(key, prompt, meta, axis=axis, error="file_missing", detail=detail)
        paths.append(full)
    return _Entry(key, prompt, meta, tuple(paths), axis)


def _dataset_entries(path: str | Path) -> Iterator[_Entry]:
    for item in open_dataset(path):
        meta = {
            "file_name": item.file_name,
            "columns": json_safe(item.columns),
            "source": item.source,
        }
        if item.error:
            yield _Entry(item.id, item.text or "", meta, error=item.error, detail=item.detail)
        elif item.path is None:
            detail = "the image is not a file on disk; convert with `photogenic data convert`"
            yield _Entry(item.id, item.text or "", meta, error=NO_LOCAL_FILE, detail=detail)
        else:
            yield _Entry(item.id, item.text or "", meta, (item.path.resolve(),))


def _store(session: Session, project: Project, entries: Iterable[_Entry]) -> ImportReport:
    report = ImportReport()
    keys = set(session.scalars(select(Item.key).where(Item.project_id == project.id)))
    images = dict(
        session.execute(select(Image.path, Image.id).where(Image.project_id == project.id)).all()
    )
    position = session.scalar(
        select(func.coalesce(func.max(Item.position), -1)).where(Item.project_id == project.id)
    )
    batch: list[_Entry] = []
    for entry in entries:
        if entry.key in keys:
            report.already += 1
            continue
        keys.add(entry.key)
        batch.append(entry)
        if len(batch) >= BATCH:
            position = _store_batch(session, project, batch, images, position, report)
            batch = []
    _store_batch(session, project, batch, images, position, report)
    return report


def _store_batch(
    session: Session,
    project: Project,
    batch: list[_Entry],
    images: dict[str, int],
    position: int,
    report: ImportReport,
) -> int:
    new_images = {}
    for entry in batch:
        for p in entry.paths:
            if str(p) not in images and str(p) not in new_images:
                new_images[str(p)] = Image(project_id=project.id, path=str(p))
    session.add_all(new_images.values())
    session.flush()
    images.update({p: img.id for p, img in new_images.items()})
    items = []
    for entry in batch:
        position += 1
        ids = [images[str(p)] for p in entry.paths] + [None, None]
        items.append(
            Item(
                project_id=project.id,
                key=entry.key,
                position=position,
                axis=entry.axis,
                text=entry.text,
                meta=entry.meta,
                image_id=ids[0],
                image_b_id=ids[1],
                error=entry.error,
                detail=entry.detail,
            )
        )
        if entry.error:
            report.errors[entry.error] += 1
        else:
            report.added += 1
    session.add_all(items)
    session.flush()
    slots = []
    for item in items:
        if item.error is None:
            for _ in range(raters_for(project, item.axis)):
                slots.append(Slot(project_id=project.id, item_id=item.id, position=item.position))
    session.add_all(slots)
    session.flush()
    return position


def raters_for(project: Project, axis: str | None) -> int:
    """How many distinct annotators each item of ``project`` (on ``axis``) goes to."""
    if axis == "appeal":
        return project.raters_appeal
    if axis == "faithfulness":
        return project.raters_faithfulness
    return project.raters
