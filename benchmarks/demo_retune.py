"""Re-tune a base on a finished demo run's curated set and control subset with other tuning
settings, and judge against that run's base samples: one point of a settings sweep.

    python benchmarks/demo_retune.py --from runs/demo --out runs/retune-s75 --set loop.max_steps=75

For a family row of ``demo --ablations`` (its base, samples and sampler):

    python benchmarks/demo_retune.py --from runs/fam --family amused --out runs/retune-amused-lr5e-5 \
        --set optimizer.learning_rate=5e-5

Writes OUT/record.json (settings, both comparisons). The same seeds, prompts and sampler as the
source run (its config.yaml), so points of a sweep are paired with each other and with its result.
The base is the folder its config.yaml names: install another base there (``--rebuild-base``)
and the re-tuned models no longer pair with the run's base samples, which this then refuses
(their weights fingerprint); re-run the demo first.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from photogenic.config import from_dict, parse_override, set_dotted
from photogenic.data import open_dataset
from photogenic.demo.evaluation import judge_against, sample_model
from photogenic.demo.families import FamilyBases
from photogenic.demo.pipeline import recorded_demo
from photogenic.demo.tuning import demo_tune_config, quality_tune
from photogenic.errors import PhotogenicError
from photogenic.sample.generate import check_samples_of
from photogenic.train.run import TrainConfig


def sources(run: Path, family: str | None) -> dict[str, Path]:
    """The base model, its samples, the curated set and the control subset of a finished run."""
    if family is None:
        return {
            "base": recorded_demo(run)[1],
            "samples": run / "eval" / "samples" / "base",
            "curated": run / "specialist" / "kept",
            "control": run / "control-subset",
        }
    size = sum(1 for item in open_dataset(run / "specialist" / "kept") if not item.error)
    return {
        "base": run / "families" / family / "pretrain" / "model",
        "samples": run / "eval" / "samples" / f"{family}-base",
        "curated": run / "specialist" / "kept",
        "control": run / "subsets" / f"random-{size}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a demo run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--family", help="a family row of `demo --ablations` run in --from")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    data = asdict(demo_tune_config())
    evaluation = recorded_demo(args.source)[0]
    if args.family:
        family = getattr(FamilyBases(), args.family)
        data["task"]["data"]["resolution"] = family.resolution
        evaluation.sample.scheduler = family.scheduler
    for item in args.overrides:
        set_dotted(data, *parse_override(item))
    config = from_dict(TrainConfig, data, "--set")
    where = sources(args.source, args.family)
    for name, path in where.items():
        if not path.exists():
            parser.error(f"{name}: {path} does not exist (is --from a finished run?)")
    try:  # the run's base samples pair only with the weights that made them
        check_samples_of(where["samples"], where["base"])
    except PhotogenicError as err:
        parser.error(str(err))
    samples = args.out / "eval" / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    base_label = where["samples"].name  # the name its samples were made under
    if not (samples / base_label).exists():
        (samples / base_label).symlink_to(where["samples"].resolve())
    runs = {
        "tuned": quality_tune(where["base"], where["curated"], args.out / "tuned", config),
        "control": quality_tune(where["base"], where["control"], args.out / "control", config),
    }
    for name, run in runs.items():  # the base's samples are the source run's own
        sample_model(name, Path(run["model"]), args.out / "eval", evaluation)
    record = {
        "source": str(args.source),
        "family": args.family,
        "overrides": args.overrides,
        "tuning": runs,
        "comparisons": {
            key: judge_against("tuned", label, args.out / "eval", evaluation)
            for key, label in (("base", base_label), ("control", "control"))
        },
    }
    (args.out / "record.json").write_text(json.dumps(record, indent=2) + "\n")
    for baseline, comparison in record["comparisons"].items():
        for axis, row in comparison.items():
            print(
                f"tuned vs {baseline} {axis}: {row['win']}/{row['tie']}/{row['loss']} {row['win_rate']:.3f}"
            )


if __name__ == "__main__":
    main()
