"""The photographic quality factors: their levels, and drawing them for one item.

Every factor is drawn independently from six uniforms of its own (always the same number), so forcing
one factor to a level (``force={"blur": "blurred"}``) leaves every other draw of the item unchanged.
The first level of each factor is its good level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from photogenic.errors import PhotogenicError

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig

FACTORS: dict[str, tuple[str, ...]] = {
    "exposure": ("good", "dim", "blown_out"),
    "contrast": ("good", "low"),
    "saturation": ("good", "washed_out", "monochrome", "color_cast"),
    "blur": ("sharp", "blurred"),
    "noise": ("clean", "noisy"),
    "jpeg": ("none", "artefacts"),
    "composition": ("thirds", "centred", "cut_off", "too_small"),
    "clutter": ("clean", "cluttered"),
    "lighting": ("directional", "flat"),
    "text": ("none", "overlay", "watermark"),
    "resolution": ("full", "low"),
    "aspect": ("square", "wide", "tall"),
}
# Derived from content (subject colour vs background), not drawn; part of the needle test.
SEPARATION_LEVELS = ("good", "low")
GOOD_LEVELS: dict[str, str] = {name: levels[0] for name, levels in FACTORS.items()}
DUPLICATE_KINDS = ("none", "exact", "near")

# Tints of a colour cast (sRGB, before normalising to unit luminance).
CAST_TINTS: tuple[tuple[float, float, float], ...] = (
    (1.0, 0.62, 0.2),  # tungsten orange
    (0.35, 1.0, 0.45),  # fluorescent green
    (0.35, 0.55, 1.0),  # shade blue
    (1.0, 0.35, 0.85),  # magenta
)
SLOGANS = ("SALE", "50% OFF", "BUY NOW", "HD", "NEW!", "WOW", "FREE", "CLICK", "TOP 10", "4K")
WATERMARKS = ("(c)stock", "SAMPLE", "PREVIEW", "photo.com", "(c)2023")


@dataclass
class Plan:
    """Everything drawn for one item before any pixel is made."""

    levels: dict[str, str] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    center: tuple[float, float] = (0.5, 0.5)  # subject centre, fractions of (width, height)
    radius: float = 0.24  # subject radius, fraction of the short side
    light_angle: float = math.pi / 4  # direction the light travels (v down): shadow side
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    text: str = ""
    text_at: tuple[float, float] = (0.0, 0.0)  # top-left of the text, fractions of the free space
    text_color: int = 0


def _pick(u: float, shares: list[float], levels: tuple[str, ...]) -> str:
    """The bad level for ``u`` in [0, 1): ``shares`` of all but the last level, the rest to the last."""
    acc = 0.0
    for share, level in zip(shares, levels, strict=False):
        acc += share
        if u < acc:
            return level
    return levels[-1]


def _level(name: str, u0: float, p_bad: float, shares: list[float], force: dict[str, str]) -> str:
    levels = FACTORS[name]
    if name in force:
        wanted = force[name]
        if wanted == "good":
            return levels[0]
        if wanted not in levels:
            raise PhotogenicError(f"force {name}={wanted!r}: expected one of {list(levels)}")
        return wanted
    if u0 >= p_bad:
        return levels[0]
    return _pick(u0 / p_bad, shares, levels[1:])


def _uniform(u: float, lo: float, hi: float) -> float:
    return lo + (hi - lo) * u


def _int_uniform(u: float, lo: int, hi: int) -> int:
    return min(hi, lo + int(u * (hi - lo + 1)))


def sample_plan(
    u: np.ndarray, content: dict[str, str], config: WorldConfig, force: dict[str, str]
) -> Plan:
    """Draw every factor's level and value from ``u`` (shape ``(len(FACTORS), 6)``)."""
    unknown = sorted(set(force) - set(FACTORS) - {"duplicate"})
    if unknown:
        raise PhotogenicError(
            f"force: unknown factor {unknown[0]!r}; expected one of {list(FACTORS)}"
        )
    q = config.quality
    rows = dict(zip(FACTORS, u, strict=True))
    plan = Plan()
    lv, val = plan.levels, plan.values

    r = rows["exposure"]
    lv["exposure"] = _level("exposure", r[0], q.exposure.p_bad, [q.exposure.dim_share], force)
    if lv["exposure"] == "good":
        val["exposure_ev"] = (2 * r[1] - 1) * q.exposure.good_ev
    else:
        sign = -1.0 if lv["exposure"] == "dim" else 1.0
        val["exposure_ev"] = sign * _uniform(r[1], q.exposure.bad_ev_min, q.exposure.bad_ev_max)

    r = rows["contrast"]
    lv["contrast"] = _level("contrast", r[0], q.contrast.p_bad, [], force)
    lo, hi = (
        (q.contrast.good_min, q.contrast.good_max)
        if lv["contrast"] == "good"
        else (q.contrast.low_min, q.contrast.low_max)
    )
    val["contrast_scale"] = _uniform(r[1], lo, hi)

    r = rows["saturation"]
    s = q.saturation
    lv["saturation"] = _level(
        "saturation", r[0], s.p_bad, [s.washed_share, s.monochrome_share], force
    )
    val["saturation_scale"] = {
        "washed_out": _uniform(r[1], s.washed_min, s.washed_max),
        "monochrome": 0.0,
    }.get(lv["saturation"], 1.0)
    val["cast_strength"] = (
        _uniform(r[1], s.cast_min, s.cast_max) if lv["saturation"] == "color_cast" else 0.0
    )
    plan.tint = CAST_TINTS[int(r[2] * len(CAST_TINTS))]

    r = rows["blur"]
    lv["blur"] = _level("blur", r[0], q.blur.p_bad, [], force)
    val["blur_sigma"] = (
        _uniform(r[1], 0.0, q.blur.good_sigma_max)
        if lv["blur"] == "sharp"
        else _uniform(r[1], q.blur.bad_sigma_min, q.blur.bad_sigma_max)
    )

    r = rows["noise"]
    lv["noise"] = _level("noise", r[0], q.noise.p_bad, [], force)
    val["noise_sigma"] = (
        _uniform(r[1], 0.0, q.noise.good_sigma_max)
        if lv["noise"] == "clean"
        else _uniform(r[1], q.noise.bad_sigma_min, q.noise.bad_sigma_max)
    )

    r = rows["jpeg"]
    lv["jpeg"] = _level("jpeg", r[0], q.jpeg.p_bad, [], force)
    val["jpeg_quality"] = float(
        100 if lv["jpeg"] == "none" else _int_uniform(r[1], q.jpeg.quality_min, q.jpeg.quality_max)
    )

    r = rows["aspect"]
    lv["aspect"] = _level("aspect", r[0], q.aspect.p_bad, [q.aspect.wide_share], force)
    val["aspect_ratio"] = {"wide": q.aspect.ratio, "tall": 1 / q.aspect.ratio}.get(
        lv["aspect"], 1.0
    )

    _place_subject(plan, rows["composition"], content, config, force)

    r = rows["clutter"]
    lv["clutter"] = _level("clutter", r[0], q.clutter.p_bad, [], force)
    val["distractors"] = float(
        0
        if lv["clutter"] == "clean"
        else _int_uniform(r[1], q.clutter.count_min, q.clutter.count_max)
    )

    r = rows["lighting"]
    lv["lighting"] = _level("lighting", r[0], q.lighting.p_bad, [], force)
    val["light_strength"] = (
        _uniform(r[1], q.lighting.strength_min, q.lighting.strength_max)
        if lv["lighting"] == "directional"
        else 0.0
    )
    plan.light_angle = math.radians(_uniform(r[2], 25.0, 155.0))  # light from above, left or right

    r = rows["text"]
    lv["text"] = _level("text", r[0], q.text.p_bad, [1 - q.text.watermark_share], force)
    if lv["text"] != "none":
        words = SLOGANS if lv["text"] == "overlay" else WATERMARKS
        plan.text = words[int(r[1] * len(words))]
        plan.text_at = (float(r[2]), float(r[3]))
        plan.text_color = int(r[4] * 3)
    val["text_chars"] = float(len(plan.text.replace(" ", "")))

    r = rows["resolution"]
    lv["resolution"] = _level("resolution", r[0], q.resolution.p_bad, [], force)
    val["saved_short_side"] = float(
        config.image_size
        if lv["resolution"] == "full"
        else min(config.image_size, _int_uniform(r[1], q.resolution.low_min, q.resolution.low_max))
    )
    plan.values = {k: float(x) for k, x in val.items()}
    return plan


def _place_subject(
    plan: Plan, r: np.ndarray, content: dict, config: WorldConfig, force: dict
) -> None:
    """Composition: the subject's centre and radius, consistent with the caption's position."""
    c = config.quality.composition
    lv = plan.levels
    level = _level("composition", r[0], c.p_bad, [c.centred_share, c.cut_off_share], force)
    lv["composition"] = level
    radius = {
        "small": config.content.radius_small,
        "medium": config.content.radius_medium,
        "large": config.content.radius_large,
    }[content["size"]]
    position = content["position"]
    # Thirds point on the named side; a free axis picks one of its two thirds from r[2] / r[3].
    tx = {"left": 1 / 3, "right": 2 / 3}.get(position, 1 / 3 if r[2] < 0.5 else 2 / 3)
    ty = {"top": 1 / 3, "bottom": 2 / 3}.get(position, 1 / 3 if r[3] < 0.5 else 2 / 3)
    cut = 0.0
    if level in ("thirds", "too_small"):
        angle, dist = 2 * math.pi * r[4], c.jitter * r[5]
        x, y = tx + dist * math.cos(angle), ty + dist * math.sin(angle)
        if level == "too_small":
            radius *= c.too_small_scale
    elif level == "centred":
        x = tx if position in ("left", "right") else 0.5
        y = ty if position in ("top", "bottom") else 0.5
    else:  # cut_off: push the subject over the border on the named side (or a random side)
        side = position if position != "any" else ("left", "right", "top", "bottom")[int(r[2] * 4)]
        cut = _uniform(r[1], c.cut_min, c.cut_max)
        ratio = plan.values["aspect_ratio"]
        rx = radius / ratio if ratio > 1 else radius  # radius in fractions of width / height
        ry = radius * ratio if ratio < 1 else radius
        x, y = tx, ty
        if side == "left":
            x = rx - 2 * rx * cut
        elif side == "right":
            x = 1 - rx + 2 * rx * cut
        elif side == "top":
            y = ry - 2 * ry * cut
        else:
            y = 1 - ry + 2 * ry * cut
    plan.center = (x, y)
    plan.radius = radius
    plan.values["thirds_distance"] = thirds_distance(x, y)
    plan.values["cut_fraction"] = cut
    plan.values["subject_radius"] = radius


def thirds_distance(x: float, y: float) -> float:
    """Distance from ``(x, y)`` (fractions of the frame) to the nearest rule-of-thirds point."""
    return min(math.hypot(x - a, y - b) for a in (1 / 3, 2 / 3) for b in (1 / 3, 2 / 3))
