"""The per-item work of one shard: run the enabled per-item stages in order, return plain records.

Runs in whichever process the engine chose; stages are built (and their models loaded) once per
process. A record is ``{"i", "id", "file_name", "text", "stage", "reason", "values"}`` (plus
``flags`` when measuring), JSON-ready, and depends on nothing but the item and the config, so any
engine and any number of workers give the same records.
"""

from __future__ import annotations

import io
import math
import time
from typing import Any

import numpy as np
from PIL import Image

from photogenic.config import from_dict, to_dict
from photogenic.curate.concepts import ConceptFinder
from photogenic.curate.config import CurateConfig
from photogenic.curate.stages import STAGES, Context, ItemStage
from photogenic.data.item import Item

_STATE: dict[str, Any] = {}


def item_stages(config: CurateConfig, measure_only: bool = False) -> list[ItemStage]:
    """The per-item stages that will run, in funnel order (skipped ones left out)."""
    out = []
    for name in ("size", "caption", "ocr", "offensive", "clip_score", "aesthetic", "photogenic"):
        stage = STAGES.get(name)(config)
        if name in ("size", "caption", "photogenic"):
            out.append(stage)  # always measure; they drop only when enabled
        elif stage.notice() is None:
            out.append(stage)
    return out  # type: ignore[return-value]


def _state(config_dict: dict, measure_only: bool) -> dict[str, Any]:
    key = (repr(config_dict), measure_only)
    if _STATE.get("key") != key:
        config = from_dict(CurateConfig, config_dict)
        _STATE.clear()
        _STATE.update(
            key=key,
            config=config,
            stages=item_stages(config, measure_only),
            concepts=ConceptFinder(config.balance) if config.balance.enabled else None,
        )
    return _STATE


def run_shard(
    config_dict: dict, items: list[tuple[int, Item]], measure_only: bool = False
) -> dict[str, Any]:
    """Process one shard's ``(index, item)`` pairs; returns ``{"records", "seconds"}``.

    Items go through the stages ``micro_batch`` at a time, and each one's pixels are let go once
    its batch is through, so a worker holds a few decoded images, not a shard's worth.
    """
    state = _state(config_dict, measure_only)
    contexts = [Context(i, item, measure_only) for i, item in items]
    seconds: dict[str, float] = {}
    size = state["config"].micro_batch
    finder = state["concepts"]
    for first in range(0, len(contexts), size):
        batch = contexts[first : first + size]
        for stage in state["stages"]:
            start = time.perf_counter()
            live = [c for c in batch if c.alive or (measure_only and c.image is not None)]
            if stage.needs_image:
                live = [c for c in live if c.image is not None]
            if live:
                _run_safely(stage, live)
            seconds[stage.name] = seconds.get(stage.name, 0.0) + time.perf_counter() - start
        for ctx in batch:
            if finder is not None and (ctx.alive or measure_only):
                ctx.values["concept"] = finder(ctx.item, ctx.image)
            ctx.loaded = None  # the pixels are measured; the record keeps the values
    return {"records": [_record(c) for c in contexts], "seconds": seconds}


def prepare(config_dict: dict, measure_only: bool = False) -> None:
    """Make this process ready for shards: build the stages (loading their models) and take a
    synthetic photo through every one of them (measuring, so none stops it), so the first call's
    costs (compiled kernels' loading, lazy imports) are not the first shard's."""
    stages = _state(config_dict, measure_only)["stages"]
    ctx = Context(0, warm_up_item(), measure_only=True)
    for stage in stages:
        _run_safely(stage, [ctx])


def warm_up_item() -> Item:
    """A 768×512 JPEG of a sky gradient over a field with a round subject."""
    y = np.linspace(0.0, 1.0, 512, dtype=np.float32)[:, None, None]
    pixels = np.broadcast_to(np.array([90, 150, 230], np.float32) * (1.0 - 0.4 * y), (512, 768, 3))
    pixels = pixels.copy()
    pixels[320:] = (70, 130, 60)
    yy, xx = np.mgrid[:512, :768]
    pixels[(yy - 300) ** 2 + (xx - 500) ** 2 < 90**2] = (200, 60, 40)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    return Item(
        id="warm-up",
        file_name="warm-up.jpg",
        text="a red ball on green grass under a blue sky",
        data=buffer.getvalue(),
    )


def _run_safely(stage: ItemStage, batch: list[Context]) -> None:
    """One failing item must not stop the run: retry item by item, drop the ones that raise."""
    try:
        stage.run(batch)
    except Exception:
        for ctx in batch:
            try:
                stage.run([ctx])
            except Exception as exc:  # recorded as the item's reason, never a crash
                ctx.values[f"{stage.name}_error"] = f"{type(exc).__name__}: {exc}"[:300]
                ctx.fail(stage.name, "stage_error")


def _plain(value: Any) -> Any:
    if type(value) is float:  # most values (from ``tolist``): the quick way
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _record(ctx: Context) -> dict[str, Any]:
    row: dict[str, Any] = {
        "i": ctx.index,
        "id": ctx.item.id,
        "file_name": ctx.item.file_name,
        "text": ctx.item.text,
        "stage": ctx.stage,
        "reason": ctx.reason,
        "values": {k: _plain(v) for k, v in ctx.values.items()},
    }
    if ctx.item.error is not None:
        row["values"]["decode_detail"] = ctx.item.detail
    if ctx.measure_only:
        row["flags"] = ctx.flags
    return row


def config_payload(config: CurateConfig) -> dict:
    """The config as a plain mapping (what travels to worker processes)."""
    return to_dict(config)
