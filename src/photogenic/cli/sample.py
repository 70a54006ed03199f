"""``photogenic sample``: N images per prompt from a model, with per-prompt seeds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from photogenic.cli.common import existing_dir, out_option
from photogenic.runs import RunDir
from photogenic.sample.prompts import FORMATS
from photogenic.sample.schedulers import DEFAULT_SCHEDULER, SCHEDULERS


@click.command()
@click.option(
    "--model", type=click.Path(path_type=Path), required=True, help="Diffusers model directory."
)
@click.option(
    "--prompts",
    required=True,
    help="Prompt file (PartiPrompts .tsv, .txt one per line, .jsonl) or world:N[:SEED].",
)
@out_option()
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Run seed (per-image seeds derive from it).",
)
@click.option(
    "--prompt-format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="How to read --prompts (auto: by suffix, world:N for the world's prompts).",
)
@click.option("--images-per-prompt", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--steps", type=click.IntRange(min=1), default=25, show_default=True)
@click.option("--guidance", type=float, default=7.5, show_default=True, help="Guidance scale.")
@click.option(
    "--guidance-rescale",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Rescale the guided prediction's std toward the conditional one's (0.7 for models "
    "trained with zero terminal SNR; 0: off).",
)
@click.option(
    "--scheduler",
    type=click.Choice(SCHEDULERS.names()),
    default=DEFAULT_SCHEDULER,
    show_default=True,
    help="Solver ('model' keeps the model's own).",
)
@click.option(
    "--resolution", default="", help="SIZE or WIDTHxHEIGHT in pixels (default: the model's)."
)
@click.option("--batch-size", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Use the first N prompts.")
@click.option("--model-name", default=None, help="Name recorded for the model (default: folder).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N, mps.")
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float16", "bfloat16"]),
    default="float32",
    show_default=True,
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def sample(
    model: Path,
    prompts: str,
    out: Path,
    seed: int,
    prompt_format: str,
    images_per_prompt: int,
    steps: int,
    guidance: float,
    guidance_rescale: float,
    scheduler: str,
    resolution: str,
    batch_size: int,
    limit: int | None,
    model_name: str | None,
    device: str,
    dtype: str,
    progress: bool,
) -> None:
    """Generate images for a prompt set.

    OUT becomes an imagefolder dataset (images/ + metadata.jsonl with prompt, seed, model,
    category and challenge).

    The same prompt, image index and seed give the same starting noise for every model and batch
    size, so two models sampled with the same --seed can be compared pair by pair. Rerunning the
    same command resumes: images already in OUT are skipped.
    """
    from photogenic.sample.generate import SampleConfig, prepare, run_jobs
    from photogenic.sample.prompts import load_prompts

    existing_dir(model, "--model directory")
    prompt_set = load_prompts(prompts, prompt_format, limit)
    config = SampleConfig(
        seed=seed,
        images_per_prompt=images_per_prompt,
        steps=steps,
        guidance=guidance,
        guidance_rescale=guidance_rescale,
        scheduler=scheduler,
        resolution=resolution,
        batch_size=batch_size,
        device=device,
        dtype=dtype,
    )
    plan = prepare(model, prompt_set, out, config, model_name=model_name)
    run = RunDir(out, "sample")
    try:
        run.write_config(
            dataclasses.asdict(config),
            model=str(model),
            prompts=str(prompts),
            prompt_format=prompt_format,
            limit=limit,
            model_name=plan.settings["model"],
        )
        run.log.info("sampling %d prompts x %d images", len(prompt_set), images_per_prompt)
        summary = run_jobs(plan, out, progress)
        run.write_summary(summary)
        run.log.info(
            "done: %d generated, %d already there",
            summary["generated"],
            summary["skipped_existing"],
        )
    finally:
        run.close()
    click.echo(
        f"{summary['generated']} images generated ({summary['skipped_existing']} already there) "
        f"for {summary['prompts']} prompts in {out}"
    )
