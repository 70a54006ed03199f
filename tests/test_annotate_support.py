"""Shared helpers for the annotation tests (no tests here): data builders, databases, logins.

PostgreSQL tests read ``PHOTOGENIC_TEST_PG_URL`` (``eval "$(scripts/test-services.sh)"`` sets it)
and fail with a clear message when it is unset; deselect them locally with ``-m "not postgres"``.
The browser test needs Debian's chromium (deselect with ``-m "not browser"``).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from photogenic.annotate.admin import create_project, invite
from photogenic.annotate.db import Store
from photogenic.annotate.importer import import_items
from photogenic.data import DatasetWriter

PG_ENV = "PHOTOGENIC_TEST_PG_URL"
CHROMIUM = "/usr/bin/chromium"
SETUP_HINT = 'run `eval "$(scripts/test-services.sh)"` (Debian: installs and starts PostgreSQL)'


def pg_base_url() -> str:
    """The PostgreSQL URL for tests; fails (never skips) when it is not configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        where = "in CI" if os.environ.get("CI") == "true" else "locally"
        pytest.fail(
            f"{PG_ENV} is not set ({where}): {SETUP_HINT}, "
            "or deselect the PostgreSQL tests with -m 'not postgres'",
            pytrace=False,
        )
    return url


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, private schema (dropped afterwards)."""
    base = pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(Store(base, create=False).url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        pytest.fail(f"cannot reach PostgreSQL at {PG_ENV}: {exc.orig} ({SETUP_HINT})")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def backend_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'annotate.db'}"
    else:
        with pg_schema_url() as url:
            yield url


def chromium() -> str:
    """Debian's chromium binary; fails with a clear message when it is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} not found: {SETUP_HINT} (it installs chromium), "
            "or deselect the browser test with -m 'not browser'",
            pytrace=False,
        )
    return CHROMIUM


def write_dataset(root: Path, captions: list[str], **columns: Any) -> Path:
    """An imagefolder dataset, one small distinct PNG per caption (extra columns per item)."""
    with DatasetWriter(root) as writer:
        for i, caption in enumerate(captions):
            image = Image.new("RGB", (12, 8), (40 * i % 256, 90, 160))
            extra = {k: (v[i] if isinstance(v, list) else v) for k, v in columns.items()}
            writer.add_image(f"img{i:03d}.png", image, caption, **extra)
    return root


def write_pairs(root: Path, n: int, axis: str | None = None, **overrides: Any) -> Path:
    """A pairs folder (``a/``, ``b/``, ``pairs.jsonl``) with ``n`` pairs."""
    (root / "a").mkdir(parents=True, exist_ok=True)
    (root / "b").mkdir(exist_ok=True)
    rows = []
    for i in range(n):
        Image.new("RGB", (8, 8), (10, i, 10)).save(root / "a" / f"{i}.png")
        Image.new("RGB", (8, 8), (200, i, 10)).save(root / "b" / f"{i}.png")
        row: dict[str, Any] = {
            "pair_id": f"prompt{i}#0",
            "prompt_id": f"prompt{i}",
            "prompt": f"a photo of thing {i}",
            "category": "Animals",
            "image_a": f"a/{i}.png",
            "image_b": f"b/{i}.png",
            "model_a": "tuned",
            "model_b": "base",
        }
        if axis:
            row["axis"] = axis
        row.update(overrides)
        rows.append(row)
    path = root / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def make_project(
    store: Store, name: str, kind: str, source: Path, people: list[str], **raters: int
) -> tuple[int, dict[str, str]]:
    """Create a project, import ``source`` and invite ``people``; returns (id, name -> token)."""
    with store.session() as session:
        project = create_project(session, name, kind, **raters)
        import_items(session, project, source)
        tokens = {p: invite(session, p, [name]).token or "" for p in people}
        return project.id, tokens


def login(client: Any, token: str) -> str:
    """Log a TestClient in; returns the session's CSRF token."""
    response = client.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(client.get("/api/me").json()["csrf"])
