"""The single training loop: exact resume, atomic checkpoints, NaN stop, early stopping, batch plan."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from toy_task import ToyTask, ddp_config, toy_config

from photogenic.errors import PhotogenicError
from photogenic.train import run_training
from photogenic.train.checkpoint import latest_checkpoint, load_checkpoint, step_checkpoints
from photogenic.train.plan import BatchPlan


def _weights(out: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(latest_checkpoint(out))["modules"]["net"]


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class StopAt(ToyTask):
    """Raises KeyboardInterrupt when a given step's batch is requested (an interrupt mid-run)."""

    def __init__(self, stop_step: int, batch_size: int = 8) -> None:
        super().__init__()
        self.calls = 0
        self.stop_step = stop_step

    def load_batch(self, indices):
        if self.calls == self.stop_step:
            raise KeyboardInterrupt
        self.calls += 1
        return super().load_batch(indices)


def test_interrupted_and_resumed_run_is_bit_identical(tmp_path: Path) -> None:
    straight = tmp_path / "straight"
    run_training(ToyTask(), toy_config(), straight, progress=False)

    resumed = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_training(StopAt(stop_step=14), toy_config(), resumed, progress=False)
    assert latest_checkpoint(resumed).name == "step-00000012"
    summary = run_training(ToyTask(), toy_config(), resumed, progress=False)
    assert summary["resumed_from"].endswith("step-00000012")
    assert _same(_weights(straight), _weights(resumed))
    ema_a = load_checkpoint(latest_checkpoint(straight))["ema"]["shadow_params"]
    ema_b = load_checkpoint(latest_checkpoint(resumed))["ema"]["shadow_params"]
    assert all(torch.equal(a, b) for a, b in zip(ema_a, ema_b, strict=True))
    rows = [json.loads(x) for x in (resumed / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if "loss" in r]
    assert steps == sorted(set(steps)), "resume must not log a step twice"


def test_kill_minus_nine_then_resume_matches_uninterrupted_run(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    script = Path(__file__).with_name("toy_task.py")
    proc = subprocess.Popen([sys.executable, str(script), str(out), "slow"])
    deadline = time.time() + 60
    while time.time() < deadline and len(step_checkpoints(out)) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert step_checkpoints(out), "the killed run wrote no checkpoint"
    killed_at = step_checkpoints(out)[-1][0]
    assert killed_at < 200
    run_training(ToyTask(), toy_config(max_steps=200), out, progress=False)

    straight = tmp_path / "straight"
    run_training(ToyTask(), toy_config(max_steps=200), straight, progress=False)
    assert _same(_weights(straight), _weights(out))


def test_half_written_checkpoints_are_ignored_and_old_ones_pruned(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_training(ToyTask(), toy_config(max_steps=12), out, progress=False)
    steps = [s for s, _ in step_checkpoints(out)]
    assert steps == [4, 8, 12]  # keep_last=3
    junk = out / "checkpoints" / ".tmp-step-00000016-999"
    junk.mkdir()
    (junk / "state.pt").write_bytes(b"torn")
    (out / "checkpoints" / "step-00000020").mkdir()  # no state.pt: incomplete
    assert latest_checkpoint(out).name == "step-00000012"
    run_training(ToyTask(), toy_config(max_steps=20), out, progress=False)
    assert [s for s, _ in step_checkpoints(out)][-1] == 20
    assert not junk.exists()


def test_nan_loss_stops_with_a_clear_message_and_keeps_last_good_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "nan"
    with pytest.raises(PhotogenicError, match="loss became nan at step 9"):
        run_training(ToyTask(nan_at_step=9), toy_config(), out, progress=False)
    assert latest_checkpoint(out).name == "step-00000008"
    assert all(torch.isfinite(v).all() for v in _weights(out).values())


def test_early_stopping_keeps_the_best_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "early"
    cfg = toy_config(max_steps=400, validate_every=2)
    cfg.optimizer.learning_rate = 0.3  # too high: validation loss stops improving quickly
    cfg.optimizer.schedule = "constant"
    cfg.early_stopping.enabled = True
    cfg.early_stopping.patience = 3
    summary = run_training(ToyTask(), cfg, out, progress=False)
    assert summary["stopped_early"]
    assert summary["steps"] < 400
    best = load_checkpoint(out / "checkpoints" / "best")
    assert best["loop"]["best_step"] == summary["best_step"]
    losses = dict((int(s), v) for s, v in summary["validations"])
    assert losses[summary["best_step"]] == min(losses.values())
    assert summary["steps"] - summary["best_step"] == 3 * 2
    assert summary["exported_step"] == summary["best_step"]
    exported = torch.load(out / "model" / "net.pt")
    best_weights = best["modules"]["net"]
    # the export is the best checkpoint's EMA weights, not the last step's
    assert not _same(exported, _weights(out))
    ema = best["ema"]["shadow_params"]
    assert all(torch.equal(a, b) for a, b in zip(exported.values(), ema, strict=True))
    assert best_weights.keys() == exported.keys()


def test_batch_plan_never_drops_an_item_and_is_deterministic() -> None:
    plan = BatchPlan(n=37, batch_size=8, seed=3)
    first_epoch = [i for s in range(5) for i in plan.global_batch(s)][:37]
    assert sorted(first_epoch) == list(range(37))
    again = BatchPlan(n=37, batch_size=8, seed=3)
    assert [again.global_batch(s) for s in range(20)] == [plan.global_batch(s) for s in range(20)]
    assert BatchPlan(n=37, batch_size=8, seed=4).global_batch(0) != plan.global_batch(0)
    halves = plan.local_batch(7, 0, 2) + plan.local_batch(7, 1, 2)
    assert halves == plan.global_batch(7)
    with pytest.raises(ValueError, match="divisible"):
        plan.local_batch(0, 0, 3)
    tiny = BatchPlan(n=3, batch_size=8, seed=0)  # fewer items than the batch: still every item
    assert set(tiny.global_batch(0)) == {0, 1, 2}


def test_two_processes_match_one_process_with_the_same_global_batch(tmp_path: Path) -> None:
    two = tmp_path / "two"
    script = Path(__file__).with_name("toy_task.py")
    # --standalone: a rendezvous on a free port, not the fixed 29500 another process may hold
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    result = subprocess.run(
        [*cmd, str(script), str(two), "ddp"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[:4000] + "\n...\n" + result.stderr[-2000:]
    one = tmp_path / "one"
    run_training(ToyTask(dropout=0.0), ddp_config(), one, progress=False)
    a, b = _weights(one), _weights(two)
    assert load_checkpoint(latest_checkpoint(two))["loop"]["step"] == 10
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)
    assert not _same(a, _weights_of_untrained()), "training changed nothing"


def test_the_command_ends_a_process_group_it_leaves_behind(tmp_path: Path) -> None:
    import torch.distributed as dist

    from photogenic.cli.main import end_process_group, main

    store = dist.FileStore(str(tmp_path / "store"), 1)
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    assert main(["--version"]) == 0 and not dist.is_initialized()
    end_process_group()  # and again: nothing left to end


def _weights_of_untrained() -> dict[str, torch.Tensor]:
    return ToyTask(dropout=0.0).net.state_dict()
