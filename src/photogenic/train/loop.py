"""The one training loop: pretraining, quality-tuning and autoencoder training all run here.

Exact resume: data order and every random draw are functions of ``(seed, step)``, and checkpoints
hold model, optimizer, scheduler and EMA states and the loop's own state, so a run killed at any
point and resumed ends with the same weights, bit for bit on CPU, as one that was never stopped.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel
from tqdm import tqdm

from photogenic.errors import PhotogenicError
from photogenic.train.checkpoint import (
    checkpoint_dir,
    latest_checkpoint,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
    step_name,
)
from photogenic.train.config import LoopConfig, OptimizerConfig
from photogenic.train.seeding import seed_step
from photogenic.train.task import StepContext, TrainingTask


@dataclass
class LoopState:
    """The loop's own resumable state."""

    step: int = 0
    best_validation: float = math.inf
    best_step: int = -1
    validations_without_improvement: int = 0
    stopped_early: bool = False
    validations: list[list[float]] = field(default_factory=list)  # [step, loss]


def run_training(
    task: TrainingTask,
    config: LoopConfig,
    out: Path,
    accelerator: Accelerator | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``task`` under ``config`` into ``out`` (resuming from its newest checkpoint)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    accelerator = accelerator or _make_accelerator(config.mixed_precision)
    modules = task.modules()
    groups = task.optimizer_groups()
    optimizers = {
        name: _make_optimizer(modules, names, config.optimizer_for(name), name)
        for name, names in groups.items()
    }
    schedulers = {
        name: get_scheduler(
            config.optimizer_for(name).schedule,
            optimizer=optimizers[name],
            num_warmup_steps=config.optimizer_for(name).warmup_steps,
            num_training_steps=config.max_steps,
        )
        for name in optimizers
    }
    ema_params = [p for n in task.ema_modules() for p in modules[n].parameters() if p.requires_grad]
    ema = EMAModel(ema_params, decay=config.ema_decay) if config.ema_decay > 0 else None

    state = LoopState()
    resumed_from = latest_checkpoint(out)
    if resumed_from is not None:
        _restore(load_checkpoint(resumed_from), modules, optimizers, schedulers, ema, state)

    prepared = {name: accelerator.prepare(module) for name, module in modules.items()}
    for name in optimizers:
        optimizers[name] = accelerator.prepare(optimizers[name])
    for module in prepared.values():
        module.train()

    plan = task.batch_plan(config.batch_size, config.seed)
    metrics = MetricsLog(out, resume_step=state.step, enabled=accelerator.is_main_process)
    started, start_step = time.time(), state.step
    bar = tqdm(
        total=config.max_steps,
        initial=state.step,
        desc="train",
        unit="step",
        disable=not (progress and accelerator.is_main_process),
    )

    def checkpoint(name: str) -> None:
        if accelerator.is_main_process:
            save_checkpoint(
                out, name, _snapshot(modules, optimizers, schedulers, ema, state, config)
            )
            prune_checkpoints(out, config.checkpoint.keep_last)
        accelerator.wait_for_everyone()

    while state.step < config.max_steps and not state.stopped_early:
        step = state.step
        step_started = time.perf_counter()
        generator = seed_step(config.seed, step, accelerator.process_index)
        indices = plan.local_batch(step, accelerator.process_index, accelerator.num_processes)
        batch = task.load_batch(indices)
        ctx = StepContext(config.seed, step, indices, generator)
        logs = _run_phases(task, batch, prepared, ctx, optimizers, schedulers, config, accelerator)
        if ema is not None:
            ema.step(ema_params)
        state.step += 1
        logs["step_seconds"] = time.perf_counter() - step_started

        if state.step % config.log_every == 0 or state.step == config.max_steps:
            rate = (state.step - start_step) * config.batch_size / max(time.time() - started, 1e-9)
            metrics.write(
                state.step, {**logs, "images_per_second": rate, "epoch": plan.epoch_of(state.step)}
            )
            bar.set_postfix(loss=f"{logs.get('loss', float('nan')):.4f}", img_s=f"{rate:.1f}")
        bar.update(1)

        if config.validate_every and state.step % config.validate_every == 0:
            _validate(
                task, prepared, accelerator, ema, ema_params, state, config, metrics, checkpoint
            )
        if (
            config.sample_every
            and state.step % config.sample_every == 0
            and accelerator.is_main_process
        ):
            unwrapped = {n: accelerator.unwrap_model(m) for n, m in prepared.items()}
            with torch.no_grad(), _ema_weights(ema, ema_params):
                task.sample_grid(unwrapped, out / "samples" / f"step-{state.step:08d}.png")
        if config.checkpoint.every and state.step % config.checkpoint.every == 0:
            checkpoint(step_name(state.step))
    bar.close()
    checkpoint(step_name(state.step))

    model_dir = out / "model"
    best = checkpoint_dir(out) / "best"
    exported_step = state.step
    if config.early_stopping.enabled and (best / "state.pt").is_file():
        # keep the best checkpoint: its weights (and EMA) are what the run exports
        snapshot = load_checkpoint(best)
        for name, module in modules.items():
            module.load_state_dict(snapshot["modules"][name])
        if ema is not None and snapshot.get("ema") is not None:
            ema.load_state_dict(snapshot["ema"])
        exported_step = snapshot["loop"]["step"]
    if accelerator.is_main_process:
        model_dir.mkdir(parents=True, exist_ok=True)
        unwrapped = {n: accelerator.unwrap_model(m) for n, m in prepared.items()}
        with _ema_weights(ema, ema_params):
            task.export(unwrapped, model_dir)
    accelerator.wait_for_everyone()
    metrics.close()
    return {
        "steps": state.step,
        "exported_step": exported_step,
        "resumed_from": str(resumed_from) if resumed_from else None,
        "stopped_early": state.stopped_early,
        "best_step": state.best_step,
        "best_validation": None if math.isinf(state.best_validation) else state.best_validation,
        "validations": state.validations,
        "model": str(model_dir),
        "processes": accelerator.num_processes,
    }


def _make_accelerator(mixed_precision: str) -> Accelerator:
    """This run's Accelerator. accelerate fixes one precision per process; a single process that
    trains runs of different precisions one after another (a notebook, a test) starts afresh."""
    from accelerate.state import AcceleratorState

    shared = AcceleratorState._shared_state
    changed = bool(shared) and shared.get("_mixed_precision") != mixed_precision
    if changed and AcceleratorState().num_processes == 1:
        AcceleratorState._reset_state()
    return Accelerator(mixed_precision=mixed_precision, cpu=not torch.cuda.is_available())


def _run_phases(task, batch, prepared, ctx, optimizers, schedulers, config, accelerator):
    """Back-propagate and apply each loss phase the task yields for this step."""
    logs: dict[str, float] = {}
    phases = task.training_step(batch, prepared, ctx)
    while True:
        with accelerator.autocast():
            try:
                name, loss, phase_logs = next(phases)
            except StopIteration:
                break
        if not torch.isfinite(loss.detach()).all():
            raise PhotogenicError(
                f"the {name} loss became {loss.item()} at step {ctx.step}; stopped without saving this "
                f"state (the last good checkpoint is kept; lower the learning rate and resume)"
            )
        for opt in optimizers.values():
            opt.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        max_norm = config.optimizer_for(name).max_grad_norm
        if max_norm > 0:
            params = [p for group in optimizers[name].param_groups for p in group["params"]]
            accelerator.clip_grad_norm_(params, max_norm)
        optimizers[name].step()
        scheduler = schedulers[name]
        while scheduler.last_epoch <= ctx.step:  # on the loop's steps, also for a phase that starts
            scheduler.step()  # late (the discriminator): its learning rate decays with the others'
        logs.update({k: float(v) for k, v in phase_logs.items()})
        logs[f"lr/{name}"] = schedulers[name].get_last_lr()[0]
        logs.setdefault("loss", float(loss.detach()))
    return logs


def _validate(task, prepared, accelerator, ema, ema_params, state, config, metrics, checkpoint):
    """Held-out loss (with EMA weights when enabled); early stopping keeps the best checkpoint."""
    unwrapped = {n: accelerator.unwrap_model(m) for n, m in prepared.items()}
    for module in unwrapped.values():
        module.eval()
    with torch.no_grad(), _ema_weights(ema, ema_params):
        value = task.validation_loss(unwrapped)
    for module in unwrapped.values():
        module.train()
    if value is None:
        return
    state.validations.append([state.step, value])
    metrics.write(state.step, {getattr(task, "validation_metric", "validation_loss"): value})
    stop = config.early_stopping
    if value < state.best_validation - stop.min_delta:
        state.best_validation, state.best_step = value, state.step
        state.validations_without_improvement = 0
        if stop.enabled:
            checkpoint("best")
    else:
        state.validations_without_improvement += 1
        if stop.enabled and state.validations_without_improvement >= stop.patience:
            state.stopped_early = True


def _make_optimizer(
    modules, names: list[str], cfg: OptimizerConfig, opt_name: str
) -> torch.optim.Optimizer:
    params = [p for n in names for p in modules[n].parameters() if p.requires_grad]
    if not params:
        raise PhotogenicError(f"optimizer {opt_name!r} has no trainable parameters")
    kwargs = dict(
        lr=cfg.learning_rate, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay, eps=cfg.eps
    )
    if cfg.use_8bit:
        try:
            import bitsandbytes as bnb
        except ImportError:
            raise PhotogenicError(
                "optimizer.use_8bit needs the bitsandbytes package (GPU); install it or set it to false"
            ) from None
        return bnb.optim.AdamW8bit(params, **kwargs)
    return torch.optim.AdamW(params, **kwargs, fused=_fused_ok(params) or None)


def _fused_ok(params: list[torch.Tensor]) -> bool:
    """Whether AdamW's fused kernel takes these parameters (floating point, on the CPU or a GPU):
    one pass over each tensor instead of a dozen (on the CPU the default is a loop in Python)."""
    return all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)


def _snapshot(
    modules, optimizers, schedulers, ema, state: LoopState, config: LoopConfig
) -> dict[str, Any]:
    return {
        "modules": {n: m.state_dict() for n, m in modules.items()},
        "optimizers": {n: o.state_dict() for n, o in optimizers.items()},
        "schedulers": {n: s.state_dict() for n, s in schedulers.items()},
        "ema": ema.state_dict() if ema is not None else None,
        "loop": asdict(state),
        "config": asdict(config),
    }


def _restore(snapshot, modules, optimizers, schedulers, ema, state: LoopState) -> None:
    for name, module in modules.items():
        module.load_state_dict(snapshot["modules"][name])
    for name, opt in optimizers.items():
        opt.load_state_dict(snapshot["optimizers"][name])
    for name, sched in schedulers.items():
        sched.load_state_dict(snapshot["schedulers"][name])
    if ema is not None and snapshot.get("ema") is not None:
        ema.load_state_dict(snapshot["ema"])
    for key, value in snapshot["loop"].items():
        setattr(state, key, value)


class _ema_weights:
    """Context manager: swap EMA weights in (and back out) when EMA is enabled."""

    def __init__(self, ema: EMAModel | None, params: list[torch.nn.Parameter]) -> None:
        self.ema, self.params = ema, params

    def __enter__(self) -> None:
        if self.ema is not None:
            self.ema.store(self.params)
            self.ema.copy_to(self.params)

    def __exit__(self, *exc: object) -> None:
        if self.ema is not None:
            self.ema.restore(self.params)


class MetricsLog:
    """Scalars to ``metrics.jsonl`` and, when the tensorboard package is installed, TensorBoard."""

    def __init__(self, out: Path, resume_step: int = 0, enabled: bool = True) -> None:
        self.enabled = enabled
        self._file = None
        if enabled:
            path = out / "metrics.jsonl"
            _drop_rows_after(path, resume_step)
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._tb = None
        if enabled:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(out / "tensorboard"))
            except ImportError:
                self._tb = None

    def write(self, step: int, scalars: dict[str, float]) -> None:
        """Record ``scalars`` at ``step``."""
        if not self.enabled:
            return
        self._file.write(json.dumps({"step": step, **scalars}) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in scalars.items():
                self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._tb is not None:
            self._tb.close()


def _drop_rows_after(path: Path, step: int) -> None:
    """Forget metrics logged after the checkpoint a run resumes from (they will be logged again)."""
    if not path.exists():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            if json.loads(line)["step"] <= step:
                kept.append(line)
        except (ValueError, KeyError):
            continue  # a torn last line from an interrupt
    path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
