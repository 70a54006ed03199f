"""Re-tune the demo's base on a finished demo run's curated set and control subset with other
tuning settings, and judge against that run's base samples: one point of a settings sweep.

    python benchmarks/demo_retune.py --from runs/demo --out runs/retune-s75 --set loop.max_steps=75

Writes OUT/record.json (settings, both comparisons). The same seeds and prompts as the demo, so
points of a sweep are paired with each other and with the demo's own result.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from photogenic.config import from_dict, parse_override, set_dotted
from photogenic.demo.base import BASE_DIR
from photogenic.demo.evaluation import EvaluationConfig, evaluate_models
from photogenic.demo.tuning import demo_tune_config, quality_tune
from photogenic.train.run import TrainConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a demo run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    data = asdict(demo_tune_config())
    for item in args.overrides:
        set_dotted(data, *parse_override(item))
    config = from_dict(TrainConfig, data, "--set")
    samples = args.out / "eval" / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    if not (samples / "base").exists():
        (samples / "base").symlink_to((args.source / "eval" / "samples" / "base").resolve())
    runs = {
        "tuned": quality_tune(
            BASE_DIR, args.source / "specialist" / "kept", args.out / "tuned", config
        ),
        "control": quality_tune(
            BASE_DIR, args.source / "control-subset", args.out / "control", config
        ),
    }
    models = {"base": BASE_DIR, **{name: Path(run["model"]) for name, run in runs.items()}}
    evaluation = evaluate_models(models, args.out / "eval", EvaluationConfig())
    record = {"source": str(args.source), "overrides": args.overrides, "tuning": runs}
    record["comparisons"] = evaluation["comparisons"]
    (args.out / "record.json").write_text(json.dumps(record, indent=2) + "\n")
    for baseline, comparison in record["comparisons"].items():
        for axis, row in comparison.items():
            print(
                f"tuned vs {baseline} {axis}: {row['win']}/{row['tie']}/{row['loss']} {row['win_rate']:.3f}"
            )


if __name__ == "__main__":
    main()
