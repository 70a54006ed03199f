"""Atomic checkpoints: written to a temporary folder, then renamed; an interrupt never leaves half of one.

Layout: ``<out>/checkpoints/step-00000100/state.pt``; ``<out>/checkpoints/best/`` for early stopping.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import torch

STEP_DIR = re.compile(r"^step-(\d+)$")
STATE_FILE = "state.pt"


def checkpoint_dir(out: Path) -> Path:
    """The folder holding a run's checkpoints."""
    return Path(out) / "checkpoints"


def save_checkpoint(out: Path, name: str, state: dict[str, Any]) -> Path:
    """Write ``state`` as checkpoint ``name`` atomically; replaces an existing one of that name."""
    root = checkpoint_dir(out)
    root.mkdir(parents=True, exist_ok=True)
    final = root / name
    tmp = root / f".tmp-{name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    with open(tmp / STATE_FILE, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    if final.exists():
        old = root / f".old-{name}-{os.getpid()}"
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old)
    else:
        os.replace(tmp, final)
    return final


def step_checkpoints(out: Path) -> list[tuple[int, Path]]:
    """Complete step checkpoints, oldest first (temporary folders from an interrupt are ignored)."""
    root = checkpoint_dir(out)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        match = STEP_DIR.match(child.name)
        if match and (child / STATE_FILE).is_file():
            found.append((int(match.group(1)), child))
    return sorted(found)


def latest_checkpoint(out: Path) -> Path | None:
    """The newest complete step checkpoint, or None."""
    found = step_checkpoints(out)
    return found[-1][1] if found else None


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint's state (on CPU)."""
    return torch.load(Path(path) / STATE_FILE, map_location="cpu", weights_only=False)


def prune_checkpoints(out: Path, keep_last: int) -> None:
    """Delete all but the newest ``keep_last`` step checkpoints, and stale temporary folders."""
    found = step_checkpoints(out)
    for _, path in found[: max(0, len(found) - keep_last)]:
        shutil.rmtree(path, ignore_errors=True)
    root = checkpoint_dir(out)
    for child in root.iterdir() if root.is_dir() else []:
        if child.name.startswith((".tmp-", ".old-")):
            shutil.rmtree(child, ignore_errors=True)


def step_name(step: int) -> str:
    """Folder name of the checkpoint taken after ``step`` steps."""
    return f"step-{step:08d}"
