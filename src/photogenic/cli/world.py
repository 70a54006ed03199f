"""``photogenic world``: make the procedural haystack (the project's default data)."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import config_options, out_option, resolve_config
from photogenic.runs import RunDir
from photogenic.world import WorldConfig, make_world, validate
from photogenic.world.make import check_world_dir


@click.group()
def world() -> None:
    """The haystack world: image-caption pairs with ground-truth photographic quality."""


@world.command()
@click.option("--n", "n", type=click.IntRange(min=1), required=True, help="Number of items.")
@click.option("--seed", type=int, default=0, show_default=True, help="World seed.")
@out_option()
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Rendering processes (the output is the same for any number).",
)
@config_options
def make(
    n: int,
    seed: int,
    out: Path,
    workers: int,
    config_path: Path | None,
    overrides: tuple[str, ...],
) -> None:
    """Write N items to OUT as an imagefolder dataset (images/ + metadata.jsonl).

    Rerunning the same command into the same folder resumes where it stopped.
    """
    config = validate(resolve_config(WorldConfig, config_path, overrides))
    check_world_dir(
        out, n, seed, config
    )  # before RunDir, so a refused run leaves the folder as it was
    run = RunDir(out, "world make")
    try:
        run.write_config(config, n=n, seed=seed, workers=workers)
        run.log.info("making %d items with seed %d on %d worker(s)", n, seed, workers)
        summary = make_world(out, n, seed, config, workers=workers, progress=True)
        run.write_summary(summary)
        run.log.info("done: %s", {k: summary[k] for k in ("n", "needles", "images_per_second")})
    finally:
        run.close()
    click.echo(
        f"{summary['n']} items ({summary['needles']} needles, "
        f"{summary['exact_duplicates']} exact + {summary['near_duplicates']} near duplicates) "
        f"in {out} at {summary['images_per_second']} images/s"
    )
