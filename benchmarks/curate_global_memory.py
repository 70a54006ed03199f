"""Peak memory of the curation funnel's global stages against the pool size, past a million items.

python benchmarks/curate_global_memory.py --from /tmp/prof-20000 --sizes 100000 300000 1000000 \
    --baseline-src /tmp/old/src --out benchmarks/results/curate_global_memory.json

The per-item pass is the same at any size, so this measures what follows it on synthetic shard
files: the shard records of a finished world run (``--from``), repeated to each size, each copy
with its own ids, content hashes (as ``content_hash`` and as the older records' ``sha256``, so a
baseline of either records format reads the same exact copies) and perceptual hashes (XOR a random
mask per copy, so copies of an item are not near duplicates of each other, while each copy keeps
the run's near-duplicate structure).
A fresh process per size and version reads the shards (``collect``), runs dedup, balance and select
(``decide``) and looks up every item's verdict in input order, as the outputs pass does. It reports
its peak RSS above the RSS before ``collect``. ``--baseline-src`` runs another version (a source
tree, e.g. a ``git worktree`` of an older commit) on the same files in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from provenance import baseline_record

ROOT = Path(__file__).resolve().parent.parent
DRIVER = """
import gc, re, sys, time
from pathlib import Path
from photogenic.config import load_config
from photogenic.curate.collect import collect
from photogenic.curate.config import CurateConfig
from photogenic.curate.decide import decide

def status(key):
    return int(re.search(key + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

out, recipe = Path(sys.argv[1]), sys.argv[2]
config = load_config(CurateConfig, recipe)
n_shards = len(list((out / "shards").glob("*.jsonl")))
gc.collect()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak-RSS mark (VmHWM)
start, t = status("VmRSS"), time.perf_counter()
got = collect(out, n_shards, config, config.examples)
decisions = decide(got.table, config)
kept = 0
if hasattr(decisions, "in_order"):  # the on-disk table: one ordered pass
    for _, (verdict, rank) in decisions.in_order():
        kept += rank is not None
else:  # the in-memory table: a lookup per item
    for index in range(got.n_input):
        kept += decisions.verdict(index) is None and decisions.rank(index) is not None
print("PEAK", start, status("VmHWM"), time.perf_counter() - t, got.n_input, kept)
"""


def write_shards(source: Path, out: Path, size: int, shard_size: int = 256) -> None:
    """``size`` records from ``source``'s shards, copy by copy, in shards of ``shard_size``."""
    records = []
    for path in sorted((source / "shards").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            f.readline()
            records += [json.loads(line) for line in f if line.strip()]
    (out / "shards").mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    masks: dict[int, int] = {}
    shard: list[str] = []
    number = 0

    def flush() -> None:
        nonlocal shard, number
        meta = {"shard": number, "n": len(shard), "seconds": {}}
        text = json.dumps(meta) + "\n" + "".join(shard)
        (out / "shards" / f"{number:05d}.jsonl").write_text(text, encoding="utf-8")
        shard, number = [], number + 1

    for index in range(size):
        copy, record = divmod(index, len(records))
        row = dict(records[record])
        mask = masks.setdefault(copy, rng.getrandbits(64) if copy else 0)
        values = dict(row["values"])
        original = values.get("content_hash") or values.get("sha256")
        if original:  # one digest, in both records formats
            digest = hashlib.sha256(f"{original}{copy}".encode()).hexdigest()
            values.update(sha256=digest, content_hash=digest[:32])
        if "phash" in values:
            values["phash"] = f"{int(values['phash'], 16) ^ mask:016x}"
        row.update(i=index, id=f"{row['id']}-{copy}", values=values)
        shard.append(json.dumps(row) + "\n")
        if len(shard) == shard_size:
            flush()
    if shard:
        flush()


def measure(out: Path, src: Path | None) -> dict:
    """Peak RSS of the global stages over ``out``'s shards, with ``src`` first on the path."""
    recipe = ROOT / "src" / "photogenic" / "recipes" / "curate-world.yaml"
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(out), str(recipe)],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    line = [x for x in done.stdout.splitlines() if x.startswith("PEAK ")][-1]
    start_kb, peak_kb, seconds, n, kept = line.split()[1:]
    return {
        "items": int(n),
        "kept": int(kept),
        "start_rss_mb": round(int(start_kb) / 1024, 1),
        "peak_growth_mb": round((int(peak_kb) - int(start_kb)) / 1024, 1),
        "seconds": round(float(seconds), 1),
    }


def growth(runs: list[dict]) -> dict:
    first, last = runs[0], runs[-1]
    extra, mb = last["items"] - first["items"], last["peak_growth_mb"] - first["peak_growth_mb"]
    return {"mb": round(mb, 1), "bytes_per_item": round(mb * 2**20 / extra, 1) if extra else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="a finished `curate run` folder whose shards are repeated")  # fmt: skip
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/curate-global-memory"))
    parser.add_argument("--baseline-src", type=Path, help="source tree of a version to compare")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/curate_global_memory.json"
    )
    args = parser.parse_args()
    ours, baseline = [], []
    for size in args.sizes:
        folder = args.work / f"pool-{size}"
        if not (folder / "shards").is_dir():
            write_shards(args.source, folder, size)
        ours.append(measure(folder, None))
        print("ours", ours[-1], flush=True)
        if args.baseline_src:
            baseline.append(measure(folder, args.baseline_src))
            print("baseline", baseline[-1], flush=True)
    result = {
        "benchmark": "curate_global_memory",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "runs": ours,
        "growth": growth(ours),
    }
    if baseline:
        result |= baseline_record(args.baseline_src)
        result |= {"baseline_runs": baseline, "baseline_growth": growth(baseline)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
