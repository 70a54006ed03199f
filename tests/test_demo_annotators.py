"""Simulated generalist and specialist stages: recall first, then precision, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

from photogenic.data import open_dataset
from photogenic.demo.annotators import GENERALIST, SPECIALIST, simulate_stage
from photogenic.world import WorldConfig, make_world


def test_generalists_keep_recall_and_specialists_keep_precision(tmp_path: Path) -> None:
    pool = tmp_path / "pool"
    make_world(pool, 600, 5, WorldConfig(), progress=False)
    rows = [i.columns for i in open_dataset(pool)]
    needles = sum(r["needle"] for r in rows)
    first = simulate_stage(pool, tmp_path / "generalist", GENERALIST, seed=0)
    assert first["simulated"] and first["kept"] + first["dropped"] + first["errors"] == 600
    kept = [i.columns for i in open_dataset(tmp_path / "generalist" / "kept")]
    assert sum(r["needle"] for r in kept) >= 0.9 * needles  # recall
    second = simulate_stage(
        tmp_path / "generalist" / "kept", tmp_path / "specialist", SPECIALIST, 0
    )
    final = [i.columns for i in open_dataset(tmp_path / "specialist" / "kept")]
    assert final and sum(r["needle"] for r in final) / len(final) >= 0.8  # precision
    dropped = [json.loads(x) for x in (tmp_path / "specialist" / "dropped.jsonl").open()]
    assert len(dropped) == second["dropped"] and all(d["stage"] == SPECIALIST.name for d in dropped)
    again = simulate_stage(tmp_path / "generalist" / "kept", tmp_path / "specialist", SPECIALIST, 0)
    assert again == second
