"""A world item and the random draws it is made from."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from photogenic.world.factors import FACTORS

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig


@dataclass
class WorldItem:
    """One rendered item: the encoded file, its caption and metadata row, and the clean subject mask."""

    id: str
    index: int
    data: bytes
    ext: str
    text: str
    record: dict = field(default_factory=dict)
    mask: np.ndarray | None = None  # subject coverage before any degradation, full-res canvas

    @property
    def file_name(self) -> str:
        """Path inside the dataset folder."""
        return f"images/{self.id}.{self.ext}"

    def pixels(self) -> np.ndarray:
        """The decoded RGB uint8 image."""
        with Image.open(io.BytesIO(self.data)) as im:
            return np.asarray(im.convert("RGB"))


def item_id(index: int) -> str:
    """The id (and file stem) of item ``index``."""
    return f"{index:07d}"


@dataclass
class Draws:
    """The uniforms of one item, drawn in a fixed order from ``default_rng([seed, index])``."""

    rng: np.random.Generator  # left for the variable-size draws: background details, then noise
    duplicate: np.ndarray  # 2: is it a copy, of which earlier item
    near_edit: np.ndarray  # 4: which near-copy edit, how strong
    content: np.ndarray  # 7: subject, colour, background, position, size
    quality: np.ndarray  # (len(FACTORS), 6): one row per factor
    background: np.ndarray  # 4: horizon curve, wave phase, brick offset
    distractors: np.ndarray  # (count_max, 12): shape, colour, radius, positions


def draws(seed: int, index: int, config: WorldConfig) -> Draws:
    """Draw the fixed-size blocks of item ``index``."""
    rng = np.random.default_rng([seed, index])
    return Draws(
        rng,
        rng.random(2),
        rng.random(4),
        rng.random(7),
        rng.random((len(FACTORS), 6)),
        rng.random(4),
        rng.random((max(1, config.quality.clutter.count_max), 12)),
    )
