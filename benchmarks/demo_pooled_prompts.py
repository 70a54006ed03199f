"""One comparison judged on several prompt sets, counted per set and pooled over all of them.

    python benchmarks/demo_pooled_prompts.py --out benchmarks/results/pooled.json \
        --set 8=runs/merge-sd3/eval/tuned-x1.5-vs-sd3-base \
        --set 9=runs/confirm-sd3-seed9/eval/tuned-x1.5-vs-sd3-base

Each ``--set LABEL=DIR`` names a judged comparison (a folder with ``judgments.jsonl``, as
``demo_merge_sweep.py`` and the demo write them) on one prompt set. Prompt ids repeat from set to
set (``prompt-00000`` is a different prompt in each), so each set's pair and prompt ids are
prefixed with its label before pooling; the pooled intervals then resample the prompts of all sets.
Every set must compare the same two models.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from photogenic.evaluate.judgments import read_judgments
from photogenic.evaluate.winrate import WinrateConfig, compute_winrate

KEEP = ("win", "tie", "loss", "n_pairs", "win_rate", "win_rate_ci")


def comparisons(rows: list[dict], baseline: str) -> dict[str, dict]:
    """``{axis: counts and win rate}`` of judgment ``rows`` oriented against ``baseline``."""
    summary, _ = compute_winrate(rows, WinrateConfig(baseline=baseline))
    out = {}
    for axis, block in summary["axes"].items():
        (only,) = block["comparisons"]
        out[axis] = {k: only[k] for k in KEEP}
    return out


def labelled(label: str, folder: Path) -> list[dict]:
    """The judgments in ``folder`` with their pair and prompt ids prefixed by ``label``."""
    rows = read_judgments([folder / "judgments.jsonl"])
    for row in rows:
        row["pair_id"] = f"{label}/{row['pair_id']}"
        if "prompt_id" in row:
            row["prompt_id"] = f"{label}/{row['prompt_id']}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", required=True, metavar="LABEL=DIR")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sets: dict[str, list[dict]] = {}
    folders: dict[str, str] = {}
    for spec in args.sets:
        label, sep, folder = spec.partition("=")
        if not sep or not label or not Path(folder, "judgments.jsonl").exists():
            parser.error(f"--set {spec!r}: expected LABEL=DIR with DIR/judgments.jsonl")
        sets[label], folders[label] = labelled(label, Path(folder)), folder
    pairs = {frozenset((r["model_a"], r["model_b"])) for rows in sets.values() for r in rows}
    if len(pairs) != 1:
        parser.error(f"the sets compare different models: {sorted(map(sorted, pairs))}")
    first = next(iter(sets.values()))[0]
    baseline = first["model_b"]
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": first["model_a"],
        "baseline": baseline,
        "sets": folders,
        "per_set": {label: comparisons(rows, baseline) for label, rows in sets.items()},
        "pooled": comparisons([r for rows in sets.values() for r in rows], baseline),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    for label, axes in [*record["per_set"].items(), ("pooled", record["pooled"])]:
        line = ", ".join(
            f"{axis} {c['win_rate']:.3f} [{c['win_rate_ci'][0]:.3f}, {c['win_rate_ci'][1]:.3f}]"
            f" {c['win']}/{c['tie']}/{c['loss']}"
            for axis, c in axes.items()
        )
        print(f"{label}: {line}")


if __name__ == "__main__":
    main()
