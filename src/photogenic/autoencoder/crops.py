"""Training images for the autoencoder: decoded once, random crops drawn per (step, item)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from photogenic.data import open_dataset
from photogenic.errors import PhotogenicError


def load_images(
    sources: list[Path], min_side: int, skipped_log: Path | None = None, progress: bool = True
) -> tuple[list[np.ndarray], list[str]]:
    """Every decodable image of the given datasets as uint8 HxWx3 arrays (upscaled when smaller
    than ``min_side``), with their ids; undecodable items are listed in ``skipped_log``."""
    images, ids, skipped = [], [], []
    for source in sources:
        for item in tqdm(
            open_dataset(source), desc=f"read {source}", unit="img", disable=not progress
        ):
            decoded = item.decode() if item.error in (None, "caption_missing") else None
            if decoded is None or decoded.error:
                reason = item.error if decoded is None else decoded.error
                skipped.append({"id": item.id, "source": item.source, "reason": reason})
                continue
            image = decoded.image
            if min(image.size) < min_side:
                scale = min_side / min(image.size)
                size = (
                    max(min_side, round(image.width * scale)),
                    max(min_side, round(image.height * scale)),
                )
                image = image.resize(size, Image.Resampling.BICUBIC)
            images.append(np.asarray(image, dtype=np.uint8))
            ids.append(f"{source.name}/{item.id}")
    if skipped_log is not None:
        skipped_log.parent.mkdir(parents=True, exist_ok=True)
        skipped_log.write_text("".join(json.dumps(r) + "\n" for r in skipped), encoding="utf-8")
    if not images:
        raise PhotogenicError(f"no usable images in {', '.join(map(str, sources))}")
    return images, ids


def random_crop(
    image: np.ndarray,
    size: int,
    generator: torch.Generator,
    min_scale: float = 1.0,
    flip: bool = False,
    permute_channels: bool = False,
) -> torch.Tensor:
    """A ``size``² crop at a position drawn from ``generator``, as (3, size, size) in [-1, 1].

    ``min_scale`` < 1: the crop covers a square of side ``size / s`` (``s`` drawn uniformly from
    ``[min_scale, 1]``, capped by the image) resized down to ``size`` with antialiasing, so a few
    photos give textures at many scales. ``flip``: mirrored left-right with probability 1/2. ``permute_channels``: the RGB channels in
    one of their six orders, drawn uniformly (hues the photos lack, same structure)."""
    height, width = image.shape[:2]
    side = size
    if min_scale < 1:
        scale = min_scale + (1 - min_scale) * float(torch.rand((), generator=generator))
        side = max(size, min(round(size / scale), height, width))
    top = int(torch.randint(0, height - side + 1, (1,), generator=generator))
    left = int(torch.randint(0, width - side + 1, (1,), generator=generator))
    window = image[top : top + side, left : left + side]
    if side != size:
        window = np.asarray(
            Image.fromarray(window).resize(
                (size, size), Image.Resampling.BICUBIC, reducing_gap=None
            )
        )
    if flip and float(torch.rand((), generator=generator)) < 0.5:
        window = window[:, ::-1]
    if permute_channels:
        window = window[..., torch.randperm(3, generator=generator).tolist()]
    return to_tensor(window)


def center_crop(image: np.ndarray, size: int) -> torch.Tensor:
    """The central ``size``² crop as (3, size, size) in [-1, 1]."""
    height, width = image.shape[:2]
    top, left = (height - size) // 2, (width - size) // 2
    return to_tensor(image[top : top + size, left : left + size])


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 HxWx3 -> float (3, H, W) in [-1, 1]."""
    return torch.from_numpy(array.astype(np.float32) / 127.5 - 1.0).permute(2, 0, 1).contiguous()


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """float (3, H, W) in [-1, 1] -> uint8 HxWx3."""
    array = ((tensor.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return array.permute(1, 2, 0).cpu().numpy()
