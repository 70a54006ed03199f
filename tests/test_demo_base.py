"""``photogenic demo --rebuild-base`` end to end at toy sizes: world -> autoencoder -> pretrained
Emu-style base in half precision, loadable by ``DiffusionPipeline.from_pretrained``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from diffusers import DiffusionPipeline
from safetensors.torch import load_file

from photogenic.demo.base import (
    BaseBuildConfig,
    NoiseScheduleSwitch,
    build_base,
    switch_schedule,
    world_vocabulary,
)
from photogenic.errors import PhotogenicError
from photogenic.models.emu_pipeline import EmuPipeline


def _toy_config() -> BaseBuildConfig:
    config = BaseBuildConfig(pool_size=40, workers=1)
    ae = config.autoencoder
    ae.model.preset = "tiny"
    ae.loop.max_steps = 2
    ae.loop.batch_size = 4
    ae.loop.validate_every = 0
    ae.loop.early_stopping.enabled = False
    config.unet.block_out_channels = [32, 64]
    config.unet.vae_block_out_channels = [8, 16, 16, 16]
    pretrain = config.pretrain
    pretrain.loop.max_steps = 2
    pretrain.loop.batch_size = 4
    pretrain.loop.validate_every = 0
    pretrain.loop.early_stopping.enabled = False
    anneal = config.anneal
    anneal.loop.max_steps = 2
    anneal.loop.batch_size = 4
    anneal.loop.validate_every = 0
    anneal.loop.early_stopping.enabled = False
    return config


def test_rebuild_base_installs_a_half_precision_emu_model(tmp_path: Path) -> None:
    target = tmp_path / "installed"
    record = build_base(_toy_config(), tmp_path / "work", target, progress=False)
    assert record["pretrain"]["steps"] == 2 and record["autoencoder"]["steps"] == 2
    assert record["anneal"]["steps"] == 2
    assert json.loads((target / "build.json").read_text()) == record
    stored = load_file(target / "unet" / "diffusion_pytorch_model.safetensors")
    assert {t.dtype for t in stored.values()} == {torch.float16}  # shipped in half precision
    pipe = DiffusionPipeline.from_pretrained(target, torch_dtype=torch.float32)  # for the CPU
    assert isinstance(pipe, EmuPipeline)
    assert pipe.vae.config.latent_channels == 16 and pipe.vae.config.fourier_frequencies
    assert "hill" in pipe.tokenizer.get_vocab() or "hill</w>" in pipe.tokenizer.get_vocab()
    image = pipe(
        "a red star above a green hill", num_inference_steps=2, height=64, width=64
    ).images[0]
    assert image.size == (64, 64)
    assert {"hill", "star", "red"} <= set(world_vocabulary())


def test_rebuild_base_can_pretrain_on_an_installed_bases_autoencoder(tmp_path: Path) -> None:
    first = build_base(_toy_config(), tmp_path / "work", tmp_path / "installed", progress=False)
    config = _toy_config()
    config.autoencoder_from = str(tmp_path / "installed")
    config.anneal.loop.max_steps = 0
    record = build_base(config, tmp_path / "again", tmp_path / "wide", progress=False)
    assert not (tmp_path / "again" / "autoencoder").exists()  # no autoencoder trained
    assert record["autoencoder"] == {**first["autoencoder"], "from": str(tmp_path / "installed")}
    name = Path("vae") / "diffusion_pytorch_model.safetensors"
    source = load_file(tmp_path / "installed" / name)
    rebuilt = load_file(tmp_path / "wide" / name)
    assert source.keys() == rebuilt.keys()
    assert all(torch.equal(source[k], rebuilt[k]) for k in source)
    config.autoencoder_from = str(tmp_path / "nowhere")
    with pytest.raises(PhotogenicError, match="autoencoder_from: .*nowhere is not an installed"):
        build_base(config, tmp_path / "third", tmp_path / "x", progress=False)


def test_rebuild_base_sizes_the_unet_to_its_autoencoders_latent_grid(tmp_path: Path) -> None:
    config = _toy_config()  # its U-Net spec still names an f8 autoencoder
    config.autoencoder.model.preset = "small-f4"
    config.unet.plain_levels = 1
    config.anneal.loop.max_steps = 0
    build_base(config, tmp_path / "work", tmp_path / "installed", progress=False)
    pipe = DiffusionPipeline.from_pretrained(tmp_path / "installed", torch_dtype=torch.float32)
    assert pipe.vae_scale_factor == 4 and pipe.unet.config.sample_size == 64 // 4
    assert pipe.unet.config.down_block_types == ["DownBlock2D", "DownBlock2D"]
    image = pipe("a red star above a green hill", num_inference_steps=2).images[0]
    assert image.size == (64, 64)  # the native size: 16x16 latents at f4


def test_rebuild_base_installs_where_install_to_says(tmp_path: Path, capsys, monkeypatch) -> None:
    from photogenic.cli.main import main
    from photogenic.config import to_dict

    shipped = tmp_path / "shipped"  # stands in for the package's base, which must stay as it is
    monkeypatch.setattr("photogenic.demo.base.BASE_DIR", shipped)
    config = _toy_config()
    config.anneal.loop.max_steps = 0
    config.install_to = str(tmp_path / "mine")
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(to_dict(config)))
    args = ["demo", "--rebuild-base", "--out", str(tmp_path / "work")]
    assert main([*args, "--config", str(tmp_path / "base.yaml")]) == 0
    assert f"installed the demo base at {tmp_path / 'mine'}" in capsys.readouterr().out
    assert isinstance(DiffusionPipeline.from_pretrained(tmp_path / "mine"), EmuPipeline)
    assert not shipped.exists()  # the shipped base is left alone


def test_demo_tunes_the_shipped_base_at_its_native_resolution() -> None:
    from photogenic.demo.base import BASE_DIR
    from photogenic.demo.tuning import demo_tune_config

    unet = json.loads((BASE_DIR / "unet" / "config.json").read_text())
    vae = json.loads((BASE_DIR / "vae" / "config.json").read_text())
    factor = 2 ** (len(vae["block_out_channels"]) - 1)
    native = unet["sample_size"] * factor  # what the demo samples at: the pipeline's default
    assert demo_tune_config().task.data.resolution == native


def test_rebuild_base_anneals_from_an_installed_stage1_without_pretraining_again(
    tmp_path: Path,
) -> None:
    config = _toy_config()
    first = build_base(config, tmp_path / "work", tmp_path / "installed", progress=False)
    work = tmp_path / "again"
    shutil.copytree(tmp_path / "work" / "stage1", work / "stage1")
    config.anneal_schedule = NoiseScheduleSwitch("v_prediction", zero_terminal_snr=True)
    record = build_base(config, work, tmp_path / "annealed", progress=False)
    assert not (work / "autoencoder").exists() and not (work / "pretrain").exists()
    assert record["pretrain"] == first["pretrain"] and record["anneal"]["steps"] == 2
    before = load_file(work / "stage1" / "unet" / "diffusion_pytorch_model.safetensors")
    after = load_file(tmp_path / "annealed" / "unet" / "diffusion_pytorch_model.safetensors")
    assert any(not torch.equal(before[k], after[k]) for k in before)  # the anneal trained it
    # the anneal switched the noise schedule: the installed base samples with what it trained on
    scheduler = json.loads(
        (tmp_path / "annealed" / "scheduler" / "scheduler_config.json").read_text()
    )
    assert scheduler["prediction_type"] == "v_prediction" and scheduler["rescale_betas_zero_snr"]
    assert scheduler["timestep_spacing"] == "trailing"
    kept = json.loads((work / "stage1" / "scheduler" / "scheduler_config.json").read_text())
    assert kept["prediction_type"] == "epsilon" and not kept["rescale_betas_zero_snr"]
    pipe = DiffusionPipeline.from_pretrained(tmp_path / "annealed", torch_dtype=torch.float32)
    image = pipe("a red star", num_inference_steps=2, height=64, width=64).images[0]
    assert image.size == (64, 64)


def _model_with_scheduler(folder: Path, prediction_type: str) -> Path:
    (folder / "scheduler").mkdir(parents=True)
    config = {"prediction_type": prediction_type, "beta_schedule": "scaled_linear"}
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(config))
    (folder / "model_index.json").write_text("{}")
    return folder


def test_zero_terminal_snr_needs_a_prediction_type_other_than_epsilon(tmp_path: Path) -> None:
    eps = _model_with_scheduler(tmp_path / "eps", "epsilon")
    assert switch_schedule(eps, tmp_path / "out", NoiseScheduleSwitch()) == eps
    with pytest.raises(PhotogenicError, match="zero_terminal_snr"):
        switch_schedule(eps, tmp_path / "out", NoiseScheduleSwitch(zero_terminal_snr=True))
    v = _model_with_scheduler(tmp_path / "v", "v_prediction")  # already v: the model's own counts
    out = switch_schedule(v, tmp_path / "v-zsnr", NoiseScheduleSwitch(zero_terminal_snr=True))
    config = json.loads((out / "scheduler" / "scheduler_config.json").read_text())
    assert config["prediction_type"] == "v_prediction" and config["rescale_betas_zero_snr"]
    assert config["beta_schedule"] == "scaled_linear"  # the rest of the config is kept
