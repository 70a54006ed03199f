"""CLIP-score judge (Hessel et al. 2021): text faithfulness from a local CLIP model.

``CLIPScore(image, prompt) = 2.5 · max(cos(E_image, E_text), 0)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions
from photogenic.evaluate.judges.clip_model import load_judge_clip

CLIP_SCORE_WEIGHT = 2.5  # w in Hessel et al. (2021)


class ClipScoreJudge(Judge):
    """Prefers the image whose CLIP embedding is closer to its prompt's."""

    name = "clip-score"
    axes = ("faithfulness", "appeal")
    default_axes = ("faithfulness",)
    uses_prompt = True
    tie_threshold = 0.01

    def __init__(self, options: JudgeOptions) -> None:
        self.clip = load_judge_clip(options.weights, self.name, options.device)

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        cos = (self.clip.image_embeddings(images) * self.clip.text_embeddings(prompts)).sum(-1)
        return (CLIP_SCORE_WEIGHT * cos.clamp_min(0)).tolist()


JUDGES.register("clip-score")(ClipScoreJudge)
