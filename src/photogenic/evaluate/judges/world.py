"""Judges for images of the haystack world: the demo's shipped appeal predictor and content
classifier (``photogenic.demo.judges``), standing in for raters on visual appeal and on text
faithfulness. Weights default to the ones photogenic ships; ``--weights DIR`` picks others."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from photogenic.evaluate.judges.base import JUDGES, Judge, JudgeOptions

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "demo-judges"
CONTENT_TIE_THRESHOLD = 0.5  # parts shown: a tie unless the rounded difference is a whole part


def _net(options: JudgeOptions, kind: str):
    from photogenic.demo.judges import WorldJudgeNet

    return WorldJudgeNet.from_pretrained(Path(options.weights or SHIPPED / kind)).eval()


def _batch(images: Sequence[Image.Image]):
    """Images as a uint8 NCHW tensor at the judges' input size."""
    import torch

    from photogenic.demo.judges import SIZE

    arrays = [
        np.asarray(i.convert("RGB").resize((SIZE, SIZE), Image.Resampling.BILINEAR)) for i in images
    ]
    return torch.from_numpy(np.stack(arrays).copy()).permute(0, 3, 1, 2)


def parse_world_prompt(prompt: str) -> dict[str, str] | None:
    """Subject, colour and background named by a world caption (None when it names none of some)."""
    from photogenic.world.content import BACKGROUNDS, COLORS, SUBJECTS

    text = f" {prompt.lower()} "
    background = next((b for b, phrase in BACKGROUNDS.items() if phrase in text), None)
    if background:  # its phrase names a colour of its own ("above a green hill")
        text = text.replace(BACKGROUNDS[background], " ")
    subject = next((s for s in sorted(SUBJECTS, key=len, reverse=True) if f" {s} " in text), None)
    color = next((c for c in COLORS if f" {c} " in text), None)
    if not (subject and color and background):
        return None
    return {"subject": subject, "color": color, "background": background}


@JUDGES.register("world-appeal")
class WorldAppealJudge(Judge):
    """Predicted ground-truth appeal of a world image (a small CNN; prompt not used)."""

    name = "world-appeal"
    tie_threshold = 0.01

    def __init__(self, options: JudgeOptions) -> None:
        self.net = _net(options, "appeal")

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        import torch

        from photogenic.demo.judges import predict

        with torch.no_grad():
            return [float(v) for v in predict(self.net, _batch(images))["appeal"]]


@JUDGES.register("world-content")
class WorldContentJudge(Judge):
    """How many of the subject, colour and background its prompt names the image shows, in
    expectation (0 to 3); pairs closer than half a part are ties."""

    name = "world-content"
    axes = ("faithfulness",)
    default_axes = ("faithfulness",)
    uses_prompt = True
    tie_threshold = CONTENT_TIE_THRESHOLD

    def __init__(self, options: JudgeOptions) -> None:
        self.net = _net(options, "content")

    def score(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> list[float]:
        import torch

        from photogenic.demo.judges import content_score, predict

        with torch.no_grad():
            log_probs = predict(self.net, _batch(images))
        scores = []
        for row, prompt in enumerate(prompts):
            content = parse_world_prompt(prompt)
            scores.append(content_score(log_probs, content, row) if content else 0.0)
        return scores

    def shown(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> dict[str, float]:
        """Share of ``images`` whose most likely subject, colour and background are the ones
        their prompt names, per head and all three at once (prompts naming none: not counted)."""
        import torch

        from photogenic.demo.judges import head_accuracy, predict

        with torch.no_grad():
            log_probs = predict(self.net, _batch(images))
        return head_accuracy(log_probs, [parse_world_prompt(p) for p in prompts])
