"""Shared data for the family training tests: a word list and a small captioned image dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from photogenic.data import DatasetWriter

WORDS = ["a", "red", "blue", "green", "star", "circle", "square", "above", "hill", "sea"]


def caption_dataset(root: Path, n: int = 8) -> Path:
    """``n`` random images in two aspect buckets, captioned from :data:`WORDS`."""
    rng = np.random.default_rng(0)
    colors, shapes = ["red", "blue", "green"], ["star", "circle", "square"]
    with DatasetWriter(root) as writer:
        for i in range(n):
            size = (48, 32) if i % 4 == 0 else (32, 32)  # two aspect buckets
            pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            text = f"a {colors[i % 3]} {shapes[i // 3 % 3]} above a hill"
            writer.add_image(f"{i:03d}.png", Image.fromarray(pixels), text)
    return root
