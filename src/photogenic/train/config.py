"""The training loop's config: one dataclass shared by every recipe (pretrain, quality-tune, autoencoder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class OptimizerConfig:
    """AdamW settings for one optimizer (a task may have several, e.g. generator + discriminator)."""

    learning_rate: float = 1e-4
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    weight_decay: float = 1e-2
    eps: float = 1e-8
    use_8bit: bool = False  # bitsandbytes AdamW8bit (GPU only; an error names the missing package)
    schedule: Literal["constant", "constant_with_warmup", "linear", "cosine"] = (
        "constant_with_warmup"
    )
    warmup_steps: int = 0
    max_grad_norm: float = 1.0  # 0 disables clipping


@dataclass
class CheckpointConfig:
    """When and how checkpoints are written."""

    every: int = 500  # steps; 0 = only at the end
    keep_last: int = 3


@dataclass
class EarlyStoppingConfig:
    """Stop on a held-out signal and keep the best checkpoint (paper §3.3: stop before overfitting)."""

    enabled: bool = False
    patience: int = 5  # validations without improvement before stopping
    min_delta: float = 0.0


@dataclass
class LoopConfig:
    """The single training loop's settings."""

    max_steps: int = 1000
    batch_size: int = 8  # global batch (split across processes)
    seed: int = 0
    mixed_precision: Literal["no", "fp16", "bf16"] = "no"
    ema_decay: float = 0.0  # 0 disables EMA
    log_every: int = 10
    validate_every: int = 0  # steps; 0 = never
    sample_every: int = 0  # steps between fixed-seed validation image grids; 0 = never
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    optimizers: dict[str, OptimizerConfig] = field(default_factory=dict)  # per-optimizer overrides
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)

    def optimizer_for(self, name: str) -> OptimizerConfig:
        """The optimizer config for ``name``: its own entry if present, else the shared default."""
        return self.optimizers.get(name, self.optimizer)
