"""What a funnel stage is: per-item stages see a batch of contexts, global stages see the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import Image

from photogenic.data.item import Item

if TYPE_CHECKING:
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.load import Loaded


@dataclass
class Context:
    """One item on its way through the per-item stages.

    ``drop`` records the first stage that rejects the item. In measuring mode (``photogenic curate
    score``) nothing is dropped: the verdicts are collected in ``flags`` and every stage still
    measures the item, as long as it has pixels. ``text_regions`` holds the text lines the OCR stage
    found, as quadrilaterals in fractions of the width and height.
    """

    index: int
    item: Item
    measure_only: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    loaded: Loaded | None = None
    stage: str | None = None
    reason: str | None = None
    flags: list[str] = field(default_factory=list)
    text_regions: list[Any] = field(default_factory=list)  # OCR boxes, (4, 2) x, y in [0, 1]

    @property
    def image(self) -> Image.Image | None:
        """The decoded working image (None before decoding or when it failed)."""
        return None if self.loaded is None else self.loaded.image

    @property
    def alive(self) -> bool:
        return self.stage is None

    def drop(self, stage: str, reason: str) -> None:
        """Reject the item at ``stage`` for ``reason`` (only flag it when measuring)."""
        if self.measure_only:
            self.flags.append(f"{stage}:{reason}")
            return
        if self.stage is None:
            self.stage, self.reason = stage, reason

    def fail(self, stage: str, reason: str) -> None:
        """The item cannot go on (no pixels): dropped even when measuring."""
        if self.stage is None:
            self.stage, self.reason = stage, reason
        if self.measure_only:
            self.flags.append(f"{stage}:{reason}")


class ItemStage:
    """A stage computed per item in the engine (decode, caption, OCR, offensive, scorers, measures).

    Subclasses set ``name``, implement :meth:`run` over the live contexts of one shard, and may
    load models lazily in :meth:`setup` (called once per worker process).
    """

    name = ""
    kind = "item"
    needs_image = True

    def __init__(self, config: CurateConfig) -> None:
        self.config = config
        self._ready = False

    def notice(self) -> str | None:
        """Why the stage is skipped (missing weights or package), or None when it runs."""
        return None

    def setup(self) -> None:
        """Load models; called once per process before the first batch."""

    def ensure_setup(self) -> None:
        """Call :meth:`setup` once."""
        if not self._ready:
            self.setup()
            self._ready = True

    def run(self, batch: list[Context]) -> None:  # pragma: no cover - abstract
        """Measure (and possibly drop) every context of ``batch``."""
        raise NotImplementedError

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        """``measure -> (min, max)`` limits this stage enforces (drawn on the report's histograms)."""
        return {}


class GlobalStage:
    """A stage computed once over the per-item records of the whole pool (dedup, balance, select)."""

    name = ""
    kind = "global"

    def __init__(self, config: CurateConfig) -> None:
        self.config = config

    def notice(self) -> str | None:
        """Why the stage is skipped, or None."""
        return None

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        """``measure -> (min, max)`` limits (for the report)."""
        return {}
