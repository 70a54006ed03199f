"""``photogenic ae train|eval``: the Emu-style autoencoder."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import config_options, existing_dir, out_option, resolve_config
from photogenic.runs import RunDir


@click.group()
def ae() -> None:
    """Train and evaluate the 16-channel Fourier-feature autoencoder."""


@ae.command("train")
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Training dataset (any accepted format); repeatable. Never the evaluation photos.",
)
@out_option()
@config_options
@click.option("--progress/--no-progress", default=True)
def train_cmd(
    data: tuple[Path, ...],
    out: Path,
    config_path: Path | None,
    overrides: tuple[str, ...],
    progress: bool,
) -> None:
    """Train an autoencoder (resumes from the newest checkpoint in --out)."""
    from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder

    config = resolve_config(AutoencoderTrainConfig, config_path, overrides)
    run = RunDir(out, "ae train")
    run.write_config(config, data=[str(d) for d in data])
    try:
        summary = train_autoencoder(config, list(data), out, progress=progress)
        run.write_summary(summary)
    finally:
        run.close()
    click.echo(
        f"trained {summary['steps']} steps; held-out PSNR {summary['validation_psnr'] or float('nan'):.2f} dB; "
        f"model: {summary['model']}"
    )


@ae.command("eval")
@click.option(
    "--model", type=click.Path(path_type=Path), required=True, help="Autoencoder directory."
)
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Images to reconstruct (a dataset or a folder of images); repeatable.",
)
@out_option()
@click.option("--progress/--no-progress", default=True)
def eval_cmd(model: Path, data: tuple[Path, ...], out: Path, progress: bool) -> None:
    """PSNR and SSIM of whole-image reconstructions; CSV + JSON + crop grid."""
    from photogenic.autoencoder.evaluate import evaluate_autoencoder
    from photogenic.autoencoder.load import load_autoencoder

    existing_dir(model, "--model directory")
    run = RunDir(out, "ae eval")
    run.write_config({}, model=str(model), data=[str(d) for d in data])
    try:
        summary = evaluate_autoencoder(load_autoencoder(model), list(data), out, progress=progress)
        run.write_summary(summary)
    finally:
        run.close()
    click.echo(
        f"{summary['images']} images: PSNR {summary['psnr']:.2f} dB, SSIM {summary['ssim']:.4f}"
    )


@ae.command("bench")
@click.option(
    "--kodak",
    type=click.Path(path_type=Path),
    default=Path("../shared/data/kodak"),
    show_default=True,
    help="Evaluation photos (never trained on).",
)
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Extra training datasets (e.g. a world pool); the photos scikit-image ships are always used.",
)
@out_option()
@config_options
@click.option("--progress/--no-progress", default=True)
def bench_cmd(
    kodak: Path,
    data: tuple[Path, ...],
    out: Path,
    config_path: Path | None,
    overrides: tuple[str, ...],
    progress: bool,
) -> None:
    """Table 1: eight autoencoder variants, same budget, PSNR/SSIM on Kodak; resumable."""
    from photogenic.autoencoder.bench import BenchConfig, run_bench, skimage_photos

    config = resolve_config(BenchConfig, config_path, overrides)
    existing_dir(kodak, "--kodak folder")
    run = RunDir(out, "ae bench")
    run.write_config(config, kodak=str(kodak), data=[str(d) for d in data])
    try:
        photos = skimage_photos(out / "train-photos")
        result = run_bench(config, [photos, *data], kodak, out, progress=progress)
        run.write_summary(result)
    finally:
        run.close()
    click.echo((out / "table1.md").read_text())
