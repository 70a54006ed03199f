"""Load on the annotation server: 50 simulated annotators submit 5,000 pairwise judgments.

A real ``photogenic annotate serve`` runs on 127.0.0.1 (a child process). Each annotator logs in
with its token, then loops: fetch its next item (``GET /api/p/ID/next``), answer it (``POST
/api/p/ID/answer`` with a fresh submission id, retried with the same id on a transport error).
The store is then checked: 0 lost (every acknowledged submission stored), 0 duplicated (one row
per submission id), no annotator on one item twice. Reported: p50/p95/p99 latency of both
requests and judgments per second; the baseline is the same clients hammering ``/healthz`` (the
HTTP stack without the database), so the database's share of the latency shows.

    python benchmarks/annotate_load.py --out benchmarks/results/annotate_load.json \
        [--annotators 50 --judgments 5000] [--pg-url postgresql+psycopg://...] [--kill-after 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from PIL import Image

from photogenic.annotate.admin import create_project, invite
from photogenic.annotate.db import Store
from photogenic.annotate.importer import import_items
from photogenic.annotate.simulate import ServerProcess, percentiles, run_load, verify

RATERS = 5  # visual appeal: five raters per pair (paper §5)


def write_pairs(folder: Path, n: int) -> Path:
    """A pairs folder with ``n`` appeal pairs of tiny images."""
    (folder / "a").mkdir(parents=True, exist_ok=True)
    (folder / "b").mkdir(exist_ok=True)
    rows = []
    for i in range(n):
        for side, shade in (("a", 60), ("b", 180)):
            Image.new("RGB", (8, 8), (shade, i % 256, 0)).save(folder / side / f"{i}.png")
        rows.append(
            {
                "pair_id": f"p{i}#0",
                "prompt": f"prompt {i}",
                "category": "bench",
                "image_a": f"a/{i}.png",
                "image_b": f"b/{i}.png",
                "model_a": "tuned",
                "model_b": "base",
                "axis": "appeal",
            }
        )
    (folder / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder / "pairs.jsonl"


def prepare(db: str, pairs: Path, annotators: int) -> tuple[int, list[str]]:
    """Create the project, import the pairs and invite the annotators; returns (project id, tokens)."""
    store = Store(db)
    try:
        with store.session() as session:
            project = create_project(session, "load", "pairwise", raters_appeal=RATERS)
            import_items(session, project, pairs)
            names = [f"annotator{i:02d}" for i in range(annotators)]
            tokens = [invite(session, name, ["load"]).token for name in names]
            return project.id, [t for t in tokens if t]
    finally:
        store.close()


def healthz_floor(base_url: str, clients: int, requests_each: int) -> dict[str, Any]:
    """The baseline: the same number of clients requesting ``/healthz`` (no database work)."""
    seconds: list[float] = []

    def hammer() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for _ in range(requests_each):
                started = time.perf_counter()
                client.get("/healthz").raise_for_status()
                seconds.append(time.perf_counter() - started)

    threads = [threading.Thread(target=hammer) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(seconds),
        "requests_per_second": round(len(seconds) / wall, 1),
        "latency_ms": percentiles(seconds),
    }


def run_backend(name: str, db: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare a fresh store, serve it, run the load (optionally killing the server), verify."""
    per_annotator = args.judgments // args.annotators
    pairs = write_pairs(root / f"pairs-{name}", int(args.judgments / RATERS * 1.1) + 1)
    project_id, tokens = prepare(db, pairs, args.annotators)
    server = ServerProcess(db, log=root / f"server-{name}.log")
    server.start()
    try:
        floor = healthz_floor(server.url, args.annotators, args.floor_requests)
        result = run_load(
            server.url,
            tokens,
            project_id,
            per_annotator,
            server=server if args.kill_after else None,
            kill_after=args.kill_after,
        )
    finally:
        server.stop()
    store = Store(db)
    try:
        checked = verify(store, project_id, result.acked)
    finally:
        store.close()
    return {
        "backend": name,
        "annotators": args.annotators,
        "judgments_requested": per_annotator * len(tokens),
        "load": result.summary(),
        "store": checked,
        "baseline_healthz": floor,
        "ok": checked["lost"] == 0
        and checked["duplicated"] == 0
        and checked["same_item_twice"] == 0
        and checked["active"] == per_annotator * len(tokens),
    }


def pg_schema_url(base: str, schema: str) -> str:
    """``base`` with its own fresh schema (dropped first if present)."""
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--judgments", type=int, default=5000)
    parser.add_argument("--floor-requests", type=int, default=40, help="/healthz per client")
    parser.add_argument("--pg-url", default=os.environ.get("PHOTOGENIC_TEST_PG_URL"))
    parser.add_argument("--kill-after", type=int, default=None, help="SIGKILL + restart then")
    args = parser.parse_args()
    results = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="annotate-load-") as tmp:
        root = Path(tmp)
        results.append(run_backend("sqlite", f"sqlite:///{root / 'load.db'}", root, args))
        print(json.dumps(results[-1], indent=2), file=sys.stderr)
        if args.pg_url:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            url = pg_schema_url(args.pg_url, schema)
            try:
                results.append(run_backend("postgresql", url, root, args))
                print(json.dumps(results[-1], indent=2), file=sys.stderr)
            finally:
                engine = sa.create_engine(args.pg_url)
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                engine.dispose()
    doc = {
        "benchmark": "annotate_load",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # other work on the machine shares its cores: the 1-minute load average before/after
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(os.getloadavg()[0], 2),
        },
        "kill_after": args.kill_after,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
