"""``photogenic ae eval``: reconstruction quality of an autoencoder on whole images.

Each image is padded (reflect) to a multiple of 8, encoded to the posterior mode, decoded, cropped
back, and scored with PSNR and SSIM in [0, 1], PSNR of luma alone (structure without colour), the
sharpness it keeps: the variance of the Laplacian of luma of the reconstruction over the
original's (``curate.measures.sharpness``; 1 = as crisp as the original, below 1 = blurred), and
the colour it keeps: the mean distance of each pixel from its own grey (the mean of its three
channels) in the reconstruction over the original's (1 = as colourful, near 0 = a grey image;
small autoencoders can fall into that). LPIPS / rFID
need downloaded backbones: not here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from photogenic.autoencoder.crops import load_images, to_tensor, to_uint8
from photogenic.autoencoder.metrics import crop_to_size, pad_to_multiple, psnr, psnr_from_mse, ssim
from photogenic.curate.measures import luma, sharpness

METRICS = ("psnr", "ssim", "psnr_luma", "sharpness_ratio", "chroma_ratio")


@torch.no_grad()
def reconstruct(model: Any, image: np.ndarray) -> np.ndarray:
    """Encode (posterior mode) and decode one uint8 HxWx3 image at full size."""
    x = to_tensor(image).unsqueeze(0).to(model.device, model.dtype)
    padded, size = pad_to_multiple(x, 8)
    z = model.encode(padded).latent_dist.mode()
    recon = crop_to_size(model.decode(z).sample, size)
    return to_uint8(recon[0].float())


def evaluate_autoencoder(
    model: Any, sources: list[Path], out: Path, progress: bool = True, grid_crop: int = 96
) -> dict[str, Any]:
    """Score every image of ``sources``; writes ``metrics.csv``, ``metrics.json`` and ``crops.png``."""
    model.eval()
    images, ids = load_images(sources, 8, out / "skipped.jsonl", progress)
    rows, pairs = [], []
    for image_id, image in tqdm(
        list(zip(ids, images, strict=True)), desc="ae eval", disable=not progress
    ):
        recon = reconstruct(model, image)
        a = torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float() / 255
        b = torch.from_numpy(recon).permute(2, 0, 1)[None].float() / 255
        rows.append(
            {
                "id": image_id,
                "psnr": float(psnr(a, b)[0]),
                "ssim": float(ssim(a, b)[0]),
                "psnr_luma": psnr_from_mse(float(np.mean((luma(image) - luma(recon)) ** 2))),
                "sharpness_ratio": sharpness(recon) / max(sharpness(image), 1e-6),
                "chroma_ratio": chroma(recon) / max(chroma(image), 1e-6),
            }
        )
        pairs.append((image, recon))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "metrics.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["id", *METRICS])
        writer.writeheader()
        writer.writerows(rows)
    summary = {"images": len(rows)}
    summary.update({k: float(np.mean([r[k] for r in rows])) for k in METRICS})
    (out / "metrics.json").write_text(json.dumps({**summary, "per_image": rows}, indent=2) + "\n")
    crop_grid(pairs, grid_crop).save(out / "crops.png")
    return summary


def chroma(image: np.ndarray) -> float:
    """Mean absolute distance of each channel from the pixel's grey (channel mean), 0-255 scale."""
    pixels = image.astype(np.float32)
    return float(np.abs(pixels - pixels.mean(axis=-1, keepdims=True)).mean())


def crop_grid(pairs: list[tuple[np.ndarray, np.ndarray]], size: int, limit: int = 8) -> Image.Image:
    """Original (top) over reconstruction (bottom) centre crops, side by side for each image."""
    tiles = []
    for original, recon in pairs[:limit]:
        h, w = original.shape[:2]
        s = min(size, h, w)
        top, left = (h - s) // 2, (w - s) // 2
        tiles.append(
            np.concatenate(
                [original[top : top + s, left : left + s], recon[top : top + s, left : left + s]]
            )
        )
    height = max(t.shape[0] for t in tiles)
    tiles = [np.pad(t, ((0, height - t.shape[0]), (0, 2), (0, 0))) for t in tiles]
    return Image.fromarray(np.concatenate(tiles, axis=1))
