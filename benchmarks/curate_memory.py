"""Peak memory of ``photogenic curate run`` against the pool size (is it flat?).

python benchmarks/curate_memory.py --sizes 3000 20000 60000 200000 --pools /tmp/mem \
    --baseline-src /tmp/old/src --out benchmarks/results/curate_memory.json

For each size: a world pool (seed 7), then the weight-free funnel (``recipes/curate-world.yaml``,
OCR and the offensive filter off) with 2 worker processes. The driver runs inside a wrapper that
reports its own peak RSS (``RUSAGE_SELF``: the driver alone, whose memory is what could grow with
the pool), the largest worker's (``RUSAGE_CHILDREN``), and the **global phase** alone: the wrapper
resets the kernel's peak-RSS mark (``/proc/self/clear_refs``) when the funnel starts collecting the
shards, and reports the peak from there to the end (dedup, balance, select, ``kept/``,
``dropped.jsonl`` and the report) above the RSS at that moment. That growth, per item between the
smallest and the largest pool, is the number to watch; the driver's whole peak also holds a fixed
~110 MB of compiled kernels that hides it at small sizes.

``--baseline-src``: a source tree of another version (e.g. a ``git worktree`` of an older commit);
its global phase runs on a hard-linked copy of the same shard files, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from provenance import baseline_record

ROOT = Path(__file__).resolve().parent.parent
DRIVER = """
import re, resource, sys, time
from photogenic.cli.main import main
from photogenic.curate import funnel

def status(key):
    return int(re.search(key + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

mark = {}
collect = funnel.collect
def collect_marked(*args, **kwargs):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS mark (VmHWM)
    mark["rss"], mark["t"] = status("VmRSS"), time.perf_counter()
    return collect(*args, **kwargs)
funnel.collect = collect_marked
code = main(sys.argv[1:])
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
phase_s = time.perf_counter() - mark["t"]
print("PEAK", self_kb, children_kb, mark["rss"], status("VmHWM"), phase_s)
sys.exit(code)
"""


def measure(pool: Path, out: Path, workers: int, src: Path | None = None) -> dict:
    """One funnel run over ``pool`` (with ``src`` first on the path, when given); peak RSS of the
    driver, of the largest worker and of the global phase above its start (MB)."""
    recipe = ROOT / "src" / "photogenic" / "recipes" / "curate-world.yaml"
    cmd = [sys.executable, "-c", DRIVER, "curate", "run", "--input", str(pool), "--out", str(out),
           "--workers", str(workers), "--no-progress", "--config", str(recipe),
           "--skip", "ocr", "--skip", "offensive"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    line = [x for x in done.stdout.splitlines() if x.startswith("PEAK ")][-1]
    self_kb, children_kb, start_kb, phase_kb = (int(v) for v in line.split()[1:5])
    summary = json.loads((out / "summary.json").read_text())
    return {
        "items": summary["input"],
        "kept": summary["kept"],
        "driver_peak_rss_mb": round(self_kb / 1024, 1),
        "largest_worker_peak_rss_mb": round(children_kb / 1024, 1),
        "global_phase_start_rss_mb": round(start_kb / 1024, 1),
        "global_phase_growth_mb": round((phase_kb - start_kb) / 1024, 1),
        "global_phase_seconds": round(float(line.split()[5]), 1),
    }


def measure_baseline(run: Path, pool: Path, workers: int, src: Path) -> dict:
    """The global phase of the version at ``src`` on a hard-linked copy of ``run``'s shards."""
    copy = run.with_name(run.name + "-baseline")
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    shutil.copytree(run / "shards", copy / "shards", copy_function=os.link)
    return measure(pool, copy, workers, src)


def growth(runs: list[dict], key: str) -> dict:
    """Growth of ``key`` from the smallest to the largest pool: MB and bytes per item."""
    first, last = runs[0], runs[-1]
    extra, mb = last["items"] - first["items"], last[key] - first[key]
    return {"mb": round(mb, 1), "bytes_per_item": round(mb * 2**20 / extra, 1) if extra else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 20000, 60000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pools", type=Path, help="keep the world pools here (world-SIZE) and reuse them"
    )
    parser.add_argument("--baseline-src", type=Path, help="source tree of a version to compare")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/curate_memory.json")
    args = parser.parse_args()
    runs, baseline = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            pool = (args.pools or Path(tmp)) / f"world-{size}"
            if not (pool / "metadata.jsonl").is_file():
                subprocess.run(
                    [sys.executable, "-m", "photogenic.cli.main", "world", "make", "--n", str(size),
                     "--seed", "7", "--out", str(pool), "--workers", str(args.workers)],
                    check=True, capture_output=True,
                )  # fmt: skip
            run = Path(tmp) / f"run-{size}"
            runs.append(measure(pool, run, args.workers))
            print(runs[-1], flush=True)
            if args.baseline_src:
                baseline.append(measure_baseline(run, pool, args.workers, args.baseline_src))
                print("baseline", baseline[-1], flush=True)
            shutil.rmtree(run)
    result = {
        "benchmark": "curate_memory",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "workers": args.workers,
        "runs": runs,
        "driver_growth": growth(runs, "driver_peak_rss_mb"),
        "global_phase_growth": growth(runs, "global_phase_growth_mb"),
    }
    if baseline:
        result |= baseline_record(args.baseline_src)
        result["baseline_runs"] = baseline
        result["baseline_global_phase_growth"] = growth(baseline, "global_phase_growth_mb")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
