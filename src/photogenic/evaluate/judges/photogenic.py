"""The weight-free default judge: a "photogenic score" from the curation measurements.

:func:`photogenic_score` combines ``photogenic.curate.measures.measure_all`` into one number in
[0, 1]: the plain mean of nine terms, each clipped to [0, 1] with higher = better (``clip`` below
means clipping to [0, 1]), one per photographic principle of the paper's rubric (lighting, colour
and contrast, composition, subject and background) and per technical fault of the haystack. A
grey-world colour-cast term is left out on purpose: it rewards vivid backgrounds as much as it
penalises tints.

=============  ==========================================================  ========================
term           formula                                                     principle
=============  ==========================================================  ========================
exposure       ``1 - clip(|mean_luminance - 0.5| / 0.35)``                 lighting: not dim/blown
clipping       ``1 - clip(2 (dark_fraction + bright_fraction))``           lighting: balanced
contrast       ``clip(rms_contrast / 0.2)``                                contrast: not flat
colour         ``clip(colorfulness / 60)``                                 colour: vibrant
sharpness      ``clip(log(1 + sharpness) / log(1 + 400))``                 technical: in focus
noise          ``1 - clip(noise_sigma / 12)``                              technical: clean
blockiness     ``1 - clip(blockiness - 1)``                                technical: no JPEG grid
composition    ``1 - clip(subject_thirds_distance / 0.35)``                composition: thirds
clutter        ``1 - clip((clutter - 1) / 3)``                             background: uncluttered
=============  ==========================================================  ========================

It is a placeholder for a learned or curated score: any ``image -> float`` function becomes a judge
through :func:`register_image_score_judge` (or :class:`ImageScoreJudge` directly), so a curation-stage
scorer can replace it without touching the judging code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions

ImageScore = Callable[[np.ndarray], float]


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def photogenic_terms(m: dict[str, float]) -> dict[str, float]:
    """The nine terms of the photogenic score from a ``measure_all`` dict (see the module table)."""
    return {
        "exposure": 1 - _clip(abs(m["mean_luminance"] - 0.5) / 0.35),
        "clipping": 1 - _clip(2 * (m["dark_fraction"] + m["bright_fraction"])),
        "contrast": _clip(m["rms_contrast"] / 0.2),
        "colour": _clip(m["colorfulness"] / 60),
        "sharpness": _clip(math.log1p(max(m["sharpness"], 0.0)) / math.log1p(400)),
        "noise": 1 - _clip(m["noise_sigma"] / 12),
        "blockiness": 1 - _clip(m["blockiness"] - 1),
        "composition": 1 - _clip(m["subject_thirds_distance"] / 0.35),
        "clutter": 1 - _clip((m["clutter"] - 1) / 3),
    }


def photogenic_score(img: np.ndarray) -> float:
    """The photogenic score of an RGB uint8 array: the mean of :func:`photogenic_terms`, in [0, 1]."""
    from photogenic.curate.measures import measure_all

    terms = photogenic_terms(measure_all(img))
    return sum(terms.values()) / len(terms)


class ImageScoreJudge(Judge):
    """A judge from any ``image array -> float`` function (prompt-free; appeal by default)."""

    uses_prompt = False

    def __init__(
        self,
        name: str,
        fn: ImageScore,
        axes: tuple[str, ...] = ("appeal",),
        tie_threshold: float = 0.01,
    ) -> None:
        self.name = name
        self.fn = fn
        self.axes = axes
        self.default_axes = axes
        self.tie_threshold = tie_threshold

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        return [float(self.fn(np.asarray(im.convert("RGB"), dtype=np.uint8))) for im in images]


def register_image_score_judge(
    name: str, fn: ImageScore, axes: tuple[str, ...] = ("appeal",), tie_threshold: float = 0.01
) -> None:
    """Register ``fn`` (RGB uint8 array -> score, higher = better) as the judge ``name``."""

    def build(options: JudgeOptions | None = None) -> Judge:
        return ImageScoreJudge(name, fn, axes, tie_threshold)

    build.__doc__ = f"The image-score judge {name!r}."
    JUDGES.register(name)(build)


register_image_score_judge("photogenic", photogenic_score)
