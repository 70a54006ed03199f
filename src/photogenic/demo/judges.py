"""The demo's automated raters: a small appeal predictor and a small content classifier.

They stand in for people on visual appeal and text faithfulness, so they must not be the scorer
that selected the training data (the curation funnel's weight-free photogenic score): both are
small CNNs trained through the single loop on a world pool of their own seed, which neither the
base model nor the curated set ever saw. Each is validated before it judges anything, and the
record is written next to its weights: its pairwise accuracy on held-out world pairs with known
truth; for the content judge also how often it names each part (subject, colour, background) of
flawless held-out images, and how often its win / tie / loss verdicts match the parts shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from PIL import Image
from torch import nn
from tqdm import tqdm

from photogenic.data import open_dataset
from photogenic.errors import PhotogenicError
from photogenic.evaluate.judges.world import CONTENT_TIE_THRESHOLD
from photogenic.train.config import LoopConfig
from photogenic.train.loop import run_training
from photogenic.train.task import StepContext, TrainingTask
from photogenic.world import WorldConfig, make_world
from photogenic.world.content import BACKGROUNDS, COLORS, SUBJECTS

HEADS = {"subject": list(SUBJECTS), "color": list(COLORS), "background": list(BACKGROUNDS)}
SIZE = 64


class WorldJudgeNet(ModelMixin, ConfigMixin):
    """A four-stage CNN on 64x64 RGB with an appeal head or three content heads.

    With ``log_appeal`` the appeal head regresses log(appeal): the world's appeal is a weighted
    geometric mean of per-principle scores, so its logarithm is a sum, one term per flaw, which a
    linear head on pooled features fits far more easily. :func:`predict` returns appeal either way.
    """

    @register_to_config
    def __init__(self, kind: str = "appeal", width: int = 32, log_appeal: bool = False) -> None:
        super().__init__()
        layers, channels = [], 3
        for out in (width, width * 2, width * 4, width * 4):
            layers += [
                nn.Conv2d(channels, out, 3, padding=1),
                nn.GroupNorm(8, out),
                nn.SiLU(),
                nn.MaxPool2d(2),
            ]
            channels = out
        self.backbone = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        sizes = {"appeal": 1} if kind == "appeal" else {k: len(v) for k, v in HEADS.items()}
        self.heads = nn.ModuleDict({name: nn.Linear(channels, n) for name, n in sizes.items()})

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Images in [-1, 1], (N, 3, 64, 64) -> head outputs (appeal: (N,), content: logits)."""
        features = self.backbone(images)
        out = {name: head(features) for name, head in self.heads.items()}
        if "appeal" in out:
            out["appeal"] = out["appeal"][:, 0]
        return out


def load_pool(dataset: Path, progress: bool = True) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    """World images squashed to 64x64 as uint8 (N, 3, 64, 64) plus their metadata rows."""
    images, rows = [], []
    for item in tqdm(open_dataset(dataset), desc="read judge data", disable=not progress):
        decoded = item.decode()
        if item.error or decoded.error:
            continue
        image = decoded.image.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        images.append(torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1))
        rows.append(item.columns)
    return torch.stack(images), rows


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 -> float in [-1, 1]."""
    return images.float() / 127.5 - 1.0


class JudgeTask(TrainingTask):
    """Regression on ground-truth appeal, or cross-entropy on the three content labels."""

    def __init__(
        self, net: WorldJudgeNet, images: torch.Tensor, rows: list[dict[str, Any]]
    ) -> None:
        self.net, self.images = net, images
        self.kind = net.config.kind
        self.appeal = torch.tensor([r["appeal"] for r in rows], dtype=torch.float32)
        if self.kind == "appeal" and net.config.log_appeal:
            self.appeal = self.appeal.clamp_min(1e-4).log()
        self.labels = {
            k: torch.tensor([v.index(r["content"][k]) for r in rows]) for k, v in HEADS.items()
        }

    def modules(self) -> dict[str, nn.Module]:
        return {"net": self.net}

    @property
    def num_items(self) -> int:
        return len(self.images)

    def load_batch(self, indices: list[int]) -> list[int]:
        return indices

    def training_step(self, batch: list[int], modules, ctx: StepContext) -> Iterator:
        index = torch.tensor(batch)
        images = to_input(self.images[index])
        flip = ctx.rand(stream="flip") < 0.5  # horizontal flips keep content and appeal
        images = torch.where(flip[:, None, None, None], images.flip(-1), images)
        out = modules["net"](images)
        if self.kind == "appeal":
            loss = F.mse_loss(out["appeal"], self.appeal[index])
        else:
            loss = sum(F.cross_entropy(out[k], self.labels[k][index]) for k in HEADS)
        yield "main", loss, {"loss": float(loss.detach())}

    def export(self, modules, out: Path) -> None:
        modules["net"].save_pretrained(out)


@torch.no_grad()
def predict(net: WorldJudgeNet, images: torch.Tensor, batch: int = 256) -> dict[str, torch.Tensor]:
    """Head outputs for uint8 images, in batches (content heads as log-probabilities)."""
    net.eval()
    parts = [net(to_input(images[i : i + batch])) for i in range(0, len(images), batch)]
    out = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
    if "appeal" in out and net.config.log_appeal:
        out["appeal"] = out["appeal"].exp()
    return {k: v if k == "appeal" else v.log_softmax(-1) for k, v in out.items()}


def content_score(log_probs: dict[str, torch.Tensor], content: dict[str, str], row: int) -> float:
    """How many of the prompt's subject, colour and background image ``row`` shows, in
    expectation (0 to 3): the sum of the named classes' probabilities. A rater counts what an
    image shows; a sum of log-probabilities would also rank an unclear image above a clear one of
    other content, though neither shows the prompt (BENCHMARKS.md)."""
    return float(sum(log_probs[k][row, HEADS[k].index(content[k])].exp() for k in HEADS))


def verdict_agreement(
    log_probs: dict[str, torch.Tensor],
    rows: list[dict],
    pairs: int,
    seed: int,
    tie_threshold: float = CONTENT_TIE_THRESHOLD,
) -> float:
    """Share of held-out pairs where the faithfulness verdict (win / tie / loss at
    ``tie_threshold``) is the ground truth's: which image shows more parts of a caption made from
    the first image's content with each part swapped for another class with probability 0.5."""
    rng = np.random.default_rng(seed)
    right = 0
    for _ in range(pairs):
        a, b = rng.integers(0, len(rows), 2)
        caption = {}
        for k, names in HEADS.items():
            caption[k] = rows[a]["content"][k]
            if rng.random() < 0.5:
                caption[k] = str(rng.choice([x for x in names if x != caption[k]]))
        shown_a, shown_b = (sum(rows[i]["content"][k] == caption[k] for k in HEADS) for i in (a, b))
        margin = content_score(log_probs, caption, a) - content_score(log_probs, caption, b)
        verdict = 0 if abs(margin) < tie_threshold else int(np.sign(margin))
        right += verdict == int(np.sign(shown_a - shown_b))
    return right / pairs


def head_accuracy(
    log_probs: dict[str, torch.Tensor], contents: Sequence[dict[str, str] | None]
) -> dict[str, float]:
    """Share of images whose most likely subject, colour and background are the ones named in
    ``contents`` (one per image; None: not counted), per head and all three at once."""
    rows = [i for i, c in enumerate(contents) if c]
    if not rows:
        return {}
    hits = {
        k: [int(log_probs[k][i].argmax()) == names.index(contents[i][k]) for i in rows]
        for k, names in HEADS.items()
    }
    out = {k: round(float(np.mean(v)), 4) for k, v in hits.items()}
    out["all three"] = round(float(np.mean([all(h) for h in zip(*hits.values(), strict=True)])), 4)
    return out


def clean_world_config() -> WorldConfig:
    """The world with every quality factor at its good level and no duplicates: images whose
    subject, colour and background nothing hides."""
    config = WorldConfig()
    for factor in fields(config.quality):
        getattr(config.quality, factor.name).p_bad = 0.0
    config.duplicates.p_exact = config.duplicates.p_near = 0.0
    return config


def appeal_accuracy(
    predictions: dict[str, torch.Tensor],
    rows: list[dict],
    pairs: int,
    seed: int,
    min_gap: float = 0.1,
) -> float:
    """Share of random held-out pairs (true appeal gap ≥ ``min_gap``) the predictor orders right,
    from its ``predict`` output on the held-out images."""
    predicted = predictions["appeal"]
    truth = torch.tensor([r["appeal"] for r in rows])
    rng = np.random.default_rng(seed)
    right = total = 0
    while total < pairs:
        a, b = rng.integers(0, len(rows), 2)
        if abs(float(truth[a] - truth[b])) < min_gap:
            continue
        right += int((predicted[a] > predicted[b]) == (truth[a] > truth[b]))
        total += 1
    return right / total


def content_accuracy(
    log_probs: dict[str, torch.Tensor], rows: list[dict], pairs: int, seed: int
) -> float:
    """Share of pairs (image matching a caption vs an image of other content) judged right, from
    the judge's ``predict`` output on the held-out images."""
    rng = np.random.default_rng(seed)
    right = total = 0
    while total < pairs:
        a, b = rng.integers(0, len(rows), 2)
        content = rows[a]["content"]
        if all(rows[b]["content"][k] == content[k] for k in HEADS):
            continue
        right += int(content_score(log_probs, content, a) > content_score(log_probs, content, b))
        total += 1
    return right / total


def validation_text(record: dict[str, Any]) -> str:
    """A judge's validation record in words (the ``--rebuild-judges`` output and the report)."""
    text = (
        f"pairwise accuracy {record['pairwise_accuracy']:.3f} on "
        f"{record['validation_pairs']} held-out pairs"
    )
    heads = record.get("head_accuracy", {})
    if heads:
        named = ", ".join(f"{k} {heads[k]:.3f}" for k in HEADS if k in heads)
        text += f"; names the {named} of flawless held-out images"
    if "verdict_agreement" in record:
        text += (
            f"; its win / tie / loss verdicts agree with the parts each image shows on "
            f"{record['verdict_agreement']:.3f} of held-out pairs"
        )
    return text


def _judge_loop(max_steps: int) -> LoopConfig:
    loop = LoopConfig(max_steps=max_steps, batch_size=64, log_every=20)
    loop.optimizer.learning_rate = 2e-3
    loop.optimizer.schedule = "cosine"
    loop.optimizer.warmup_steps = 50
    return loop


@dataclass
class JudgeBuildConfig:
    """Data and budget of the two judges (``kinds`` picks which to retrain; the others stay)."""

    pool_size: int = 12000
    pool_seed: int = 2002  # neither the demo's pool nor the base's pretraining pool
    heldout_size: int = 2000
    heldout_seed: int = 2003
    # flawless held-out images: the content judge must name each head's class on them
    clean_heldout_size: int = 1000
    clean_heldout_seed: int = 2004
    validation_pairs: int = 2000
    kinds: list[str] = field(default_factory=lambda: ["appeal", "content"])
    appeal: LoopConfig = field(default_factory=lambda: _judge_loop(3000))
    content: LoopConfig = field(default_factory=lambda: _judge_loop(6000))


def build_judges(
    config: JudgeBuildConfig, work: Path, target: Path, progress: bool = True
) -> dict[str, Any]:
    """Train the judges on their own world pool, validate on another, install them in ``target``."""
    unknown = sorted(set(config.kinds) - {"appeal", "content"})
    if unknown:
        raise PhotogenicError(f"kinds: unknown judge {unknown[0]!r}; expected appeal or content")

    def world(name: str, size: int, seed: int, world_config: WorldConfig):
        make_world(work / name, size, seed, world_config, workers=2, progress=progress)
        return load_pool(work / name, progress)

    images, rows = world("pool", config.pool_size, config.pool_seed, WorldConfig())
    test_images, test_rows = world(
        "heldout", config.heldout_size, config.heldout_seed, WorldConfig()
    )
    if "content" in config.kinds:
        clean_images, clean_rows = world(
            "heldout-clean",
            config.clean_heldout_size,
            config.clean_heldout_seed,
            clean_world_config(),
        )
    record_path = target / "validation.json"
    record: dict[str, Any] = json.loads(record_path.read_text()) if record_path.is_file() else {}
    for kind in config.kinds:
        loop = getattr(config, kind)
        torch.manual_seed(0)
        net = WorldJudgeNet(kind=kind, log_appeal=kind == "appeal")
        run_training(JudgeTask(net, images, rows), loop, work / kind, progress=progress)
        trained = WorldJudgeNet.from_pretrained(work / kind / "model")
        predictions = predict(trained, test_images)  # the held-out images, predicted once
        measure = appeal_accuracy if kind == "appeal" else content_accuracy
        accuracy = measure(predictions, test_rows, config.validation_pairs, config.heldout_seed)
        trained.save_pretrained(target / kind)
        record[kind] = {
            "pairwise_accuracy": accuracy,
            "validation_pairs": config.validation_pairs,
            "steps": loop.max_steps,
        }
        if kind == "content":
            record[kind]["head_accuracy"] = head_accuracy(
                predict(trained, clean_images), [r["content"] for r in clean_rows]
            )
            record[kind]["head_accuracy_clean_images"] = len(clean_rows)
            record[kind]["head_accuracy_all_heldout"] = head_accuracy(
                predictions, [r["content"] for r in test_rows]
            )
            record[kind]["verdict_agreement"] = verdict_agreement(
                predictions, test_rows, config.validation_pairs, config.heldout_seed
            )
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record
