"""The pairs file: model A's and model B's images of the same prompt and seed, side by side.

``photogenic eval pairs`` matches two sample folders (``photogenic sample`` output) on
``(prompt_id, image_index)`` and writes a self-contained pairs folder::

    pairs.jsonl     one row per pair (below)
    protocol.json   the rating protocol per axis (the paper's protocol: appeal by 5 raters with the prompt hidden,
                    faithfulness 3 raters with the prompt shown, answers a / b / both / neither)
    a/..., b/...    the images (hard links, or copies across file systems)

A row: ``{pair_id, prompt_id, image_index, prompt, category, challenge, image_a, image_b, model_a,
model_b, image_seed}``; ``image_a``/``image_b`` are relative to the pairs folder; ``pair_id`` is
``"<prompt_id>#<image_index>"``. The annotation app and the automated judges read this file, and both
write judgments (``photogenic.evaluate.judgments``) that copy these fields.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from photogenic.data import METADATA, open_dataset
from photogenic.errors import PhotogenicError
from photogenic.runs import atomic_write_text

PAIRS_FILE = "pairs.jsonl"
PROTOCOL_FILE = "protocol.json"
# The paper's evaluation protocol: visual appeal by 5 raters with the caption hidden; text faithfulness by 3
# raters with the caption shown, answering A / B / both / neither (both and neither count as ties).
PROTOCOL: dict[str, dict[str, Any]] = {
    "appeal": {
        "raters": 5,
        "show_prompt": False,
        "question": "Which image is more appealing?",
        "choices": ["a", "b", "tie"],
    },
    "faithfulness": {
        "raters": 3,
        "show_prompt": True,
        "question": "Which image better matches the text?",
        "choices": ["a", "b", "both", "neither"],
    },
}


@dataclass
class Pair:
    """One A/B pair: the same prompt and image seed from two models."""

    pair_id: str
    prompt_id: str
    image_index: int
    prompt: str
    category: str
    challenge: str
    image_a: str
    image_b: str
    model_a: str
    model_b: str
    image_seed: int | None = None


@dataclass
class Sample:
    """One sampled image as read from a sample folder."""

    key: tuple[str, int]
    prompt: str
    category: str
    challenge: str
    model: str
    image_seed: int | None
    path: Path


def read_samples(folder: str | Path) -> dict[tuple[str, int], Sample]:
    """Sampled images of a ``photogenic sample`` folder by ``(prompt_id, image_index)``."""
    folder = Path(folder)
    if not (folder / METADATA).is_file():
        raise PhotogenicError(f"{folder}: not a sample folder (no {METADATA})")
    samples: dict[tuple[str, int], Sample] = {}
    for item in open_dataset(folder, "imagefolder"):
        if not item.ok or item.path is None:
            continue
        c = item.columns
        if "prompt_id" not in c or "image_index" not in c:
            raise PhotogenicError(
                f"{folder}: {item.file_name} has no prompt_id/image_index "
                "(expected a folder written by photogenic sample)"
            )
        key = (str(c["prompt_id"]), int(c["image_index"]))
        samples[key] = Sample(
            key,
            item.text or "",
            str(c.get("category") or ""),
            str(c.get("challenge") or ""),
            str(c.get("model") or folder.name),
            c.get("image_seed"),
            item.path,
        )
    if not samples:
        raise PhotogenicError(f"{folder}: no readable sampled images")
    return samples


def match_samples(
    folder_a: str | Path,
    folder_b: str | Path,
    name_a: str | None = None,
    name_b: str | None = None,
    allow_different_seeds: bool = False,
) -> tuple[list[tuple[Pair, Path, Path]], dict[str, int]]:
    """Pair A's and B's images on ``(prompt_id, image_index)``.

    Returns the pairs (with the source image paths) and counts of images left unmatched. Different
    prompt texts under one id are an error, and so are different image seeds unless allowed: a fair
    comparison starts both models from the same noise.
    """
    a, b = read_samples(folder_a), read_samples(folder_b)
    model_a = name_a or _model_name(a)
    model_b = name_b or _model_name(b)
    if model_a == model_b:
        raise PhotogenicError(
            f"both sample folders are of model {model_a!r}; name them with --name-a/--name-b"
        )
    pairs = []
    for key in sorted(set(a) & set(b)):
        sa, sb = a[key], b[key]
        if sa.prompt != sb.prompt:
            raise PhotogenicError(
                f"prompt {key[0]!r} differs between the folders ({sa.prompt!r} vs {sb.prompt!r})"
            )
        if sa.image_seed != sb.image_seed and not allow_different_seeds:
            raise PhotogenicError(
                f"prompt {key[0]!r} image {key[1]} was sampled with different seeds in A and B; "
                "sample both models with the same --seed (or pass --allow-different-seeds)"
            )
        pair = Pair(
            f"{key[0]}#{key[1]}",
            key[0],
            key[1],
            sa.prompt,
            sa.category,
            sa.challenge,
            "a/" + sa.path.relative_to(Path(folder_a)).as_posix(),
            "b/" + sb.path.relative_to(Path(folder_b)).as_posix(),
            model_a,
            model_b,
            sa.image_seed,
        )
        pairs.append((pair, sa.path, sb.path))
    if not pairs:
        raise PhotogenicError(
            f"{folder_a} and {folder_b} share no (prompt_id, image_index); sample the same prompts"
        )
    unmatched = {"unmatched_a": len(set(a) - set(b)), "unmatched_b": len(set(b) - set(a))}
    return pairs, unmatched


def write_pairs(out: str | Path, pairs: list[tuple[Pair, Path, Path]], link: bool = True) -> Path:
    """Write ``pairs.jsonl``, ``protocol.json`` and the images (linked when ``link``) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for pair, src_a, src_b in pairs:
        _place(src_a, out / pair.image_a, link)
        _place(src_b, out / pair.image_b, link)
    text = "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p, _, _ in pairs)
    atomic_write_text(out / PAIRS_FILE, text)
    atomic_write_text(out / PROTOCOL_FILE, json.dumps(PROTOCOL, indent=2) + "\n")
    return out / PAIRS_FILE


PAIR_FIELDS = {f.name for f in fields(Pair)}


def read_pairs(folder: str | Path) -> list[Pair]:
    """The pairs of a pairs folder (or of a ``pairs.jsonl`` path); unknown keys are ignored."""
    path = Path(folder)
    if path.is_dir():
        path = path / PAIRS_FILE
    if not path.is_file():
        raise PhotogenicError(f"pairs file not found: {path} (make it with photogenic eval pairs)")
    pairs = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append(Pair(**{k: v for k, v in row.items() if k in PAIR_FIELDS}))
        except (json.JSONDecodeError, TypeError, AttributeError) as exc:
            raise PhotogenicError(f"{path}:{lineno}: not a pair row ({exc})") from None
    if not pairs:
        raise PhotogenicError(f"{path}: no pairs")
    return pairs


def _model_name(samples: dict[tuple[str, int], Sample]) -> str:
    names = sorted({s.model for s in samples.values()})
    if len(names) != 1:
        raise PhotogenicError(f"a sample folder holds several models ({', '.join(names)})")
    return names[0]


def _place(src: Path, dst: Path, link: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    if link:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass  # another file system: copy
    shutil.copyfile(src, dst)
