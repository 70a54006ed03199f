"""The CLI surface: --help everywhere, one-line errors, run directories."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from photogenic.cli.main import cli, main


def _all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += _all_command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


@pytest.mark.parametrize("path", _all_command_paths(cli), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out


def test_the_design_command_groups_are_present() -> None:
    assert {"world", "data", "demo"} <= set(cli.commands)


def test_unknown_command_fails_with_nonzero_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) != 0
    assert "No such command" in capsys.readouterr().err


def test_bad_config_override_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", "--out", str(tmp_path / "d"), "--set", "pool_sise=3"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "unknown key 'pool_sise'" in err
    assert "Traceback" not in err


def test_demo_runs_end_to_end_and_writes_its_run_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--set", "pool_size=40", "--set", "workers=1"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world"]["n"] == 40
    assert summary["pool_check"]["items"] == 40
    assert summary["pool_check"]["decoded"] + sum(summary["pool_check"]["errors"].values()) == 40
    funnel = [row["items"] for row in summary["funnel"]]
    assert funnel[0] == 40 and funnel == sorted(funnel, reverse=True)  # each stage narrows
    assert all(stage["simulated"] for stage in summary["human_stages"])
    assert (out / "config.yaml").read_text().startswith("command: demo")
    assert "photogenic demo" in capsys.readouterr().out
