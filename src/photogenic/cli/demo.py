"""``photogenic demo``: the main job on the embedded default data."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import config_options, recorded_run, resolve_config


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/demo"),
    show_default=True,
    help="Output folder for every stage of the demo.",
)
@config_options
@click.option(
    "--rebuild-base",
    is_flag=True,
    help="Rebuild the shipped tiny base model instead (hours on a 2-core CPU; resumable; "
    "installed over the shipped one unless --set install_to=DIR).",
)
@click.option(
    "--rebuild-judges",
    is_flag=True,
    help="Retrain the shipped appeal and content judges instead (about an hour).",
)
@click.option(
    "--ablations",
    is_flag=True,
    help="Run the ablations instead: tuning-set size, curated vs random, steps, other model families (a benchmark).",
)
def demo(
    out: Path,
    config_path: Path | None,
    overrides: tuple[str, ...],
    rebuild_base: bool,
    rebuild_judges: bool,
    ablations: bool,
) -> None:
    """Run the quality-tuning pipeline end to end on the haystack world (no downloads).

    --set keys are DemoConfig's (e.g. tune.loop.max_steps=100); with --ablations they are
    demo.* (the same keys) and ablation.* (pool_size, fractions, steps, parts, families,
    bases.FAMILY.*).
    """
    if ablations:
        _ablations(out, config_path, overrides)
        return
    if rebuild_base:
        _rebuild_base(out, config_path, overrides)
        return
    if rebuild_judges:
        _rebuild_judges(out, config_path, overrides)
        return
    from photogenic.demo import DemoConfig, run_demo
    from photogenic.demo.report import format_summary

    config = resolve_config(DemoConfig, config_path, overrides)
    summary = recorded_run(out, "demo", config, lambda: run_demo(out, config))
    click.echo(format_summary(summary))
    click.echo(f"\nwrote {out}/summary.json")


def _rebuild_base(out: Path, config_path: Path | None, overrides: tuple[str, ...]) -> None:
    from photogenic.demo.base import BaseBuildConfig, build_base, install_target

    config = resolve_config(BaseBuildConfig, config_path, overrides)
    record = recorded_run(out, "demo --rebuild-base", config, lambda: build_base(config, out))
    click.echo(f"installed the demo base at {install_target(config)} ({record['size_mb']} MB)")


def _rebuild_judges(out: Path, config_path: Path | None, overrides: tuple[str, ...]) -> None:
    from photogenic.demo.base import ASSETS
    from photogenic.demo.judges import JudgeBuildConfig, build_judges, validation_text

    config = resolve_config(JudgeBuildConfig, config_path, overrides)
    record = recorded_run(
        out,
        "demo --rebuild-judges",
        config,
        lambda: build_judges(config, out, ASSETS / "demo-judges"),
    )
    for kind, row in record.items():
        click.echo(f"{kind} judge: {validation_text(row)}")


def _ablations(out: Path, config_path: Path | None, overrides: tuple[str, ...]) -> None:
    from photogenic.demo.ablations import AblationRun, format_ablations, run_ablations

    config = resolve_config(AblationRun, config_path, overrides)
    result = recorded_run(
        out,
        "demo --ablations",
        config,
        lambda: run_ablations(out, config.demo, config.ablation),
    )
    click.echo(format_ablations(result))
    plot = f" and {out}/steps.png" if result["steps"] else ""
    click.echo(f"\nwrote {out}/ablations.json{plot}")
