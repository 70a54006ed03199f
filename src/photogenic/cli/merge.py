"""``photogenic merge``: a tuned model's denoiser interpolated with its base's (WiSE-FT)."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import existing_dir, recorded_run


@click.command()
@click.option("--base", type=click.Path(path_type=Path), required=True, help="The base model.")
@click.option(
    "--tuned", type=click.Path(path_type=Path), required=True, help="The model tuned from it."
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0.0),  # the upper limit is merge_with_base's (MAX_ALPHA)
    required=True,
    help="Share of the tuning's weight change kept (1: the tuned model, 0: the base; above 1 "
    "extrapolates it).",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Model folder."
)
def merge(base: Path, tuned: Path, alpha: float, out: Path) -> None:
    """Write base + ALPHA x (tuned - base) for the denoiser as a diffusers model at --out
    (with the command's config.yaml, log.txt and summary.json beside the model's files)."""
    from photogenic.train.merge import merge_with_base

    existing_dir(base, "--base model directory")
    existing_dir(tuned, "--tuned model directory")
    config = {"base": str(base), "tuned": str(tuned), "alpha": alpha}
    result = recorded_run(out, "merge", config, lambda: merge_with_base(base, tuned, alpha, out))
    click.echo(f"merged {result['tensors']} tensors at alpha {alpha}; model: {out}")
