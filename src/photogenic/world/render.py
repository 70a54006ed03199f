"""Rendering one world item: a pure function of ``(seed, index, config)``.

Every random choice of item ``index`` comes from one generator, ``np.random.default_rng([seed,
index])``, drawn in a fixed layout (see ``Draws``): fixed-size blocks first (duplicate decision, near-copy
edit, content, quality factors, background, distractors), then the draws whose count depends on the
canvas (background details, sensor noise). So an item never depends on which other items were made,
in which order, or by which worker, and forcing one factor leaves the other draws unchanged. A
duplicate re-renders its source item the same way.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

import numpy as np

from photogenic.errors import PhotogenicError
from photogenic.world import degrade
from photogenic.world.appeal import appeal, is_needle
from photogenic.world.backgrounds import nominal_color, render_background
from photogenic.world.content import COLORS, caption, sample_content
from photogenic.world.duplicates import duplicate_source, make_duplicate
from photogenic.world.factors import FACTORS, Plan, sample_plan
from photogenic.world.item import Draws, WorldItem, draws, item_id
from photogenic.world.shapes import SHAPES, coverage_box

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig


def _force_original(force: dict[str, str] | None, content: dict | None) -> dict[str, str]:
    force = dict(force or {})
    if (force or content) and "duplicate" not in force:
        force["duplicate"] = "none"  # pinning factors or content renders the item as an original
    return force


def _plan(seed: int, index: int, config: WorldConfig, force: dict, content: dict | None):
    """The draws, content and plan (levels, values, separation) of an original item."""
    d = draws(seed, index, config)
    drawn = sample_content(d.content, config)
    if content:
        unknown = sorted(set(content) - set(drawn))
        if unknown:
            raise PhotogenicError(f"content: unknown field {unknown[0]!r}; expected {list(drawn)}")
        drawn.update(content)
    plan = sample_plan(d.quality, drawn, config, force)
    plan.values["separation"] = _separation(drawn, plan)
    plan.levels["separation"] = (
        "good" if plan.values["separation"] >= config.appeal.separation_min else "low"
    )
    return d, drawn, plan


def _labels(drawn: dict, plan: Plan, config: WorldConfig) -> dict:
    """The ground-truth columns of an original item."""
    score, parts = appeal(plan.levels, plan.values, config)
    return {
        "content": drawn,
        "quality": {k: plan.levels[k] for k in (*FACTORS, "separation")},
        "quality_values": {k: round(float(v), 4) for k, v in sorted(plan.values.items())},
        "appeal": score,
        "appeal_parts": parts,
        "needle": is_needle(plan.levels, "none"),
        "duplicate_of": "",
        "duplicate_kind": "none",
    }


def label_item(
    seed: int,
    index: int,
    config: WorldConfig,
    force: dict[str, str] | None = None,
    content: dict[str, str] | None = None,
) -> dict:
    """The ground truth of item ``index`` without rendering it (about 50x faster than
    ``render_item``): text, content, quality, quality_values, appeal, appeal_parts, needle,
    duplicate_of, duplicate_kind — the same values as the item's metadata row."""
    force = _force_original(force, content)
    kind, source = duplicate_source(seed, index, config, force)
    if kind != "none":
        labels = label_item(seed, source, config)
        return {**labels, "needle": False, "duplicate_of": item_id(source), "duplicate_kind": kind}
    _, drawn, plan = _plan(seed, index, config, force, content)
    return {"text": caption(drawn), **_labels(drawn, plan, config)}


def render_item(
    seed: int,
    index: int,
    config: WorldConfig,
    force: dict[str, str] | None = None,
    content: dict[str, str] | None = None,
) -> WorldItem:
    """Render item ``index`` of the world ``seed``.

    ``force`` pins factors to levels (``{"blur": "blurred", "exposure": "good", "duplicate":
    "near"}``; ``"good"`` means a factor's good level) and ``content`` pins content fields; every other
    draw stays what it would have been, so forced variants of one item differ only in those factors.
    Pinning a factor or content without forcing ``"duplicate"`` renders the item as an original.
    """
    force = _force_original(force, content)
    kind, source = duplicate_source(seed, index, config, force)
    if kind != "none":
        return make_duplicate(seed, index, kind, render_item(seed, source, config), config)
    d, drawn, plan = _plan(seed, index, config, force, content)
    pixels, mask = _render_scene(d, drawn, plan, config)
    jpeg = int(plan.values["jpeg_quality"]) if plan.levels["jpeg"] == "artefacts" else None
    data, ext = degrade.encode(pixels, jpeg, config.png_compress_level)
    iid = item_id(index)
    record = {
        "id": iid,
        "source": "world",
        "width": pixels.shape[1],
        "height": pixels.shape[0],
        "sha256": hashlib.sha256(data).hexdigest(),
        **_labels(drawn, plan, config),
    }
    return WorldItem(iid, index, data, ext, caption(drawn), record, mask)


def _separation(content: dict, plan: Plan) -> float:
    """Colour distance in [0, 1] between the subject and the background around it."""
    color = np.asarray(COLORS[content["color"]], np.float32)
    y, r = plan.center[1], plan.radius
    ratio = plan.values["aspect_ratio"]
    ry = r * ratio if ratio < 1 else r
    ys = [min(max(y + k * ry, 0.0), 1.0) for k in (-0.8, -0.4, 0.0, 0.4, 0.8)]
    bg = np.mean([nominal_color(content["background"], yy) for yy in ys], axis=0)
    return float(np.linalg.norm(color - bg) / math.sqrt(3))


def _canvas(config: WorldConfig, plan: Plan) -> tuple[int, int]:
    s = config.image_size
    ratio = plan.values["aspect_ratio"]
    if ratio > 1:
        return round(s * ratio), s
    if ratio < 1:
        return s, round(s / ratio)
    return s, s


def _render_scene(d: Draws, content: dict, plan: Plan, config: WorldConfig):
    """The clean scene, then its faults; returns the final uint8 pixels and the clean subject mask."""
    q = config.quality
    v = plan.values
    width, height = _canvas(config, plan)
    short = min(width, height)
    img = render_background(content["background"], height, width, d.background, d.rng)
    lx, ly = math.cos(plan.light_angle), math.sin(plan.light_angle)
    strength = v["light_strength"]
    if strength > 0:  # directional light: a gentle ramp across the scene
        xs = np.linspace(-1, 1, width, dtype=np.float32)
        ys = np.linspace(-1, 1, height, dtype=np.float32)
        ramp = 1 - q.lighting.scene_ramp * (xs[None, :] * lx + ys[:, None] * ly) / 1.4
        img *= ramp[..., None]
    cx, cy = plan.center[0] * width, plan.center[1] * height
    radius = plan.radius * short
    ss = config.supersample
    if v["distractors"] > 0:
        _add_distractors(
            img, d.distractors, int(v["distractors"]), (cx, cy, radius), content, config
        )
    mask = np.zeros((height, width), np.float32)
    box = coverage_box(content["subject"], cx, cy, radius, height, width, ss)
    if box is not None:
        (y0, y1, x0, x1), cov = box
        mask[y0:y1, x0:x1] = cov
        if strength > 0:  # cast shadow: the subject's silhouette offset away from the light
            off = max(1, round(0.18 * radius))
            sy0, sx0 = y0 + round(off * ly), x0 + round(off * lx)
            ty0, tx0 = max(0, sy0), max(0, sx0)
            ty1, tx1 = min(height, sy0 + y1 - y0), min(width, sx0 + x1 - x0)
            if ty1 > ty0 and tx1 > tx0:
                shadow = cov[ty0 - sy0 : ty1 - sy0, tx0 - sx0 : tx1 - sx0]
                img[ty0:ty1, tx0:tx1] *= (1 - q.lighting.shadow_darkness * shadow)[..., None]
        subject = _shaded(
            COLORS[content["color"]], (cx - x0, cy - y0), radius, (lx, ly), strength, cov.shape
        )
        region = img[y0:y1, x0:x1]
        region += cov[..., None] * (subject - region)
    img = degrade.tone(
        img,
        v["exposure_ev"],
        v["contrast_scale"],
        v["saturation_scale"],
        v["cast_strength"],
        plan.tint,
    )
    img = degrade.gaussian_blur(img, v["blur_sigma"])
    arr = degrade.downscale(degrade.to_uint8(img), int(v["saved_short_side"]))
    arr = degrade.add_noise(arr, v["noise_sigma"], d.rng)
    arr = degrade.overlay_text(
        arr,
        plan.text,
        plan.text_at,
        plan.text_color,
        plan.levels["text"] == "watermark",
        q.text.watermark_alpha,
    )
    return arr, mask


def _shaded(color, center, radius, light, strength, shape) -> np.ndarray:
    """The subject's colour under the light over a box of ``shape`` (``center`` in box pixels):
    darker on the shadow side, a highlight on the lit side."""
    base = np.asarray(color, np.float32)
    if strength <= 0:
        return base
    xs = (np.arange(shape[1], dtype=np.float32) + 0.5 - center[0]) * np.float32(light[0] / radius)
    ys = (np.arange(shape[0], dtype=np.float32) + 0.5 - center[1]) * np.float32(light[1] / radius)
    t = xs[None, :] + ys[:, None]
    np.maximum(t, -1, out=t)
    np.minimum(t, 1, out=t)
    shade = (1 - np.float32(strength) * t)[..., None]
    highlight = (np.float32(0.3 * strength) * np.maximum(0, -t))[..., None]
    return degrade.clip01(base * shade + highlight)


def _add_distractors(img, uniforms, count, subject, content, config: WorldConfig) -> None:
    """Paint ``count`` small flat objects around (not over) the subject, in colours that stand out."""
    height, width = img.shape[:2]
    short = min(width, height)
    c = config.quality.clutter
    cx, cy, cr = subject
    names = list(SHAPES)
    palette = np.array([COLORS[k] for k in COLORS if k != content["color"]], np.float32)
    placed: list[tuple[float, float, float]] = [(cx, cy, cr)]
    for u in uniforms[:count]:
        r = short * (c.radius_min + (c.radius_max - c.radius_min) * u[0])
        x = y = 0.0
        for k in range(4):  # a few tries at a free spot; the last try is kept regardless
            x = r + u[3 + 2 * k] * (width - 2 * r)
            y = r + u[4 + 2 * k] * (height - 2 * r)
            if all(math.hypot(x - px, y - py) > r + pr + 2 for px, py, pr in placed):
                break
        placed.append((x, y, r))
        contrast = np.abs(palette - nominal_color(content["background"], y / height)).max(axis=1)
        color = palette[np.argsort(-contrast, kind="stable")[int(u[2] * 4)]]  # a top-4 standout
        box = coverage_box(
            names[int(u[1] * len(names))], x, y, r, height, width, config.supersample
        )
        if box is not None:
            (y0, y1, x0, x1), cov = box
            region = img[y0:y1, x0:x1]
            region += cov[..., None] * (color - region)
