"""What a world image shows: subjects, colours, backgrounds, positions, sizes, and the caption.

The caption describes content only ("a small blue heart on the left over a calm sea"); nothing in it
depends on the photographic quality factors, so captions cannot leak quality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from photogenic.world.config import WorldConfig

SUBJECTS: tuple[str, ...] = (
    "circle",
    "square",
    "triangle",
    "star",
    "heart",
    "cross",
    "crescent moon",
    "diamond",
    "ring",
    "house",
    "tree",
    "flower",
)
SHAPE_SUBJECTS = frozenset(SUBJECTS[:9])  # geometric shapes; the rest are objects

# Subject colours as sRGB in [0, 1].
COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.86, 0.12, 0.12),
    "orange": (0.96, 0.55, 0.1),
    "yellow": (0.96, 0.86, 0.15),
    "green": (0.18, 0.7, 0.25),
    "blue": (0.15, 0.33, 0.86),
    "purple": (0.55, 0.22, 0.72),
    "pink": (0.96, 0.5, 0.72),
    "white": (0.96, 0.96, 0.96),
    "black": (0.07, 0.07, 0.07),
    "brown": (0.5, 0.3, 0.14),
}

# How the caption names each background.
BACKGROUNDS: dict[str, str] = {
    "sky": "against a blue sky",
    "hill": "above a green hill",
    "sea": "over a calm sea",
    "desert": "in the desert",
    "night": "in the night sky",
    "wall": "in front of a brick wall",
    "snow": "in the snow",
    "forest": "in a forest",
    "sunset": "at sunset",
    "studio": "on a grey backdrop",
}

POSITIONS: tuple[str, ...] = ("left", "right", "top", "bottom")
POSITION_PHRASES = {
    "any": "",
    "left": "on the left",
    "right": "on the right",
    "top": "at the top",
    "bottom": "at the bottom",
}
SIZES: tuple[str, ...] = ("small", "medium", "large")


def sample_content(u: np.ndarray, config: WorldConfig) -> dict[str, str]:
    """Content fields from 7 uniforms ``u`` (a fixed number, so forcing other fields shifts nothing)."""
    c = config.content
    subject = c.subjects[int(u[0] * len(c.subjects))]
    color = c.colors[int(u[1] * len(c.colors))]
    background = c.backgrounds[int(u[2] * len(c.backgrounds))]
    position = POSITIONS[int(u[4] * len(POSITIONS))] if u[3] < c.p_position else "any"
    size = ("small" if u[6] < 0.5 else "large") if u[5] < c.p_size else "medium"
    return {
        "subject": subject,
        "color": color,
        "background": background,
        "position": position,
        "size": size,
    }


def caption(content: dict[str, str]) -> str:
    """The caption of a content dict, e.g. ``"a small blue heart on the left over a calm sea"``."""
    words = []
    if content["size"] != "medium":
        words.append(content["size"])
    words += [content["color"], content["subject"]]
    phrase = POSITION_PHRASES[content["position"]]
    if phrase:
        words.append(phrase)
    words.append(BACKGROUNDS[content["background"]])
    article = "an" if words[0][0] in "aeiou" else "a"
    return " ".join([article, *words])


def category(content: dict[str, str]) -> str:
    """A coarse prompt category: ``"shapes"`` for geometric subjects, ``"objects"`` otherwise."""
    return "shapes" if content["subject"] in SHAPE_SUBJECTS else "objects"


def world_prompts(n: int, seed: int, config: WorldConfig | None = None) -> list[dict]:
    """``n`` content-only prompts (id, text, category, content) drawn like world captions.

    They come from their own random stream, so they are new combinations rather than copies of the
    world's captions: a prompt set for sampling and evaluating a model trained on the world.
    """
    if config is None:
        from photogenic.world.config import WorldConfig

        config = WorldConfig()
    prompts = []
    for i in range(n):
        u = np.random.default_rng([seed, i, PROMPT_STREAM]).random(7)
        content = sample_content(u, config)
        prompts.append(
            {
                "id": f"prompt-{i:05d}",
                "text": caption(content),
                "category": category(content),
                "content": content,
            }
        )
    return prompts


PROMPT_STREAM = 7  # prompts draw from default_rng([seed, i, 7]), apart from the items
