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
from photogenic.autoencoder.evaluate import METRICS, evaluate_autoencoder, reconstruct
from photogenic.autoencoder.load import load_autoencoder
from photogenic.autoencoder.presets import AUTOENCODER_PRESETS, make_autoencoder
from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder
from photogenic.data import DatasetWriter
from photogenic.errors import PhotogenicError
from photogenic.train.config import CheckpointConfig

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


def bench_training() -> AutoencoderTrainConfig:
    """The shared budget: 3,000 steps of batch 8 at 64² with a cosine decay of Adam 1e-3, so each
    variant ends converged for its budget; held-out L1 every 250 steps shows the plateau."""
    config = AutoencoderTrainConfig()
    config.loop.max_steps = 3000
    config.loop.validate_every = 250
    config.loop.optimizer.schedule = "cosine"
    config.loop.optimizer.warmup_steps = 100
    config.loop.checkpoint = CheckpointConfig(every=250, keep_last=1)
    # the adaptive weight sets the PatchGAN's gradient to disc_weight × the reconstruction's; at
    # latent-diffusion's 0.5 it cost AE-16 +Fourier 1.4 dB on Kodak at this budget
    config.loss.disc_weight = 0.05
    return config


@dataclass
class BenchConfig:
    """The shared budget and data of every variant."""

    train: AutoencoderTrainConfig = field(default_factory=bench_training)
    # adversarial variants switch the PatchGAN on after this share of the budget: late, as
    # latent-diffusion does (started at half the budget it cost 1.2 dB)
    disc_start_fraction: float = 0.75
    throughput_size: int = 256
    throughput_batch: int = 4
    throughput_repeats: int = 3
    variants: list[str] = field(default_factory=list)  # names to run, in this order; empty = all


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
    by_name = {v.name: v for v in VARIANTS}
    unknown = [name for name in config.variants if name not in by_name]
    if unknown:
        raise PhotogenicError(
            f"variants: unknown {', '.join(unknown)}; expected some of {', '.join(by_name)}"
        )
    chosen = [by_name[name] for name in config.variants] if config.variants else VARIANTS
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
        scored = done.is_file() and set(METRICS) <= set(json.loads(done.read_text()))
        if not scored and (folder / "model").is_dir():  # new, or scored before a metric was added
            evaluate_autoencoder(
                load_autoencoder(folder / "model"), [kodak], folder / "kodak", progress
            )
            variant_crop(folder, kodak)
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
                "heldout_l1_last_quarter_change": last_quarter_change(trained["validations"]),
                "kodak_psnr": scores["psnr"],
                "kodak_ssim": scores["ssim"],
                "kodak_psnr_luma": scores.get("psnr_luma"),
                "kodak_sharpness_ratio": scores.get("sharpness_ratio"),
                "kodak_chroma_ratio": scores.get("chroma_ratio"),
                "folder": str(folder),
            }
        )
    rows.sort(key=lambda r: list(by_name).index(r["variant"]))
    result = {
        "rows": rows,
        "throughput": throughput(config),
        "budget": {
            "max_steps": config.train.loop.max_steps,
            "batch_size": config.train.loop.batch_size,
            "crop_size": config.train.data.crop_size,
            "preset": config.train.model.preset,
            "schedule": config.train.loop.optimizer.schedule,
            "learning_rate": config.train.loop.optimizer.learning_rate,
            "train_data": [str(path) for path in train_data],
            "balance_sources": config.train.data.balance_sources,
        },
    }
    (out / "table1.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "table1.md").write_text(table_markdown(result))
    comparison_image(rows, kodak).save(out / "crops.png")
    return result


def last_quarter_change(validations: list[list[float]]) -> float | None:
    """Relative change of the held-out L1 over the last quarter of training (plateau evidence:
    near 0 means the curve has flattened); None without at least two validations."""
    if len(validations) < 2:
        return None
    last_step, last = validations[-1]
    earlier = [v for s, v in validations if s <= last_step * 0.75] or [validations[0][1]]
    return (last - earlier[-1]) / earlier[-1]


def _cell(value: float | None, spec: str) -> str:
    """A table cell: ``value`` formatted by ``spec``, or "-" where it was not measured."""
    return "-" if value is None else format(value, spec)


def table_markdown(result: dict[str, Any]) -> str:
    """Table 1 as markdown: PSNR/SSIM on Kodak per variant."""
    lines = [
        "| variant | steps | held-out PSNR | held-out L1, last quarter | Kodak PSNR (dB) | Kodak SSIM "
        "| Kodak luma PSNR | Kodak sharpness kept | Kodak colour kept |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        held = _cell(r["heldout_psnr"], ".2f")
        change = _cell(r["heldout_l1_last_quarter_change"], "+.1%")
        sharp = _cell(r["kodak_sharpness_ratio"], ".3f")
        colour = _cell(r.get("kodak_chroma_ratio"), ".3f")
        luma = _cell(r.get("kodak_psnr_luma"), ".2f")
        lines.append(
            f"| {r['variant']} | {r['steps']} | {held} | {change} | {r['kodak_psnr']:.2f} "
            f"| {r['kodak_ssim']:.4f} | {luma} | {sharp} | {colour} |"
        )
    t, b = result["throughput"], result["budget"]
    lines += [
        "",
        f"Budget per variant: {b['max_steps']} steps of batch {b['batch_size']} at "
        f"{b['crop_size']}² crops, {b['preset']} preset, Adam {b['learning_rate']:g} "
        f"({b['schedule']}); trained on {', '.join(b['train_data'])}"
        f"{' (datasets balanced)' if b['balance_sources'] else ''}; Kodak never trained on.",
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
    image, box = _first_kodak_crop(kodak, size)
    tiles = [image[box]] + [variant_crop(Path(row["folder"]), kodak, size) for row in rows]
    return Image.fromarray(
        np.concatenate([np.pad(t, ((0, 0), (0, 2), (0, 0))) for t in tiles], axis=1)
    )


def variant_crop(folder: Path, kodak: Path, size: int = 96) -> np.ndarray:
    """A variant's reconstruction of the comparison crop, kept as ``kodak/crop.png`` so a finished
    variant needs only its small files (not its model) to take part in the table again."""
    path = folder / "kodak" / "crop.png"
    if not path.is_file():
        image, box = _first_kodak_crop(kodak, size)
        recon = reconstruct(load_autoencoder(folder / "model"), image)
        Image.fromarray(recon[box]).save(path)
    return np.asarray(Image.open(path).convert("RGB"))


def _first_kodak_crop(kodak: Path, size: int) -> tuple[np.ndarray, tuple[slice, slice]]:
    images, _ = load_images([kodak], 8, None, progress=False)
    image = images[0]
    h, w = image.shape[:2]
    size = min(size, h, w)
    top, left = (h - size) // 2, (w - size) // 2
    return image, (slice(top, top + size), slice(left, left + size))
