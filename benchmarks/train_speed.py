"""Training speed: ``photogenic train`` (latent cache on and off) vs the training step of diffusers'
``examples/text_to_image/train_text_to_image.py``, same tiny SD model, data, batch and precision.

The baseline is that script's inner loop written out without torchvision (which cannot be
installed beside this torch): per step it decodes and preprocesses each image and tokenizes its
caption on the fly (the script's ``preprocess_train`` with its default ``dataloader_num_workers=0``),
encodes the images with the VAE, samples the posterior,
scales, draws noise and timesteps, adds noise, encodes the captions, runs the U-Net, takes the
MSE, back-propagates and steps AdamW and the LR scheduler. Each variant runs in its own process
(peak RSS is per process); they alternate so all see the same machine state. ``--threads N``
sets torch's thread count in every variant alike (default: torch's own, one per core); one thread
is far less disturbed by other jobs on shared cores.

    python benchmarks/train_speed.py --out benchmarks/results/train_speed.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

WORDS = ["a", "red", "blue", "green", "star", "circle", "square", "above", "hill", "sea", "sky"]


def make_data(root: Path, n: int) -> Path:
    from photogenic.data import DatasetWriter

    rng = np.random.default_rng(0)
    with DatasetWriter(root) as writer:
        for i in range(n):
            pixels = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
            text = f"a {WORDS[1 + i % 3]} {WORDS[4 + i % 3]} above a hill"
            writer.add_image(f"{i:04d}.png", Image.fromarray(pixels), text)
    return root


def make_model(root: Path) -> Path:
    from photogenic.train.families import FAMILIES, RandomModelSpec

    spec = RandomModelSpec(resolution=64, block_out_channels=[32, 64], layers_per_block=1)
    spec.vocabulary = WORDS
    FAMILIES.get("sd")().build_random(root, spec)
    return root


def run_baseline(model: Path, data: Path, steps: int, batch: int) -> float:
    """train_text_to_image.py's step, timed over ``steps`` after one warm-up step."""
    import torch
    import torch.nn.functional as F
    from diffusers import DDPMScheduler, StableDiffusionPipeline
    from diffusers.optimization import get_scheduler

    from photogenic.data import open_dataset

    torch.manual_seed(0)
    pipe = StableDiffusionPipeline.from_pretrained(model, safety_checker=None)
    vae, unet, text_encoder, tokenizer = pipe.vae, pipe.unet, pipe.text_encoder, pipe.tokenizer
    noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
    vae.requires_grad_(False)
    text_encoder.requires_grad_(False)
    unet.train()
    items = list(open_dataset(data))

    def preprocess(item) -> tuple[torch.Tensor, torch.Tensor]:
        # the script's preprocess_train, applied on the fly (dataloader_num_workers defaults to 0):
        # decode, resize, centre crop, to tensor, normalise to [-1, 1], tokenize
        image = Image.open(item.path).convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
        pixels = torch.from_numpy(np.asarray(image, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)
        ids = tokenizer(
            item.text,
            padding="max_length",
            max_length=tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        ).input_ids[0]
        return pixels, ids

    optimizer = torch.optim.AdamW(
        unet.parameters(), lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8
    )
    lr_scheduler = get_scheduler(
        "constant", optimizer=optimizer, num_warmup_steps=0, num_training_steps=steps + 1
    )
    order = np.random.default_rng(0).permutation(len(items))
    start = None
    for step in range(steps + 1):
        if step == 1:
            start = time.perf_counter()
        index = [int(order[(step * batch + k) % len(items)]) for k in range(batch)]
        examples = [preprocess(items[k]) for k in index]
        batch_pixels = torch.stack([e[0] for e in examples])
        batch_ids = torch.stack([e[1] for e in examples])
        latents = vae.encode(batch_pixels).latent_dist.sample() * vae.config.scaling_factor
        noise = torch.randn_like(latents)
        timesteps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (batch,)).long()
        noisy = noise_scheduler.add_noise(latents, noise, timesteps)
        encoder_hidden_states = text_encoder(batch_ids, return_dict=False)[0]
        pred = unet(noisy, timesteps, encoder_hidden_states, return_dict=False)[0]
        loss = F.mse_loss(pred.float(), noise.float(), reduction="mean")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
    return (time.perf_counter() - start) / steps


def run_ours(model: Path, data: Path, out: Path, steps: int, batch: int, cache: bool) -> float:
    """``photogenic train`` through its Python API; seconds per step from its own metrics."""
    from photogenic.train.run import TrainConfig, train_model

    cfg = TrainConfig()
    cfg.loop.max_steps = steps + 1
    cfg.loop.batch_size = batch
    cfg.loop.log_every = 1
    cfg.loop.checkpoint.every = 0
    cfg.loop.optimizer.schedule = "constant"
    cfg.task.data.resolution = 64
    cfg.task.data.cache = cache
    cfg.task.data.validation_fraction = 0.0
    train_model(cfg, model, data, out, progress=False)
    rows = [
        json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines() if '"loss"' in x
    ]
    times = [r["step_seconds"] for r in rows[1:]]
    return float(np.mean(times))


def child(args: argparse.Namespace) -> None:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.variant == "baseline":
        seconds = run_baseline(Path(args.model), Path(args.data), args.steps, args.batch)
    else:
        seconds = run_ours(
            Path(args.model),
            Path(args.data),
            Path(args.work),
            args.steps,
            args.batch,
            args.variant == "ours-cache",
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds_per_step": seconds, "peak_rss_mb": peak_mb}))


def _per_round(baseline: list[dict], ours: list[dict]) -> list[float]:
    return [
        b["seconds_per_step"] / o["seconds_per_step"] for b, o in zip(baseline, ours, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/train_speed.json"))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    parser.add_argument("--variant")
    parser.add_argument("--model")
    parser.add_argument("--data")
    parser.add_argument("--work")
    args = parser.parse_args()
    if args.variant:
        child(args)
        return
    tmp = Path(tempfile.mkdtemp())
    data, model = make_data(tmp / "data", 256), make_model(tmp / "model")
    results: dict[str, list[dict]] = {"baseline": [], "ours-cache": [], "ours-nocache": []}
    for round_ in range(args.rounds):
        for variant in results:
            work = tmp / f"{variant}-{round_}"
            cmd = [
                sys.executable,
                __file__,
                "--variant",
                variant,
                "--model",
                str(model),
                "--data",
                str(data),
            ]
            cmd += ["--work", str(work), "--steps", str(args.steps), "--batch", str(args.batch)]
            cmd += ["--threads", str(args.threads)]
            line = (
                subprocess.run(cmd, check=True, capture_output=True, text=True)
                .stdout.strip()
                .splitlines()[-1]
            )
            results[variant].append(json.loads(line))
    best = {k: min(r["seconds_per_step"] for r in v) for k, v in results.items()}
    report = {
        "benchmark": "train_speed",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": __import__("os").cpu_count(),
        },
        "model": "tiny SD (U-Net 32-64, AutoencoderKL 16-32-32-32, CLIP 2 layers), 64 px, fp32, CPU",
        "batch": args.batch,
        "steps": args.steps,
        "threads": args.threads or "default",
        "runs": results,
        "steps_per_second": {k: 1 / v for k, v in best.items()},
        "speedup_cache_on": best["baseline"] / best["ours-cache"],
        "speedup_cache_off": best["baseline"] / best["ours-nocache"],
        "speedup_per_round": {  # baseline / ours within each round (adjacent in time)
            "cache_on": _per_round(results["baseline"], results["ours-cache"]),
            "cache_off": _per_round(results["baseline"], results["ours-nocache"]),
        },
        "peak_rss_mb": {k: max(r["peak_rss_mb"] for r in v) for k, v in results.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps(
            {
                k: report[k]
                for k in (
                    "steps_per_second",
                    "speedup_cache_on",
                    "speedup_cache_off",
                    "peak_rss_mb",
                )
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
