"""Simulated people for the two human curation stages (the demo only; clearly labelled).

The paper's last two curation steps are people: generalists who aim at **recall** (remove the
medium- and low-quality images that slipped through the automatic filters, but keep anything that
might be good) and specialists with photography principles who aim at **precision** (keep only the
truly photogenic). On the haystack world the truth is known, so both stages are simulated from it
with stated error rates. Run the same stages with people in ``photogenic annotate`` instead.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photogenic.data import Ledger, open_dataset, write_subset
from photogenic.train.seeding import derive_seed


@dataclass
class SimulatedStage:
    """One simulated annotation stage."""

    name: str
    keep_threshold: float  # ground-truth appeal a careful rater would keep at or above
    keep_good: float  # probability a rater keeps an item that deserves keeping (recall side)
    keep_bad: float  # probability a rater keeps an item that does not (the error rate)
    needle_only: bool = False  # specialists keep only items with every factor good


GENERALIST = SimulatedStage(
    "simulated generalist", keep_threshold=0.85, keep_good=0.98, keep_bad=0.15
)
SPECIALIST = SimulatedStage(
    "simulated specialist", keep_threshold=0.95, keep_good=0.9, keep_bad=0.03, needle_only=True
)


def deserves_keeping(columns: dict[str, Any], stage: SimulatedStage) -> bool:
    """The truth a perfect rater of this stage would act on."""
    if stage.needle_only:
        return bool(columns.get("needle"))
    return float(columns.get("appeal", 0.0)) >= stage.keep_threshold


def simulate_stage(dataset: Path, out: Path, stage: SimulatedStage, seed: int) -> dict[str, Any]:
    """Keep or reject every item of ``dataset`` as ``stage``'s raters would; writes ``out/kept``
    and ``out/dropped.jsonl`` (reason: the stage's name), returns the counts. A finished stage
    (``out/stage.json``) is not run again."""
    done = out / "stage.json"
    if done.is_file():
        return json.loads(done.read_text())
    if out.exists():
        shutil.rmtree(out)  # an interrupted stage starts over: it takes seconds
    ledger = Ledger(out)
    kept_items = []
    n = 0
    for item in open_dataset(dataset):
        n += 1
        if item.error:
            ledger.error(item, item.error, item.detail)
            continue
        good = deserves_keeping(item.columns, stage)
        draw = np.random.default_rng(derive_seed(seed, stage.name, item.id)).random()
        if draw < (stage.keep_good if good else stage.keep_bad):
            ledger.keep(item)
            kept_items.append(item)
        else:
            ledger.drop(item, stage.name, "rejected", deserved_keeping=good)
    write_subset(kept_items, out / "kept", mode="hardlink")
    ledger.check(n)
    result = {"stage": stage.name, "simulated": True, "input": n, **ledger.summary()}
    done.write_text(json.dumps(result, indent=2) + "\n")
    return result
