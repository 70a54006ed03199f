"""The funnel's stages, in order, cheapest first, as a registry (``name -> constructor``).

Per-item stages run in the engine over shards; global stages run once on the collected records.
"""

from __future__ import annotations

from photogenic.curate.stages.balance import BalanceStage, SelectStage
from photogenic.curate.stages.base import Context, GlobalStage, ItemStage
from photogenic.curate.stages.caption import CaptionStage
from photogenic.curate.stages.dedup import DedupStage
from photogenic.curate.stages.learned import AestheticStage, ClipScoreStage
from photogenic.curate.stages.measure import PhotogenicStage
from photogenic.curate.stages.ocr import OcrStage
from photogenic.curate.stages.offensive import OffensiveStage
from photogenic.curate.stages.size import SizeStage
from photogenic.registry import Registry

STAGES: Registry[ItemStage | GlobalStage] = Registry("curate stage")
ORDER = (
    "size",
    "caption",
    "dedup",
    "ocr",
    "offensive",
    "clip_score",
    "aesthetic",
    "photogenic",
    "balance",
    "select",
)
for _cls in (
    SizeStage,
    CaptionStage,
    DedupStage,
    OcrStage,
    OffensiveStage,
    ClipScoreStage,
    AestheticStage,
    PhotogenicStage,
    BalanceStage,
    SelectStage,
):
    STAGES.register(_cls.name)(_cls)

# the funnel's rows: "decode" (unreadable input) is counted before stage 1's size check
FUNNEL = ("decode", *ORDER)

__all__ = ["FUNNEL", "ORDER", "STAGES", "Context", "GlobalStage", "ItemStage"]
