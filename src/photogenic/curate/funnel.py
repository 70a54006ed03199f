"""The curation funnel: per-item stages over shards in an engine, then the global stages, then outputs.

Pass 1 streams the input in shards through the engine and writes ``<out>/shards/NNNNN.jsonl``
(finished shards are skipped on a rerun). The global stages (dedup, balance, select) run on the
collected table. Pass 2 streams the input again beside the shard files and writes ``kept/`` (an
imagefolder dataset, images hard-linked where possible), ``dropped.jsonl`` (every other item with its
stage, reason and measured values; unreadable input has stage ``decode``), ``report.html`` and
``report.json``. input = kept + dropped + errors (errors: the ``decode`` rows of ``dropped.jsonl``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from photogenic.curate.collect import Collected, collect
from photogenic.curate.config import CurateConfig, validate
from photogenic.curate.decide import Decisions, decide
from photogenic.curate.engines import ENGINES
from photogenic.curate.globaltable import OrderedLookup
from photogenic.curate.shards import (
    SHARDS,
    header,
    iter_shards,
    read_shard,
    shard_done,
    shard_path,
    write_shard,
)
from photogenic.curate.stages import STAGES
from photogenic.curate.worker import config_payload
from photogenic.data import open_dataset, write_subset
from photogenic.data.item import Item
from photogenic.data.readers import detect_format, estimate_count
from photogenic.errors import PhotogenicError
from photogenic.runs import atomic_write_text

RUN_JSON = "curate.json"
KEPT = "kept"
DROPPED = "dropped.jsonl"
KEPT_COLUMNS = ("photogenic_score", "clip_score", "aesthetic_score", "concept")


EXECUTION_KEYS = ("workers", "micro_batch")  # how the work is spread, not what it computes
# the shard records' format: shards written in another format are measured again, not resumed
# (2: the exact-duplicate hash is ``content_hash``, XXH3-128, where it was ``sha256``)
RECORDS_FORMAT = 2


def check_run_dir(out: Path, input_path: str, config: CurateConfig, mode: str) -> None:
    """Refuse to resume into a folder made from another input, config or mode; else record them.

    How the work is spread (``workers``, ``micro_batch``) gives the same outputs (tested), so a run
    may resume with other values of those. Shards that an older photogenic wrote (another
    ``RECORDS_FORMAT``) are removed, with a notice, and measured again."""
    settings = {k: v for k, v in config_payload(config).items() if k not in EXECUTION_KEYS}
    payload = json.dumps(settings, sort_keys=True, default=str)
    params = {
        "mode": mode,
        "format": RECORDS_FORMAT,
        "input": str(Path(input_path).resolve()),
        "config_sha256": hashlib.sha256(payload.encode()).hexdigest(),
    }
    path = Path(out) / RUN_JSON
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise PhotogenicError(f"{path} is not valid JSON; choose an empty --out") from None
        for key, value in params.items():
            if key != "format" and old.get(key) != value:
                raise PhotogenicError(
                    f"{out} holds a curate run with a different {key.replace('_sha256', '')}; "
                    "rerun with the same input and config to resume, or choose another --out"
                )
        if old.get("format") == RECORDS_FORMAT:
            return
        shutil.rmtree(Path(out) / SHARDS, ignore_errors=True)
        print(
            f"{out}: its shards were written by an older photogenic (records format "
            f"{old.get('format', 1)}, now {RECORDS_FORMAT}); measuring every item again",
            file=sys.stderr,
        )
    Path(out).mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(params, indent=2) + "\n")


def notices(config: CurateConfig) -> dict[str, str]:
    """Stage -> why it is skipped (switched off, no weights, package missing)."""
    out = {}
    for name in STAGES:
        note = STAGES.get(name)(config).notice()
        if name == "size" and not config.size.enabled:
            note = "size checks switched off (images are still decoded)"
        if name == "caption" and not config.caption.enabled:
            note = "switched off"
        if name == "photogenic" and not config.photogenic.enabled:
            note = "no thresholds (measured and scored only)"
        if note:
            out[name] = note
    return out


def measure_pass(
    input_path: str,
    out: Path,
    config: CurateConfig,
    engine: str = "local",
    workers: int = 0,
    address: str | None = None,
    measure_only: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Pass 1: every shard not finished yet goes through the engine; returns counts and timing."""
    if engine not in ENGINES:
        raise PhotogenicError(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}")
    payload = config_payload(config)
    metas: dict[int, dict[str, Any]] = {}
    counts = {"shards": 0, "resumed_shards": 0, "items": 0, "processed_items": 0}
    total = _estimate(input_path)
    bar = tqdm(total=total, unit="img", desc="curate", disable=not progress, dynamic_ncols=True)

    def todo() -> Iterator[tuple[int, list[tuple[int, Item]]]]:
        for number, batch in iter_shards(open_dataset(input_path), config.shard_size):
            counts["shards"] += 1
            counts["items"] += len(batch)
            meta = header(number, batch)
            if shard_done(shard_path(out, number), meta):
                counts["resumed_shards"] += 1
                bar.update(len(batch))
                continue
            metas[number] = meta
            yield number, batch

    start = time.perf_counter()
    runner = ENGINES[engine](
        workers=workers or config.workers,
        address=address,
        config=payload,
        measure_only=measure_only,
    )
    counts["startup_seconds"] = round(time.perf_counter() - start, 3)  # not in the items' time
    start = time.perf_counter()
    try:
        for number, result in runner.map(payload, todo(), measure_only):
            meta = {**metas.pop(number), "seconds": result["seconds"]}
            write_shard(shard_path(out, number), meta, result["records"])
            counts["processed_items"] += meta["n"]
            bar.update(meta["n"])
        counts["seconds"] = round(time.perf_counter() - start, 3)
    finally:
        bar.close()
        stop = time.perf_counter()
        runner.close()
        counts["shutdown_seconds"] = round(time.perf_counter() - stop, 3)  # nor is stopping them
    counts["engine"] = engine
    counts["workers"] = getattr(runner, "workers", workers)
    return counts


def _estimate(input_path: str) -> int | None:
    try:
        return estimate_count(input_path)
    except (OSError, PhotogenicError):
        return None


def run_funnel(
    input_path: str,
    out: str | Path,
    config: CurateConfig,
    engine: str = "local",
    workers: int = 0,
    address: str | None = None,
    progress: bool = True,
    link: str = "hardlink",
) -> dict[str, Any]:
    """Run the whole funnel from ``input_path`` into ``out``; returns the summary."""
    from photogenic.curate.report import write_report

    config = validate(config)
    detect_format(input_path)
    out = Path(out)
    check_run_dir(out, input_path, config, "run")
    notes = notices(config)
    pass1 = measure_pass(input_path, out, config, engine, workers, address, False, progress)
    got = collect(out, pass1["shards"], config, config.examples)
    decisions = decide(got.table, config)
    start = time.perf_counter()
    try:
        examples = _example_indices(got, decisions, config.examples)
        thumbs: dict[int, Any] = {}
        written, dropped_rows = _write_outputs(
            input_path, out, pass1["shards"], decisions, examples, thumbs, link
        )
    finally:
        decisions.close()
    funnel = funnel_rows(got, decisions, notes)
    report = write_report(out, config, got, decisions, funnel, notes, examples, thumbs)
    summary = {
        "input": got.n_input,
        "kept": report["kept"],
        "dropped": report["dropped"],
        "errors": report["errors"],
        "accounting": report["accounting"],
        "dropped_jsonl_rows": dropped_rows,
        "kept_written_now": written,
        "funnel": {row["stage"]: row["remaining"] for row in funnel},
        "notices": notes,
        "pass1": pass1,
        "stage_cpu_seconds": {k: round(v, 3) for k, v in got.seconds.items()},
        "output_seconds": round(time.perf_counter() - start, 3),
        "images_per_second": round(pass1["processed_items"] / pass1["seconds"], 1)
        if pass1["seconds"] > 0 and pass1["processed_items"]
        else None,
    }
    if got.n_input != report["kept"] + report["dropped"] + report["errors"]:
        raise PhotogenicError(f"accounting mismatch: {report['accounting']}")
    return summary


def funnel_rows(
    got: Collected, decisions: Decisions, notes: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per funnel stage: dropped there, remaining after it, reasons, notice."""
    from photogenic.curate.stages import FUNNEL

    remaining = got.n_input
    rows = [{"stage": "input", "dropped": 0, "remaining": remaining, "reasons": {}, "notice": ""}]
    for stage in FUNNEL:
        if stage in ("dedup", "balance", "select"):
            dropped = decisions.counts.get(stage, 0)
            reasons = dict(decisions.reasons.get(stage, {}))
        else:
            dropped = got.first_drops.get(stage, 0) - decisions.moved.get(stage, 0)
            reasons = dict(got.reasons.get(stage, {}))
            if decisions.moved.get(stage):
                reasons = {"(also copies, counted at dedup)": decisions.moved[stage], **reasons}
        remaining -= dropped
        rows.append(
            {
                "stage": stage,
                "dropped": dropped,
                "remaining": remaining,
                "reasons": reasons,
                "notice": notes.get(stage, ""),
            }
        )
    return rows


def _example_indices(
    got: Collected, decisions: Decisions, n: int
) -> dict[str, list[dict[str, Any]]]:
    """Per stage, the first ``n`` items it dropped (input order), and the ``n`` best kept."""
    out: dict[str, list[dict[str, Any]]] = {}
    for stage, rows in got.examples.items():
        out[stage] = [r for r in rows if decisions.verdict(r["i"]) is None][:n]
    for stage in ("dedup", "balance", "select"):
        for index, reason, values in decisions.dropped(stage, n):
            out.setdefault(stage, []).append({"i": index, "reason": reason, "values": values})
    out["kept"] = [{"i": i, "reason": f"rank {r}", "values": {}} for i, r in decisions.best(n)]
    return out


def _write_outputs(
    input_path: str,
    out: Path,
    n_shards: int,
    decisions: Decisions,
    examples: dict[str, list[dict[str, Any]]],
    thumbs: dict[int, Any],
    link: str,
) -> tuple[int, int]:
    """Pass 2: ``kept/`` and ``dropped.jsonl`` in input order, and the example thumbnails."""
    from photogenic.curate.report import example_thumbnail

    wanted = {e["i"] for rows in examples.values() for e in rows}
    tmp = out / f".{DROPPED}.tmp{os.getpid()}"
    extra: dict[int, dict[str, Any]] = {}
    dropped_rows = 0
    lookup = OrderedLookup(decisions.in_order())

    def kept_items() -> Iterator[Item]:
        nonlocal dropped_rows
        records = _records(out, n_shards)
        with open(tmp, "w", encoding="utf-8") as f:
            for item, row in zip(open_dataset(input_path), records, strict=True):
                index = row["i"]
                if index in wanted:
                    thumbs[index] = example_thumbnail(item)
                verdict, rank = lookup.get(index, (None, None))
                if verdict is None and row["stage"] is not None:
                    verdict = (row["stage"], row["reason"], {})
                rank = rank if verdict is None else None
                if rank is not None and item.text is not None:
                    values = row["values"]
                    cols = {k: values[k] for k in KEPT_COLUMNS if k in values}
                    cols.update({k: v for k, v in values.items() if k.startswith("photogenic_")})
                    cols["curate_rank"] = rank
                    extra[id(item)] = cols
                    yield item
                    continue
                if verdict is None:
                    verdict = ("caption", "caption_missing", {})
                stage, reason, more = verdict
                values = {**row["values"], **more}
                f.write(
                    json.dumps(
                        {
                            "id": row["id"],
                            "file_name": row["file_name"],
                            "text": row["text"],
                            "stage": stage,
                            "reason": reason,
                            "values": values,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                dropped_rows += 1
            f.flush()
            os.fsync(f.fileno())

    written = write_subset(
        kept_items(), out / KEPT, mode=link, extra_columns=lambda item: extra.pop(id(item), {})
    )  # type: ignore[arg-type]
    os.replace(tmp, out / DROPPED)
    return written, dropped_rows


def _records(out: Path, n_shards: int) -> Iterator[dict[str, Any]]:
    for number in range(n_shards):
        _, rows = read_shard(shard_path(out, number))
        yield from rows
