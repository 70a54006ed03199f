"""Pair two models' samples, judge every pair with automated judges and count the win rates.

The same files as ``photogenic eval pairs`` + ``eval judge`` + ``eval winrate`` write, in one call:
``OUT/pairs/`` (pairs.jsonl and the images), ``OUT/judgments.jsonl``, ``OUT/winrate.json`` and
``OUT/outcomes.jsonl``, so ``photogenic eval report --winrate OUT`` renders them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from photogenic.evaluate.judges import JUDGES, JudgeOptions, judge_pairs
from photogenic.evaluate.judgments import write_judgments
from photogenic.evaluate.pairs import match_samples, read_pairs, write_pairs
from photogenic.evaluate.winrate import WinrateConfig, compute_winrate, outcome_rows
from photogenic.runs import atomic_write_text


def compare_models(
    samples: str | Path,
    baseline_samples: str | Path,
    out: str | Path,
    judges: Sequence[str],
    config: WinrateConfig | None = None,
    options: JudgeOptions | None = None,
) -> dict[str, Any]:
    """Judge ``samples`` against ``baseline_samples`` (same prompts and seeds); returns winrate.json."""
    out = Path(out)
    matched, _ = match_samples(samples, baseline_samples)
    pairs_dir = out / "pairs"
    write_pairs(pairs_dir, matched)
    pairs = read_pairs(pairs_dir)
    options = options or JudgeOptions()
    rows: list[dict[str, Any]] = []
    for name in judges:
        rows += judge_pairs(JUDGES.get(name)(options), pairs, pairs_dir, batch_size=64)
    write_judgments(out / "judgments.jsonl", rows)
    config = config or WinrateConfig()
    if not config.baseline:
        config.baseline = pairs[0].model_b
    summary, outcomes = compute_winrate(rows, config)
    summary["pairs_dir"] = str(pairs_dir.resolve())
    text = json.dumps(summary, indent=2)
    atomic_write_text(out / "winrate.json", text + "\n")
    atomic_write_text(
        out / "outcomes.jsonl",
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in outcome_rows(outcomes)),
    )
    return json.loads(text)  # exactly what winrate.json holds


def headline(summary: dict[str, Any], axis: str) -> dict[str, Any]:
    """The first comparison on ``axis`` of a winrate summary (``{}`` when the axis is absent)."""
    block = summary["axes"].get(axis)
    return block["comparisons"][0] if block and block["comparisons"] else {}
