"""How fast the haystack world is made, against Pillow decoding the very same files.

The world feeds the demo's curation funnel, so it must not be its bottleneck: this times rendering
alone on one core, ``make_world`` (render + encode + write) with 1 and 2 workers, then Pillow opening
and decoding every file it wrote on one core (the floor any image pipeline pays to read them), and
the curation measurements on some of them; it reports decode speed over world speed.

    python benchmarks/world_speed.py --out benchmarks/results/world_speed.json [--n 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from photogenic.curate.measures import measure_all
from photogenic.world import WorldConfig, make_world, render_item


def time_world(root: Path, n: int, seed: int, workers: int) -> dict:
    out = root / f"world-{workers}"
    start = time.perf_counter()
    summary = make_world(out, n, seed, WorldConfig(), workers=workers, progress=False)
    seconds = time.perf_counter() - start
    return {
        "workers": workers,
        "seconds": round(seconds, 3),
        "images_per_second": round(n / seconds, 1),
        "needle_fraction": summary["needle_fraction"],
        "bytes": sum(p.stat().st_size for p in (out / "images").iterdir()),
    }


def time_render(n: int, seed: int) -> dict:
    """Rendering and encoding alone, in this process: the world's cost without file writing."""
    config = WorldConfig()
    start = time.perf_counter()
    for i in range(n):
        render_item(seed, i, config)
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "images_per_second": round(n / seconds, 1)}


def time_decode(folder: Path) -> dict:
    paths = sorted(folder.iterdir())
    for p in paths[:50]:  # warm the page cache and Pillow's plugin table
        p.read_bytes()
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            np.asarray(im.convert("RGB"))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "images_per_second": round(len(paths) / seconds, 1)}


def time_measures(folder: Path, limit: int = 500) -> dict:
    arrays = []
    for p in sorted(folder.iterdir())[:limit]:
        with Image.open(p) as im:
            arrays.append(np.asarray(im.convert("RGB")))
    start = time.perf_counter()
    for a in arrays:
        measure_all(a)
    seconds = time.perf_counter() - start
    return {"images": len(arrays), "images_per_second": round(len(arrays) / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/world_speed.json"))
    parser.add_argument("--n", type=int, default=2000, help="items per run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="world-speed-"))
    try:
        render = time_render(args.n, args.seed)
        one = time_world(root, args.n, args.seed, 1)
        two = time_world(root, args.n, args.seed, 2)
        decode = time_decode(root / "world-1" / "images")
        measures = time_measures(root / "world-1" / "images")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "benchmark": "world_speed",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
        },
        "n": args.n,
        "image_size": WorldConfig().image_size,
        "render_only_1_core": render,
        "world_1_worker": one,
        "world_2_workers": two,
        "baseline_pillow_decode_1_core": decode,
        "curate_measure_all_1_core": measures,
        # How many times faster decoding the files is than making them (1.0 = as fast).
        "decode_over_world_1_worker": round(
            decode["images_per_second"] / one["images_per_second"], 2
        ),
        "decode_over_world_2_workers": round(
            decode["images_per_second"] / two["images_per_second"], 2
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
