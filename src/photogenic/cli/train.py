"""``photogenic train``: one loop, many recipes."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import existing_dir, out_option, recorded_run
from photogenic.config import load_config


@click.command()
@click.option("--recipe", required=True, help="Recipe name (e.g. emu-quality-tune) or YAML file.")
@click.option(
    "--model", type=click.Path(path_type=Path), required=True, help="Diffusers model directory."
)
@click.option("--data", type=click.Path(path_type=Path), required=True, help="Training dataset.")
@out_option()
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe key."
)
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
def train(
    recipe: str, model: Path, data: Path, out: Path, overrides: tuple[str, ...], progress: bool
) -> None:
    """Pretrain or quality-tune a text-to-image model; resumes from the newest checkpoint in --out."""
    from photogenic.train.run import TrainConfig, recipe_path, train_model

    config = load_config(TrainConfig, recipe_path(recipe), overrides)
    existing_dir(model, "--model directory")
    summary = recorded_run(
        out,
        "train",
        config,
        lambda: train_model(config, model, data, out, progress=progress),
        recipe=recipe,
        model=str(model),
        data=str(data),
    )
    click.echo(
        f"trained {summary['steps']} steps on {summary['train_items']} items "
        f"({summary['skipped_items']} skipped); model: {summary['model']}"
    )
