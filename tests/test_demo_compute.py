"""``Compute``: seconds per phase, written while a phase runs, added up across resumed runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from photogenic.demo.compute import Compute


def _on_disk(path: Path) -> dict[str, float]:
    return json.loads(path.read_text()) if path.is_file() else {}


def test_a_running_phase_is_written_before_it_ends_and_a_resumed_one_adds(tmp_path: Path) -> None:
    path = tmp_path / "compute.json"
    seen: list[dict[str, float]] = []

    def slow() -> None:
        time.sleep(0.35)
        seen.append(_on_disk(path))  # what a kill -9 at this moment would leave

    Compute(path, heartbeat=0.05).run("pretrain", tmp_path / "never", slow)
    first = _on_disk(path)["pretrain"]
    assert first >= 0.3
    assert 0.1 <= seen[0]["pretrain"] <= first  # written by the heartbeat mid-phase
    Compute(path, heartbeat=0.05).run("pretrain", tmp_path / "never", lambda: time.sleep(0.2))
    assert _on_disk(path)["pretrain"] >= first + 0.15


def test_a_finished_phase_is_skipped_and_a_failing_one_still_counts(tmp_path: Path) -> None:
    path = tmp_path / "compute.json"
    done = tmp_path / "done"
    done.touch()
    Compute(path).run("tune", done, lambda: pytest.fail("a finished phase ran again"))
    assert "tune" not in _on_disk(path)

    def broken() -> None:
        time.sleep(0.1)
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        Compute(path).run("sample", tmp_path / "never", broken)
    assert _on_disk(path)["sample"] >= 0.1
