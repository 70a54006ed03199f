"""The demo's evaluation: paired sampling of the world prompts and judged win rates.

Every model samples the same prompts with the same per-image seeds; the tuned model is then
judged against the base and against the control by the shipped world judges, whose held-out
pairwise accuracy is reported next to their verdicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.evaluate.compare import compare_models, headline
from photogenic.evaluate.judges.world import SHIPPED as SHIPPED_JUDGES
from photogenic.evaluate.report import build_report
from photogenic.evaluate.winrate import WinrateConfig
from photogenic.sample.generate import SampleConfig, generate
from photogenic.sample.prompts import world_prompt_set

COMPARISON_KEYS = (
    "model",
    "baseline",
    "n_pairs",
    "win",
    "tie",
    "loss",
    "win_rate",
    "win_rate_ci",
    "decisive_win_rate",
    "decisive_win_rate_ci",
)


def _demo_sampling() -> SampleConfig:
    return SampleConfig(steps=25, guidance=7.5, batch_size=50, device="cpu")


@dataclass
class EvaluationConfig:
    """Prompts, sampling and judges of the demo's evaluation."""

    # world prompts, one image each (the paper's PartiPrompts has 1,632): on sets of 200 the
    # verdict moved by ±0.05 (BENCHMARKS.md); on 800 the 95 % interval is about ±0.02 and the
    # demo fits 10 minutes on slower hosts of the 2-core kind (1,600 took 854 s on one)
    prompts: int = 800
    prompt_seed: int = 7  # the world's prompt set seed (content combinations)
    sample: SampleConfig = field(default_factory=_demo_sampling)
    appeal_judge: str = "world-appeal"
    faithfulness_judge: str = "world-content"
    bootstrap: int = 2000


def evaluate_models(
    models: dict[str, Path], out: Path, config: EvaluationConfig, progress: bool = True
) -> dict[str, Any]:
    """Sample every model of ``models`` (names: base, tuned, control) and judge tuned vs the others."""
    for name, model in models.items():
        sample_model(name, model, out, config, progress)
    comparisons = {
        baseline: judge_against("tuned", baseline, out, config)
        for baseline in models
        if baseline != "tuned"
    }
    shown = {name: content_shown(out / "samples" / name) for name in models}
    return {
        "prompts": config.prompts,
        "sampling": {
            k: getattr(config.sample, k)
            for k in ("steps", "guidance", "guidance_rescale", "scheduler", "seed")
        },
        "judges": {"appeal": config.appeal_judge, "faithfulness": config.faithfulness_judge},
        "judge_validation": judge_validation(),
        "comparisons": comparisons,
        "content_shown": shown,
    }


def sample_model(
    name: str, model: Path, out: Path, config: EvaluationConfig, progress: bool = True
) -> Path:
    """``out/samples/NAME``: the world prompt set sampled from ``model`` (resumes)."""
    prompts = world_prompt_set(config.prompts, config.prompt_seed)
    folder = out / "samples" / name
    generate(model, prompts, folder, config.sample, model_name=name, progress=progress)
    return folder


def judge_against(
    candidate: str, baseline: str, out: Path, config: EvaluationConfig, report: bool = True
) -> dict[str, dict[str, Any]]:
    """Appeal and faithfulness of ``candidate`` vs ``baseline`` (both sampled into ``out``)."""
    folder = out / f"{candidate}-vs-{baseline}"
    summary = compare_models(
        out / "samples" / candidate,
        out / "samples" / baseline,
        folder,
        [config.appeal_judge, config.faithfulness_judge],
        WinrateConfig(baseline=baseline, bootstrap=config.bootstrap),
    )
    if report:
        build_report(folder, folder / "report", title=f"{candidate} vs {baseline}")
    return {
        axis: {k: headline(summary, axis).get(k) for k in COMPARISON_KEYS}
        for axis in ("appeal", "faithfulness")
    }


def content_shown(folder: Path) -> dict[str, float]:
    """How often a sample folder's images show the subject, colour and background their prompts
    name, by the shipped content judge: what the faithfulness win rate (one model against
    another) cannot say."""
    from photogenic.evaluate.judges.base import JudgeOptions, open_rgb
    from photogenic.evaluate.judges.world import WorldContentJudge
    from photogenic.evaluate.pairs import read_samples

    samples = list(read_samples(folder).values())
    images = [open_rgb(sample.path) for sample in samples]
    return WorldContentJudge(JudgeOptions()).shown(images, [sample.prompt for sample in samples])


def judge_validation() -> dict[str, Any]:
    """The shipped judges' validation records (written when they were built)."""
    path = SHIPPED_JUDGES / "validation.json"
    return json.loads(path.read_text()) if path.is_file() else {}
