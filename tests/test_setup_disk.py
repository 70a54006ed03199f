"""The set-up's disk check: it stops before installing, naming the disk and what it needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check-disk.sh"


def _check(folder: Path, mib: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), str(folder), str(mib)], capture_output=True, text=True, check=False
    )


def test_enough_room_passes_quietly(tmp_path: Path) -> None:
    done = _check(tmp_path, 1)
    assert done.returncode == 0
    assert done.stderr == ""


def test_too_little_room_fails_naming_the_folder_and_the_need(tmp_path: Path) -> None:
    done = _check(tmp_path, 10**12)
    assert done.returncode == 1
    assert str(tmp_path) in done.stderr
    assert f"needs about {10**12} MiB" in done.stderr
