"""The ``if`` family (DeepFloyd-IF layout: pixel-space U-Net, T5, no autoencoder), with a tiny random
IF pipeline saved to disk and loaded by path."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from diffusers import DiffusionPipeline
from family_data import WORDS, caption_dataset
from PIL import Image

from photogenic.sample.generate import SampleConfig, generate, latent_shape
from photogenic.sample.prompts import Prompt
from photogenic.sample.seeds import image_generator, initial_latents
from photogenic.train.diffusion_task import DiffusionTask
from photogenic.train.examples import example_pixels, load_examples
from photogenic.train.families import FAMILIES, RandomModelSpec, family_for
from photogenic.train.objective import noisy_inputs
from photogenic.train.run import TrainConfig, train_model
from photogenic.train.task import StepContext


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("if") / "if-base"
    FAMILIES.get("if")().build_random(out, RandomModelSpec(vocabulary=WORDS))
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return caption_dataset(tmp_path_factory.mktemp("if-data") / "data")


def _config(max_steps: int = 4) -> TrainConfig:
    cfg = TrainConfig()
    cfg.loop.max_steps = max_steps
    cfg.loop.batch_size = 4
    cfg.loop.checkpoint.every = 2
    cfg.loop.validate_every = 2
    cfg.loop.sample_every = 0
    cfg.loop.log_every = 1
    cfg.loop.optimizer.learning_rate = 1e-3
    cfg.task.objective.noise_offset = 0.1
    cfg.task.data.resolution = 32
    cfg.task.data.validation_fraction = 0.25
    return cfg


def test_random_if_model_loads_by_path_and_conditions_like_the_pipeline(model: Path) -> None:
    family = family_for(model)
    assert family.name == "if"
    on_disk = json.loads((model / "scheduler" / "scheduler_config.json").read_text())
    assert on_disk["variance_type"] == "learned_range"  # IF-I layout: noise and variance
    pipe = family.load(model)
    assert type(pipe).__name__ == "IFPipeline" and not hasattr(pipe, "vae")
    assert pipe.unet.dtype == torch.float32
    assert pipe.unet.config.in_channels == 3 and pipe.unet.config.out_channels == 6
    assert pipe.scheduler.config.variance_type == "fixed_small"  # only ε is trained
    assert family.image_encoder(pipe) is None
    assert family.bucket_multiple(pipe) == 2  # no VAE factor; one U-Net downsampling
    assert set(family.trainable(pipe)) == {"unet"}
    assert type(family.noise_scheduler(pipe)).__name__ == "DDPMScheduler"

    texts = ["a red star", "a Blue sea above a hill "]
    cond = family.encode_text(pipe, texts)
    with torch.no_grad():
        embeds, _ = pipe.encode_prompt(texts, do_classifier_free_guidance=False)
    torch.testing.assert_close(cond["encoder_hidden_states"], embeds)
    assert embeds.shape == (2, 77, 32)  # IF's 77 T5 tokens
    assert pipe.tokenizer("a red star").input_ids[:3] == [
        pipe.tokenizer.convert_tokens_to_ids("▁" + w) for w in ("a", "red", "star")
    ]

    pixels = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    params = family.encode_images(pipe, pixels)
    assert torch.equal(params, pixels)  # the "latents" are the pixels
    assert torch.equal(family.sample_latents(pipe, params, None), pixels)
    timesteps = torch.tensor([10, 900])
    eps = family.predict(family.trainable(pipe), pixels, timesteps, cond)
    with torch.no_grad():
        full = pipe.unet(pixels, timesteps, encoder_hidden_states=embeds).sample
    assert full.shape == (2, 6, 32, 32) and eps.shape == (2, 3, 32, 32)
    torch.testing.assert_close(eps, full[:, :3])  # the noise half; the variance half is unused


def test_the_task_caches_pixels_and_the_loss_is_pixel_space_epsilon_mse(
    model: Path, data: Path, tmp_path: Path
) -> None:
    family = family_for(model)
    pipe = family.load(model)
    examples = [
        e for e in load_examples(data, 32, True, "skip", None, False) if e.bucket == (32, 32)
    ]
    cfg = _config()
    task = DiffusionTask(family, pipe, examples, [], cfg.task, tmp_path / "cache", False)
    assert task.encode_calls == len(examples)
    assert {p.name for p in (tmp_path / "cache").iterdir()} == {"pixels", "text"}
    batch = task.load_batch([0, 1])
    expected = torch.stack([example_pixels(examples[i]) for i in (0, 1)])
    torch.testing.assert_close(batch["latent_params"], expected)

    ctx = StepContext(seed=3, step=5, indices=[0, 1], generator=torch.Generator())
    modules = family.trainable(pipe)
    with torch.no_grad():
        loss = task._loss(batch, modules, ctx)
        noisy, timesteps, noise, target, kind = noisy_inputs(
            task.scheduler, expected, ctx, cfg.task.objective
        )
        prediction = modules["unet"](
            noisy, timesteps, encoder_hidden_states=batch["cond"]["encoder_hidden_states"]
        ).sample[:, :3]
    assert kind == "epsilon" and torch.equal(target, noise)
    torch.testing.assert_close(loss, F.mse_loss(prediction, noise))


def test_if_trains_and_the_output_loads_and_generates(
    model: Path, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    summary = train_model(_config(), model, data, out, progress=False)
    assert summary["family"] == "if" and summary["steps"] == 4
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 4 and all(math.isfinite(v) for v in losses)
    assert [math.isfinite(v) for _, v in summary["validations"]] == [True, True]

    before = DiffusionPipeline.from_pretrained(model).unet.state_dict()
    pipe = DiffusionPipeline.from_pretrained(out / "model")
    assert type(pipe).__name__ == "IFPipeline"
    assert pipe.scheduler.config.variance_type == "fixed_small"
    after = pipe.unet.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "weights did not change"
    image = pipe("a red star", num_inference_steps=2).images[0]
    assert image.size == (32, 32)  # the model's own size: sample_size pixels

    # exact resume: 2 steps, then on to 4 from the checkpoint, ends on the same weights
    resumed = tmp_path / "resumed"
    train_model(_config(max_steps=2), model, data, resumed, progress=False)
    summary = train_model(_config(), model, data, resumed, progress=False)
    assert summary["resumed_from"].endswith("step-00000002")
    again = DiffusionPipeline.from_pretrained(resumed / "model").unet.state_dict()
    assert all(torch.equal(after[k], again[k]) for k in after), "resume changed the weights"


def test_sample_generate_from_an_if_directory(model: Path, tmp_path: Path) -> None:
    pipe = DiffusionPipeline.from_pretrained(model)
    assert latent_shape(pipe, 48, 32) == (3, 32, 48)  # pixel-shaped
    # the pipeline takes no latents: its first draw from each image's generator is the same
    # noise initial_latents gives other pipelines
    seeds = [11, 12]
    drawn = pipe.prepare_intermediate_images(
        2, 3, 32, 48, torch.float32, torch.device("cpu"), [image_generator(s) for s in seeds]
    )
    assert torch.equal(drawn, initial_latents(seeds, (3, 32, 48)))

    prompts = [Prompt("p0", "a red star"), Prompt("p1", "a blue circle above the sea")]
    config = SampleConfig(steps=2, resolution="48x32", batch_size=2)
    summary = generate(model, prompts, tmp_path / "two", config, progress=False)
    assert summary["generated"] == 2 and (summary["width"], summary["height"]) == (48, 32)
    files = sorted((tmp_path / "two" / "images").glob("*.png"))
    assert [Image.open(f).size for f in files] == [(48, 32), (48, 32)]
    # per-image seeds: the same image whatever the batch size
    config.batch_size = 1
    generate(model, prompts, tmp_path / "one", config, progress=False)
    for name in ("p0_00.png", "p1_00.png"):
        a = np.asarray(Image.open(tmp_path / "two" / "images" / name))
        b = np.asarray(Image.open(tmp_path / "one" / "images" / name))
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    default = generate(
        model, prompts[:1], tmp_path / "native", SampleConfig(steps=1), progress=False
    )
    assert (default["width"], default["height"]) == (32, 32)
