"""Record ``photogenic demo`` (and ``--ablations``) results under benchmarks/results.

python benchmarks/demo.py --run-dir runs/demo-bench --out benchmarks/results/demo.json
python benchmarks/demo.py --ablations --run-dir runs/demo-ablations \
    --out benchmarks/results/demo_ablations.json
python benchmarks/demo.py --ablations --set 'ablation.parts=[families]' --run-dir runs/ablations \
    --out benchmarks/results/demo_families.json --recorded   # digest a finished run only

Runs the demo in a fresh process, times it end to end (wall clock, peak RSS of the demo process
and its workers) and writes the demo's own summary digest with the machine facts.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

DIGEST_KEYS = (
    "funnel",
    "base_training",
    "control_subset",
    "tuning",
    "evaluation",
    "targets",
    "stage_seconds",
    "peak_memory_mb",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ablations", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="delete --run-dir first")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="KEY=VALUE")
    parser.add_argument(
        "--recorded",
        action="store_true",
        help="digest a run that already finished in --run-dir (its stage times, no new run)",
    )
    args = parser.parse_args()
    if args.fresh and args.run_dir.exists():
        shutil.rmtree(args.run_dir)
    executable = Path(sys.executable).parent / "photogenic"
    command = [str(executable), "demo", "--out", str(args.run_dir)]
    if args.ablations:
        command.append("--ablations")
    command += [a for kv in args.overrides for a in ("--set", kv)]
    started = time.perf_counter()
    if not args.recorded:
        subprocess.run(command, check=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(
        (args.run_dir / ("ablations.json" if args.ablations else "summary.json")).read_text()
    )
    digest = summary if args.ablations else {k: summary[k] for k in DIGEST_KEYS}
    if args.recorded:  # the run's own clock, summed over its stages; no memory figure
        seconds, peak_kb = sum(summary["stage_seconds"].values()), 0
    record = {
        "command": " ".join(["photogenic"] + command[1:]),
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}",
        "wall_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1) if peak_kb else None,
        **digest,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out} ({seconds:.0f} s)")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()
