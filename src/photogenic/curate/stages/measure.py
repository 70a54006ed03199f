"""Stage 7: weight-free photographic measurements and the photogenic score."""

from __future__ import annotations

from photogenic.curate.features import measure_image
from photogenic.curate.photogenic import SCORE, score_values
from photogenic.curate.stages.base import Context, ItemStage


class PhotogenicStage(ItemStage):
    """Measures exposure, colour, sharpness, noise, composition and clutter; scores per principle.

    Drops items below ``photogenic.min_score`` or with any principle below ``photogenic.min_part``
    (both 0 by default: the score then only ranks, for the select stage).
    """

    name = "photogenic"

    def run(self, batch: list[Context]) -> None:
        """Measure and score every live image."""
        cfg = self.config.photogenic
        for ctx in batch:
            if ctx.loaded is None or ctx.image is None:
                continue
            values = measure_image(
                ctx.image,
                ctx.loaded.scale,
                cfg.composition_side,
                ctx.text_regions,
                grey=ctx.loaded.grey,
                small=ctx.loaded.small(cfg.composition_side),
            )
            ctx.values.update(values)
            scores = score_values(ctx.values, cfg)
            ctx.values.update(scores)
            if not cfg.enabled:
                continue
            if scores[SCORE] < cfg.min_score:
                ctx.drop(self.name, "photogenic_score_low")
            elif any(v < cfg.min_part for k, v in scores.items() if k != SCORE):
                worst = min((k for k in scores if k != SCORE), key=scores.__getitem__)
                ctx.drop(self.name, f"{worst}_low")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        cfg = self.config.photogenic
        out: dict[str, tuple[float | None, float | None]] = {SCORE: (cfg.min_score or None, None)}
        for name in cfg.principles:
            out[f"photogenic_{name}"] = (cfg.min_part or None, None)
        return out
