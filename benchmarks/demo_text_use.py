"""How much a base's U-Net uses each part of the caption: its denoising loss on a demo run's curated
images with the true caption, and with the subject, colour or background swapped for another.

    python benchmarks/demo_text_use.py --run runs/demo-bench --base src/photogenic/assets/demo-base \
        --out benchmarks/results/demo_text_use_shipped.json

For each timestep, the same images and noise are denoised under each caption; the record gives the
loss with the true caption and the relative rise with each part swapped (and with the empty
caption). A part the model draws should cost loss when it is wrong; a rise near zero means the
model ignores that word.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timezone
from pathlib import Path

import torch
from demo_sample_diagnostics import read_images, to_tensor

from photogenic.evaluate.judges.world import parse_world_prompt
from photogenic.sample.generate import SampleConfig, load_pipeline
from photogenic.world.content import BACKGROUNDS, COLORS, SUBJECTS

TIMESTEPS = (200, 500, 800)


def swapped(text: str, part: str, content: dict[str, str], rng: random.Random) -> str:
    """``text`` with its ``part`` (subject, color, background, or empty: no caption) replaced."""
    if part == "empty":
        return ""
    if part == "subject":
        new = rng.choice([s for s in SUBJECTS if s != content["subject"]])
        return text.replace(content["subject"], new, 1)
    if part == "color":
        new = rng.choice([c for c in COLORS if c != content["color"]])
        return text.replace(f" {content['color']} ", f" {new} ", 1)
    new = rng.choice([b for b in BACKGROUNDS if b != content["background"]])
    return text.replace(BACKGROUNDS[content["background"]], BACKGROUNDS[new], 1)


@torch.no_grad()
def text_use(pipe, images: torch.Tensor, rows: list[dict]) -> dict[str, dict]:
    """Per timestep: the true caption's loss and each swap's relative rise over it."""
    latents = pipe.vae.encode(images).latent_dist.mode() * pipe.vae.config.scaling_factor
    rng = random.Random(0)
    out = {}
    for t in TIMESTEPS:
        noise = torch.randn(latents.shape, generator=torch.Generator().manual_seed(t))
        alpha = pipe.scheduler.alphas_cumprod[t]
        noisy = alpha.sqrt() * latents + (1 - alpha).sqrt() * noise
        losses = {}
        for part in ("true", "subject", "color", "background", "empty"):
            texts = [
                r["text"] if part == "true" else swapped(r["text"], part, r["content"], rng)
                for r in rows
            ]
            cond = pipe.text_embeddings(texts)
            pred = pipe.unet(noisy, t, encoder_hidden_states=cond).sample
            losses[part] = float(((pred - noise) ** 2).mean())
        out[str(t)] = {"true_caption_loss": round(losses["true"], 5)} | {
            ("empty caption" if part == "empty" else f"{part} swapped"): round(
                losses[part] / losses["true"] - 1, 4
            )
            for part in ("subject", "color", "background", "empty")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished demo run")
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--n", type=int, default=128, help="curated images")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    pipe = load_pipeline(args.base, SampleConfig(device="cpu"))
    if pipe.scheduler.config.prediction_type != "epsilon":
        parser.error(f"--base {args.base}: an epsilon-prediction model is expected")
    images, texts = read_images(args.run / "specialist" / "kept", args.n)
    rows = [{"text": t, "content": parse_world_prompt(t)} for t in texts]
    record = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "run": str(args.run),
        "base": str(args.base),
        "images": len(rows),
        "relative_loss_rise": text_use(pipe, to_tensor(images), rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
