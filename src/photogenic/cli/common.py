"""Options and helpers shared by every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from photogenic.config import load_config
from photogenic.errors import PhotogenicError

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C")


def config_options(fn: F) -> F:
    """Add ``--config YAML`` and repeatable ``--set key=value`` to a command."""
    fn = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a config key (dotted, e.g. quality.blur.p_bad=0.3); repeatable.",
    )(fn)
    fn = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=None,
        help="YAML config file; its keys override the defaults.",
    )(fn)
    return fn


def out_option(required: bool = True, default: str | None = None) -> Callable[[F], F]:
    """The ``--out DIR`` option every command writes its run directory to."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        required=required and default is None,
        default=default,
        help="Output folder (config.yaml, log.txt, summary.json and results).",
    )


def resolve_config(cls: type[C], config_path: Path | None, overrides: tuple[str, ...]) -> C:
    """Load a typed config; errors surface as one-line CLI errors."""
    return load_config(cls, config_path, overrides)


def existing_dir(path: Path, what: str) -> Path:
    """Check that ``path`` is an existing folder, naming ``what`` it should hold."""
    if not path.exists():
        raise PhotogenicError(f"{what} not found: {path}")
    if not path.is_dir():
        raise PhotogenicError(f"{what} must be a folder: {path}")
    return path


def recorded_run(
    out: Path, command: str, config: Any, work: Callable[[], dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """Run ``work`` in a run directory: ``config.yaml`` first, its result as ``summary.json``."""
    from photogenic.runs import RunDir

    run = RunDir(out, command)
    run.write_config(config, **extra)
    try:
        summary = work()
        run.write_summary(summary)
    finally:
        run.close()
    return summary
