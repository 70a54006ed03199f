"""Weight interpolation against the share kept: a demo's tuned model and control merged with their
base (``photogenic merge``) at several alphas, each sampled and judged as the demo judges.

    python benchmarks/demo_merge_sweep.py --from runs/fam --family amused --out runs/merge-amused \
        --alphas 0.1 0.2 0.5 0.7 1.0 [--guidance 3] [--prompt-seed 8]
    python benchmarks/demo_merge_sweep.py --from runs/demo --out runs/merge-demo --alphas 1.5 2

With ``--family``, a family row of ``demo --ablations``; without, the main demo (``photogenic
demo``). Alphas above 1 extrapolate the tuning's weight change. Uses the run's own tuned and control
models (no tuning here), base samples and evaluation settings (prompts, seeds, sampler, judges, from
its config.yaml), so the points are paired with each other and with the run. ``--prompt-seed``
draws another world prompt set (the base sampled anew on it), to check an alpha chosen on the run's
own prompts against prompts it was not chosen on. Writes OUT/record.json; resumes (merged models
and samples already written are kept).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from photogenic.demo.evaluation import EvaluationConfig, judge_against, sample_model
from photogenic.demo.families import FamilyBases
from photogenic.demo.pipeline import recorded_demo
from photogenic.errors import PhotogenicError
from photogenic.sample.generate import check_samples_of
from photogenic.train.merge import merge_with_base


def merged_sampled(
    alpha: float, model: Path, base: Path, label: str, out: Path, evaluation: EvaluationConfig
) -> None:
    """``model`` merged with ``base`` at ``alpha`` under OUT/models/LABEL, sampled as LABEL."""
    merged = out / "models" / label
    if alpha == 1.0:
        merged = model
    elif not (merged / "model_index.json").exists():
        merge_with_base(base, model, alpha, merged)
    sample_model(label, merged, out / "eval", evaluation, False)  # resumes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a demo run")
    parser.add_argument("--family", help="a family row of `demo --ablations` (default: the demo)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--alphas", type=float, nargs="+", required=True)
    parser.add_argument(
        "--guidance", type=float, help="sample everything, the base too, at this guidance scale"
    )
    parser.add_argument(
        "--prompt-seed",
        type=int,
        help="judge on another world prompt set (the base sampled anew on it)",
    )
    args = parser.parse_args()
    evaluation, recorded_base = recorded_demo(args.source)
    if args.family:
        work = args.source / "families" / args.family
        base = work / "pretrain" / "model"
        base_samples = args.source / "eval" / "samples" / f"{args.family}-base"
        evaluation.sample.scheduler = getattr(FamilyBases(), args.family).scheduler
    else:
        work = args.source
        base = recorded_base
        base_samples = args.source / "eval" / "samples" / "base"
    models = {"tuned": work / "tuned" / "model", "control": work / "control" / "model"}
    for path in (base, *models.values(), base_samples):
        if not path.exists():
            parser.error(f"{path} does not exist (is --from a finished demo or family row?)")
    samples = args.out / "eval" / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    if args.guidance is not None:
        evaluation.sample.guidance = args.guidance
    if args.prompt_seed is not None:
        evaluation.prompt_seed = args.prompt_seed
    if args.guidance is not None or args.prompt_seed is not None:  # the base sampled anew
        sample_model(base_samples.name, base, args.out / "eval", evaluation, False)
    else:  # the run's own base samples, which pair only with the weights that made them
        try:
            check_samples_of(base_samples, base)
        except PhotogenicError as err:
            parser.error(str(err))
        if not (samples / base_samples.name).exists():
            (samples / base_samples.name).symlink_to(base_samples.resolve())
    points = []
    for alpha in args.alphas:
        labels = {which: f"{which}-x{alpha:g}" for which in models}
        for which, model in models.items():
            merged_sampled(alpha, model, base, labels[which], args.out, evaluation)
        eval_dir = args.out / "eval"
        versus_base = judge_against(labels["tuned"], base_samples.name, eval_dir, evaluation, False)
        versus_control = judge_against(
            labels["tuned"], labels["control"], eval_dir, evaluation, False
        )
        points.append({"alpha": alpha, **versus_base, "vs_control": versus_control})
        appeal, faithful = versus_base["appeal"], versus_base["faithfulness"]
        print(
            f"alpha {alpha:g}: appeal {appeal['win_rate']:.3f} {appeal['win_rate_ci']}, "
            f"faithfulness {faithful['win']}/{faithful['tie']}/{faithful['loss']}, "
            f"appeal vs control {versus_control['appeal']['win_rate']:.3f}",
            flush=True,
        )
    record = {
        "source": str(args.source),
        "family": args.family or "demo",
        "guidance": evaluation.sample.guidance,
        "prompt_seed": evaluation.prompt_seed,
        "points": points,
    }
    (args.out / "record.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
