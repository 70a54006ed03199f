"""A tiny regression task for the training-loop tests (also runnable as a script for kill -9 tests)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from photogenic.cli.main import end_process_group
from photogenic.train import LoopConfig, TrainingTask, run_training


class ToyTask(TrainingTask):
    """Fit y = sin(x·w) with an MLP that uses dropout and per-step input noise (exercises the RNG)."""

    def __init__(
        self, n: int = 37, nan_at_step: int = -1, sleep: float = 0.0, dropout: float = 0.2
    ) -> None:
        g = torch.Generator().manual_seed(1234)
        self.x = torch.randn(n, 4, generator=g)
        self.y = torch.sin(self.x @ torch.randn(4, 1, generator=g))
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 1))
        self.nan_at_step = nan_at_step
        self.sleep = sleep
        self.seen: list[int] = []

    def modules(self) -> dict[str, nn.Module]:
        return {"net": self.net}

    @property
    def num_items(self) -> int:
        return len(self.x)

    def load_batch(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        self.seen.extend(indices)
        return self.x[indices], self.y[indices]

    def training_step(self, batch, modules, ctx) -> Iterator:
        if self.sleep:
            time.sleep(self.sleep)
        x, y = batch
        x = x + 0.01 * ctx.randn((x.shape[1],))
        loss = ((modules["net"](x) - y) ** 2).mean()
        if ctx.step == self.nan_at_step:
            loss = loss * float("nan")
        yield "main", loss, {"loss": float(loss.detach())}

    def validation_loss(self, modules) -> float:
        return float(((modules["net"](self.x) - self.y) ** 2).mean())


def toy_config(**kw) -> LoopConfig:
    cfg = LoopConfig(max_steps=30, batch_size=8, log_every=5, ema_decay=0.9)
    cfg.optimizer.learning_rate = 1e-2
    cfg.optimizer.schedule = "cosine"
    cfg.optimizer.warmup_steps = 3
    cfg.checkpoint.every = 4
    for key, value in kw.items():
        setattr(cfg, key, value)
    return cfg


def ddp_config() -> LoopConfig:
    """Settings shared by the one-process and two-process runs of the multi-process test."""
    return toy_config(max_steps=10, ema_decay=0.0)


if __name__ == "__main__":
    out, mode = Path(sys.argv[1]), sys.argv[2]
    if mode == "slow":  # slow steps, to be killed with SIGKILL
        run_training(ToyTask(sleep=0.05), toy_config(max_steps=200), out, progress=False)
    elif mode == "ddp":  # launched by torchrun with several processes
        run_training(ToyTask(dropout=0.0), ddp_config(), out, progress=False)
        end_process_group()  # what the photogenic command does when its work is done
