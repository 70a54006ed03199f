"""Automated judges: a judge scores each (image, prompt); a pair's margin is score A - score B.

A judge writes the same judgments rows as people do (``photogenic.evaluate.judgments``), plus its
``margin``; ``|margin| < tie_threshold`` is a tie. Judges are registry entries
(:data:`JUDGES`, ``name -> constructor(JudgeOptions)``), so the CLI's choices are the registry keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from photogenic.data import decode_image
from photogenic.errors import PhotogenicError
from photogenic.evaluate.pairs import Pair
from photogenic.registry import Registry


@dataclass
class JudgeOptions:
    """Settings shared by every judge; judges that need weights read ``weights`` / ``head``."""

    weights: Path | None = None  # a local model folder (e.g. a transformers CLIPModel)
    head: Path | None = None  # a local head file (e.g. the aesthetic MLP)
    device: str = "auto"
    batch_size: int = 16


class Judge:
    """Scores images (optionally with their prompts); higher is better on the judge's axes."""

    name: str = ""
    axes: tuple[str, ...] = ("appeal",)  # axes this judge can judge
    default_axes: tuple[str, ...] = ("appeal",)  # axes it judges unless told otherwise
    uses_prompt: bool = False  # whether the score depends on the prompt
    tie_threshold: float = 0.0  # default |margin| below which a pair is a tie

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        """One score per (image, prompt)."""
        raise NotImplementedError


JUDGES: Registry[Judge] = Registry("judge")


def decide(margin: float, tie_threshold: float) -> str:
    """``"a"`` when ``margin >= tie_threshold``, ``"b"`` when ``margin <= -tie_threshold``, else tie
    (a zero margin is always a tie)."""
    if margin == 0 or abs(margin) < tie_threshold:
        return "tie"
    return "a" if margin > 0 else "b"


def score_images(
    judge: Judge,
    items: Sequence[tuple[Path, str]],
    batch_size: int = 16,
    progress: bool = False,
) -> list[float]:
    """Scores of ``(image path, prompt)`` items in batches (images decoded as RGB)."""
    from tqdm import tqdm

    scores: list[float] = []
    bar = tqdm(total=len(items), desc=f"judge {judge.name}", unit="img", disable=not progress)
    for start in range(0, len(items), max(1, batch_size)):
        chunk = items[start : start + batch_size]
        images = [open_rgb(path) for path, _ in chunk]
        scores.extend(float(s) for s in judge.score(images, [p for _, p in chunk]))
        bar.update(len(chunk))
    bar.close()
    return scores


def judge_pairs(
    judge: Judge,
    pairs: Sequence[Pair],
    root: str | Path,
    axes: Sequence[str] | None = None,
    tie_threshold: float | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Judgments rows (one per pair and axis) from ``judge``; image paths are relative to ``root``."""
    axes = tuple(axes or judge.default_axes)
    bad = [a for a in axes if a not in judge.axes]
    if bad:
        raise PhotogenicError(
            f"judge {judge.name!r} cannot judge {', '.join(bad)}; it judges {', '.join(judge.axes)}"
        )
    threshold = judge.tie_threshold if tie_threshold is None else tie_threshold
    root = Path(root)
    keys: dict[tuple[str, str], int] = {}
    items: list[tuple[Path, str]] = []
    for p in pairs:
        for image in (p.image_a, p.image_b):
            key = (image, p.prompt if judge.uses_prompt else "")
            if key not in keys:
                keys[key] = len(items)
                items.append((root / image, p.prompt))
    scores = score_images(judge, items, batch_size, progress)
    rows = []
    for p in pairs:
        sa = scores[keys[(p.image_a, p.prompt if judge.uses_prompt else "")]]
        sb = scores[keys[(p.image_b, p.prompt if judge.uses_prompt else "")]]
        margin = sa - sb
        for axis in axes:
            rows.append(
                {
                    "pair_id": p.pair_id,
                    "prompt": p.prompt,
                    "category": p.category,
                    "image_a": p.image_a,
                    "image_b": p.image_b,
                    "model_a": p.model_a,
                    "model_b": p.model_b,
                    "judge": judge.name,
                    "axis": axis,
                    "choice": decide(margin, threshold),
                    "margin": round(margin, 6),
                    "score_a": round(sa, 6),
                    "score_b": round(sb, 6),
                    "challenge": p.challenge,
                    "prompt_id": p.prompt_id,
                    "image_index": p.image_index,
                }
            )
    return rows


def open_rgb(path: Path) -> Image.Image:
    """The image at ``path`` decoded as RGB; a clear error naming the file when it cannot be."""
    decoded = decode_image(path)
    if decoded.image is None:
        raise PhotogenicError(f"cannot read image {path}: {decoded.error} {decoded.detail}".strip())
    return decoded.image
