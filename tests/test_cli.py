"""The CLI surface: --help everywhere, one-line errors, run directories."""

from __future__ import annotations

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


def test_the_cli_starts_without_importing_torch() -> None:
    """``photogenic --help`` and the data/curate/annotate commands don't pay torch's start-up."""
    import subprocess
    import sys

    code = "import sys, photogenic.cli.main; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
