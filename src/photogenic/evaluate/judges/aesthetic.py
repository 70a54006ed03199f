"""LAION-style aesthetic judge: an MLP on unit-norm CLIP image embeddings predicts a 1-10 rating.

The head (``photogenic.models.aesthetic``) has the layout of LAION's "improved
aesthetic predictor", so its released state dict (on CLIP ViT-L/14 image embeddings) loads as is.
Both parts load from local files: ``--weights DIR`` (the CLIP model) and ``--head FILE`` (the MLP).
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions
from photogenic.evaluate.judges.clip_model import load_judge_clip, require_path


class AestheticJudge(Judge):
    """Prefers the image with the higher predicted aesthetic rating (prompt-free)."""

    name = "aesthetic"
    axes = ("appeal",)
    default_axes = ("appeal",)
    uses_prompt = False
    tie_threshold = 0.05  # rating points (1-10 scale)

    def __init__(self, options: JudgeOptions) -> None:
        from photogenic.models.aesthetic import load_head

        head_path = require_path(
            options.head, self.name, "--head FILE", "the aesthetic MLP weights"
        )
        self.clip = load_judge_clip(options.weights, self.name, options.device, text=False)
        size = int(self.clip.model.config.projection_dim)
        self.head = load_head(head_path, size, "judge 'aesthetic': --head").to(self.clip.device)

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        import torch

        with torch.no_grad():
            return self.head(self.clip.image_embeddings(images)).tolist()


JUDGES.register("aesthetic")(AestheticJudge)
