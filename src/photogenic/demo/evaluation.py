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

    prompts: int = 200  # world prompts, one image each
    prompt_seed: int = 7  # the world's prompt set seed (content combinations)
    sample: SampleConfig = field(default_factory=_demo_sampling)
    appeal_judge: str = "world-appeal"
    faithfulness_judge: str = "world-content"
    bootstrap: int = 2000


def evaluate_models(
    models: dict[str, Path], out: Path, config: EvaluationConfig, progress: bool = True
) -> dict[str, Any]:
    """Sample every model of ``models`` (names: base, tuned, control) and judge tuned vs the others."""
    prompts = world_prompt_set(config.prompts, config.prompt_seed)
    for name, model in models.items():
        generate(
            model,
            prompts,
            out / "samples" / name,
            config.sample,
            model_name=name,
            progress=progress,
        )
    judges = [config.appeal_judge, config.faithfulness_judge]
    comparisons = {}
    for baseline in (name for name in models if name != "tuned"):
        folder = out / f"tuned-vs-{baseline}"
        summary = compare_models(
            out / "samples" / "tuned",
            out / "samples" / baseline,
            folder,
            judges,
            WinrateConfig(baseline=baseline, bootstrap=config.bootstrap),
        )
        build_report(folder, folder / "report", title=f"tuned vs {baseline}")
        comparisons[baseline] = {
            axis: {k: headline(summary, axis).get(k) for k in COMPARISON_KEYS}
            for axis in ("appeal", "faithfulness")
        }
    return {
        "prompts": len(prompts),
        "sampling": {
            k: getattr(config.sample, k) for k in ("steps", "guidance", "scheduler", "seed")
        },
        "judges": {"appeal": config.appeal_judge, "faithfulness": config.faithfulness_judge},
        "judge_validation": judge_validation(),
        "comparisons": comparisons,
    }


def judge_validation() -> dict[str, Any]:
    """The shipped judges' pairwise accuracy on held-out world pairs (written when built)."""
    path = SHIPPED_JUDGES / "validation.json"
    return json.loads(path.read_text()) if path.is_file() else {}
