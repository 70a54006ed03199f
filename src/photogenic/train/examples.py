"""Training examples from a dataset: decoded safely, fitted to an aspect bucket, or listed as skipped."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from photogenic.data import open_dataset
from photogenic.errors import PhotogenicError
from photogenic.train.buckets import make_buckets, nearest_bucket


@dataclass
class Example:
    """One usable training pair and how its image maps onto its bucket."""

    id: str
    text: str
    image_sha256: str
    bucket: tuple[int, int]  # (width, height) it is trained at
    original_size: tuple[int, int]  # (height, width), SDXL micro-conditioning order
    crop_top_left: tuple[int, int]  # (top, left) in the resized image
    source: object  # the Item, to decode again when pixels are needed


def load_examples(
    data: Path,
    resolution: int,
    bucketing: bool,
    missing_caption: Literal["skip", "empty"],
    skipped_log: Path | None,
    progress: bool = True,
    multiple: int = 8,
) -> list[Example]:
    """Read every item of ``data``; unusable ones are written to ``skipped_log`` with their reason.

    Buckets have sides in multiples of ``multiple`` pixels (what the model can downsample)."""
    buckets = make_buckets(resolution, multiple) if bucketing else [(resolution, resolution)]
    examples: list[Example] = []
    skipped = []
    for item in tqdm(open_dataset(data), desc="read data", unit="img", disable=not progress):
        reason, detail = item.error, item.detail
        text = item.text
        if reason in ("caption_missing", "caption_not_utf8") and missing_caption == "empty":
            reason, text = None, ""
        decoded = item.decode() if reason is None else None
        if decoded is not None and decoded.error:
            reason, detail = decoded.error, decoded.detail
        if reason is not None:
            skipped.append(
                {"id": item.id, "source": item.source, "reason": reason, "detail": detail}
            )
            continue
        width, height = decoded.image.size
        bucket = buckets[nearest_bucket(width, height, buckets)]
        top, left = _crop_offsets((width, height), bucket)
        examples.append(
            Example(
                id=item.id,
                text=text or "",
                image_sha256=hashlib.sha256(item.read_bytes()).hexdigest(),
                bucket=bucket,
                original_size=(height, width),
                crop_top_left=(top, left),
                source=item,
            )
        )
    if skipped_log is not None:
        skipped_log.parent.mkdir(parents=True, exist_ok=True)
        with open(skipped_log, "w", encoding="utf-8") as f:
            for row in skipped:
                f.write(json.dumps(row) + "\n")
    if not examples:
        raise PhotogenicError(f"{data}: no usable training items ({len(skipped)} skipped)")
    return examples


def example_pixels(example: Example, flip: bool = False) -> torch.Tensor:
    """The example's image resized to cover its bucket, centre-cropped, as (3, H, W) in [-1, 1];
    mirrored left to right with ``flip``."""
    image = example.source.decode().image
    width, height = example.bucket
    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    top, left = example.crop_top_left
    image = image.crop((left, top, left + width, top + height))
    if flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def mirrored_crop(example: Example) -> tuple[int, int]:
    """The (top, left) crop offset of the mirrored image: what a flipped example conditions on."""
    height, width = example.original_size
    bw, bh = example.bucket
    scale = max(bw / width, bh / height)
    top, left = example.crop_top_left
    return top, max(bw, round(width * scale)) - bw - left


def swap_words(text: str, pairs: list[list[str]]) -> str:
    """``text`` with each whole word of a pair replaced by the other (``left`` <-> ``right``):
    the caption of the mirrored image."""
    mapping = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    if not mapping:
        return text
    pattern = (
        r"\b(" + "|".join(re.escape(w) for w in sorted(mapping, key=len, reverse=True)) + r")\b"
    )
    return re.sub(pattern, lambda m: mapping[m.group(0)], text)


def _crop_offsets(size: tuple[int, int], bucket: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    bw, bh = bucket
    scale = max(bw / width, bh / height)
    rw, rh = max(bw, round(width * scale)), max(bh, round(height * scale))
    return (rh - bh) // 2, (rw - bw) // 2
