"""Quality-tuning beyond the latent U-Net: one tiny world-pretrained base per model family.

The paper finds quality-tuning generic: it also lifted a pixel-diffusion model and a masked
generative transformer. For each family a tiny base is built from random weights and pretrained on
the base's own world pool (the demo's base pool, never the demo's images), then quality-tuned on
the demo's curated set with the demo's recipe and judged against its own base:

* ``deepfloyd_if``: pixel diffusion in the DeepFloyd-IF layout (``if`` family), at 32 px;
* ``amused``: a masked generative transformer in the aMUSEd layout; its ``VQModel`` image
  tokenizer is trained on the pool first (through the autoencoder loop);
* ``sd3``: a flow-matching transformer in the SD3 layout on the shipped 16-channel Fourier
  autoencoder of the demo base (the natural home for it).

Every phase resumes (finished phases are kept, training resumes from its checkpoints) and its
wall-clock seconds are recorded in ``compute.json``, so the compute each family took is stated.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder
from photogenic.data import open_dataset
from photogenic.demo.base import BASE_DIR, pretrain_config, world_vocabulary
from photogenic.demo.compute import Compute
from photogenic.demo.evaluation import EvaluationConfig, judge_against, sample_model
from photogenic.demo.tuning import quality_tune, random_control
from photogenic.runs import atomic_write_text
from photogenic.sample.schedulers import DEFAULT_SCHEDULER
from photogenic.train.families import FAMILIES, RandomModelSpec
from photogenic.train.merge import merge_with_base
from photogenic.train.run import TrainConfig, train_model
from photogenic.world import make_world

FAMILY_ROWS = ("deepfloyd_if", "amused", "sd3")  # AblationConfig.families: these names


def _pretrain(
    resolution: int,
    max_steps: int,
    batch_size: int,
    learning_rate: float,
    caption_dropout: float = 0.1,
) -> TrainConfig:
    """The demo base's pretraining recipe (early stopping on held-out loss) at another size, with
    caption dropout so that classifier-free guidance has an unconditional prediction to work from
    (for ``amused`` it lifted appeal vs its base from 0.463 to 0.573, BENCHMARKS.md)."""
    cfg = pretrain_config()
    cfg.loop.max_steps = max_steps
    cfg.loop.batch_size = batch_size
    cfg.loop.optimizer.learning_rate = learning_rate
    cfg.task.data.resolution = resolution
    cfg.task.data.caption_dropout = caption_dropout
    return cfg


def _tokenizer_training() -> AutoencoderTrainConfig:
    """aMUSEd's VQ tokenizer on whole 64 px world images: L1 + structural + codebook loss, the
    PatchGAN for the last quarter."""
    cfg = AutoencoderTrainConfig()
    cfg.data.crop_size = 64
    cfg.loss.disc_start = 1500
    cfg.loss.disc_norm = "group"
    cfg.loop.max_steps = 2000
    cfg.loop.optimizer.schedule = "cosine"
    cfg.loop.optimizer.warmup_steps = 100
    cfg.loop.validate_every = 250
    cfg.loop.checkpoint.every = 250
    return cfg


@dataclass
class FamilyBaseConfig:
    """One family's tiny base: its sizes, its pretraining, how it samples."""

    family: str = "sd3"  # a key of the model-family registry
    spec: RandomModelSpec = field(default_factory=RandomModelSpec)
    pretrain: TrainConfig = field(default_factory=lambda: _pretrain(64, 3000, 64, 3e-4))
    tokenizer: AutoencoderTrainConfig = field(default_factory=_tokenizer_training)  # amused
    scheduler: str = DEFAULT_SCHEDULER  # "model": the family's own sampler (flow, unmasking)
    # share of the tuning's weight change kept (``photogenic merge``; tuned and control alike);
    # 1.0: the tuned weights as they are; above 1 extrapolates the change
    merge: float = 1.0

    @property
    def resolution(self) -> int:
        """Pixels per side it pretrains, tunes and samples at."""
        return self.pretrain.task.data.resolution


def _text(spec: RandomModelSpec) -> RandomModelSpec:
    """The demo base's text side (width 64, 2 layers, 20 tokens) on a family's spec."""
    spec.cross_attention_dim = 64
    spec.attention_head_dim = 16
    spec.text_hidden_size = 64
    spec.text_layers = 2
    spec.text_max_length = 20
    return spec


def deepfloyd_if_base() -> FamilyBaseConfig:
    """Pixel diffusion at 32 px: a 3-level IF stage-I U-Net, T5 text (batch 32: a pixel U-Net
    step costs about three times the latent ones at this size)."""
    spec = _text(RandomModelSpec(resolution=32, block_out_channels=[32, 64, 64]))
    # pretrained without caption dropout for its recorded row (0.787 vs its base); not rerun with it
    return FamilyBaseConfig("if", spec, _pretrain(32, 3000, 32, 3e-4, caption_dropout=0.0))


def amused_base() -> FamilyBaseConfig:
    """Masked tokens at 64 px: an f8 VQ tokenizer (256 codes), a small U-ViT, CLIP text."""
    spec = _text(
        RandomModelSpec(
            resolution=64,
            block_out_channels=[64, 64, 64],  # conv width, and one transformer layer per entry
            vae_block_out_channels=[32, 64, 64, 64],
            latent_channels=16,
            codebook_size=256,
        )
    )
    # 6,000 steps without caption dropout did no better than 3,000 (0.420 vs 0.463 against its
    # base); 3,000 with it won 0.573 but lost faithfulness (59 / 107), as every tuning of it did;
    # keeping half of the weight change kept the appeal gain and the faithfulness (0.625, 71 / 66;
    # 0.3: 0.583, 71 / 72; BENCHMARKS, "Weight interpolation")
    return FamilyBaseConfig(
        "amused", spec, _pretrain(64, 3000, 64, 3e-4), scheduler="model", merge=0.5
    )


def sd3_base() -> FamilyBaseConfig:
    """Flow matching at 64 px: a small SD3 transformer on the shipped 16-channel autoencoder, one
    token per latent pixel (its rows were recorded on the earlier f8 autoencoder, 8×8 tokens; with
    2×2 patches its 4×4 tokens drew bands, and tuning lost to the base: 0.200 against 0.553 with
    patch 1, BENCHMARKS.md)."""
    shipped_vae = json.loads((BASE_DIR / "vae" / "config.json").read_text())
    spec = _text(
        RandomModelSpec(
            resolution=64,
            patch_size=1,
            block_out_channels=[64, 64, 64, 64],  # one transformer block per entry
            vae_block_out_channels=list(shipped_vae["block_out_channels"]),  # its latent grid
            latent_channels=16,
            # no σ shift: SD3's 3.0 suits ~1 megapixel (the SD3 paper's shift grows with the square
            # root of the pixel count, 1.0 at 256 px); at 64 px it put most training at high noise
            flow_shift=1.0,
        )
    )
    # the tuning's change extrapolated to 1.5 (``photogenic merge``): appeal vs its base 0.553 as
    # trained, 0.620 at 1.5 with faithfulness kept (104 / 65; on 600 fresh prompts 0.613, 267 / 220)
    return FamilyBaseConfig(
        "sd3", spec, _pretrain(64, 3000, 64, 3e-4), scheduler="model", merge=1.5
    )


@dataclass
class FamilyBases:
    """The family rows' bases (``ablation.bases.sd3.pretrain.loop.max_steps=...`` etc.)."""

    deepfloyd_if: FamilyBaseConfig = field(default_factory=deepfloyd_if_base)
    amused: FamilyBaseConfig = field(default_factory=amused_base)
    sd3: FamilyBaseConfig = field(default_factory=sd3_base)


def build_family_base(
    config: FamilyBaseConfig, pool: Path, work: Path, progress: bool = True
) -> dict[str, Any]:
    """Build and pretrain one family's tiny base in ``work`` (resumable); its model and compute."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    compute = Compute(work / "compute.json")
    family = FAMILIES.get(config.family)()
    untrained = work / "random"
    spec = config.spec
    spec.vocabulary = world_vocabulary()

    def build() -> None:
        staging = work / "random-staging"
        if staging.exists():
            shutil.rmtree(staging)
        family.build_random(staging, spec, seed=0)
        if config.family == "sd3":
            use_shipped_autoencoder(staging)
        if config.family == "amused":
            tokenizer = train_tokenizer(config.tokenizer, staging / "vqvae", pool, work, progress)
            shutil.rmtree(staging / "vqvae")
            shutil.copytree(tokenizer, staging / "vqvae")
        staging.rename(untrained)

    compute.run("build" if config.family != "amused" else "tokenizer", untrained, build)
    pretrain = work / "pretrain"
    summary_path = pretrain / "summary.json"

    def pretrain_model() -> None:
        summary = train_model(config.pretrain, untrained, pool, pretrain, progress=progress)
        atomic_write_text(summary_path, json.dumps(summary, indent=2, default=str) + "\n")

    compute.run("pretrain", summary_path, pretrain_model)
    summary = json.loads(summary_path.read_text())
    return {
        "family": config.family,
        "model": str(pretrain / "model"),
        "pretrain_steps": summary.get("steps"),
        "stopped_early": summary.get("stopped_early"),
        "validations": summary.get("validations"),
        "compute_seconds": compute.seconds,
    }


def use_shipped_autoencoder(model_dir: Path) -> None:
    """Swap a random SD3 pipeline's VAE for the demo base's 16-channel Fourier autoencoder."""
    vae = model_dir / "vae"
    shutil.rmtree(vae)
    shutil.copytree(BASE_DIR / "vae", vae)
    config = json.loads((vae / "config.json").read_text())
    config["shift_factor"] = 0.0  # SD3 pipelines shift as well as scale; this one only scales
    (vae / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    index = json.loads((model_dir / "model_index.json").read_text())
    index["vae"] = ["photogenic.autoencoder.model", "FourierAutoencoderKL"]
    (model_dir / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")


def train_tokenizer(
    config: AutoencoderTrainConfig, vq_dir: Path, pool: Path, work: Path, progress: bool
) -> Path:
    """Train the random ``VQModel`` at ``vq_dir`` on ``pool``; the trained model's directory."""
    from diffusers import VQModel

    run = work / "tokenizer"
    model = VQModel.from_pretrained(vq_dir)
    summary = train_autoencoder(config, [pool], run, progress=progress, model=model)
    atomic_write_text(run / "summary.json", json.dumps(summary, indent=2) + "\n")
    return run / "model"


def family_row(
    name: str,
    config: FamilyBaseConfig,
    pool: Path,
    curated: Path,
    control: Path,
    out: Path,
    tune: TrainConfig,
    evaluation: EvaluationConfig,
    progress: bool = True,
) -> dict[str, Any]:
    """One family's row: build and pretrain its base, quality-tune it on ``curated`` and, as the
    control, on ``control`` (a random pool subset of the same size) with the demo's recipe, sample
    all three with the same prompts and seeds, judge tuned vs base and tuned vs control."""
    work = out / "families" / name
    built = build_family_base(config, pool, work, progress)
    compute = Compute(work / "compute.json")
    tune = copy.deepcopy(tune)
    tune.task.data.resolution = config.resolution
    tuned = work / "tuned"
    compute.run(
        "quality-tune",
        tuned / "model" / "model_index.json",
        lambda: quality_tune(Path(built["model"]), curated, tuned, tune, progress),
    )
    tuned_on_random = work / "control"
    compute.run(
        "control-tune",
        tuned_on_random / "model" / "model_index.json",
        lambda: quality_tune(Path(built["model"]), control, tuned_on_random, tune, progress),
    )
    evaluation = copy.deepcopy(evaluation)
    evaluation.sample.scheduler = config.scheduler
    models = {f"{name}-base": Path(built["model"]), f"{name}-tuned": tuned / "model"}

    def sample(labels: dict[str, Path], marker: Path) -> None:
        for label, model in labels.items():
            sample_model(label, model, out / "eval", evaluation, progress)
        marker.touch()

    compute.run("sampling", work / "sampled", lambda: sample(models, work / "sampled"))
    controlled = {f"{name}-control": tuned_on_random / "model"}
    marker = work / "control-sampled"
    compute.run("control-sampling", marker, lambda: sample(controlled, marker))
    tuned_label, control_label = f"{name}-tuned", f"{name}-control"
    unmerged = None
    if config.merge != 1.0:
        unmerged = _verdicts(name, tuned_label, control_label, out, evaluation)
        tuned_label, control_label = _merged(
            name, config.merge, Path(built["model"]), work, compute, out, evaluation, progress
        )
    verdict, versus_control = _verdicts(name, tuned_label, control_label, out, evaluation)
    appeal, faithful = verdict["appeal"], verdict["faithfulness"]
    row = {
        "name": name,
        "family": config.family,
        "resolution": config.resolution,
        "pretrain_steps": built["pretrain_steps"],
        "pretrain_stopped_early": built["stopped_early"],
        "pretrain_validations": built["validations"],
        "merge": config.merge,
        **verdict,
        "appeal_met": appeal["win_rate"] > 0.5 and appeal["win_rate_ci"][0] > 0.5,
        "faithfulness_met": faithful["win"] >= faithful["loss"],
        "vs_control": versus_control,
        "compute_seconds": Compute(work / "compute.json").seconds,
    }
    if unmerged is not None:  # the tuned weights as they are, for comparison
        row["unmerged"] = {**unmerged[0], "vs_control": unmerged[1]}
    return row


def _verdicts(
    name: str, tuned: str, control: str, out: Path, evaluation: EvaluationConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``tuned`` judged against the family's base and against ``control`` (all sampled)."""
    base = judge_against(tuned, f"{name}-base", out / "eval", evaluation, False)
    return base, judge_against(tuned, control, out / "eval", evaluation, False)


def _merged(
    name: str,
    alpha: float,
    base: Path,
    work: Path,
    compute: Compute,
    out: Path,
    evaluation: EvaluationConfig,
    progress: bool,
) -> tuple[str, str]:
    """The tuned model and the control merged with the base at ``alpha`` (``photogenic merge``) and
    sampled; returns their sample labels."""
    labels = {}
    for which in ("tuned", "control"):
        model = work / f"{which}-merged"
        compute.run(
            f"{which}-merge",
            model / "model_index.json",
            lambda w=which, m=model: merge_with_base(base, work / w / "model", alpha, m),
        )
        label = f"{name}-{which}-merged"
        marker = work / f"{which}-merged-sampled"
        compute.run(
            f"{which}-merged-sampling",
            marker,
            lambda lab=label, m=model, mk=marker: (
                sample_model(lab, m, out / "eval", evaluation, progress),
                mk.touch(),
            ),
        )
        labels[which] = label
    return labels["tuned"], labels["control"]


def family_rows(
    out: Path,
    config: Any,
    names: list[str],
    bases: FamilyBases,
    pool: tuple[int, int],
    progress: bool = True,
) -> list[dict[str, Any]]:
    """The rows of ``names`` (fields of ``bases``) for a ``DemoConfig``: the base pool (size, seed)
    in ``out/family-pool``, then :func:`family_row` for each, on ``out/specialist/kept`` and a
    random subset of ``out/world`` of the same size (the size ablation's ``random-N``)."""
    pool_dir = out / "family-pool"
    make_world(pool_dir, *pool, config.world, workers=config.workers, progress=progress)
    curated = out / "specialist" / "kept"
    size = sum(1 for item in open_dataset(curated) if not item.error)
    control = random_control(out, size, config.seed + 1)
    return [
        family_row(
            name,
            getattr(bases, name),
            pool_dir,
            curated,
            control,
            out,
            config.tune,
            config.evaluation,
            progress,
        )
        for name in names
    ]
