"""Run directories: every command writes its resolved config, a log and ``summary.json`` to ``--out``."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import yaml

from photogenic import __version__


class RunDir:
    """The ``--out`` folder of one command: ``config.yaml``, ``log.txt`` and ``summary.json``."""

    def __init__(self, out: str | Path, command: str) -> None:
        self.path = Path(out)
        self.path.mkdir(parents=True, exist_ok=True)
        self.command = command
        self.started = time.time()
        self.log = logging.getLogger(f"photogenic.{command}")
        self._handler = logging.FileHandler(self.path / "log.txt", encoding="utf-8")
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self.log.addHandler(self._handler)
        self.log.setLevel(logging.INFO)

    def write_config(self, config: Any, **extra: Any) -> None:
        """Write the resolved config (a dataclass or mapping) plus command arguments to ``config.yaml``."""
        body = (
            dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config or {})
        )
        doc = {"command": self.command, "photogenic_version": __version__, **extra, "config": body}
        atomic_write_text(self.path / "config.yaml", yaml.safe_dump(_plain(doc), sort_keys=False))

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` with the command, its wall time and the given fields."""
        doc = {
            "command": self.command,
            "seconds": round(time.time() - self.started, 3),
            **summary,
        }
        atomic_write_text(self.path / "summary.json", json.dumps(_plain(doc), indent=2) + "\n")

    def close(self) -> None:
        self.log.removeHandler(self._handler)
        self._handler.close()


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _plain(value: Any) -> Any:
    """Convert paths, tuples and numpy scalars into YAML/JSON-safe Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value
