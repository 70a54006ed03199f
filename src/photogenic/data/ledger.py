"""The "nothing is lost" ledger of a stage: what it kept, dropped (and why), and could not read.

``dropped.jsonl`` rows: ``id, file_name, text, stage, reason, values`` (the measured values).
``errors.jsonl`` rows: ``id, file_name, source, reason, detail``. Reopening a ledger appends and
knows which items are already recorded, so a rerun resumes without double counting.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from photogenic.data.item import Item, json_safe
from photogenic.data.jsonl import JsonlAppender, recover_jsonl
from photogenic.errors import PhotogenicError

DROPPED = "dropped.jsonl"
ERRORS = "errors.jsonl"


class Ledger:
    """Counts and records every item a stage handles: ``input = kept + dropped + errors``.

    Dropped and error counts persist in their files; kept items are written by the stage itself,
    so a resumed run calls :meth:`keep` again for each item it finds already written and skips
    items that are ``in`` the ledger.
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.path = Path(out_dir)
        self.path.mkdir(parents=True, exist_ok=True)
        self.kept = 0
        self.dropped_by_reason: Counter[str] = Counter()
        self.errors_by_reason: Counter[str] = Counter()
        self._recorded: set[tuple[str, str]] = set()
        self._ids: set[str] = set()
        for name, counter in ((DROPPED, self.dropped_by_reason), (ERRORS, self.errors_by_reason)):
            for row in recover_jsonl(self.path / name):
                counter[row.get("reason", "")] += 1
                self._remember(str(row.get("id", "")), str(row.get("file_name", "")))
        self._dropped = JsonlAppender(self.path / DROPPED)
        self._errors = JsonlAppender(self.path / ERRORS)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __contains__(self, item: object) -> bool:
        """An ``Item`` (by id and file name) or an id string already recorded as dropped or error."""
        if isinstance(item, Item):
            return (item.id, item.file_name) in self._recorded
        return item in self._ids

    @property
    def dropped(self) -> int:
        return sum(self.dropped_by_reason.values())

    @property
    def errors(self) -> int:
        return sum(self.errors_by_reason.values())

    @property
    def total(self) -> int:
        return self.kept + self.dropped + self.errors

    def keep(self, item: Item | None = None) -> None:
        """Count one kept item (kept items are written by the stage itself, not here)."""
        self.kept += 1

    def drop(self, item: Item, stage: str, reason: str, **values: Any) -> bool:
        """Record a dropped item with the measured values; False if it was already recorded."""
        if item in self:
            return False
        row = {
            "id": item.id,
            "file_name": item.file_name,
            "text": item.text,
            "stage": stage,
            "reason": reason,
            "values": json_safe(values),
        }
        self._dropped.write(row)
        self.dropped_by_reason[reason] += 1
        self._remember(item.id, item.file_name)
        return True

    def error(self, item: Item, reason: str | None = None, detail: str | None = None) -> bool:
        """Record an item that could not be used (default: its own error); False if already recorded."""
        if item in self:
            return False
        reason = reason or item.error or "unknown"
        row = {
            "id": item.id,
            "file_name": item.file_name,
            "source": item.source,
            "reason": reason,
            "detail": detail if detail is not None else item.detail,
        }
        self._errors.write(row)
        self.errors_by_reason[reason] += 1
        self._remember(item.id, item.file_name)
        return True

    def check(self, n_input: int) -> None:
        """Raise unless ``n_input == kept + dropped + errors``."""
        if n_input != self.total:
            raise PhotogenicError(
                f"accounting mismatch in {self.path}: input {n_input} != kept {self.kept} + "
                f"dropped {self.dropped} + errors {self.errors} (= {self.total})"
            )

    def summary(self) -> dict[str, Any]:
        """Counts for ``summary.json``: kept, dropped and errors, each per reason."""
        return {
            "kept": self.kept,
            "dropped": self.dropped,
            "errors": self.errors,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "errors_by_reason": dict(sorted(self.errors_by_reason.items())),
        }

    def close(self) -> None:
        """Close both files."""
        self._dropped.close()
        self._errors.close()

    def _remember(self, item_id: str, file_name: str) -> None:
        self._recorded.add((item_id, file_name))
        self._ids.add(item_id)
