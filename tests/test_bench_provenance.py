"""Benchmarks record the commit of the baseline checkout they compare against."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _provenance():
    spec = importlib.util.spec_from_file_location("provenance", ROOT / "benchmarks/provenance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def test_the_baseline_checkouts_commit_is_recorded(tmp_path: Path) -> None:
    provenance = _provenance()
    repo = tmp_path / "baseline"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("x = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "baseline")
    head = _git(repo, "rev-parse", "HEAD")
    record = provenance.baseline_record(repo / "src")
    assert record == {"baseline_src": str(repo / "src"), "baseline_commit": head}


def test_a_folder_outside_git_has_no_commit(tmp_path: Path) -> None:
    assert _provenance().source_commit(tmp_path) is None
