"""Stage 6: learned scorers on local weights — CLIP image-text score and aesthetic rating.

Without weights they are skipped, and the report says so; nothing is ever downloaded.
"""

from __future__ import annotations

from photogenic.curate.scorers.clip import missing_model
from photogenic.curate.stages.base import Context, ItemStage
from photogenic.models.clip import LocalClip


class ClipScoreStage(ItemStage):
    """``clip_score = 100 · cos(image, caption)`` (CLIPScore without the 2.5 rescale)."""

    name = "clip_score"

    def notice(self) -> str | None:
        cfg = self.config.clip_score
        if not cfg.enabled:
            return "switched off"
        missing = missing_model(cfg.model, "clip_score.model")
        return f"skipped: {missing}" if missing else None

    def setup(self) -> None:
        cfg = self.config.clip_score
        _one_thread_per_worker()
        self.clip = LocalClip(cfg.model, cfg.device, label="clip_score.model")  # type: ignore[arg-type]

    def run(self, batch: list[Context]) -> None:
        """Score every live image against its caption in batches; drop below ``min_score``."""
        cfg = self.config.clip_score
        self.ensure_setup()
        todo = [c for c in batch if c.image is not None]
        for start in range(0, len(todo), cfg.batch_size):
            chunk = todo[start : start + cfg.batch_size]
            img = self.clip.image_embeddings([c.image for c in chunk])
            txt = self.clip.text_embeddings([c.item.text or "" for c in chunk])
            for ctx, cos in zip(chunk, (img * txt).sum(-1).tolist(), strict=True):
                ctx.values["clip_score"] = 100.0 * float(cos)
                if ctx.values["clip_score"] < cfg.min_score:
                    ctx.drop(self.name, "clip_score_low")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {"clip_score": (self.config.clip_score.min_score, None)}


class AestheticStage(ItemStage):
    """``aesthetic_score``: the MLP's rating of the unit-norm CLIP image embedding."""

    name = "aesthetic"

    def notice(self) -> str | None:
        cfg = self.config.aesthetic
        if not cfg.enabled:
            return "switched off"
        missing = missing_model(cfg.model, "aesthetic.model")
        if missing:
            return f"skipped: {missing}"
        if cfg.head is None or not cfg.head.is_file():
            return f"skipped: aesthetic.head {cfg.head or '(not set)'} not found"
        return None

    def setup(self) -> None:
        from photogenic.models.aesthetic import load_head

        cfg = self.config.aesthetic
        _one_thread_per_worker()
        self.clip = LocalClip(cfg.model, cfg.device, text=False, label="aesthetic.model")  # type: ignore[arg-type]
        dim = int(self.clip.model.config.projection_dim)
        self.head = load_head(cfg.head, dim, "aesthetic.head").to(cfg.device)  # type: ignore[arg-type]

    def run(self, batch: list[Context]) -> None:
        """Rate every live image in batches; drop below ``min_score``."""
        import torch

        cfg = self.config.aesthetic
        self.ensure_setup()
        todo = [c for c in batch if c.image is not None]
        for start in range(0, len(todo), cfg.batch_size):
            chunk = todo[start : start + cfg.batch_size]
            with torch.no_grad():
                scores = self.head(self.clip.image_embeddings([c.image for c in chunk])).tolist()
            for ctx, score in zip(chunk, scores, strict=True):
                ctx.values["aesthetic_score"] = float(score)
                if score < cfg.min_score:
                    ctx.drop(self.name, "aesthetic_low")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {"aesthetic_score": (self.config.aesthetic.min_score, None)}


def _one_thread_per_worker() -> None:
    """Each funnel worker process runs its model on one thread (the pool spans the cores)."""
    import torch

    torch.set_num_threads(1)
