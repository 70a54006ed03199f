"""Preference-model judges (PickScore / HPS style): a CLIP model fine-tuned on human preferences
scores an image-text pair as ``exp(logit_scale) · cos(E_image, E_text)``.

PickScore (Kirstain et al. 2023) ships as a transformers ``CLIPModel``; an HPS v2 checkpoint works
once converted to that layout. Both load from ``--weights DIR`` only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions
from photogenic.evaluate.judges.clip_model import load_judge_clip


class PreferenceJudge(Judge):
    """Prefers the image the preference model scores higher with its prompt."""

    axes = ("appeal", "faithfulness")
    default_axes = ("appeal",)
    uses_prompt = True
    tie_threshold = 0.1  # on the logit scale (exp(logit_scale) = 100 for CLIP-trained models)

    def __init__(self, name: str, options: JudgeOptions) -> None:
        self.name = name
        self.clip = load_judge_clip(options.weights, name, options.device)

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        cos = (self.clip.image_embeddings(images) * self.clip.text_embeddings(prompts)).sum(-1)
        return (self.clip.logit_scale() * cos).tolist()


@JUDGES.register("pickscore")
def pickscore(options: JudgeOptions) -> Judge:
    """PickScore: a local PickScore CLIP model folder in ``--weights``."""
    return PreferenceJudge("pickscore", options)


@JUDGES.register("hps")
def hps(options: JudgeOptions) -> Judge:
    """HPS-style: a local human-preference CLIP model folder in ``--weights``."""
    return PreferenceJudge("hps", options)
