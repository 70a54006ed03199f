"""Why a demo run's samples score what they score: the appeal judge and the weight-free
measurements on the training sets, on their autoencoder round trips and on the samples, and how
well the base recovers an image from each noise level.

    python benchmarks/demo_sample_diagnostics.py --run runs/demo --out benchmarks/results/demo_sample_diagnostics.json

- ``appeal``: the demo's appeal judge (mean) on the curated set, the control subset, both through
  the base's autoencoder (encode, decode), and the base / control / tuned samples;
- ``measures``: medians of the curation funnel's measurements (sharpness, clipping, clutter, ...)
  on the same sets;
- ``content``: how often the content judge names the prompt's subject, colour and background
  (its most likely class; chance is 1/12, 1/10, 1/10) on the same sets and round trips: whether
  the samples show what their prompts ask for at all, which the faithfulness win rate (one model
  against another) cannot say;
- ``recovery``: curated images noised to timestep t, denoised by the base in one step (its x0
  estimate) or by DDIM from t down (50-step grid), both
  judged: where the estimate stops looking like a world image is where the base is weak.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from photogenic.curate.features import measure_image
from photogenic.data import open_dataset
from photogenic.evaluate.judges.base import JudgeOptions
from photogenic.evaluate.judges.world import WorldAppealJudge, WorldContentJudge
from photogenic.sample.generate import SampleConfig, load_pipeline

MEASURES = (
    "sharpness",
    "edge_sharpness",
    "clipped_fraction",
    "luma_range",
    "colorfulness",
    "subject_area",
    "subject_touches_border",
    "clutter",
)
TIMESTEPS = (300, 600, 800, 900, 999)


def read_images(folder: Path, n: int) -> tuple[list[Image.Image], list[str]]:
    images, texts = [], []
    for item in open_dataset(folder):
        decoded = item.decode()
        if decoded.image is None:
            continue
        images.append(decoded.image.convert("RGB").resize((64, 64), Image.Resampling.BICUBIC))
        texts.append(item.text)
        if len(images) == n:
            break
    return images, texts


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    return (
        torch.from_numpy(np.stack([np.asarray(i) for i in images])).permute(0, 3, 1, 2) / 127.5 - 1
    )


def to_images(x: torch.Tensor) -> list[Image.Image]:
    x = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    return [Image.fromarray(a) for a in x]


@torch.no_grad()
def recovery(
    pipe, images: list[Image.Image], texts: list[str], judge, content_judge
) -> dict[str, dict]:
    """Appeal of one-step x0 estimates and of DDIM runs (50-step grid) started at each timestep
    (the grid's step at or below the one asked for; the key is the step used), and the DDIM runs'
    content accuracy."""
    from diffusers import DDIMScheduler

    vae, unet, scale = pipe.vae, pipe.unet, pipe.vae.config.scaling_factor
    latents = vae.encode(to_tensor(images)).latent_dist.mode() * scale
    cond = pipe.text_embeddings(texts)
    sched = DDIMScheduler.from_config(pipe.scheduler.config, clip_sample=False)
    sched.set_timesteps(50)
    grid = [int(u) for u in sched.timesteps]
    epsilon = sched.config.prediction_type == "epsilon"
    generator = torch.Generator().manual_seed(0)
    out = {}
    for wanted in TIMESTEPS:
        t = max(u for u in grid if u <= wanted)
        noise = torch.randn(latents.shape, generator=generator)
        a, s = sched.alphas_cumprod[t].sqrt(), (1 - sched.alphas_cumprod[t]).sqrt()
        noisy = a * latents + s * noise
        pred = unet(noisy, t, encoder_hidden_states=cond).sample
        x0 = (noisy - s * pred) / a if epsilon else a * noisy - s * pred
        one_step = to_images(vae.decode(x0 / scale).sample)
        z = noisy
        for u in (u for u in grid if u <= t):
            z = sched.step(unet(z, u, encoder_hidden_states=cond).sample, u, z).prev_sample
        sampled = to_images(vae.decode(z / scale).sample)
        out[str(t)] = {
            "one_step_x0": round(float(np.mean(judge.score(one_step, texts))), 4),
            "sampler_from_t": round(float(np.mean(judge.score(sampled, texts))), 4),
            "sampler_from_t_content": content_judge.shown(sampled, texts),
        }
    return out


def _shown(path: Path) -> str:
    """``path`` relative to the working directory where it lies under it (no machine's absolute path
    in a committed record)."""
    resolved = path.resolve()
    return (
        str(resolved.relative_to(Path.cwd())) if resolved.is_relative_to(Path.cwd()) else str(path)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished demo run")
    parser.add_argument("--base", type=Path, help="its base model (default: the run's summary)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=200, help="images per set")
    args = parser.parse_args()
    torch.manual_seed(0)
    base = args.base or Path(json.loads((args.run / "summary.json").read_text())["base"])
    pipe = load_pipeline(base, SampleConfig(device="cpu"))
    judge = WorldAppealJudge(JudgeOptions())
    content_judge = WorldContentJudge(JudgeOptions())
    sets = {
        "curated": args.run / "specialist" / "kept",
        "random": args.run / "control-subset",
        **{f"{m} samples": args.run / "eval" / "samples" / m for m in ("base", "control", "tuned")},
    }
    appeal, content, measures, loaded = {}, {}, {}, {}
    for name, folder in sets.items():
        images, texts = read_images(folder, args.n)
        loaded[name] = (images, texts)
        appeal[name] = round(float(np.mean(judge.score(images, texts))), 4)
        content[name] = content_judge.shown(images, texts)
        rows = [measure_image(i, composition_side=64) for i in images]
        measures[name] = {k: round(float(np.median([r[k] for r in rows])), 4) for k in MEASURES}
        if name in ("curated", "random"):
            with torch.no_grad():
                z = pipe.vae.encode(to_tensor(images)).latent_dist.mode()
                round_trip = to_images(pipe.vae.decode(z).sample)
            appeal[f"{name} through the autoencoder"] = round(
                float(np.mean(judge.score(round_trip, texts))), 4
            )
            content[f"{name} through the autoencoder"] = content_judge.shown(round_trip, texts)
    record = {
        "run": str(args.run),
        "base": _shown(base),
        "prediction_type": pipe.scheduler.config.prediction_type,
        "zero_terminal_snr": bool(pipe.scheduler.config.get("rescale_betas_zero_snr", False)),
        "images_per_set": args.n,
        "appeal": appeal,
        "content": content,
        "measures": measures,
        "recovery_of_curated_images": recovery(pipe, *loaded["curated"], judge, content_judge),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
