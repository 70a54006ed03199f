"""The ``sd3`` family (flow-matching transformer) and the rectified-flow objective, with a tiny
random SD3 pipeline saved to disk and loaded by path."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler, DiffusionPipeline, FlowMatchEulerDiscreteScheduler
from family_data import WORDS, caption_dataset
from PIL import Image

from photogenic.errors import PhotogenicError
from photogenic.sample.generate import SampleConfig, generate, latent_shape
from photogenic.sample.prompts import Prompt
from photogenic.train.families import FAMILIES, RandomModelSpec, family_for
from photogenic.train.objective import (
    FLOW_MATCHING,
    DiffusionObjectiveConfig,
    diffusion_loss,
    draw_noise,
    flow_matching_noising,
    flow_shift,
    flow_sigmas,
    noisy_inputs,
)
from photogenic.train.run import TrainConfig, train_model
from photogenic.train.task import StepContext


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sd3") / "sd3-base"
    spec = RandomModelSpec(
        vocabulary=WORDS, latent_channels=16, vae_block_out_channels=[8, 16, 16, 16]
    )
    FAMILIES.get("sd3")().build_random(out, spec)
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return caption_dataset(tmp_path_factory.mktemp("sd3-data") / "data")


def _ctx(indices: list[int], step: int = 3, seed: int = 7) -> StepContext:
    return StepContext(seed=seed, step=step, indices=indices, generator=torch.Generator())


def _config(max_steps: int = 4) -> TrainConfig:
    cfg = TrainConfig()
    cfg.loop.max_steps = max_steps
    cfg.loop.batch_size = 4
    cfg.loop.checkpoint.every = 2
    cfg.loop.validate_every = 2
    cfg.loop.sample_every = 0
    cfg.loop.log_every = 1
    cfg.loop.optimizer.learning_rate = 1e-3
    cfg.task.objective.noise_offset = 0.1  # ignored by flow matching, must not fail
    cfg.task.objective.snr_gamma = 5.0  # likewise
    cfg.task.data.resolution = 32
    cfg.task.data.validation_fraction = 0.25
    return cfg


# -- the objective ------------------------------------------------------------------------------
def test_flow_matching_noising_and_velocity_target_by_hand() -> None:
    x0 = torch.tensor([[[[1.0, 2.0]]], [[[3.0, -4.0]]]])  # (2, 1, 1, 2)
    eps = torch.tensor([[[[0.5, -1.0]]], [[[2.0, 0.0]]]])
    noisy, target = flow_matching_noising(x0, eps, torch.tensor([0.25, 1.0]))
    # item 0: 0.75 * x0 + 0.25 * eps; item 1 (σ = 1): pure noise
    expected = torch.tensor([[[[0.875, 1.25]]], [[[2.0, 0.0]]]])
    assert torch.allclose(noisy, expected)
    assert torch.allclose(target, torch.tensor([[[[-0.5, -3.0]]], [[[-1.0, 4.0]]]]))
    noisy0, _ = flow_matching_noising(x0, eps, torch.tensor([0.0, 0.0]))
    assert torch.equal(noisy0, x0)  # σ = 0: clean latents


def test_logit_normal_sigmas_range_distribution_and_per_item_determinism() -> None:
    items = list(range(2000))
    sigmas = flow_sigmas(_ctx(items))
    assert sigmas.shape == (2000,)
    assert bool(((sigmas > 0) & (sigmas < 1)).all())
    logits = torch.logit(sigmas.double())
    assert abs(float(logits.mean())) < 0.1 and abs(float(logits.std()) - 1.0) < 0.1
    moved = torch.logit(flow_sigmas(_ctx(items), mean=1.0, std=0.5).double())
    assert abs(float(moved.mean()) - 1.0) < 0.05 and abs(float(moved.std()) - 0.5) < 0.05
    # the same (seed, step, item) gives the same σ whatever else is in the batch
    a = flow_sigmas(_ctx([5, 9, 12]))
    assert torch.equal(a, flow_sigmas(_ctx([5, 9, 12])))
    assert torch.equal(a[1:2], flow_sigmas(_ctx([9])))
    assert torch.equal(a[[2, 0]], flow_sigmas(_ctx([12, 5])))
    assert not torch.equal(a, flow_sigmas(_ctx([5, 9, 12], step=4)))
    assert not torch.equal(a, flow_sigmas(_ctx([5, 9, 12], seed=8)))


def test_uniform_sampling_and_the_scheduler_shift() -> None:
    ctx = _ctx([1, 2, 3, 4])
    u = ctx.rand(stream="timestep")
    assert torch.equal(flow_sigmas(ctx, "uniform"), u)
    shifted = flow_sigmas(ctx, "uniform", shift=3.0)
    assert torch.allclose(shifted, 3 * u / (1 + 2 * u))
    # the shift maps σ as FlowMatchEulerDiscreteScheduler maps its own sigmas
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)
    plain = torch.linspace(1.0, 0.001, 1000)
    assert torch.allclose(3 * plain / (1 + 2 * plain), scheduler.sigmas, atol=1e-6)
    assert torch.allclose(scheduler.timesteps, scheduler.sigmas * 1000)  # timestep = σ·1000
    with pytest.raises(PhotogenicError, match="timestep_sampling"):
        flow_sigmas(ctx, "cosine")


def test_noisy_inputs_pick_flow_matching_from_the_scheduler() -> None:
    latents = torch.randn(3, 16, 4, 4, generator=torch.Generator().manual_seed(0))
    ctx = _ctx([0, 1, 2])
    config = DiffusionObjectiveConfig(noise_offset=0.1, snr_gamma=5.0)
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)
    noisy, timesteps, noise, target, kind = noisy_inputs(scheduler, latents, ctx, config)
    assert kind == FLOW_MATCHING
    assert torch.equal(noise, draw_noise(latents, ctx, 0.0))  # noise offset ignored
    sigmas = flow_sigmas(ctx, shift=3.0)
    assert torch.allclose(timesteps, sigmas * 1000)
    s = sigmas.view(-1, 1, 1, 1)
    assert torch.allclose(noisy, (1 - s) * latents + s * noise)
    assert torch.allclose(target, noise - latents)
    prediction = torch.zeros_like(target)
    loss = diffusion_loss(prediction, target, scheduler, timesteps, kind, config.snr_gamma)
    assert torch.isclose(loss, (target**2).mean())  # min-SNR ignored: plain MSE

    _, steps, _, _, kind = noisy_inputs(DDPMScheduler(), latents, ctx, config)
    assert kind == "epsilon" and steps.dtype == torch.int64  # other families are unchanged
    with pytest.raises(PhotogenicError, match="flow_matching"):
        noisy_inputs(scheduler, latents, ctx, DiffusionObjectiveConfig(prediction_type="epsilon"))


# -- the family ---------------------------------------------------------------------------------
def test_random_sd3_model_loads_by_path_and_conditions_like_the_pipeline(model: Path) -> None:
    family = family_for(model)
    assert family.name == "sd3"
    pipe = family.load(model)
    assert type(pipe).__name__ == "StableDiffusion3Pipeline"
    assert pipe.transformer.dtype == torch.float32
    assert pipe.vae.config.latent_channels == 16 and pipe.vae.config.shift_factor
    assert family.bucket_multiple(pipe) == 16  # f8 VAE x patch size 2
    assert set(family.trainable(pipe)) == {"transformer"}
    assert type(family.noise_scheduler(pipe)).__name__ == "FlowMatchEulerDiscreteScheduler"
    assert family.noise_scheduler(pipe).config.shift == 3.0  # SD3's default shift

    texts = ["a red star", "a blue sea above a hill"]
    cond = family.encode_text(pipe, texts)
    with torch.no_grad():
        embeds, _, pooled, _ = pipe.encode_prompt(
            texts, None, None, do_classifier_free_guidance=False
        )
    torch.testing.assert_close(cond["encoder_hidden_states"], embeds)
    torch.testing.assert_close(cond["pooled_projections"], pooled)
    clip_tokens = pipe.tokenizer.model_max_length
    assert embeds.shape == (2, clip_tokens + 256, pipe.transformer.config.joint_attention_dim)
    assert pooled.shape == (2, pipe.transformer.config.pooled_projection_dim)
    assert pipe.tokenizer_3("a red star").input_ids[:3] == [
        pipe.tokenizer_3.convert_tokens_to_ids("▁" + w) for w in ("a", "red", "star")
    ]

    pixels = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    params = family.encode_images(pipe, pixels)
    assert params.shape == (2, 32, 4, 4)
    noise = torch.randn(2, 16, 4, 4, generator=torch.Generator().manual_seed(1))
    mean, logvar = params.chunk(2, dim=1)
    z = mean + torch.exp(0.5 * logvar.clamp(-30, 20)) * noise
    expected = (z - pipe.vae.config.shift_factor) * pipe.vae.config.scaling_factor
    assert torch.allclose(family.sample_latents(pipe, params, noise), expected)
    velocity = family.predict(family.trainable(pipe), expected, torch.tensor([10.0, 900.0]), cond)
    assert velocity.shape == expected.shape


def test_sd3_trains_and_the_output_loads_and_generates(
    model: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    summary = train_model(_config(), model, data, out, progress=False)
    assert summary["family"] == "sd3" and summary["steps"] == 4
    assert summary["ignored_options"] == ["noise_offset=0.1", "snr_gamma=5.0"]  # said, not dropped
    note = "sd3's objective does not read task.objective noise_offset=0.1, snr_gamma=5.0; ignored"
    assert note in capsys.readouterr().err
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 4 and all(math.isfinite(v) for v in losses)
    assert [math.isfinite(v) for _, v in summary["validations"]] == [True, True]

    before = DiffusionPipeline.from_pretrained(model).transformer.state_dict()
    pipe = DiffusionPipeline.from_pretrained(out / "model")
    assert type(pipe).__name__ == "StableDiffusion3Pipeline"
    after = pipe.transformer.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "weights did not change"
    image = pipe("a red star", num_inference_steps=2, height=32, width=32).images[0]
    assert image.size == (32, 32)

    # exact resume: 2 steps, then on to 4 from the checkpoint, ends on the same weights
    resumed = tmp_path / "resumed"
    train_model(_config(max_steps=2), model, data, resumed, progress=False)
    summary = train_model(_config(), model, data, resumed, progress=False)
    assert summary["resumed_from"].endswith("step-00000002")
    again = DiffusionPipeline.from_pretrained(resumed / "model").transformer.state_dict()
    assert all(torch.equal(after[k], again[k]) for k in after), "resume changed the weights"


def test_sample_generate_from_an_sd3_directory(model: Path, tmp_path: Path) -> None:
    prompts = [Prompt("p0", "a red star"), Prompt("p1", "a blue circle above the sea")]
    config = SampleConfig(steps=2, scheduler="model", resolution="32", batch_size=2)
    summary = generate(model, prompts, tmp_path / "two", config, progress=False)
    assert summary["generated"] == 2
    files = sorted((tmp_path / "two" / "images").glob("*.png"))
    assert [Image.open(f).size for f in files] == [(32, 32), (32, 32)]
    # per-image seeds: the same image whatever the batch size
    config.batch_size = 1
    generate(model, prompts, tmp_path / "one", config, progress=False)
    for name in ("p0_00.png", "p1_00.png"):
        a = np.asarray(Image.open(tmp_path / "two" / "images" / name))
        b = np.asarray(Image.open(tmp_path / "one" / "images" / name))
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    pipe = DiffusionPipeline.from_pretrained(model)
    assert latent_shape(pipe, 32, 64) == (16, 8, 4)
    with pytest.raises(PhotogenicError, match="--scheduler model"):
        generate(model, prompts, tmp_path / "dpm", SampleConfig(steps=2), progress=False)


def _built(path: Path, **spec: object) -> tuple[object, object]:
    """A tiny random SD3 model with ``spec`` overrides at ``path``: its family and pipeline."""
    FAMILIES.get("sd3")().build_random(
        path,
        RandomModelSpec(
            vocabulary=WORDS, latent_channels=16, vae_block_out_channels=[8, 16, 16, 16], **spec
        ),
    )
    family = family_for(path)
    return family, family.load(path)


def test_the_spec_sets_the_flow_shift_for_training_and_sampling(tmp_path: Path) -> None:
    family, pipe = _built(tmp_path / "m", flow_shift=1.0)
    assert pipe.scheduler.config.shift == 1.0  # what sampling uses
    assert flow_shift(family.noise_scheduler(pipe)) == 1.0  # what training draws σ with


def test_patch_1_tokens_every_latent_pixel_and_generates(tmp_path: Path) -> None:
    family, pipe = _built(tmp_path / "m", patch_size=1)
    assert pipe.transformer.config.patch_size == 1
    assert family.bucket_multiple(pipe) == 8  # the VAE factor alone: sides need not be 16-px
    prompts = [Prompt(id="p0", text=f"{WORDS[0]} {WORDS[1]}")]
    generate(
        tmp_path / "m",
        prompts,
        tmp_path / "out",
        SampleConfig(steps=2, resolution="40x24", scheduler="model"),
        progress=False,
    )
    with Image.open(next((tmp_path / "out").rglob("*.png"))) as image:
        assert image.size == (40, 24)


@pytest.mark.parametrize("patch_size", [1, 2])
def test_neighbouring_patches_get_distinct_positions(tmp_path: Path, patch_size: int) -> None:
    # at the demo family's 64 px: diffusers' default 96-patch grid put neighbouring patches' sin-cos
    # positions within 1 % of their norm of each other, too close for a small model to place things
    _, pipe = _built(tmp_path / "m", resolution=64, patch_size=patch_size)
    side = 64 // 8
    embedded = pipe.transformer.pos_embed(torch.zeros(1, 16, side, side))[0]
    distances = torch.cdist(embedded, embedded).fill_diagonal_(float("inf"))
    nearest = distances.min()
    assert nearest > 0.08 * embedded.norm(dim=1).mean()
    assert embedded.shape[0] == (side // patch_size) ** 2
