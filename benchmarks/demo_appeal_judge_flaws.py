"""Does the shipped appeal judge see every photographic flaw? Per flaw, pairs of the same world
item rendered flawless and with only that flaw: the share the judge orders as the ground truth
does.

    python benchmarks/demo_appeal_judge_flaws.py --out benchmarks/results/demo_appeal_judge_flaws.json

The judge's pairwise validation mixes flaws; a judge blind to one (as the content judge was to the
subject) would pass it and still miss what that flaw costs.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image

from photogenic.evaluate.judges import JUDGES, JudgeOptions
from photogenic.world import WorldConfig, render_item
from photogenic.world.factors import FACTORS

FLAWLESS = dict.fromkeys(FACTORS, "good")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11, help="world seed of the items")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    judge = JUDGES.get("world-appeal")(JudgeOptions())
    config = WorldConfig()
    clean = [render_item(args.seed, i, config, force=FLAWLESS) for i in range(args.items)]
    clean_scores = judge.score([Image.fromarray(i.pixels()) for i in clean], [""] * args.items)
    flaws = {}
    for factor, levels in FACTORS.items():
        for level in levels[1:]:
            flawed = [
                render_item(args.seed, i, config, force={**FLAWLESS, factor: level})
                for i in range(args.items)
            ]
            scores = judge.score([Image.fromarray(i.pixels()) for i in flawed], [""] * args.items)
            pairs = [
                (a, b)
                for a, b, item, other in zip(clean_scores, scores, clean, flawed, strict=True)
                if item.record["appeal"] > other.record["appeal"]
            ]
            flaws[f"{factor}={level}"] = {
                "pairs": len(pairs),
                "judge_prefers_flawless": round(sum(a > b for a, b in pairs) / len(pairs), 3),
            }
            print(factor, level, flaws[f"{factor}={level}"], flush=True)
    record = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "items": args.items,
        "seed": args.seed,
        "flaws": flaws,
        "lowest": min(v["judge_prefers_flawless"] for v in flaws.values()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
