"""The haystack world: a procedural pool of image-caption pairs with ground-truth quality.

Like a web-scale pool in miniature: simple subjects on simple scenes, each item with photographic
faults drawn independently (exposure, contrast, colour, blur, noise, JPEG artefacts, composition,
clutter, lighting, overlaid text, low resolution, odd aspect ratio) and exact or near duplicates, so
only a few percent are flawless "needles". Every item records its factors and a ground-truth
``appeal`` (see ``photogenic.world.appeal``), which lets curation be scored against the truth.
"""

from photogenic.world.appeal import appeal, factor_scores
from photogenic.world.config import WorldConfig, validate
from photogenic.world.content import caption, world_prompts
from photogenic.world.factors import FACTORS, GOOD_LEVELS
from photogenic.world.item import WorldItem
from photogenic.world.make import make_world, summarize
from photogenic.world.render import label_item, render_item

__all__ = [
    "FACTORS",
    "GOOD_LEVELS",
    "WorldConfig",
    "WorldItem",
    "appeal",
    "caption",
    "factor_scores",
    "label_item",
    "make_world",
    "render_item",
    "summarize",
    "validate",
    "world_prompts",
]
