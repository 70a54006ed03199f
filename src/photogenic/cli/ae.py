"""``photogenic ae train|eval``: the Emu-style autoencoder."""

from __future__ import annotations

from pathlib import Path

import click

from photogenic.cli.common import (
    config_options,
    existing_dir,
    out_option,
    recorded_run,
    resolve_config,
)


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
    summary = recorded_run(
        out,
        "ae train",
        config,
        lambda: train_autoencoder(config, list(data), out, progress=progress),
        data=[str(d) for d in data],
    )
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
    summary = recorded_run(
        out,
        "ae eval",
        {},
        lambda: evaluate_autoencoder(load_autoencoder(model), list(data), out, progress=progress),
        model=str(model),
        data=[str(d) for d in data],
    )
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

    def bench() -> dict:
        photos = skimage_photos(out / "train-photos")
        return run_bench(config, [photos, *data], kodak, out, progress=progress)

    recorded_run(out, "ae bench", config, bench, kodak=str(kodak), data=[str(d) for d in data])
    click.echo((out / "table1.md").read_text())


@ae.command("dead-leaves")
@out_option()
@click.option("--n", "count", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--size", type=click.IntRange(min=16), default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--progress/--no-progress", default=True)
def dead_leaves_cmd(out: Path, count: int, size: int, seed: int, progress: bool) -> None:
    """Write synthetic dead-leaves training images (natural-image statistics, made offline) as a
    dataset, e.g. for `ae train --data` or `ae bench --data` (resumes)."""
    from photogenic.autoencoder.deadleaves import write_dead_leaves

    write_dead_leaves(out, count, size, seed, progress)
    click.echo(f"{count} dead-leaves images ({size}²) in {out}")
