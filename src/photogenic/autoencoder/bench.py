"""``photogenic ae bench``: the paper's Table 1 in miniature, plus encode/decode throughput.

Eight variants with the same data and step budget: latent channels C ∈ {4, 8, 16, 32} plain, and
+Fourier, +Fourier+adversarial for C ∈ {4, 16}. Each trains until its held-out (non-Kodak) loss
stops improving (early stopping) or the step cap, and is evaluated on the Kodak photos, which are
never trained on. Variants resume one by one across interruptions.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import AutoencoderKL
from PIL import Image

from photogenic.autoencoder.crops import load_images
from photogenic.autoencoder.evaluate import evaluate_autoencoder, reconstruct
from photogenic.autoencoder.load import load_autoencoder
from photogenic.autoencoder.presets import AUTOENCODER_PRESETS, make_autoencoder
from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder
from photogenic.data import DatasetWriter

FOURIER = [
    0,
    1,
    2,
    3,
    4,
    5,
]  # base-2 frequencies 2^k·π for k = 0..5 (the paper does not publish its k)


@dataclass
class Variant:
    """One row of the table."""

    name: str
    latent_channels: int
    fourier: bool = False
    adversarial: bool = False


VARIANTS = [
    Variant("AE-4", 4),
    Variant("AE-8", 8),
    Variant("AE-16", 16),
    Variant("AE-32", 32),
    Variant("AE-4 +Fourier", 4, fourier=True),
    Variant("AE-16 +Fourier", 16, fourier=True),
    Variant("AE-4 +Fourier +adv", 4, fourier=True, adversarial=True),
    Variant("AE-16 +Fourier +adv", 16, fourier=True, adversarial=True),
]


@dataclass
class BenchConfig:
    """The shared budget and data of every variant."""

    train: AutoencoderTrainConfig = field(default_factory=AutoencoderTrainConfig)
    disc_start_fraction: float = 0.5  # adversarial variants switch the PatchGAN on after this share
    throughput_size: int = 256
    throughput_batch: int = 4
    throughput_repeats: int = 3
    variants: list[str] = field(default_factory=list)  # names to run; empty = all eight


def skimage_photos(out: Path) -> Path:
    """Write the colour photos that scikit-image ships inside its wheel (no download) as a dataset."""
    from skimage import data as skdata

    photos = {
        name: lambda name=name: getattr(skdata, name)()
        for name in ["astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field"]
    }
    photos["immunohistochemistry"] = skdata.immunohistochemistry
    photos["motorcycle_left"] = lambda: skdata.stereo_motorcycle()[0]
    photos["motorcycle_right"] = lambda: skdata.stereo_motorcycle()[1]
    with DatasetWriter(out) as writer:
        for name, load in photos.items():
            if f"{name}.png" not in writer:
                image = Image.fromarray(np.asarray(load(), dtype=np.uint8))
                writer.add_image(f"{name}.png", image, f"scikit-image {name}")
    return out


def run_bench(
    config: BenchConfig, train_data: list[Path], kodak: Path, out: Path, progress: bool = True
) -> dict[str, Any]:
    """Train and evaluate each variant (skipping finished ones), then measure throughput."""
    rows = []
    chosen = [v for v in VARIANTS if not config.variants or v.name in config.variants]
    for variant in chosen:
        folder = out / "variants" / variant.name.replace(" ", "_").replace("+", "")
        done = folder / "kodak" / "metrics.json"
        if not done.is_file():
            cfg = copy.deepcopy(config.train)
            cfg.model.latent_channels = variant.latent_channels
            cfg.model.fourier_frequencies = FOURIER if variant.fourier else []
            cfg.loss.disc_start = (
                int(cfg.loop.max_steps * config.disc_start_fraction)
                if variant.adversarial
                else 10**9
            )
            summary = train_autoencoder(cfg, train_data, folder, progress=progress)
            (folder / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            evaluate_autoencoder(
                load_autoencoder(folder / "model"), [kodak], folder / "kodak", progress
            )
        trained = json.loads((folder / "train_summary.json").read_text())
        scores = json.loads(done.read_text())
        rows.append(
            {
                "variant": variant.name,
                "latent_channels": variant.latent_channels,
                "fourier": variant.fourier,
                "adversarial": variant.adversarial,
                "steps": trained["steps"],
                "stopped_early": trained["stopped_early"],
                "heldout_psnr": trained["validation_psnr"],
                "kodak_psnr": scores["psnr"],
                "kodak_ssim": scores["ssim"],
                "folder": str(folder),
            }
        )
    result = {
        "rows": rows,
        "throughput": throughput(config),
        "budget": {
            "max_steps": config.train.loop.max_steps,
            "batch_size": config.train.loop.batch_size,
            "crop_size": config.train.data.crop_size,
            "preset": config.train.model.preset,
            "early_stopping_patience": config.train.loop.early_stopping.patience,
        },
    }
    (out / "table1.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "table1.md").write_text(table_markdown(result))
    comparison_image(rows, kodak).save(out / "crops.png")
    return result


def table_markdown(result: dict[str, Any]) -> str:
    """Table 1 as markdown: PSNR/SSIM on Kodak per variant."""
    lines = [
        "| variant | steps | held-out PSNR | Kodak PSNR (dB) | Kodak SSIM |",
        "|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        held = f"{r['heldout_psnr']:.2f}" if r["heldout_psnr"] is not None else "-"
        lines.append(
            f"| {r['variant']} | {r['steps']} | {held} | {r['kodak_psnr']:.2f} | {r['kodak_ssim']:.4f} |"
        )
    t = result["throughput"]
    lines += [
        "",
        f"Encode+decode throughput at {t['size']}² (batch {t['batch']}): ours (C=16 +Fourier) "
        f"{t['ours_images_per_second']:.2f} img/s, diffusers AutoencoderKL (C=16, same widths) "
        f"{t['baseline_images_per_second']:.2f} img/s, ratio {t['ratio']:.3f}.",
    ]
    return "\n".join(lines) + "\n"


@torch.no_grad()
def throughput(config: BenchConfig) -> dict[str, Any]:
    """Encode+decode images/s of ours (C=16 + Fourier) vs diffusers' AutoencoderKL, same widths."""
    preset = AUTOENCODER_PRESETS.get(config.train.model.preset)()
    ours = make_autoencoder(config.train.model.preset, 16, FOURIER).eval()
    n = len(preset.block_out_channels)
    baseline = AutoencoderKL(
        latent_channels=16,
        block_out_channels=preset.block_out_channels,
        layers_per_block=preset.layers_per_block,
        norm_num_groups=preset.norm_num_groups,
        down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n,
    ).eval()
    x = (
        torch.rand(config.throughput_batch, 3, config.throughput_size, config.throughput_size) * 2
        - 1
    )
    timings = {"ours": [], "baseline": []}
    for _ in range(config.throughput_repeats):  # interleaved, so both see the same machine state
        for name, model in (("baseline", baseline), ("ours", ours)):
            start = time.perf_counter()
            model.decode(model.encode(x).latent_dist.mode())
            timings[name].append(time.perf_counter() - start)
    ours_rate = config.throughput_batch / min(timings["ours"])
    base_rate = config.throughput_batch / min(timings["baseline"])
    return {
        "size": config.throughput_size,
        "batch": config.throughput_batch,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "ours_images_per_second": ours_rate,
        "baseline_images_per_second": base_rate,
        "ratio": ours_rate / base_rate,
    }


def comparison_image(rows: list[dict[str, Any]], kodak: Path, size: int = 96) -> Image.Image:
    """The same Kodak crop: original, then each variant's reconstruction, left to right."""
    images, _ = load_images([kodak], 8, None, progress=False)
    image = images[0]
    h, w = image.shape[:2]
    size = min(size, h, w)
    top, left = (h - size) // 2, (w - size) // 2
    tiles = [image[top : top + size, left : left + size]]
    for row in rows:
        recon = reconstruct(load_autoencoder(Path(row["folder"]) / "model"), image)
        tiles.append(recon[top : top + size, left : left + size])
    return Image.fromarray(
        np.concatenate([np.pad(t, ((0, 0), (0, 2), (0, 0))) for t in tiles], axis=1)
    )
