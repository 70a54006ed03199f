"""A proxy win rate against the starting model: the quality signal for early stopping.

At the start of a run the starting model samples a fixed prompt set, each image from its own
seed (``photogenic.sample``), and an automated judge scores them. At each validation the model
being trained samples the same prompts from the same seeds; the judge scores them and the win
rate (W + T/2)/N against the starting model's images is the signal. The loop minimises
validation values, so the task reports ``1 - win rate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.sample.generate import SampleConfig, plan_jobs, render
from photogenic.sample.prompts import Prompt, load_prompts


def _proxy_sampling() -> SampleConfig:
    return SampleConfig(steps=20, guidance=7.5, batch_size=16, device="cpu")


@dataclass
class ProxyWinrateConfig:
    """``task.proxy``: early stopping on a judged win rate instead of the validation loss."""

    enabled: bool = False
    judge: str = "photogenic"  # a registered judge (``photogenic eval judge --help`` lists them)
    weights: str = ""  # its local weights, when it needs any
    prompts: str = ""  # prompt file or world:N[:SEED]; "" = the held-out captions
    count: int = 32  # prompts (one image each)
    sample: SampleConfig = field(default_factory=_proxy_sampling)


class ProxyWinrate:
    """Scores the starting model once, then any later state of its denoiser against it."""

    def __init__(
        self, config: ProxyWinrateConfig, pipe: Any, size: tuple[int, int], captions: list[str]
    ) -> None:
        from photogenic.evaluate.judges import JUDGES, JudgeOptions

        if config.prompts:
            prompts = load_prompts(config.prompts, limit=config.count)
        else:
            prompts = [Prompt(f"heldout-{i}", t) for i, t in enumerate(captions[: config.count])]
        self.config, self.size = config, size
        self.jobs = plan_jobs(prompts, 1, config.sample.seed)
        weights = Path(config.weights) if config.weights else None
        self.judge = JUDGES.get(config.judge)(JudgeOptions(weights=weights, device="cpu"))
        self.start_scores = self.scores(pipe)

    def scores(self, pipe: Any) -> list[float]:
        """The judge's score of each prompt's image from ``pipe`` as it is now."""
        if not self.jobs:
            return []
        images, size = [], self.config.sample.batch_size
        for start in range(0, len(self.jobs), size):
            batch = self.jobs[start : start + size]
            images += render(pipe, batch, self.config.sample, *self.size)
        return [float(s) for s in self.judge.score(images, [j.prompt.text for j in self.jobs])]

    def win_rate(self, pipe: Any) -> float | None:
        """(W + T/2)/N of ``pipe``'s images against the starting model's (ties by the judge's
        threshold); None without prompts."""
        if not self.jobs:
            return None
        from photogenic.evaluate.judges.base import decide

        pairs = zip(self.scores(pipe), self.start_scores, strict=True)
        choices = [decide(now - start, self.judge.tie_threshold) for now, start in pairs]
        return (choices.count("a") + choices.count("tie") / 2) / len(choices)
