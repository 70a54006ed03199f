"""Batched, resumable sampling: N images per prompt from a diffusers text-to-image model directory.

Each image has its own seed, derived from ``(run seed, prompt id, image index)``; its initial latents
are drawn on the CPU from a generator seeded with it and handed to the pipeline (``latents=``), and
stochastic schedulers get a per-image generator too. A pipeline that takes no ``latents`` (IF: pixel
noise) draws each image's noise from that image's own generator, the same numbers; a pipeline whose
sampler takes one generator for the whole batch (aMUSEd's token sampling) is called once per image.
So the noise of an image does not depend on the batch size, the batch order or the device, and two
models sampled with the same seed and prompts get identical noise. The output is an imagefolder dataset (``photogenic.data.DatasetWriter``); images
already in it are skipped, so rerunning the same command resumes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photogenic.data import METADATA, DatasetWriter
from photogenic.errors import PhotogenicError
from photogenic.models.weights import weights_fingerprint
from photogenic.sample.prompts import Prompt
from photogenic.sample.schedulers import DEFAULT_SCHEDULER, SCHEDULERS, build_scheduler
from photogenic.sample.seeds import image_generator, image_seed, initial_latents

GENERIC_MODEL_NAMES = {"model", "final", "best", "last", "pipeline"}
# Columns that must agree between an existing sample folder and a resumed run (the model's path
# may change: a moved model folder is still the same model).
RESUME_KEYS = (
    "model",
    "weights",
    "seed",
    "steps",
    "guidance",
    "guidance_rescale",
    "scheduler",
    "width",
    "height",
)
# Transformers whose pipelines take latents as a (C, H / f, W / f) grid, like a U-Net's (Flux-style
# pipelines pack theirs into token sequences and draw them themselves).
GRID_LATENT_TRANSFORMERS = {"SD3Transformer2DModel"}
# Schedulers that belong to their model's objective: sampling keeps them (``--scheduler model``).
OWN_SCHEDULERS = {"FlowMatch": "flow-matching", "Amused": "masked-token"}
# Pipelines whose sampler draws from a single generator for the whole batch: one call per image.
ONE_GENERATOR_PIPELINES = {"AmusedPipeline"}


@dataclass
class SampleConfig:
    """Sampling settings (``photogenic sample`` options)."""

    seed: int = 0  # run seed; each image's seed derives from (seed, prompt id, image index)
    images_per_prompt: int = 1
    steps: int = 25  # solver steps
    guidance: float = 7.5  # classifier-free guidance scale
    # φ of Lin et al. (2024) §3.4: rescale the guided prediction toward the conditional one's
    # standard deviation, against over-exposure at high guidance (0.7 for zero-terminal-SNR models)
    guidance_rescale: float = 0.0
    scheduler: str = DEFAULT_SCHEDULER  # a key of photogenic.sample.schedulers.SCHEDULERS
    resolution: str = ""  # "512" or "768x512" (width x height); empty: the model's default
    batch_size: int = 4
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "float32"  # float32 | float16 | bfloat16


@dataclass
class Job:
    """One image to make."""

    prompt: Prompt
    index: int
    seed: int
    file_name: str


def default_model_name(model_dir: str | Path) -> str:
    """The folder name, or ``parent/name`` when the name is generic (``run/model`` from training)."""
    path = Path(model_dir).resolve()
    if path.name in GENERIC_MODEL_NAMES and path.parent.name:
        return f"{path.parent.name}/{path.name}"
    return path.name


def parse_resolution(text: str) -> tuple[int, int] | None:
    """``"512"`` -> (512, 512); ``"768x512"`` -> (768, 512) as (width, height); ``""`` -> None."""
    text = str(text).strip().lower()
    if not text:
        return None
    m = re.fullmatch(r"(\d+)(?:x(\d+))?", text)
    if not m:
        raise PhotogenicError(f"--resolution {text!r}: expected SIZE or WIDTHxHEIGHT in pixels")
    width = int(m.group(1))
    height = int(m.group(2) or width)
    if width < 8 or height < 8:
        raise PhotogenicError(f"--resolution {text!r}: too small")
    return width, height


def image_file_name(prompt_id: str, index: int) -> str:
    """``images/<prompt id>_<index>.png``; ids with unsafe characters get a short hash suffix."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", prompt_id).strip("._") or "prompt"
    if slug != prompt_id:
        from photogenic.train.seeding import derive_seed

        slug = f"{slug[:60]}-{derive_seed(prompt_id) % 16**8:08x}"
    return f"images/{slug}_{index:02d}.png"


def plan_jobs(prompts: Sequence[Prompt], images_per_prompt: int, seed: int) -> list[Job]:
    """Every image to make, prompt by prompt, with its seed and file name."""
    return [
        Job(p, i, image_seed(seed, p.id, i), image_file_name(p.id, i))
        for p in prompts
        for i in range(images_per_prompt)
    ]


def batches(jobs: Sequence[Job], size: int) -> Iterator[list[Job]]:
    """Consecutive batches of at most ``size`` jobs."""
    for start in range(0, len(jobs), size):
        yield list(jobs[start : start + size])


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def load_pipeline(model_dir: str | Path, config: SampleConfig) -> Any:
    """Load the text-to-image pipeline at ``model_dir`` with the configured scheduler and device."""
    import torch
    from diffusers import DiffusionPipeline

    import photogenic.models.emu_pipeline  # noqa: F401  (registers EmuPipeline with diffusers)

    model_dir = Path(model_dir)
    if not (model_dir / "model_index.json").is_file():
        raise PhotogenicError(
            f"--model {model_dir}: not a diffusers model directory (no model_index.json)"
        )
    index = json.loads((model_dir / "model_index.json").read_text(encoding="utf-8"))
    scheduler_class = str((index.get("scheduler") or [""])[-1])
    for prefix, kind in OWN_SCHEDULERS.items():
        if scheduler_class.startswith(prefix) and config.scheduler != "model":
            raise PhotogenicError(
                f"--model {model_dir}: a {kind} model ({scheduler_class}) samples with its own "
                f"scheduler; use --scheduler model, not {config.scheduler!r}"
            )
    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}.get(
        config.dtype
    )
    if dtype is None:
        raise PhotogenicError(f"--dtype {config.dtype!r}: expected float32, float16 or bfloat16")
    try:
        pipe = DiffusionPipeline.from_pretrained(model_dir, dtype=dtype)
    except (OSError, ValueError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PhotogenicError(f"--model {model_dir}: cannot load the pipeline ({first})") from None
    scheduler = build_scheduler(config.scheduler, pipe.scheduler.config)
    if scheduler is not None:
        pipe.scheduler = scheduler
    pipe.to(resolve_device(config.device))
    pipe.set_progress_bar_config(disable=True)
    return pipe


def default_size(pipe: Any) -> tuple[int, int]:
    """The pipeline's native (width, height): denoiser sample size x VAE scale factor."""
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    size = getattr(getattr(denoiser, "config", None), "sample_size", None)
    factor = getattr(pipe, "vae_scale_factor", 1) or 1
    if isinstance(size, (list, tuple)):
        return int(size[1]) * factor, int(size[0]) * factor
    if size:
        return int(size) * factor, int(size) * factor
    return 512, 512


def latent_shape(pipe: Any, width: int, height: int) -> tuple[int, int, int] | None:
    """Initial-latent shape ``(C, H, W)`` of a U-Net or SD3-transformer pipeline (a pixel-space
    U-Net's is the image's), or ``None`` when the pipeline lays out its latents otherwise or has
    none (it then draws them from the per-image generators itself)."""
    denoiser = getattr(pipe, "unet", None)
    transformer = getattr(pipe, "transformer", None)
    if denoiser is None and type(transformer).__name__ in GRID_LATENT_TRANSFORMERS:
        denoiser = transformer
    if denoiser is None or not hasattr(denoiser.config, "in_channels"):
        return None
    factor = getattr(pipe, "vae_scale_factor", 1) or 1
    return int(denoiser.config.in_channels), height // factor, width // factor


def check_samples_of(samples: Path, model_dir: Path) -> None:
    """Refuse a sample folder that ``model_dir``'s current weights did not make (e.g. a base
    installed again into the same folder since): comparisons with it would not be paired."""
    meta = samples / METADATA
    first = meta.read_text(encoding="utf-8").partition("\n")[0] if meta.is_file() else ""
    made_with = json.loads(first).get("weights") if first else None
    now = weights_fingerprint(model_dir)
    if made_with is not None and made_with != now:
        raise PhotogenicError(
            f"{samples}: made with other weights than {model_dir} holds now (weights "
            f"{made_with}, now {now}); sample the model again"
        )


def check_resume(out: Path, jobs: Sequence[Job], settings: dict[str, Any]) -> None:
    """Refuse to resume into a folder whose images were made with other settings or prompts."""
    meta = out / METADATA
    if not meta.is_file():
        return
    texts = {j.file_name: j.prompt.text for j in jobs}
    for line in meta.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line; the writer cuts it off
        for key in RESUME_KEYS:
            value = settings[key]
            if key in row and row[key] != value:
                raise PhotogenicError(
                    f"{out} holds samples made with {key}={row[key]!r}, not {value!r}; "
                    "choose another --out"
                )
        name = row.get("file_name")
        if name in texts and row.get("text") != texts[name]:
            raise PhotogenicError(
                f"{out}: {name} was made for another prompt ({row.get('text')!r}); "
                "choose another --out"
            )


@dataclass
class SamplingRun:
    """A prepared run: the loaded pipeline, every job, and the settings stamped on each image."""

    pipe: Any
    prompts: Sequence[Prompt]
    jobs: list[Job]
    settings: dict[str, Any]
    config: SampleConfig


def prepare(
    model_dir: str | Path,
    prompts: Sequence[Prompt],
    out: str | Path,
    config: SampleConfig,
    *,
    model_name: str | None = None,
    pipe: Any = None,
) -> SamplingRun:
    """Check the settings, load the model and plan the jobs; refuses a folder made otherwise."""
    if config.images_per_prompt < 1 or config.batch_size < 1 or config.steps < 1:
        raise PhotogenicError("images per prompt, batch size and steps must be at least 1")
    SCHEDULERS.get(config.scheduler)  # an unknown name is a one-line error naming the choices
    size = parse_resolution(config.resolution)
    if pipe is None:
        pipe = load_pipeline(model_dir, config)
    width, height = size or default_size(pipe)
    factor = int(getattr(pipe, "vae_scale_factor", 1) or 1)
    if width % factor or height % factor:
        raise PhotogenicError(
            f"--resolution {width}x{height}: width and height must be multiples of {factor}"
        )
    if config.guidance_rescale and not takes_argument(pipe, "guidance_rescale"):
        raise PhotogenicError(
            f"--guidance-rescale {config.guidance_rescale}: {type(pipe).__name__} does not "
            "take guidance_rescale; leave it at 0"
        )
    jobs = plan_jobs(prompts, config.images_per_prompt, config.seed)
    settings = {
        "model": model_name or default_model_name(model_dir),
        "model_path": str(Path(model_dir).resolve()),
        "weights": weights_fingerprint(Path(model_dir)),
        "seed": config.seed,
        "steps": config.steps,
        "guidance": config.guidance,
        "guidance_rescale": config.guidance_rescale,
        "scheduler": config.scheduler,
        "width": width,
        "height": height,
    }
    check_resume(Path(out), jobs, settings)
    return SamplingRun(pipe, prompts, jobs, settings, config)


def run_jobs(run: SamplingRun, out: str | Path, progress: bool = True) -> dict[str, Any]:
    """Make every job not yet in the dataset folder ``out``; returns the summary."""
    from tqdm import tqdm

    pipe, config, settings = run.pipe, run.config, run.settings
    width, height = settings["width"], settings["height"]
    started = time.time()
    made = 0
    with DatasetWriter(out, resume=True) as writer:
        todo = [j for j in run.jobs if j.file_name not in writer]
        bar = tqdm(
            total=len(run.jobs),
            initial=len(run.jobs) - len(todo),
            desc="sample",
            unit="img",
            disable=not progress,
        )
        for batch in batches(todo, config.batch_size):
            images = render(pipe, batch, config, width, height)
            for job, image in zip(batch, images, strict=True):
                writer.add_image(job.file_name, image, job.prompt.text, **_columns(job, settings))
                made += 1
                bar.update(1)
        bar.close()
        total = len(writer)
    seconds = time.time() - started
    return {
        "model": settings["model"],
        "prompts": len(run.prompts),
        "images_per_prompt": config.images_per_prompt,
        "images": len(run.jobs),
        "generated": made,
        "skipped_existing": len(run.jobs) - made,
        "dataset_images": total,
        "width": width,
        "height": height,
        "scheduler": config.scheduler,
        "seconds_generating": round(seconds, 3),
        "images_per_second": round(made / seconds, 3) if made and seconds > 0 else None,
    }


def render(
    pipe: Any, jobs: Sequence[Job], config: SampleConfig, width: int, height: int
) -> list[Any]:
    """The images of ``jobs`` from one pipeline call, each from its own seed (PIL images)."""
    import torch

    kwargs: dict[str, Any] = {
        "prompt": [j.prompt.text for j in jobs],
        "num_inference_steps": config.steps,
        "guidance_scale": config.guidance,
        "width": width,
        "height": height,
        "output_type": "pil",
    }
    if config.guidance_rescale:
        kwargs["guidance_rescale"] = config.guidance_rescale
    shape = latent_shape(pipe, width, height)
    if type(pipe).__name__ in ONE_GENERATOR_PIPELINES:
        images = []
        with torch.inference_mode():
            for job in jobs:
                kwargs.update(prompt=[job.prompt.text], generator=image_generator(job.seed))
                images += pipe(**kwargs).images
        return images
    if shape is not None and takes_argument(pipe, "latents"):
        dtype = getattr(pipe, "dtype", torch.float32)
        kwargs["latents"] = initial_latents([j.seed for j in jobs], shape).to(
            device=pipe.device, dtype=dtype
        )
        kwargs["generator"] = [image_generator(j.seed, "steps") for j in jobs]
    else:  # the pipeline's first draw from each generator is the image's initial noise
        kwargs["generator"] = [image_generator(j.seed) for j in jobs]
    with torch.inference_mode():
        return pipe(**kwargs).images


def takes_argument(pipe: Any, name: str) -> bool:
    """Whether calling ``pipe`` accepts the keyword ``name`` (IF's pipeline takes no ``latents``)."""
    import inspect

    return name in inspect.signature(pipe.__call__).parameters


def generate(
    model_dir: str | Path,
    prompts: Sequence[Prompt],
    out: str | Path,
    config: SampleConfig,
    *,
    model_name: str | None = None,
    progress: bool = True,
    pipe: Any = None,
) -> dict[str, Any]:
    """Make ``config.images_per_prompt`` images for every prompt into the dataset folder ``out``
    (skipping those already there). ``pipe`` may be given pre-loaded. Returns a summary."""
    run = prepare(model_dir, prompts, out, config, model_name=model_name, pipe=pipe)
    return run_jobs(run, out, progress)


def _columns(job: Job, settings: dict[str, Any]) -> dict[str, Any]:
    p = job.prompt
    columns: dict[str, Any] = {
        "prompt_id": p.id,
        "image_index": job.index,
        "prompt": p.text,
        "category": p.category,
        "challenge": p.challenge,
        "image_seed": job.seed,
        **settings,
    }
    return columns
