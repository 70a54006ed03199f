"""Stage 1: decode (at reduced scale), image size and aspect ratio; hashes for the dedup stage.

The perceptual hashes and the colour grid are taken from the composition copy (short side about
``photogenic.composition_side``, 64 px by default), which holds all the detail a 32×32 hash sees.
"""

from __future__ import annotations

from photogenic.curate import hashing
from photogenic.curate.load import load_item
from photogenic.curate.stages.base import Context, ItemStage


class SizeStage(ItemStage):
    """Drops unreadable images (with the decoder's reason), small images and odd aspect ratios."""

    name = "size"
    needs_image = False

    def run(self, batch: list[Context]) -> None:
        """Decode each item and check ``size.min_side`` and ``size.max_aspect``."""
        cfg = self.config.size
        side = min(self.config.photogenic.measure_side, 4096)
        hash_fn = hashing.HASHES.get(self.config.dedup.hash, hashing.phash)
        for ctx in batch:
            loaded = load_item(ctx.item, side, cfg.max_pixels)
            if loaded.image is None:
                ctx.fail("decode", loaded.error or "corrupt")
                ctx.values["decode_detail"] = loaded.detail
                continue
            ctx.loaded = loaded
            w, h = loaded.width, loaded.height
            ctx.values.update(
                width=w,
                height=h,
                aspect_ratio=max(w, h) / min(w, h),
                jpeg_quality=loaded.info.get("jpeg_quality", 100.0),
                bytes=len(loaded.data),
            )
            if self.config.dedup.enabled or ctx.measure_only:
                ctx.values["content_hash"] = hashing.content_hash(loaded.data)
                small = loaded.small(self.config.photogenic.composition_side)
                ctx.values["phash"] = f"{hash_fn(small):016x}"
                ctx.values["color_grid"] = hashing.color_grid(small)
            if not cfg.enabled:
                continue
            if min(w, h) < cfg.min_side:
                ctx.drop(self.name, "too_small")
            elif max(w, h) / min(w, h) > cfg.max_aspect:
                ctx.drop(self.name, "aspect_ratio")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        cfg = self.config.size
        return {"aspect_ratio": (None, cfg.max_aspect)}
