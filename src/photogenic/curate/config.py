"""Typed config of the curation funnel: one block per stage, each with ``enabled``.

Stages run in the paper's order, cheapest first (DESIGN: curate): size, caption, dedup, ocr,
offensive, clip_score, aesthetic, photogenic, balance, select. The defaults are DataComp-style
settings for real photos (min side 200 px, aspect ratio at most 3, captions of more than 2 words);
``recipes/curate-world.yaml`` sets them for the small world images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from photogenic.errors import ConfigError


@dataclass
class SizeConfig:
    """Stage 1: decode, then image size and aspect ratio (DataComp: min side >= 200, aspect <= 3)."""

    enabled: bool = True
    min_side: int = 200  # px, the short side at full resolution
    max_aspect: float = 3.0  # long side / short side
    max_pixels: int = 64_000_000  # decompression-bomb limit, checked on the header


@dataclass
class CaptionConfig:
    """Stage 2: caption sanity (DataComp: English caption of more than 2 words)."""

    enabled: bool = True
    min_words: int = 3
    min_chars: int = 5
    max_chars: int = 2000
    min_letter_share: float = (
        0.5  # letters / non-space characters: rules out "IMG_1234.JPG", "====="
    )
    max_repeat_share: float = 0.5  # most frequent word / words: rules out "sale sale sale sale"


@dataclass
class DedupConfig:
    """Stage 3: exact (XXH3-128 of the bytes) and near (perceptual hash) duplicates."""

    enabled: bool = True
    exact: bool = True
    near: bool = True
    hash: str = "phash"  # a key of photogenic.curate.hashing.HASHES
    max_distance: int = 6  # Hamming distance (of 64 bits) at or below which two images are copies
    max_color_distance: float = (
        10.0  # ... and their 4x4 colour grids differ by at most this (0-255)
    )
    score: str = "photogenic_score"  # the copy with the highest value of this column is kept


@dataclass
class OcrConfig:
    """Stage 4: overlaid text found by an OCR text detector (the paper's OCR filter)."""

    enabled: bool = True
    engine: str = "rapidocr"  # a key of photogenic.curate.stages.ocr.OCR_ENGINES
    side: int = 640  # the image is scaled so its long side is this (px) before detection
    box_threshold: float = 0.5  # detector confidence for a text box
    min_confidence: float = 0.5  # recogniser confidence to count a box as text; 0: detect only
    max_boxes: int = 3  # drop when more text boxes (lines) are found ...
    max_area: float = 0.05  # ... or they cover more than this share of the image


@dataclass
class OffensiveConfig:
    """Stage 5: offensive content, by a pluggable filter."""

    enabled: bool = True
    filter: str = "nudenet"  # a key of photogenic.curate.stages.offensive.OFFENSIVE_FILTERS
    plugin: str = (
        ""  # "package.module:factory" returning a filter (see the stage); overrides filter
    )
    threshold: float = 0.5  # drop at this detector score or more
    side: int = 320  # px, long side the filter sees


@dataclass
class ClipScoreConfig:
    """Stage 6a: image-text alignment (CLIP score ``100 · cos``); skipped without a local model."""

    enabled: bool = True
    model: Path | None = None  # a local transformers CLIPModel folder (save_pretrained layout)
    min_score: float = 0.0  # drop below this CLIP score (0 keeps everything, measures only)
    batch_size: int = 32
    device: str = "cpu"


@dataclass
class AestheticConfig:
    """Stage 6b: LAION-style aesthetic MLP on CLIP image embeddings; skipped without weights."""

    enabled: bool = True
    model: Path | None = None  # local CLIPModel folder whose image embeddings the head reads
    head: Path | None = None  # the MLP's weights (.pth / .pt / .safetensors state dict)
    min_score: float = 0.0  # drop below this predicted rating (LAION scale 1-10; 0 keeps all)
    batch_size: int = 32
    device: str = "cpu"


@dataclass
class Term:
    """One measurement's desirability: ``bad`` scores about ``floor``, ``good`` about 1."""

    measure: str = ""
    bad: float = 0.0
    good: float = 1.0
    floor: float = 0.05


def _default_principles() -> dict[str, list[Term]]:
    t = Term
    return {
        "lighting": [
            t("value_p99", 0.45, 0.75),  # dim: no pixel near full value
            t("colour_clipped_fraction", 0.3, 0.02),  # blown highlights that lost their colour
            t("clipped_fraction", 0.6, 0.1),
            t("dark_fraction", 0.5, 0.1),  # crushed shadows
            t("mean_luminance", 0.9, 0.7),  # overall too bright
        ],
        "color": [
            t("rms_contrast", 0.02, 0.15),  # flat; 0.15 is a typical photo's, more is no better
            t("colorfulness", 5.0, 45.0),  # Hasler-Süsstrunk "averagely colourful"; washed out
            t("dominant_hue_share", 1.0, 0.9),  # one colour rules the image
        ],
        "composition": [
            t("subject_touches_border", 1.0, 0.0, 0.5),
            t("subject_area", 0.01, 0.05, 0.5),
        ],
        "subject": [
            t("clutter", 25.0, 5.0, 0.6),
        ],
        "technical": [
            t("edge_sharpness", 0.3, 2.0),  # blur, soft upscales
            t("noise_sigma_flat", 8.0, 1.0),  # Immerkær σ in the flattest cells, 0-255
            t("jpeg_quality", 30.0, 70.0),  # from the quantisation table in the header
            t("text_area", 0.25, 0.0),  # text lines read by OCR (when it ran); 1/4 = a poster
        ],
    }


def _default_weights() -> dict[str, float]:
    return {"composition": 0.2, "lighting": 0.2, "color": 0.2, "subject": 0.2, "technical": 0.2}


@dataclass
class PhotogenicConfig:
    """Stage 7: weight-free measurements and the photogenic score (one sub-score per principle)."""

    enabled: bool = True
    measure_side: int = 256  # px: short side of the image sharpness and noise are measured on
    composition_side: int = 64  # px: short side of the copy colour and composition are measured on
    principles: dict[str, list[Term]] = field(default_factory=_default_principles)
    weights: dict[str, float] = field(default_factory=_default_weights)
    min_score: float = 0.0  # drop below this photogenic score
    min_part: float = 0.0  # drop when any principle's sub-score is below this


@dataclass
class BalanceConfig:
    """Stage 8: cap the share of any one concept in the selection."""

    enabled: bool = True
    source: str = "keywords"  # a key of photogenic.curate.concepts.CONCEPT_SOURCES
    keywords: list[str] = field(default_factory=list)  # "keywords": first one in the caption wins
    column: str = "category"  # "column": the item's column with the concept
    classifier: str = ""  # "classifier": "package.module:factory" -> fn(image, text) -> concept
    max_share: float = 0.25  # of the budget (top_k, or the survivors when there is no top_k)


@dataclass
class SelectConfig:
    """Stage 9: the top-K by a score column, within the balanced budget."""

    enabled: bool = True
    score: str = "photogenic_score"
    top_k: int | None = 2000  # None keeps every survivor


@dataclass
class CurateConfig:
    """The whole funnel: engine settings and one block per stage."""

    shard_size: int = 256  # items per shard (the unit of parallel work and of resume)
    workers: int = 0  # processes of the local engine; 0 = all cores
    # items a worker takes through all per-item stages at a time: a few decoded images in
    # memory at once, not a shard's worth (a learned scorer batches at most this many)
    micro_batch: int = 32
    examples: int = 12  # example thumbnails per stage in the report
    # page cache of the on-disk (SQLite) table the global stages run on; sorts beyond it spill
    table_memory_mb: int = 8
    size: SizeConfig = field(default_factory=SizeConfig)
    caption: CaptionConfig = field(default_factory=CaptionConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    offensive: OffensiveConfig = field(default_factory=OffensiveConfig)
    clip_score: ClipScoreConfig = field(default_factory=ClipScoreConfig)
    aesthetic: AestheticConfig = field(default_factory=AestheticConfig)
    photogenic: PhotogenicConfig = field(default_factory=PhotogenicConfig)
    balance: BalanceConfig = field(default_factory=BalanceConfig)
    select: SelectConfig = field(default_factory=SelectConfig)


def validate(config: CurateConfig) -> CurateConfig:
    """Check ranges that the types cannot express; a one-line error names the key."""
    checks = [
        (config.shard_size >= 1, "shard_size: expected at least 1"),
        (config.workers >= 0, "workers: expected 0 (all cores) or more"),
        (config.micro_batch >= 1, "micro_batch: expected at least 1"),
        (config.table_memory_mb >= 1, "table_memory_mb: expected at least 1"),
        (config.size.min_side >= 1, "size.min_side: expected at least 1"),
        (config.size.max_aspect >= 1.0, "size.max_aspect: expected at least 1"),
        (0 <= config.dedup.max_distance <= 64, "dedup.max_distance: expected 0-64"),
        (0 < config.balance.max_share <= 1, "balance.max_share: expected a share in (0, 1]"),
        (config.select.top_k is None or config.select.top_k >= 1, "select.top_k: at least 1"),
        (config.photogenic.measure_side >= 8, "photogenic.measure_side: expected at least 8"),
        (config.photogenic.composition_side >= 8, "photogenic.composition_side: at least 8"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
    for name, terms in config.photogenic.principles.items():
        for term in terms:
            if not term.measure or term.bad == term.good:
                raise ConfigError(
                    f"photogenic.principles.{name}: each term needs a measure and bad != good"
                )
    unknown = set(config.photogenic.weights) - set(config.photogenic.principles)
    if unknown:
        raise ConfigError(f"photogenic.weights: no principle named {sorted(unknown)[0]!r}")
    return config
