"""Stage 2: caption sanity: present, long enough, made of words, not one word repeated."""

from __future__ import annotations

import re
from collections import Counter

from photogenic.curate.config import CaptionConfig
from photogenic.curate.stages.base import Context, ItemStage

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def caption_values(text: str | None) -> dict[str, float]:
    """``caption_words``, ``caption_chars``, ``caption_letter_share`` and ``caption_repeat_share``."""
    text = (text or "").strip()
    words = [w.lower() for w in _WORD.findall(text)]
    visible = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    top = Counter(words).most_common(1)[0][1] if words else 0
    return {
        "caption_words": float(len(words)),
        "caption_chars": float(len(text)),
        "caption_letter_share": letters / len(visible) if visible else 0.0,
        "caption_repeat_share": top / len(words) if words else 0.0,
    }


def caption_verdict(values: dict[str, float], cfg: CaptionConfig) -> str | None:
    """The reason a caption fails, or None."""
    if values["caption_chars"] == 0:
        return "caption_empty"
    if values["caption_letter_share"] < cfg.min_letter_share:
        return "caption_not_text"
    if values["caption_chars"] < cfg.min_chars or values["caption_words"] < cfg.min_words:
        return "caption_too_short"
    if values["caption_chars"] > cfg.max_chars:
        return "caption_too_long"
    if values["caption_words"] >= 3 and values["caption_repeat_share"] > cfg.max_repeat_share:
        return "caption_repetitive"
    return None


class CaptionStage(ItemStage):
    """Drops empty, too short, too long and non-text captions (DataComp: more than 2 words)."""

    name = "caption"
    needs_image = False

    def run(self, batch: list[Context]) -> None:
        """Measure every caption; drop the ones that fail ``caption``'s limits."""
        for ctx in batch:
            values = caption_values(ctx.item.text)
            ctx.values.update(values)
            if self.config.caption.enabled:
                reason = caption_verdict(values, self.config.caption)
                if reason:
                    ctx.drop(self.name, reason)

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        cfg = self.config.caption
        return {
            "caption_words": (float(cfg.min_words), None),
            "caption_letter_share": (cfg.min_letter_share, None),
        }
