"""Curation quality on the haystack world: precision and recall of the needles in the kept set.

Makes (or reuses) a world pool, runs ``photogenic curate run`` with ``src/photogenic/recipes/curate-world.yaml``
and scores the result against the world's ground truth, which the funnel never reads:

- precision: the share of the kept items that are needles (every factor good, not a copy),
- recall: the share of the pool's needles that were kept (bounded by ``select.top_k``),
- precision and recall at other budgets, from the same run (the items that reached the balance
  and select stages, re-ranked by photogenic score),
- the end-to-end rate (input items per second, OCR included) and CPU seconds per stage.

Usage: python benchmarks/curate_quality.py --n 20000 --seed 7 --out benchmarks/results/curate_quality.json
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rows(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pool", type=Path, default=Path("/tmp/photogenic-bench/world-20k"))
    parser.add_argument("--run", type=Path, default=Path("/tmp/photogenic-bench/curate-20k"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "curate_quality.json"
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    cli = [sys.executable, "-m", "photogenic.cli.main"]
    if not (args.pool / "metadata.jsonl").exists():
        subprocess.run([*cli, "world", "make", "--n", str(args.n), "--seed", str(args.seed),
                        "--out", str(args.pool), "--workers", str(args.workers)], check=True)  # fmt: skip
    cmd = [*cli, "curate", "run", "--input", str(args.pool), "--out", str(args.run),
           "--config", str(ROOT / "src" / "photogenic" / "recipes" / "curate-world.yaml"), "--workers", str(args.workers),
           "--no-progress"]  # fmt: skip
    for item in args.overrides:
        cmd += ["--set", item]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start

    truth = {row["file_name"]: bool(row["needle"]) for row in _rows(args.pool / "metadata.jsonl")}
    needles = sum(truth.values())
    kept = [r["file_name"] for r in _rows(args.run / "kept" / "metadata.jsonl")]
    hits = sum(truth[name] for name in kept)
    summary = json.loads((args.run / "summary.json").read_text())
    report = json.loads((args.run / "report.json").read_text())
    # every item that reached balance/select, with its score, for precision at other budgets
    ranked = [(r["values"].get("photogenic_score", 0.0), r["file_name"])
              for r in _rows(args.run / "dropped.jsonl") if r["stage"] in ("balance", "select")]  # fmt: skip
    scores = {
        r["file_name"]: r["photogenic_score"] for r in _rows(args.run / "kept" / "metadata.jsonl")
    }
    ranked += [(s, n) for n, s in scores.items()]
    ranked.sort(key=lambda t: -t[0])
    at_k = {}
    for k in (50, 100, 150, 200, 300, 400):
        top = ranked[:k]
        if len(top) == k:
            good = sum(truth[n] for _, n in top)
            at_k[k] = {"precision": round(good / k, 3), "recall": round(good / needles, 3)}
    result = {
        "benchmark": "curate_quality",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "pool": {"n": len(truth), "seed": args.seed, "needles": needles},
        "kept": len(kept),
        "kept_needles": hits,
        "precision": round(hits / len(kept), 3) if kept else None,
        "recall": round(hits / needles, 3) if needles else None,
        "candidates_after_per_item_stages": len(ranked),
        "needles_among_candidates": sum(truth[n] for _, n in ranked),
        "precision_recall_at_k_without_balancing": at_k,
        "funnel": summary["funnel"],
        "end_to_end_seconds": round(wall, 1),
        "end_to_end_images_per_second": round(len(truth) / wall, 1),
        "per_item_pass_images_per_second": summary["images_per_second"],
        "stage_cpu_seconds": summary["stage_cpu_seconds"],
        "workers": args.workers,
        "concepts_kept": report["concepts"]["kept"],
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
