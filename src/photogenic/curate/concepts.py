"""Concepts for domain balancing: from caption keywords, a category column, or a classifier plug-in.

A classifier plug-in is ``"package.module:factory"``; the factory is called once per process with
the :class:`~photogenic.curate.config.BalanceConfig` and returns ``fn(image, text) -> str``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PIL import Image

from photogenic.curate.config import BalanceConfig
from photogenic.curate.plugins import load_plugin
from photogenic.data.item import Item

OTHER = "other"


def keyword_concept(text: str | None, keywords: list[str]) -> str:
    """The first keyword (whole words, case-insensitive) found in the caption, else ``other``."""
    lowered = (text or "").lower()
    for word in keywords:
        if re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", lowered):
            return word
    return OTHER


def column_concept(item: Item, column: str) -> str:
    """The item's ``column`` value as text, else ``other``."""
    value = item.columns.get(column)
    return str(value) if value not in (None, "") else OTHER


CONCEPT_SOURCES: dict[str, str] = {
    "keywords": "the first of balance.keywords found in the caption",
    "column": "the value of the item's balance.column",
    "classifier": "balance.classifier, a plug-in fn(image, text) -> concept",
}


class ConceptFinder:
    """Gives each item its concept according to ``balance.source``."""

    def __init__(self, config: BalanceConfig) -> None:
        self.config = config
        self._classify: Callable[[Image.Image | None, str], Any] | None = None
        if config.source == "classifier":
            self._classify = load_plugin(config.classifier, "concept classifier")(config)

    def __call__(self, item: Item, image: Image.Image | None) -> str:
        """The concept of ``item``."""
        cfg = self.config
        if cfg.source == "keywords":
            return keyword_concept(item.text, cfg.keywords)
        if cfg.source == "column":
            return column_concept(item, cfg.column)
        assert self._classify is not None
        return str(self._classify(image, item.text or "") or OTHER)
