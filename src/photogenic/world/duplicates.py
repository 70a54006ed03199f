"""Duplicates: which earlier item a copy comes from, and how a near copy is edited.

Scraped pools are full of copies; the world makes exact ones (the same bytes) and near ones (a slight
crop, shift, brightness change or re-encode). Both inherit the source's caption, content, quality
labels and appeal; neither is a needle, so a curator that keeps copies is caught.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from photogenic.errors import PhotogenicError
from photogenic.world import degrade
from photogenic.world.item import WorldItem, draws, item_id

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig

NEAR_EDITS = ("crop", "shift", "brightness", "reencode")


def duplicate_source(
    seed: int, index: int, config: WorldConfig, force: dict | None = None
) -> tuple[str, int]:
    """``(kind, source)``: whether item ``index`` copies an earlier one, and which original it copies.

    Chains are followed to the original, so ``source`` is never itself a duplicate.
    """
    kind, source = _duplicate_draw(seed, index, config, force or {})
    while kind != "none":
        parent_kind, parent = _duplicate_draw(seed, source, config, {})
        if parent_kind == "none":
            break
        source = parent
    return kind, source


def _duplicate_draw(seed: int, index: int, config: WorldConfig, force: dict) -> tuple[str, int]:
    u = np.random.default_rng([seed, index]).random(2)  # the first block of ``draws``
    d = config.duplicates
    if "duplicate" in force:
        kind = force["duplicate"]
        if kind not in ("none", "exact", "near"):
            raise PhotogenicError(f"force duplicate={kind!r}: expected none, exact or near")
    elif u[0] < d.p_exact:
        kind = "exact"
    elif u[0] < d.p_exact + d.p_near:
        kind = "near"
    else:
        kind = "none"
    if index == 0 or kind == "none":
        if kind != "none" and "duplicate" in force:
            raise PhotogenicError("item 0 cannot be a duplicate: nothing comes before it")
        return "none", index
    lo = max(0, index - d.lookback) if d.lookback > 0 else 0
    return kind, lo + min(index - lo - 1, int(u[1] * (index - lo)))


def near_duplicate(
    source: WorldItem, seed: int, index: int, config: WorldConfig
) -> tuple[bytes, str]:
    """A slightly edited re-encode of ``source``: a crop, a shift, a brightness change or a format
    change; never pixel-identical to it (a flat image that an edit leaves unchanged is nudged)."""
    u = draws(seed, index, config).near_edit
    d = config.duplicates
    edit = NEAR_EDITS[int(u[0] * len(NEAR_EDITS))]
    original = source.pixels()
    h, w = original.shape[:2]
    image = Image.fromarray(original)
    k = 1 + int(u[1] * max(1, round(d.shift_max * min(w, h) / config.image_size)))  # px, scaled
    # A JPEG copy is saved again a little better (generation loss); a PNG stays a PNG.
    jpeg = (
        min(95, int(source.record["quality_values"]["jpeg_quality"]) + 5)
        if source.ext == "jpg"
        else None
    )
    if edit == "crop":
        left, top = int(u[2] * (k + 1)), int(u[3] * (k + 1))
        box = (left, top, w - (k - left), h - (k - top))
        image = image.crop(box).resize((w, h), Image.Resampling.BICUBIC)
    elif edit == "shift":
        dx, dy = (k if u[2] < 0.5 else -k), (k if u[3] < 0.5 else -k) * int(u[3] < 0.7)
        padded = np.pad(original, ((k, k), (k, k), (0, 0)), mode="edge")
        image = Image.fromarray(padded[k + dy : k + dy + h, k + dx : k + dx + w])
    elif edit == "brightness":
        gain = 1 + (1 if u[2] < 0.5 else -1) * (0.02 + u[3] * max(0.0, d.brightness_max - 0.02))
        image = Image.fromarray(np.clip(original * gain + 0.5, 0, 255).astype(np.uint8))
    elif jpeg is None:  # re-encode: a PNG becomes a good JPEG
        jpeg = 90 + int(u[2] * 6)
    data, ext = degrade.encode(image, jpeg, config.png_compress_level)
    for step in (4, 8, 16, 0):  # a flat or heavily quantised image may come out unchanged: nudge it
        with Image.open(io.BytesIO(data)) as im:
            if not np.array_equal(np.asarray(im.convert("RGB")), original):
                break
        if step == 0:  # lossless as a last resort
            data, ext = degrade.encode(image, None, config.png_compress_level)
            break
        delta = -step if original.mean() > 127 else step
        image = Image.fromarray(np.clip(original.astype(np.int16) + delta, 0, 255).astype(np.uint8))
        data, ext = degrade.encode(image, jpeg, config.png_compress_level)
    return data, ext


def make_duplicate(
    seed: int, index: int, kind: str, source: WorldItem, config: WorldConfig
) -> WorldItem:
    """Item ``index`` as an exact or near copy of ``source`` (content, labels and appeal inherited)."""
    record = dict(source.record)
    if kind == "exact":
        data, ext = source.data, source.ext
    else:
        data, ext = near_duplicate(source, seed, index, config)
    iid = item_id(index)
    record.update(
        id=iid,
        sha256=hashlib.sha256(data).hexdigest(),
        needle=False,
        duplicate_of=source.id,
        duplicate_kind=kind,
    )
    return WorldItem(iid, index, data, ext, source.text, record, source.mask)
