"""Judge finished demo runs' samples again with the judges installed now, without touching the runs.

    python benchmarks/demo_rejudge.py --out benchmarks/results/rejudged.json \
        --run demo=runs/demo --run plateau-s7=runs/pdrop-s7

For each ``--run LABEL=DIR`` (a finished ``photogenic demo`` folder): the tuned model against the
base and against the control on appeal and faithfulness, judged afresh into ``--work`` (the
run's samples are linked, not copied), and how often each model's samples show the subject,
colour and background their prompts name. The judged verdicts the run recorded itself are kept
next to the new ones, with the judges' validation records, so a change of judge shows as a
before / after.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from demo_pooled_prompts import KEEP

from photogenic.demo.evaluation import (
    EvaluationConfig,
    content_shown,
    judge_against,
    judge_validation,
)

MODELS = ("base", "control", "tuned")


def verdicts(comparison: dict[str, dict]) -> dict[str, dict]:
    """``{axis: counts and win rate}`` of one recorded or fresh comparison."""
    return {axis: {k: block[k] for k in KEEP} for axis, block in comparison.items()}


def rejudge(run: Path, work: Path) -> dict:
    """The run's samples judged again into ``work``; its own recorded verdicts alongside."""
    summary = json.loads((run / "summary.json").read_text())
    (work / "samples").mkdir(parents=True, exist_ok=True)
    for model in MODELS:
        link = work / "samples" / model
        if not link.exists():
            link.symlink_to((run / "eval" / "samples" / model).resolve())
    config = EvaluationConfig()
    recorded = summary["evaluation"]["comparisons"]
    return {
        "run": str(run),
        "base": summary["base"],
        "prompts": summary["evaluation"]["prompts"],
        "recorded": {b: verdicts(c) for b, c in recorded.items()},
        "recorded_judge_validation": summary["evaluation"]["judge_validation"],
        "rejudged": {
            b: verdicts(judge_against("tuned", b, work, config, report=False)) for b in recorded
        },
        "content_shown": {m: content_shown(work / "samples" / m) for m in MODELS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", dest="runs", action="append", required=True, metavar="LABEL=DIR")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("runs/rejudged"))
    args = parser.parse_args()
    record: dict = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "judge_validation": judge_validation(),
        "runs": {},
    }
    for spec in args.runs:
        label, sep, folder = spec.partition("=")
        if not sep or not label or not Path(folder, "summary.json").is_file():
            parser.error(f"--run {spec!r}: expected LABEL=DIR with DIR/summary.json (a demo run)")
        record["runs"][label] = rejudge(Path(folder), args.work / label)
        print(label, json.dumps(record["runs"][label]["rejudged"]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
