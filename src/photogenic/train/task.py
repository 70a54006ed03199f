"""What the single loop trains: a task supplies modules, batches and losses; the loop does the rest.

Pretraining, quality-tuning and autoencoder training are tasks (plus a recipe config), not copies
of a training script.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from photogenic.train.plan import BatchPlan, Plan
from photogenic.train.seeding import derive_seed

LossPhase = tuple[str, torch.Tensor, dict[str, float]]


class StepContext:
    """Where a training step stands, and its randomness.

    Random draws that belong to an item (diffusion noise, timesteps) come from per-item generators
    seeded by ``(seed, step, item index)``, so a batch split over any number of processes draws
    exactly the same numbers for each item as one process would.
    """

    def __init__(
        self, seed: int, step: int, indices: list[int], generator: torch.Generator
    ) -> None:
        self.seed = seed
        self.step = step
        self.indices = indices
        self.generator = generator  # this process's generator for draws that are not per item

    def item_generators(self, stream: str) -> list[torch.Generator]:
        """One generator per item of the batch for the named random ``stream``."""
        return [
            torch.Generator().manual_seed(derive_seed(self.seed, self.step, index, stream))
            for index in self.indices
        ]

    def randn(self, shape: tuple[int, ...], stream: str = "noise") -> torch.Tensor:
        """Standard normal draws of ``shape`` for each item, stacked to ``(batch, *shape)``."""
        return torch.stack([torch.randn(shape, generator=g) for g in self.item_generators(stream)])

    def rand(self, stream: str = "uniform") -> torch.Tensor:
        """One uniform [0, 1) draw per item, shape ``(batch,)``."""
        return torch.cat([torch.rand(1, generator=g) for g in self.item_generators(stream)])

    def randint(self, low: int, high: int, stream: str = "int") -> torch.Tensor:
        """One integer in ``[low, high)`` per item, shape ``(batch,)``."""
        return torch.cat(
            [torch.randint(low, high, (1,), generator=g) for g in self.item_generators(stream)]
        )


class TrainingTask:
    """Base class of everything the loop can train.

    Subclasses implement ``modules``, ``num_items``, ``load_batch`` and ``training_step``; the rest
    has defaults for the common one-optimizer case.
    """

    def modules(self) -> dict[str, nn.Module]:
        """Every module with trainable parameters, by name (checkpointed and exported)."""
        raise NotImplementedError

    def optimizer_groups(self) -> dict[str, list[str]]:
        """Optimizer name -> names of the modules it updates (default: one optimizer for all)."""
        return {"main": list(self.modules())}

    def ema_modules(self) -> list[str]:
        """Modules whose weights get an exponential moving average (default: all)."""
        return list(self.modules())

    @property
    def num_items(self) -> int:
        """How many training items there are (the batch plan draws indices below this)."""
        raise NotImplementedError

    def batch_plan(self, batch_size: int, seed: int) -> Plan:
        """Which items each step draws (default: shuffled epochs over all items)."""
        return BatchPlan(self.num_items, batch_size, seed)

    def load_batch(self, indices: list[int]) -> Any:
        """The batch for these item indices (collated, on CPU)."""
        raise NotImplementedError

    def training_step(
        self, batch: Any, modules: dict[str, nn.Module], ctx: StepContext
    ) -> Iterator[LossPhase]:
        """Yield ``(optimizer_name, loss, logs)`` phases; the loop back-propagates and steps each
        before resuming (a GAN yields the generator's loss, then the discriminator's)."""
        raise NotImplementedError

    def validation_loss(self, modules: dict[str, nn.Module]) -> float | None:
        """A held-out loss with fixed noise (lower is better), or None when there is no held-out set."""
        return None

    def sample_grid(self, modules: dict[str, nn.Module], path: Path) -> None:
        """Write fixed-seed validation samples to ``path`` (a PNG); optional."""

    def export(self, modules: dict[str, nn.Module], out: Path) -> None:
        """Write the trained model (a diffusers directory for model tasks)."""
        for name, module in modules.items():
            torch.save(module.state_dict(), Path(out) / f"{name}.pt")
