"""Training text-to-image families through the single loop, with tiny random models saved to disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import DiffusionPipeline
from PIL import Image

from photogenic.data import DatasetWriter
from photogenic.errors import PhotogenicError
from photogenic.train.families import FAMILIES, RandomModelSpec
from photogenic.train.run import TrainConfig, train_model

WORDS = [
    "a",
    "red",
    "blue",
    "green",
    "star",
    "circle",
    "square",
    "above",
    "below",
    "hill",
    "sea",
    "sky",
]


def _dataset(root: Path, n: int = 12, bad: bool = True) -> Path:
    rng = np.random.default_rng(0)
    colors = ["red", "blue", "green"]
    shapes = ["star", "circle", "square"]
    with DatasetWriter(root) as writer:
        for i in range(n):
            size = (48, 32) if i % 4 == 0 else (32, 32)  # two aspect buckets
            pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            text = f"a {colors[i % 3]} {shapes[i // 3 % 3]} above a hill"
            writer.add_image(f"{i:03d}.png", Image.fromarray(pixels), text)
        if bad:
            writer.add_bytes("broken.png", b"\x89PNG\r\n\x1a\n truncated", "a broken image")
    return root


def _model(tmp: Path, family: str) -> Path:
    out = tmp / f"{family}-base"
    spec = RandomModelSpec(vocabulary=WORDS)
    if family in ("emu", "sd3"):  # 16-channel autoencoders (Fourier for emu)
        spec = RandomModelSpec(
            vocabulary=WORDS, latent_channels=16, vae_block_out_channels=[8, 16, 16, 16]
        )
    FAMILIES.get(family)().build_random(out, spec)
    return out


def _config(**loop) -> TrainConfig:
    cfg = TrainConfig()
    cfg.loop.max_steps = 4
    cfg.loop.batch_size = 4
    cfg.loop.checkpoint.every = 2
    cfg.loop.validate_every = 2
    cfg.loop.sample_every = 2
    cfg.task.data.sample_steps = 2
    cfg.loop.optimizer.learning_rate = 1e-3
    cfg.task.objective.noise_offset = 0.1
    cfg.task.data.resolution = 32
    cfg.task.data.validation_fraction = 0.2
    for key, value in loop.items():
        setattr(cfg.loop, key, value)
    return cfg


def _denoiser(pipe) -> torch.nn.Module:
    return getattr(pipe, "unet", None) or pipe.transformer


@pytest.mark.parametrize("family", ["sd", "sdxl", "emu", "sd3", "if", "amused"])
def test_family_trains_and_the_output_loads_and_generates(tmp_path: Path, family: str) -> None:
    data = _dataset(tmp_path / "data")
    model = _model(tmp_path, family)
    out = tmp_path / "run"
    summary = train_model(_config(), model, data, out, progress=False)
    assert summary["family"] == family
    assert summary["steps"] == 4
    assert summary["train_items"] + summary["validation_items"] == 12
    skipped = [json.loads(x) for x in (out / "skipped.jsonl").read_text().splitlines()]
    assert [s["id"] for s in skipped] == ["broken"] and skipped[0]["reason"] == "truncated"
    assert len(summary["validations"]) == 2
    grids = sorted((out / "samples").glob("*.png"))
    assert [g.name for g in grids] == ["step-00000002.png", "step-00000004.png"]
    assert Image.open(grids[0]).size == (32 * 2, 32)  # the two held-out captions
    assert list((out / "tensorboard").glob("events.out.tfevents.*")), "no TensorBoard scalars"

    before = _denoiser(DiffusionPipeline.from_pretrained(model)).state_dict()
    pipe = DiffusionPipeline.from_pretrained(out / "model")
    after = _denoiser(pipe).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "weights did not change"
    image = pipe("a red star", num_inference_steps=2, height=32, width=32).images[0]
    assert image.size == (32, 32)


def test_an_f4_emu_base_with_a_plain_finest_level_trains_on_a_finer_latent_grid(
    tmp_path: Path,
) -> None:
    spec = RandomModelSpec(
        vocabulary=WORDS,
        block_out_channels=[16, 32, 32],
        plain_levels=1,
        latent_channels=16,
        vae_block_out_channels=[8, 16, 16],  # three blocks: f4
    )
    model = tmp_path / "emu-f4"
    FAMILIES.get("emu")().build_random(model, spec)
    unet = DiffusionPipeline.from_pretrained(model).unet
    assert unet.config.sample_size == 32 // 4
    assert unet.config.down_block_types == ["DownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    assert unet.config.up_block_types == ["UpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"]
    train_model(
        _config(validate_every=0, sample_every=0),
        model,
        _dataset(tmp_path / "d"),
        tmp_path / "run",
        progress=False,
    )
    pipe = DiffusionPipeline.from_pretrained(tmp_path / "run" / "model")
    latents = pipe("a red star", num_inference_steps=2, output_type="latent").images
    assert latents.shape[-2:] == (8, 8)  # 32 px over f4, where f8 gives 4x4
    assert pipe("a red star", num_inference_steps=2).images[0].size == (32, 32)


def test_cached_latents_are_reused_by_a_second_run(tmp_path: Path) -> None:
    from photogenic.train.diffusion_task import DiffusionTask
    from photogenic.train.examples import load_examples
    from photogenic.train.families import family_for

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config()
    examples = load_examples(data, 32, True, "skip", None, progress=False)
    family = family_for(model)
    first = DiffusionTask(family, family.load(model), examples, [], cfg.task, tmp_path / "c", False)
    assert first.encode_calls == 12
    second = DiffusionTask(
        family, family.load(model), examples, [], cfg.task, tmp_path / "c", False
    )
    assert second.encode_calls == 0
    batch = second.load_batch([1, 2])  # same bucket
    assert second.encode_calls == 0
    assert batch["latent_params"].shape[1] == 8  # mean and log-variance of 4 latent channels


def test_bucketing_trains_every_item_including_a_bucket_smaller_than_the_batch(
    tmp_path: Path,
) -> None:
    from photogenic.train.buckets import BucketBatchPlan

    plan = BucketBatchPlan([0] * 9 + [1] * 3, batch_size=4, seed=0)  # bucket 1 < batch
    seen = {i for s in range(plan.batches_per_epoch) for i in plan.global_batch(s)}
    assert seen == set(range(12))
    for s in range(20):
        batch = plan.global_batch(s)
        assert len(batch) == 4 and len({0 if i < 9 else 1 for i in batch}) == 1


def test_missing_caption_policy_empty_keeps_the_item(tmp_path: Path) -> None:
    from photogenic.train.examples import load_examples

    root = tmp_path / "sidecar"
    root.mkdir()
    for i in range(3):
        Image.new("RGB", (32, 32), (i * 40, 0, 0)).save(root / f"{i}.png")
    (root / "0.txt").write_text("a red star")
    (root / "1.txt").write_bytes(b"a \xc3\x28 broken")
    skipped = tmp_path / "skipped.jsonl"
    kept = load_examples(root, 32, True, "skip", skipped, progress=False)
    assert [e.id for e in kept] == ["0"]
    reasons = sorted(json.loads(x)["reason"] for x in skipped.read_text().splitlines())
    assert reasons == ["caption_missing", "caption_not_utf8"]
    kept = load_examples(root, 32, True, "empty", skipped, progress=False)
    assert sorted(e.text for e in kept) == ["", "", "a red star"]


def test_train_cli_runs_a_recipe_and_rejects_unknown_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from photogenic.cli.main import main

    data = _dataset(tmp_path / "data", n=8, bad=False)
    model = _model(tmp_path, "sd")
    out = tmp_path / "cli"
    args = ["train", "--recipe", "tiny-world-quality-tune", "--model", str(model)]
    args += ["--data", str(data), "--out", str(out), "--no-progress"]
    code = main([*args, "--set", "loop.max_steps=2", "--set", "loop.batch_size=4"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 and (out / "model" / "model_index.json").is_file()
    assert main([*args, "--set", "loop.max_stepz=2"]) == 2
    assert "unknown key 'max_stepz'" in capsys.readouterr().err
    assert main([*args[:2], "no-such-recipe", *args[3:]]) == 2
    assert "unknown recipe 'no-such-recipe'" in capsys.readouterr().err


def test_lora_training_exports_diffusers_and_single_file_formats(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config()
    cfg.task.lora.enabled = True
    cfg.task.lora.rank = 4
    cfg.loop.optimizer.learning_rate = 5e-2  # large enough to move the tiny adapters visibly
    out = tmp_path / "lora-run"
    train_model(cfg, model, data, out, progress=False)
    single = load_file(out / "model" / "lora.safetensors")
    assert single and all(k.startswith("lora_unet_") for k in single)
    assert any(k.endswith(".lora_down.weight") for k in single)
    assert any(k.endswith(".alpha") for k in single)

    def generate(pipe) -> np.ndarray:
        g = torch.Generator().manual_seed(0)
        return pipe(
            "a red star", num_inference_steps=2, height=32, width=32, generator=g, output_type="np"
        ).images

    base = generate(DiffusionPipeline.from_pretrained(model))
    with_lora = DiffusionPipeline.from_pretrained(model)
    with_lora.load_lora_weights(out / "model" / "lora")
    adapted = generate(with_lora)
    assert np.abs(adapted - base).max() > 1e-4, "the trained adapters change nothing"
    one_file = DiffusionPipeline.from_pretrained(model)
    one_file.load_lora_weights(str(out / "model" / "lora.safetensors"))  # kohya-layout reader
    np.testing.assert_allclose(generate(one_file), adapted, atol=1e-5)


def test_lora_adapters_start_from_the_run_seed_whatever_the_global_random_state(
    tmp_path: Path,
) -> None:
    from safetensors.torch import load_file

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    adapters = {}
    for name, global_seed, loop_seed in (("a", 1, 0), ("b", 2, 0), ("c", 1, 3)):
        torch.manual_seed(global_seed)  # callers leave the global generator in any state
        cfg = _config(max_steps=1, seed=loop_seed)
        cfg.task.lora.enabled = True
        cfg.task.lora.rank = 4
        train_model(cfg, model, data, tmp_path / name, progress=False)
        adapters[name] = load_file(tmp_path / name / "model" / "lora.safetensors")
    a, b, c = adapters["a"], adapters["b"], adapters["c"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)  # the seed does matter


def test_progressive_stages_run_in_order_and_resume_by_stage(tmp_path: Path) -> None:
    from photogenic.train.run import StageConfig

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config()
    cfg.loop.validate_every = 0
    cfg.stages = [
        StageConfig(resolution=32, max_steps=2, noise_offset=0.0),
        StageConfig(resolution=64, max_steps=3, noise_offset=0.02, batch_size=2),
    ]
    out = tmp_path / "staged"
    summary = train_model(cfg, model, data, out, progress=False)
    assert [s["steps"] for s in summary["stages"]] == [2, 3]
    assert [s["resolution"] for s in summary["stages"]] == [32, 64]
    assert [s["noise_offset"] for s in summary["stages"]] == [0.0, 0.02]
    assert (out / "model" / "model_index.json").is_file()
    first_stamp = (out / "stage-1" / "stage.json").stat().st_mtime_ns
    train_model(cfg, model, data, out, progress=False)
    assert (out / "stage-1" / "stage.json").stat().st_mtime_ns == first_stamp


def test_gradient_checkpointing_trains_to_the_same_weights(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", n=8, bad=False)
    model = _model(tmp_path, "sd")
    runs = {}
    for checkpointing in (False, True):
        cfg = _config(max_steps=2)
        cfg.loop.validate_every = 0
        cfg.task.gradient_checkpointing = checkpointing
        out = tmp_path / f"gc-{checkpointing}"
        train_model(cfg, model, data, out, progress=False)
        runs[checkpointing] = DiffusionPipeline.from_pretrained(out / "model").unet.state_dict()
    for key, value in runs[False].items():
        torch.testing.assert_close(runs[True][key], value, rtol=1e-4, atol=1e-6)


def test_proxy_winrate_is_one_half_against_itself_and_drives_early_stopping(
    tmp_path: Path,
) -> None:
    from photogenic.train.families.base import family_for
    from photogenic.train.proxy import ProxyWinrate, ProxyWinrateConfig

    model = _model(tmp_path, "sd")
    proxy_config = ProxyWinrateConfig(enabled=True, judge="photogenic", count=3)
    proxy_config.sample.steps = 2
    pipe = family_for(model).load(model)
    pipe.set_progress_bar_config(disable=True)
    proxy = ProxyWinrate(proxy_config, pipe, (32, 32), ["a red star", "a blue sea", "a sky"])
    assert len(proxy.start_scores) == 3
    assert proxy.win_rate(pipe) == 0.5  # the same model and seeds: every pair is a tie

    cfg = _config(max_steps=6, validate_every=1, sample_every=0)
    cfg.loop.optimizer.learning_rate = 5e-2  # large steps: the images change
    cfg.loop.early_stopping.enabled = True
    cfg.loop.early_stopping.patience = 2
    cfg.task.proxy = proxy_config
    summary = train_model(cfg, model, _dataset(tmp_path / "data"), tmp_path / "run", False)
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").open()]
    values = [r["validation_1_minus_proxy_winrate"] for r in rows if len(r) == 2 and "step" in r]
    assert values and all(0.0 <= v <= 1.0 for v in values)
    assert [v for _, v in summary["validations"]] == values
    assert summary["best_validation"] == min(values)
    assert summary["exported_step"] == summary["best_step"]


def test_bf16_mixed_precision_trains_float32_master_weights(tmp_path: Path) -> None:
    """loop.mixed_precision=bf16 runs the step under autocast (on the CPU too) and keeps fp32
    weights that move and stay finite; the exported model loads and generates."""
    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config(mixed_precision="bf16", sample_every=0, validate_every=0)
    out = tmp_path / "bf16"
    summary = train_model(cfg, model, data, out, progress=False)
    assert summary["steps"] == 4
    losses = [json.loads(x)["loss"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert losses and all(np.isfinite(v) for v in losses if v is not None)
    before = DiffusionPipeline.from_pretrained(model).unet.state_dict()
    after = DiffusionPipeline.from_pretrained(out / "model").unet.state_dict()
    assert all(t.dtype == torch.float32 for t in after.values())
    assert any(not torch.equal(before[k], after[k]) for k in before)
    cfg.loop.mixed_precision = "no"  # the same run in full precision computes other weights
    train_model(cfg, model, data, tmp_path / "fp32", progress=False)
    full = DiffusionPipeline.from_pretrained(tmp_path / "fp32" / "model").unet.state_dict()
    assert any(not torch.equal(full[k], after[k]) for k in full)


def _task(tmp_path: Path, family: str, **data_settings: object):
    """A diffusion task of a random ``family`` model on the toy dataset (its cache in ``c``), with
    ``task.data`` settings applied; returns the task, its examples and its task config."""
    from photogenic.train.diffusion_task import DiffusionTask
    from photogenic.train.examples import load_examples
    from photogenic.train.families import family_for

    model = _model(tmp_path, family)
    data = _dataset(tmp_path / "data", bad=False)
    examples = load_examples(data, 32, True, "skip", None, progress=False)
    cfg = _config().task
    for key, value in data_settings.items():
        setattr(cfg.data, key, value)
    fam = family_for(model)
    return (
        DiffusionTask(fam, fam.load(model), examples, [], cfg, tmp_path / "c", False),
        examples,
        cfg,
    )


@pytest.mark.parametrize("family", ["sd", "sdxl"])
def test_caption_dropout_swaps_in_the_pipelines_unconditional_text(
    tmp_path: Path, family: str
) -> None:
    from photogenic.errors import PhotogenicError
    from photogenic.train.diffusion_task import DiffusionTask
    from photogenic.train.task import StepContext

    task, examples, cfg = _task(tmp_path, family, caption_dropout=0.5)
    fam, model = task.family, tmp_path / f"{family}-base"
    indices = [1, 2, 3, 5, 6, 7, 9, 10]  # one bucket (32 x 32)
    batch = task._batch([examples[i] for i in indices])
    ctx = StepContext(seed=3, step=5, indices=indices, generator=torch.Generator())
    dropped = task._drop_captions(batch["cond"], ctx)
    empty = fam.unconditional_text(task.pipe)
    if family == "sdxl":  # the pipeline's force_zeros_for_empty_prompt
        assert all(not v.any() for v in empty.values())
    gone = [
        all(torch.equal(dropped[k][i], empty[k][0]) for k in empty) for i in range(len(indices))
    ]
    kept = [
        all(torch.equal(dropped[k][i], batch["cond"][k][i]) for k in dropped)
        for i in range(len(indices))
    ]
    assert all(g != k for g, k in zip(gone, kept, strict=True))  # each item one or the other
    assert 0 < sum(gone) < len(indices)
    again = task._drop_captions(
        batch["cond"], StepContext(seed=3, step=5, indices=indices, generator=torch.Generator())
    )
    assert all(torch.equal(again[k], dropped[k]) for k in dropped)  # a resumed step drops the same
    if family == "sdxl":
        assert torch.equal(dropped["time_ids"], batch["cond"]["time_ids"])  # not text: untouched
    cfg.data.caption_dropout = 1.5
    with pytest.raises(PhotogenicError, match="caption_dropout"):
        DiffusionTask(fam, fam.load(model), examples, [], cfg, tmp_path / "c", False)


def test_frozen_parameters_keep_their_weights_and_the_rest_trains(tmp_path: Path) -> None:
    from photogenic.errors import PhotogenicError

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config()
    cfg.task.freeze = ["*attn2*", "unet.conv_in.*"]
    train_model(cfg, model, data, tmp_path / "run", progress=False)
    before = DiffusionPipeline.from_pretrained(model).unet.state_dict()
    after = DiffusionPipeline.from_pretrained(tmp_path / "run" / "model").unet.state_dict()
    frozen = [k for k in before if "attn2" in k or k.startswith("conv_in.")]
    assert len(frozen) > 4
    assert all(torch.equal(before[k], after[k]) for k in frozen)
    assert any(not torch.equal(before[k], after[k]) for k in before if k not in frozen)
    cfg.task.freeze = ["*no_such_layer*"]
    with pytest.raises(PhotogenicError, match=r"task\.freeze.*no_such_layer"):
        train_model(cfg, model, data, tmp_path / "bad", progress=False)


@pytest.mark.parametrize("family", ["sd", "sdxl"])
def test_random_flip_trains_on_mirrored_copies_with_their_swapped_captions(
    tmp_path: Path, family: str
) -> None:
    from photogenic.errors import PhotogenicError
    from photogenic.train.diffusion_task import DiffusionTask
    from photogenic.train.examples import example_pixels
    from photogenic.train.task import StepContext

    swaps = [["above", "below"]]
    task, examples, cfg = _task(tmp_path, family, random_flip=0.5, flip_swap_words=swaps)
    fam, model = task.family, tmp_path / f"{family}-base"
    cached = list((tmp_path / "c" / "latents").rglob("*.pt"))
    assert len(cached) == 2 * len(examples)  # both orientations of every training item

    indices = [1, 2, 3, 5, 6, 7, 9, 10]  # one bucket (32 x 32)
    batch = task.load_batch(indices)
    mirrored_pixels = torch.stack([example_pixels(examples[i]).flip(-1) for i in indices])
    expected = fam.encode_images(task.pipe, mirrored_pixels)
    assert torch.allclose(batch["mirrored"]["latent_params"], expected, atol=1e-5)
    below = fam.encode_text(
        task.pipe, [examples[i].text.replace("above", "below") for i in indices]
    )
    for key, value in below.items():
        assert torch.allclose(batch["mirrored"]["cond"][key], value, atol=1e-5)

    ctx = StepContext(seed=3, step=5, indices=indices, generator=torch.Generator())
    mixed = task._flip_some(batch, ctx)
    text_key = next(iter(below))
    flipped = []
    for i in range(len(indices)):
        source = (
            batch["mirrored"]
            if torch.equal(mixed["latent_params"][i], batch["mirrored"]["latent_params"][i])
            else batch
        )
        assert torch.equal(mixed["latent_params"][i], source["latent_params"][i])
        assert torch.equal(mixed["cond"][text_key][i], source["cond"][text_key][i])  # its caption
        flipped.append(source is not batch)
    assert 0 < sum(flipped) < len(indices)
    again = task._flip_some(batch, StepContext(3, 5, indices, torch.Generator()))
    assert torch.equal(again["latent_params"], mixed["latent_params"])  # a resumed step: the same
    cfg.data.cache = False  # encoded on the fly: the same mirrored batch
    uncached = DiffusionTask(fam, task.pipe, examples, [], cfg, tmp_path / "c", False)
    fresh = uncached.load_batch(indices)["mirrored"]
    assert torch.allclose(fresh["latent_params"], batch["mirrored"]["latent_params"], atol=1e-5)
    for key, value in fresh["cond"].items():
        assert torch.allclose(value, batch["mirrored"]["cond"][key], atol=1e-5)

    for bad, match in ((1.5, "random_flip"), (0.5, "flip_swap_words")):
        cfg.data.random_flip = bad
        cfg.data.flip_swap_words = [["above"]]
        if bad > 1:
            cfg.data.flip_swap_words = []
        with pytest.raises(PhotogenicError, match=match):
            DiffusionTask(fam, fam.load(model), examples, [], cfg, tmp_path / "c", False)


def test_a_run_with_random_flip_resumes_to_the_uninterrupted_weights(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config(max_steps=6)
    cfg.task.data.random_flip = 0.5
    cfg.task.data.cache_dir = str(tmp_path / "cache")
    train_model(cfg, model, data, tmp_path / "straight", progress=False)
    cfg.loop.max_steps = 4
    train_model(cfg, model, data, tmp_path / "resumed", progress=False)
    cfg.loop.max_steps = 6  # resumes from its step-4 checkpoint: the same items flipped
    assert train_model(cfg, model, data, tmp_path / "resumed", progress=False)["steps"] == 6
    weights = Path("model") / "unet" / "diffusion_pytorch_model.safetensors"
    straight = load_file(tmp_path / "straight" / weights)
    resumed = load_file(tmp_path / "resumed" / weights)
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


def test_swapped_words_and_the_mirrored_crop() -> None:
    from photogenic.train.examples import Example, mirrored_crop, swap_words

    pairs = [["left", "right"]]
    assert swap_words("a star on the left, a moon on the right", pairs) == (
        "a star on the right, a moon on the left"
    )
    assert swap_words("leftover rightly", pairs) == "leftover rightly"  # whole words only
    assert swap_words("on the left", []) == "on the left"
    wide = Example("x", "", "", (32, 32), (32, 48), (0, 8), None)  # 48 x 32 cropped to 32 x 32
    assert mirrored_crop(wide) == (0, 8)  # a centred crop mirrors onto itself
    off = Example("x", "", "", (32, 32), (32, 48), (0, 2), None)
    assert mirrored_crop(off) == (0, 14)  # 48 - 32 - 2


def test_a_run_refuses_to_resume_from_other_starting_weights(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", bad=False)
    model = _model(tmp_path, "sd")
    cfg = _config(max_steps=2, validate_every=0, sample_every=0)
    out = tmp_path / "run"
    train_model(cfg, model, data, out, progress=False)
    copy = tmp_path / "same-weights-elsewhere"
    shutil.copytree(model, copy)
    cfg.loop.max_steps = 4  # the same weights under another path resume
    assert train_model(cfg, copy, data, out, progress=False)["resumed_from"] is not None
    shutil.rmtree(model)
    FAMILIES.get("sd")().build_random(model, RandomModelSpec(vocabulary=WORDS), seed=1)
    cfg.loop.max_steps = 6  # another base installed into the same folder does not
    with pytest.raises(PhotogenicError, match="trained from .* holds other weights"):
        train_model(cfg, model, data, out, progress=False)
