"""Where a demo run's base is not yet at rest: its mean training gradient on the curated set and on
the control subset, before any step is taken.

    python benchmarks/demo_gradient_probe.py --run runs/demo --steps 90 --out probe.json

Runs the demo's tuning recipe at learning rate 0 (nothing moves) on each set and averages the
U-Net's gradient over ``--steps`` batches. Reports, for each set, the mean per-batch gradient norm,
the norm of the mean gradient (the part every batch shares) and the tensors that carry it, and
the cosine between the sets' mean gradients and where their difference (the curated-specific
part) lies. ``--extra NAME=DATASET`` adds another set (e.g. a subset of the base's own pool);
``--set`` changes the recipe as ``demo_retune.py`` does; ``--control-seed`` draws the control's
batches and noise from another seed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

import accelerate
import torch

from photogenic.config import from_dict, parse_override, set_dotted
from photogenic.demo.pipeline import recorded_demo
from photogenic.demo.tuning import demo_tune_config
from photogenic.train.run import TrainConfig, train_model

IO_LAYERS = ("conv_in.", "conv_out.", "conv_norm_out.")


def mean_gradient(config: TrainConfig, base: Path, data: Path) -> dict[str, object]:
    """The U-Net's gradient averaged over the run's batches, taken where the loop clips it."""
    seen: dict[str, object] = {"norms": [], "sum": None}
    clip = accelerate.Accelerator.clip_grad_norm_

    def record(self, parameters, max_norm, norm_type=2):
        parameters = list(parameters)
        grad = torch.cat([p.grad.detach().flatten() for p in parameters if p.grad is not None])
        seen["norms"].append(float(grad.norm()))
        seen["sum"] = grad.clone() if seen["sum"] is None else seen["sum"] + grad
        return clip(self, parameters, max_norm, norm_type)

    accelerate.Accelerator.clip_grad_norm_ = record
    try:
        with tempfile.TemporaryDirectory() as work:
            train_model(config, base, data, Path(work), progress=False)
    finally:
        accelerate.Accelerator.clip_grad_norm_ = clip
    norms = seen["norms"]
    return {"mean": seen["sum"] / len(norms), "batch_norm": sum(norms) / len(norms)}


def shares(vector: torch.Tensor, names: list[tuple[str, int]], top: int = 6) -> dict[str, object]:
    """How the squared norm of ``vector`` divides between the U-Net's tensors."""
    total = float(vector.norm() ** 2)
    parts = torch.split(vector, [size for _, size in names])
    by_tensor = sorted(
        ((float(p.norm() ** 2) / total, name) for p, (name, _) in zip(parts, names, strict=True)),
        reverse=True,
    )
    io = sum(share for share, name in by_tensor if name.startswith(IO_LAYERS))
    return {
        "norm": round(float(vector.norm()), 5),
        "io_layers_share": round(io, 3),
        "top_tensors": [[name, round(share, 3)] for share, name in by_tensor[:top]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished demo run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=90)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--extra", action="append", default=[], help="NAME=DATASET")
    parser.add_argument("--control-seed", type=int)
    args = parser.parse_args()
    base = recorded_demo(args.run)[1]
    data = asdict(demo_tune_config())
    for item in args.overrides:
        set_dotted(data, *parse_override(item))
    data["loop"].update(max_steps=args.steps, validate_every=0)
    data["loop"]["checkpoint"]["every"] = 0
    data["loop"]["optimizer"].update(learning_rate=0.0, warmup_steps=0)
    sets = {"curated": args.run / "specialist" / "kept", "control": args.run / "control-subset"}
    sets.update(dict(item.split("=", 1) for item in args.extra))
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel.from_pretrained(base / "unet")
    names = [(name, p.numel()) for name, p in unet.named_parameters()]
    results, means = {}, {}
    for name, path in sets.items():
        run_data = json.loads(json.dumps(data))
        if name == "control" and args.control_seed is not None:
            run_data["loop"]["seed"] = args.control_seed
        config = from_dict(TrainConfig, run_data, "--set")
        probe = mean_gradient(config, base, Path(path))
        means[name] = probe["mean"]
        results[name] = {"mean_batch_gradient_norm": round(probe["batch_norm"], 5)}
        results[name]["mean_gradient"] = shares(probe["mean"], names)
    record = {
        "run": str(args.run),
        "steps": args.steps,
        "overrides": args.overrides,
        "control_seed": args.control_seed,
        "sets": results,
        "cosines": {
            f"{a}~{b}": round(float(torch.cosine_similarity(means[a], means[b], dim=0)), 4)
            for i, a in enumerate(means)
            for b in list(means)[i + 1 :]
        },
        "curated_minus_control": shares(means["curated"] - means["control"], names),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
