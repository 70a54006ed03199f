"""``photogenic curate``: the automatic funnel (``run``) and the measure-everything pass (``score``)."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import config_options, out_option, resolve_config
from photogenic.runs import RunDir

_INPUT_HELP = "Dataset: imagefolder, images with .txt captions, WebDataset .tar or Parquet."


def _engine_names() -> list[str]:
    from photogenic.curate.engines import ENGINES

    return sorted(ENGINES)


def _engine_options(fn):
    fn = click.option(
        "--address", default=None, help="Ray cluster address (with --engine ray); else a local Ray."
    )(fn)
    fn = click.option(
        "--workers",
        type=click.IntRange(min=0),
        default=None,
        help="Worker processes (default: the config's workers; 0 = all cores).",
    )(fn)
    fn = click.option(
        "--engine",
        type=click.Choice(_engine_names()),
        default="local",
        show_default=True,
        help="local: a process pool on this machine; ray: Ray Data (local or --address).",
    )(fn)
    return fn


def _config(config_path: Path | None, overrides: tuple[str, ...], skip: tuple[str, ...] = ()):
    from photogenic.curate.config import CurateConfig

    sets = list(overrides) + [f"{name}.enabled=false" for name in skip]
    return resolve_config(CurateConfig, config_path, tuple(sets))


def _stage_names() -> list[str]:
    from photogenic.curate.stages import ORDER

    return list(ORDER)


@click.group()
def curate() -> None:
    """Find the photogenic needles: filters, scorers, dedup, balancing and top-K selection."""


@curate.command()
@click.option("--input", "input_path", required=True, help=_INPUT_HELP)
@out_option()
@config_options
@_engine_options
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(_stage_names()),
    help="Switch a stage off (repeatable); same as --set STAGE.enabled=false.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def run(
    input_path: str,
    out: Path,
    config_path: Path | None,
    overrides: tuple[str, ...],
    engine: str,
    workers: int | None,
    address: str | None,
    skip: tuple[str, ...],
    progress: bool,
) -> None:
    """Run the funnel: kept/, dropped.jsonl, report.html and report.json in --out (resumable)."""
    from photogenic.curate.config import validate
    from photogenic.curate.funnel import run_funnel

    config = validate(_config(config_path, overrides, skip))
    run_dir = RunDir(out, "curate run")
    try:
        run_dir.write_config(config, input=input_path, engine=engine, workers=workers)
        summary = run_funnel(
            input_path, out, config, engine, workers or 0, address, progress=progress
        )
        run_dir.write_summary(summary)
        run_dir.log.info(summary["accounting"])
    finally:
        run_dir.close()
    click.echo(f"{summary['accounting']}; report: {out / 'report.html'}")
    for stage, note in summary["notices"].items():
        click.echo(f"  {stage}: {note}")


@curate.command()
@click.option("--input", "input_path", required=True, help=_INPUT_HELP)
@out_option()
@config_options
@_engine_options
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def score(
    input_path: str,
    out: Path,
    config_path: Path | None,
    overrides: tuple[str, ...],
    engine: str,
    workers: int | None,
    address: str | None,
    progress: bool,
) -> None:
    """Measure every item (nothing dropped) into --out/scores.parquet, for tuning thresholds."""
    from photogenic.curate.config import validate
    from photogenic.curate.score import score_pool

    config = validate(_config(config_path, overrides))
    run_dir = RunDir(out, "curate score")
    try:
        run_dir.write_config(config, input=input_path, engine=engine, workers=workers)
        summary = score_pool(input_path, out, config, engine, workers or 0, address, progress)
        run_dir.write_summary(summary)
    finally:
        run_dir.close()
    click.echo(f"{summary['items']} items, {summary['columns']} columns: {out / 'scores.parquet'}")
