"""Writing a world to a dataset folder: parallel rendering, in-order writing, resume, summary."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from photogenic.config import to_dict
from photogenic.data.writer import METADATA, DatasetWriter
from photogenic.errors import PhotogenicError
from photogenic.runs import atomic_write_text
from photogenic.world.config import WorldConfig, validate
from photogenic.world.factors import FACTORS
from photogenic.world.item import item_id
from photogenic.world.render import render_item

WORLD_JSON = "world.json"
WORLD_FORMAT = 1
_WORKER: dict[str, Any] = {}


def _init_worker(seed: int, config: WorldConfig) -> None:
    _WORKER["seed"], _WORKER["config"] = seed, config


def _render_row(index: int) -> tuple[str, bytes, str, dict]:
    item = render_item(_WORKER["seed"], index, _WORKER["config"])
    return item.file_name, item.data, item.text, item.record


def _rows(seed: int, indices: list[int], config: WorldConfig, workers: int) -> Iterator[tuple]:
    """Rendered rows in index order, from this process or a pool of ``workers``."""
    if workers <= 1 or len(indices) < 2:
        _init_worker(seed, config)
        yield from map(_render_row, indices)
        return
    chunk = max(1, min(64, len(indices) // (workers * 8)))
    with multiprocessing.get_context().Pool(
        workers, initializer=_init_worker, initargs=(seed, config)
    ) as pool:
        yield from pool.imap(_render_row, indices, chunksize=chunk)


def check_world_dir(out: Path, n: int, seed: int, config: WorldConfig) -> None:
    """Refuse to mix worlds: an existing folder must hold the same seed, n and config; a new one gets
    ``world.json`` with them."""
    params = {"format": WORLD_FORMAT, "seed": seed, "n": n, "config": to_dict(config)}
    params = json.loads(json.dumps(params))
    out = Path(out)
    path = out / WORLD_JSON
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise PhotogenicError(f"{path}: not valid JSON; choose an empty --out folder") from None
        for key in ("seed", "n", "config", "format"):
            if old.get(key) != params[key]:
                what = "config" if key == "config" else f"{key}={old.get(key)} (not {params[key]})"
                raise PhotogenicError(
                    f"{out} holds a world made with a different {what}; "
                    "rerun with the same parameters to resume, or choose another --out folder"
                )
        return
    if (out / METADATA).exists():
        raise PhotogenicError(
            f"{out} already holds a dataset that is not this world; choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(params, indent=2) + "\n")


def make_world(
    out: Path,
    n: int,
    seed: int,
    config: WorldConfig | None = None,
    workers: int = 1,
    progress: bool = True,
) -> dict:
    """Write ``n`` items of world ``seed`` to ``out`` (imagefolder + ``metadata.jsonl``).

    Resumable: items already in ``out`` are skipped, and the result is the same as one clean run
    whatever the number of ``workers``. Returns the summary (see ``summarize``).
    """
    config = validate(config or WorldConfig())
    if n < 1:
        raise PhotogenicError(f"--n: expected at least 1 item, got {n}")
    out = Path(out)
    check_world_dir(out, n, seed, config)
    start = time.perf_counter()
    made = 0
    with DatasetWriter(out) as writer:
        have = {name.rsplit("/", 1)[-1].split(".")[0] for name in writer.file_names}
        todo = [i for i in range(n) if item_id(i) not in have]
        with tqdm(
            total=n, initial=n - len(todo), unit="img", desc="world", disable=not progress
        ) as bar:
            for file_name, data, text, record in _rows(seed, todo, config, workers):
                writer.add_bytes(file_name, data, text, **record)
                made += 1
                bar.update(1)
    seconds = time.perf_counter() - start
    summary = summarize(read_rows(out))
    summary.update(
        seed=seed,
        workers=workers,
        generated=made,
        resumed=n - len(todo),
        images_per_second=round(made / seconds, 1) if made else 0.0,
    )
    return summary


def read_rows(out: Path) -> Iterator[dict]:
    """The metadata rows of a world folder."""
    with open(Path(out) / METADATA, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(rows: Iterable[dict]) -> dict:
    """Counts and appeal statistics of world rows: n, needles, duplicates, levels per factor."""
    n = needles = exact = near = 0
    appeals: list[float] = []
    levels = {name: Counter() for name in (*FACTORS, "separation")}
    for row in rows:
        n += 1
        needles += bool(row["needle"])
        exact += row["duplicate_kind"] == "exact"
        near += row["duplicate_kind"] == "near"
        appeals.append(float(row["appeal"]))
        for name, level in row["quality"].items():
            levels[name][level] += 1
    appeals.sort()
    return {
        "n": n,
        "needles": needles,
        "needle_fraction": round(needles / n, 4) if n else 0.0,
        "exact_duplicates": exact,
        "near_duplicates": near,
        "appeal": {
            "mean": round(sum(appeals) / n, 4) if n else 0.0,
            **{
                f"q{int(q * 100):02d}": round(_quantile(appeals, q), 4)
                for q in (0.1, 0.25, 0.5, 0.75, 0.9)
            },
        },
        "levels": {name: dict(sorted(c.items())) for name, c in levels.items()},
    }
