"""The ``amused`` family (masked token prediction over VQ tokens) and its objective, with a tiny
random aMUSEd pipeline saved to disk and loaded by path."""

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

from photogenic.errors import PhotogenicError
from photogenic.sample.generate import SampleConfig, generate, latent_shape
from photogenic.sample.prompts import Prompt
from photogenic.train.families import FAMILIES, RandomModelSpec, family_for
from photogenic.train.objective import (
    DiffusionObjectiveConfig,
    cosine_mask_ratio,
    mask_positions,
    masked_token_inputs,
    masked_token_loss,
)
from photogenic.train.run import TrainConfig, train_model
from photogenic.train.task import StepContext


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("amused") / "amused-base"
    spec = RandomModelSpec(vocabulary=WORDS, vae_block_out_channels=[16, 32, 32])  # f4: 8x8 tokens
    FAMILIES.get("amused")().build_random(out, spec)
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return caption_dataset(tmp_path_factory.mktemp("amused-data") / "data")


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
    cfg.task.objective.noise_offset = 0.1  # does not apply to masked tokens, must not fail
    cfg.task.data.resolution = 32
    cfg.task.data.validation_fraction = 0.25
    return cfg


# -- the objective ------------------------------------------------------------------------------
def test_cosine_schedule_and_mask_positions_by_hand() -> None:
    ratios = cosine_mask_ratio(torch.tensor([0.0, 1 / 3, 2 / 3]))
    assert torch.allclose(ratios, torch.tensor([1.0, math.sqrt(3) / 2, 0.5]))
    keys = torch.tensor([[0.3, 0.1, 0.4, 0.2]] * 4)  # argsort: [1, 3, 0, 2]
    mask = mask_positions(torch.tensor([1.0, 0.5, 0.6, 0.01]), keys)
    expected = torch.tensor(
        [
            [True, True, True, True],  # ratio 1: every token
            [True, False, True, False],  # round(0.5 * 4) = 2: argsort < 2
            [True, False, True, False],  # round(2.4) = 2
            [False, False, True, False],  # round(0.04) = 0, but at least one
        ]
    )
    assert torch.equal(mask, expected)


def test_masked_token_inputs_follow_the_schedule_and_are_drawn_per_item() -> None:
    ids = torch.arange(3 * 16).reshape(3, 4, 4) % 10
    ctx = _ctx([4, 8, 15])
    inputs, mask = masked_token_inputs(ids, ctx, mask_id=99)
    assert mask.shape == ids.shape and mask.dtype == torch.bool
    assert torch.equal(inputs, torch.where(mask, 99, ids))
    counts = mask.flatten(1).sum(dim=1)
    u = ctx.rand(stream="mask_ratio")
    assert torch.equal(counts, (16 * torch.cos(u * math.pi / 2)).round().clamp(min=1).long())
    # the same (seed, step, item) masks the same tokens whatever else is in the batch
    _, alone = masked_token_inputs(ids[1:2], _ctx([8]), mask_id=99)
    assert torch.equal(alone, mask[1:2])
    _, later = masked_token_inputs(ids, _ctx([4, 8, 15], step=4), mask_id=99)
    assert not torch.equal(later, mask)
    # over many items the masked share averages E[cos(πu/2)] = 2/π
    many = torch.zeros(4000, 16, dtype=torch.long)
    _, big = masked_token_inputs(many, _ctx(list(range(4000))), mask_id=99)
    assert abs(float(big.float().mean()) - 2 / math.pi) < 0.02


def test_masked_token_loss_counts_masked_tokens_only() -> None:
    # 1 image of 1x3 tokens over 2 classes; tokens 0 and 2 masked, token 1 given
    logits = torch.tensor([[[[0.0, 5.0, 2.0]], [[0.0, -5.0, 0.0]]]], requires_grad=True)
    ids = torch.tensor([[[0, 1, 1]]])
    mask = torch.tensor([[[True, False, True]]])
    loss = masked_token_loss(logits, ids, mask)
    by_hand = (math.log(2) + math.log(1 + math.exp(2.0))) / 2  # -log softmax of the true class
    assert math.isclose(float(loss), by_hand, rel_tol=1e-6)
    loss.backward()
    assert torch.equal(logits.grad[..., 1], torch.zeros(1, 2, 1))  # the given token: no gradient
    assert bool((logits.grad[..., 0] != 0).all())


# -- the family ---------------------------------------------------------------------------------
def test_random_amused_model_loads_by_path_and_conditions_like_the_pipeline(model: Path) -> None:
    family = family_for(model)
    assert family.name == "amused"
    pipe = family.load(model)
    assert type(pipe).__name__ == "AmusedPipeline" and pipe.transformer.dtype == torch.float32
    assert family.mask_id(pipe.transformer) == pipe.transformer.config.vocab_size - 1 == 64
    assert pipe.scheduler.config.mask_token_id == 64
    assert family.bucket_multiple(pipe) == 4  # f4 VQ, no U-ViT downsampling
    assert set(family.trainable(pipe)) == {"transformer"}
    assert family.image_encoder(pipe) is pipe.vqvae

    texts = ["a red star", "a blue sea above a hill"]
    cond = family.encode_text(pipe, texts)
    ids = pipe.tokenizer(
        texts, padding="max_length", max_length=16, truncation=True, return_tensors="pt"
    ).input_ids
    with torch.no_grad():
        out = pipe.text_encoder(ids, return_dict=True, output_hidden_states=True)
    torch.testing.assert_close(cond["encoder_hidden_states"], out.hidden_states[-2])
    torch.testing.assert_close(cond["pooled_text_emb"], out.text_embeds)
    micro = family.image_conditioning((40, 60), (3, 5), (32, 32))["micro_conds"]
    assert micro.tolist() == [60.0, 40.0, 3.0, 5.0, 6.0]  # width first, as aMUSEd trains

    pixels = torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(0)) * 2 - 1
    tokens = family.encode_images(pipe, pixels)
    assert tokens.shape == (2, 8, 12) and tokens.dtype == torch.long
    assert int(tokens.min()) >= 0 and int(tokens.max()) < 64  # codebook ids, never the mask
    with torch.no_grad():  # the same ids the pipeline's img2img path quantizes [0, 1] images to
        latents = pipe.vqvae.encode((pixels + 1) / 2).latents
        assert torch.equal(tokens.flatten(), pipe.vqvae.quantize(latents)[2][2])
    assert torch.equal(family.sample_latents(pipe, tokens, None), tokens)

    cond["micro_conds"] = micro.expand(2, -1)
    modules = family.trainable(pipe)
    ctx = _ctx([0, 1])
    with torch.no_grad():
        loss = family.training_loss(modules, tokens, cond, ctx, None, DiffusionObjectiveConfig())
        inputs, mask = masked_token_inputs(tokens, ctx, 64)
        logits = pipe.transformer(
            inputs,
            encoder_hidden_states=cond["encoder_hidden_states"],
            pooled_text_emb=cond["pooled_text_emb"],
            micro_conds=cond["micro_conds"],
        )
    assert logits.shape == (2, 64, 8, 12)
    expected = F.cross_entropy(logits.permute(0, 2, 3, 1)[mask], tokens[mask])
    torch.testing.assert_close(loss, expected)


def test_amused_trains_and_the_output_loads_and_generates(
    model: Path, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    summary = train_model(_config(), model, data, out, progress=False)
    assert summary["family"] == "amused" and summary["steps"] == 4
    assert summary["ignored_options"] == ["noise_offset=0.1"]
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 4 and all(math.isfinite(v) for v in losses)
    assert abs(losses[0] - math.log(64)) < 0.5 and losses[-1] < losses[0]  # from ~uniform, learns
    assert [math.isfinite(v) for _, v in summary["validations"]] == [True, True]
    assert {p.name for p in (out / "cache").iterdir()} == {"latents", "text"}

    before = DiffusionPipeline.from_pretrained(model).transformer.state_dict()
    pipe = DiffusionPipeline.from_pretrained(out / "model")
    assert type(pipe).__name__ == "AmusedPipeline"
    after = pipe.transformer.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "weights did not change"
    image = pipe("a red star", num_inference_steps=2).images[0]
    assert image.size == (32, 32)

    # exact resume: 2 steps, then on to 4 from the checkpoint, ends on the same weights
    resumed = tmp_path / "resumed"
    train_model(_config(max_steps=2), model, data, resumed, progress=False)
    summary = train_model(_config(), model, data, resumed, progress=False)
    assert summary["resumed_from"].endswith("step-00000002")
    again = DiffusionPipeline.from_pretrained(resumed / "model").transformer.state_dict()
    assert all(torch.equal(after[k], again[k]) for k in after), "resume changed the weights"


def test_sample_generate_from_an_amused_directory(model: Path, tmp_path: Path) -> None:
    pipe = DiffusionPipeline.from_pretrained(model)
    assert latent_shape(pipe, 32, 32) is None  # token ids, no initial noise
    prompts = [Prompt("p0", "a red star"), Prompt("p1", "a blue circle above the sea")]
    config = SampleConfig(steps=3, scheduler="model", resolution="48x32", batch_size=2)
    summary = generate(model, prompts, tmp_path / "two", config, progress=False)
    assert summary["generated"] == 2
    files = sorted((tmp_path / "two" / "images").glob("*.png"))
    assert [Image.open(f).size for f in files] == [(48, 32), (48, 32)]
    # per-image generators: the same image whatever the batch size
    config.batch_size = 1
    generate(model, prompts, tmp_path / "one", config, progress=False)
    for name in ("p0_00.png", "p1_00.png"):
        a = np.asarray(Image.open(tmp_path / "two" / "images" / name))
        b = np.asarray(Image.open(tmp_path / "one" / "images" / name))
        assert np.array_equal(a, b)
    other = SampleConfig(steps=3, scheduler="model", resolution="48x32", seed=1)
    generate(model, prompts[:1], tmp_path / "seed1", other, progress=False)
    c = np.asarray(Image.open(tmp_path / "seed1" / "images" / "p0_00.png"))
    assert not np.array_equal(c, np.asarray(Image.open(files[0])))  # the seed matters
    with pytest.raises(PhotogenicError, match="--scheduler model"):
        generate(model, prompts, tmp_path / "dpm", SampleConfig(steps=2), progress=False)
