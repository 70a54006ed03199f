"""Where a benchmark's baseline came from: the commit of the checkout given by ``--baseline-src``,
recorded next to the folder (a ``/tmp`` path alone names no code)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def source_commit(src: Path) -> str | None:
    """The commit checked out in the git work tree holding ``src``; ``None`` outside one."""
    try:
        done = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def baseline_record(src: Path) -> dict[str, str | None]:
    """``baseline_src`` and ``baseline_commit`` for a results file."""
    return {"baseline_src": str(src), "baseline_commit": source_commit(src)}
