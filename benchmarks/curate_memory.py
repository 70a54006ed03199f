"""Peak memory of ``photogenic curate run`` against the pool size (is it flat?).

python benchmarks/curate_memory.py --sizes 3000 20000 60000 \
    --out benchmarks/results/curate_memory.json

For each size: a world pool (seed 7), then the weight-free funnel (``recipes/curate-world.yaml``,
OCR and the offensive filter off) with 2 worker processes. The driver runs inside a wrapper that
reports its own peak RSS (``RUSAGE_SELF``: the driver alone, whose memory is what could grow with
the pool) and the largest worker's (``RUSAGE_CHILDREN``). The growth per item between the smallest
and the largest pool is the number to watch.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRIVER = """
import resource, sys
from photogenic.cli.main import main
code = main(sys.argv[1:])
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("PEAK", self_kb, children_kb)
sys.exit(code)
"""


def measure(pool: Path, out: Path, workers: int) -> dict:
    """One funnel run over ``pool``; peak RSS of the driver and of the largest worker (MB)."""
    recipe = ROOT / "src" / "photogenic" / "recipes" / "curate-world.yaml"
    cmd = [sys.executable, "-c", DRIVER, "curate", "run", "--input", str(pool), "--out", str(out),
           "--workers", str(workers), "--no-progress", "--config", str(recipe),
           "--skip", "ocr", "--skip", "offensive"]  # fmt: skip
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("PEAK ")][-1]
    self_kb, children_kb = (int(v) for v in line.split()[1:])
    summary = json.loads((out / "summary.json").read_text())
    return {
        "items": summary["input"],
        "kept": summary["kept"],
        "driver_peak_rss_mb": round(self_kb / 1024, 1),
        "largest_worker_peak_rss_mb": round(children_kb / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 20000, 60000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pools", type=Path, help="keep the world pools here (world-SIZE) and reuse them"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/curate_memory.json")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            pool = (args.pools or Path(tmp)) / f"world-{size}"
            if not (pool / "metadata.jsonl").is_file():
                subprocess.run(
                    [sys.executable, "-m", "photogenic.cli.main", "world", "make", "--n", str(size),
                     "--seed", "7", "--out", str(pool), "--workers", str(args.workers)],
                    check=True, capture_output=True,
                )  # fmt: skip
            runs.append(measure(pool, Path(tmp) / f"run-{size}", args.workers))
            print(runs[-1], flush=True)
    first, last = runs[0], runs[-1]
    extra = last["items"] - first["items"]
    growth = last["driver_peak_rss_mb"] - first["driver_peak_rss_mb"]
    result = {
        "benchmark": "curate_memory",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "workers": args.workers,
        "runs": runs,
        "driver_growth_mb": round(growth, 1),
        "driver_growth_bytes_per_item": round(growth * 2**20 / extra, 1) if extra else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
