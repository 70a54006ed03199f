"""Prompt sets for sampling: PartiPrompts TSV, plain text, JSONL, and the world's own prompts.

Every reader returns :class:`Prompt` objects with a stable ``id`` (the same prompt file gives the same
ids on every run, so two models sampled from it can be paired on ``(prompt id, image index)``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError

FORMATS = ("auto", "parti", "text", "jsonl", "world")
PARTI_COLUMNS = ("Prompt", "Category", "Challenge", "Note")
TEXT_KEYS = ("text", "prompt", "caption")


@dataclass
class Prompt:
    """One prompt: ``id`` (unique in its set), ``text``, and optional category, challenge and note."""

    id: str
    text: str
    category: str = ""
    challenge: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def read_parti(path: str | Path) -> list[Prompt]:
    """PartiPrompts TSV (columns Prompt, Category, Challenge, Note); ids ``parti-0000`` by row.

    Read with ``csv.QUOTE_NONE``: one prompt starts with a quote mark, which a quoting reader would
    swallow together with the tabs and lines after it.
    """
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or "Prompt" not in rows[0]:
        raise PhotogenicError(f"{path}: not a PartiPrompts TSV (expected a header with 'Prompt')")
    header = rows[0]
    col = {name: header.index(name) for name in PARTI_COLUMNS if name in header}
    prompts = []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        text = cell("Prompt")
        if not text:
            raise PhotogenicError(f"{path}: row {len(prompts) + 2} has an empty Prompt")
        prompts.append(
            Prompt(
                f"parti-{len(prompts):04d}",
                text,
                cell("Category"),
                cell("Challenge"),
                cell("Note"),
            )
        )
    return prompts


def read_text(path: str | Path) -> list[Prompt]:
    """One prompt per non-empty line; ids ``000000``, ``000001``, ... in order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip()]
    return [Prompt(f"{i:06d}", text) for i, text in enumerate(texts)]


def read_jsonl(path: str | Path) -> list[Prompt]:
    """One JSON object per line with ``text`` (or ``prompt`` / ``caption``) and optional ``id``,
    ``category``, ``challenge``, ``note``; other keys are kept in ``extra``."""
    path = Path(path)
    prompts = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PhotogenicError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise PhotogenicError(f"{path}:{lineno}: expected a JSON object")
        key = next((k for k in TEXT_KEYS if isinstance(row.get(k), str) and row[k].strip()), None)
        if key is None:
            raise PhotogenicError(f"{path}:{lineno}: no prompt text (expected one of {TEXT_KEYS})")
        known = {key, "id", "category", "challenge", "note"}
        prompts.append(
            Prompt(
                str(row.get("id", f"{len(prompts):06d}")),
                row[key].strip(),
                str(row.get("category") or ""),
                str(row.get("challenge") or ""),
                str(row.get("note") or ""),
                {k: v for k, v in row.items() if k not in known},
            )
        )
    return prompts


def world_prompt_set(n: int, seed: int = 0, config: Any = None) -> list[Prompt]:
    """``n`` content-only prompts of the haystack world (``photogenic.world.world_prompts``)."""
    from photogenic.world import world_prompts

    return [
        Prompt(p["id"], p["text"], p.get("category", ""), extra={"content": p.get("content")})
        for p in world_prompts(n, seed, config)
    ]


def parse_world_spec(spec: str) -> tuple[int, int]:
    """``world:N`` or ``world:N:SEED`` -> ``(N, SEED)`` (seed 0 when omitted)."""
    parts = spec.split(":")
    try:
        if parts[0] != "world" or len(parts) not in (2, 3):
            raise ValueError
        n = int(parts[1])
        seed = int(parts[2]) if len(parts) == 3 else 0
        if n < 1:
            raise ValueError
    except ValueError:
        raise PhotogenicError(
            f"world prompt set {spec!r}: expected world:N or world:N:SEED (N >= 1)"
        ) from None
    return n, seed


def detect_prompt_format(source: str | Path) -> str:
    """``world`` for a ``world:N`` spec, ``parti`` for ``.tsv``, ``jsonl`` for ``.jsonl``/``.json``,
    else ``text``."""
    text = str(source)
    if text.startswith("world:"):
        return "world"
    suffix = Path(text).suffix.lower()
    if suffix == ".tsv":
        return "parti"
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    return "text"


def load_prompts(
    source: str | Path, format: str = "auto", limit: int | None = None
) -> list[Prompt]:
    """Read a prompt set (``format`` one of :data:`FORMATS`); the first ``limit`` prompts if given.

    ``source`` is a file, or ``world:N[:SEED]`` for the world's prompt set (``N[:SEED]`` also works
    with ``format="world"``).
    """
    if format not in FORMATS:
        raise PhotogenicError(f"prompt format {format!r}: expected one of {', '.join(FORMATS)}")
    name = detect_prompt_format(source) if format == "auto" else format
    if name == "world":
        spec = str(source)
        n, seed = parse_world_spec(spec if spec.startswith("world:") else f"world:{spec}")
        prompts = world_prompt_set(n if limit is None else min(n, limit), seed)
    else:
        path = Path(source)
        if not path.is_file():
            raise PhotogenicError(f"prompt file not found: {path}")
        reader = {"parti": read_parti, "text": read_text, "jsonl": read_jsonl}[name]
        prompts = reader(path)
    if limit is not None:
        prompts = prompts[:limit]
    if not prompts:
        raise PhotogenicError(f"{source}: no prompts")
    seen: set[str] = set()
    for p in prompts:
        if p.id in seen:
            raise PhotogenicError(f"{source}: prompt id {p.id!r} appears twice")
        seen.add(p.id)
    return prompts
