"""One training loop (accelerate) for pretraining, quality-tuning and autoencoder training."""

from photogenic.train.config import LoopConfig, OptimizerConfig
from photogenic.train.loop import run_training
from photogenic.train.task import TrainingTask

__all__ = ["LoopConfig", "OptimizerConfig", "TrainingTask", "run_training"]
