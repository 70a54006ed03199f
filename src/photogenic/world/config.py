"""Typed config of the haystack world: content choices, one block per quality factor, appeal weights.

Every number is documented where it is defined. Probabilities are per item and independent across
factors; ``p_bad`` is the chance that a factor takes one of its bad levels. With the defaults about
3 % of items have every factor good (the "needles").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from photogenic.world.content import BACKGROUNDS, COLORS, SUBJECTS


@dataclass
class ContentConfig:
    """What the images show; the caption describes only this."""

    subjects: list[str] = field(
        default_factory=lambda: list(SUBJECTS)
    )  # subject classes drawn from
    colors: list[str] = field(default_factory=lambda: list(COLORS))  # named subject colours
    backgrounds: list[str] = field(default_factory=lambda: list(BACKGROUNDS))  # background scenes
    p_position: float = 0.35  # chance the caption names a side (left/right/top/bottom)
    p_size: float = 0.35  # chance the subject is "small" or "large" (named); else medium (unnamed)
    radius_small: float = 0.17  # subject radius as a fraction of the image's short side
    radius_medium: float = 0.24
    radius_large: float = 0.3


@dataclass
class ExposureConfig:
    """Exposure error in stops (EV), applied as ``x * 2**(EV / 2.2)`` on gamma-encoded values."""

    p_bad: float = 0.25
    dim_share: float = 0.5  # share of bad exposures that are dim; the rest are blown out
    good_ev: float = 0.3  # good: EV uniform in [-good_ev, +good_ev]
    bad_ev_min: float = 1.2  # bad: |EV| uniform in [bad_ev_min, bad_ev_max]
    bad_ev_max: float = 2.5


@dataclass
class ContrastConfig:
    """Contrast scale around the mean luminance: ``m + c * (x - m)``."""

    p_bad: float = 0.22
    good_min: float = 0.95  # good: c uniform in [good_min, good_max]
    good_max: float = 1.05
    low_min: float = 0.3  # low (flat) contrast: c uniform in [low_min, low_max]
    low_max: float = 0.55


@dataclass
class SaturationConfig:
    """Colour faults: washed out, monochrome, or one dominant colour cast."""

    p_bad: float = 0.25
    washed_share: float = 0.4  # shares of the bad levels; the rest is colour cast
    monochrome_share: float = 0.25
    washed_min: float = 0.15  # washed out: saturation scale uniform in [washed_min, washed_max]
    washed_max: float = 0.45
    cast_min: float = 0.45  # colour cast: blend strength toward one tint, uniform in [min, max]
    cast_max: float = 0.75


@dataclass
class BlurConfig:
    """Gaussian blur (lens defocus or shake), sigma in pixels at full resolution."""

    p_bad: float = 0.25
    good_sigma_max: float = 0.3  # good: sigma uniform in [0, good_sigma_max]
    bad_sigma_min: float = 1.0  # blurred: sigma uniform in [bad_sigma_min, bad_sigma_max]
    bad_sigma_max: float = 2.5


@dataclass
class NoiseConfig:
    """Gaussian sensor noise, sigma in 0-255 units at the saved resolution."""

    p_bad: float = 0.22
    good_sigma_max: float = 2.0  # good: sigma uniform in [0, good_sigma_max]
    bad_sigma_min: float = 10.0  # noisy: sigma uniform in [bad_sigma_min, bad_sigma_max]
    bad_sigma_max: float = 28.0


@dataclass
class JpegConfig:
    """JPEG compression artefacts; good items are saved as lossless PNG."""

    p_bad: float = 0.25
    quality_min: int = 5  # bad: JPEG quality uniform integer in [quality_min, quality_max]
    quality_max: int = 25


@dataclass
class CompositionConfig:
    """Where the subject sits: on a thirds point (good), centred, cut off at the border, too small."""

    p_bad: float = 0.38
    centred_share: float = 0.4  # shares of the bad levels; the rest is "too_small"
    cut_off_share: float = 0.3
    jitter: float = 0.03  # good: offset from the thirds point, uniform up to this (frame fractions)
    cut_min: float = 0.3  # cut off: fraction of the subject's extent outside the frame
    cut_max: float = 0.55
    too_small_scale: float = 0.4  # too small: subject radius multiplied by this


@dataclass
class ClutterConfig:
    """Distractor objects scattered around the subject."""

    p_bad: float = 0.25
    count_min: int = 3  # cluttered: number of distractors uniform integer in [count_min, count_max]
    count_max: int = 7
    radius_min: float = 0.06  # distractor radius as a fraction of the short side
    radius_max: float = 0.11


@dataclass
class LightingConfig:
    """Directional light (shading across the subject, a cast shadow, a scene ramp) vs flat light."""

    p_bad: float = 0.3
    strength_min: float = 0.3  # good: shading amplitude uniform in [strength_min, strength_max]
    strength_max: float = 0.5
    shadow_darkness: float = 0.45  # how much the cast shadow darkens the background
    scene_ramp: float = 0.08  # brightness ramp across the whole frame under directional light


@dataclass
class TextConfig:
    """Overlaid text (a slogan) or a semi-transparent watermark, in PIL's default bitmap font."""

    p_bad: float = 0.18
    watermark_share: float = 0.4  # share of bad items with a watermark; the rest get a slogan
    watermark_alpha: float = 0.55  # opacity of the watermark


@dataclass
class ResolutionConfig:
    """Low resolution: the saved image is downscaled."""

    p_bad: float = 0.15
    low_min: int = 24  # low: saved short side uniform integer in [low_min, low_max] px
    low_max: int = 32


@dataclass
class AspectConfig:
    """Odd aspect ratio: a panorama-like canvas (``ratio``:1 or 1:``ratio``)."""

    p_bad: float = 0.08
    ratio: float = 3.0  # long side / short side of an odd canvas
    wide_share: float = 0.5  # share of odd canvases that are wide; the rest are tall


@dataclass
class QualityConfig:
    """One block per photographic quality factor; each is drawn independently per item."""

    exposure: ExposureConfig = field(default_factory=ExposureConfig)
    contrast: ContrastConfig = field(default_factory=ContrastConfig)
    saturation: SaturationConfig = field(default_factory=SaturationConfig)
    blur: BlurConfig = field(default_factory=BlurConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    jpeg: JpegConfig = field(default_factory=JpegConfig)
    composition: CompositionConfig = field(default_factory=CompositionConfig)
    clutter: ClutterConfig = field(default_factory=ClutterConfig)
    lighting: LightingConfig = field(default_factory=LightingConfig)
    text: TextConfig = field(default_factory=TextConfig)
    resolution: ResolutionConfig = field(default_factory=ResolutionConfig)
    aspect: AspectConfig = field(default_factory=AspectConfig)


@dataclass
class DuplicateConfig:
    """Copies of earlier items, as scraped pools are full of them."""

    p_exact: float = 0.02  # chance an item is a byte-identical copy of an earlier item
    p_near: float = 0.03  # chance it is a near copy (slight crop, shift, brightness or re-encode)
    lookback: int = 0  # copy one of the previous ``lookback`` items; 0 = any earlier item
    brightness_max: float = 0.06  # near copy: brightness change uniform in [2 %, this]
    shift_max: int = (
        2  # near copy: crop or shift of 1..shift_max px (full size; scaled when smaller)
    )


@dataclass
class AppealConfig:
    """Weights of the five principles in the appeal (a weighted geometric mean; they sum to 1)."""

    composition: float = 0.2
    lighting: float = 0.2
    color: float = 0.2
    subject: float = 0.2
    technical: float = 0.2
    separation_min: float = 0.25  # subject/background colour distance (0-1) below which it is "low"


@dataclass
class WorldConfig:
    """The whole world: image size, content, quality factors, duplicates and the appeal weights."""

    image_size: int = 64  # short side of a full-resolution image, px
    supersample: int = 4  # shapes are drawn at this many samples per pixel and axis, then averaged
    png_compress_level: int = 1  # zlib level for PNG files (1 = fast, 9 = small)
    content: ContentConfig = field(default_factory=ContentConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    duplicates: DuplicateConfig = field(default_factory=DuplicateConfig)
    appeal: AppealConfig = field(default_factory=AppealConfig)


def validate(config: WorldConfig) -> WorldConfig:
    """Check names and ranges that the type checks of the loader cannot; returns ``config``."""
    from photogenic.errors import ConfigError

    c = config.content
    for key, allowed, chosen in (
        ("content.subjects", SUBJECTS, c.subjects),
        ("content.colors", COLORS, c.colors),
        ("content.backgrounds", BACKGROUNDS, c.backgrounds),
    ):
        if not chosen:
            raise ConfigError(f"{key}: choose at least one of {list(allowed)}")
        bad = [x for x in chosen if x not in allowed]
        if bad:
            raise ConfigError(f"{key}: unknown {bad[0]!r}; expected some of {list(allowed)}")
    if not 16 <= config.image_size <= 4096:
        raise ConfigError(f"image_size: expected 16..4096 px, got {config.image_size}")
    if not 1 <= config.supersample <= 16:
        raise ConfigError(f"supersample: expected 1..16, got {config.supersample}")
    probs = {"content.p_position": c.p_position, "content.p_size": c.p_size}
    for name in QualityConfig.__dataclass_fields__:
        probs[f"quality.{name}.p_bad"] = getattr(config.quality, name).p_bad
    d = config.duplicates
    probs["duplicates.p_exact + p_near"] = d.p_exact + d.p_near
    for key, p in probs.items():
        if not 0.0 <= p <= 1.0:
            raise ConfigError(f"{key}: expected a probability in [0, 1], got {p}")
    q = config.quality
    if q.resolution.low_min < 8 or q.resolution.low_max < q.resolution.low_min:
        raise ConfigError("quality.resolution: expected 8 <= low_min <= low_max")
    if q.jpeg.quality_min < 1 or q.jpeg.quality_max > 95 or q.jpeg.quality_max < q.jpeg.quality_min:
        raise ConfigError("quality.jpeg: expected 1 <= quality_min <= quality_max <= 95")
    if q.aspect.ratio < 1:
        raise ConfigError(f"quality.aspect.ratio: expected >= 1, got {q.aspect.ratio}")
    return config
