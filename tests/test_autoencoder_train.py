"""Autoencoder training through the single loop, exact resume with the GAN phases, and ae eval."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photogenic.autoencoder.load import load_autoencoder
from photogenic.autoencoder.model import FourierAutoencoderKL
from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder
from photogenic.cli.main import main
from photogenic.curate.measures import LUMA
from photogenic.train.checkpoint import latest_checkpoint, load_checkpoint


def _photos(root: Path, n: int = 6) -> Path:
    """Smooth gradients with a few shapes: learnable by a tiny autoencoder in a few dozen steps."""
    root.mkdir(parents=True)
    yy, xx = np.mgrid[0:40, 0:48] / 40.0
    for i in range(n):
        image = np.stack([xx * (i + 1) % 1.0, yy, 0.5 + 0.5 * np.sin(3 * xx + i)], axis=-1)
        image[10 + i : 20 + i, 12:24] = [1.0, 0.2 * i, 0.1]
        Image.fromarray((image * 255).astype(np.uint8)).save(root / f"p{i}.png")
    (root / "bad.png").write_bytes(b"not a png")
    return root


def _config(steps: int = 12) -> AutoencoderTrainConfig:
    cfg = AutoencoderTrainConfig()
    cfg.model.preset = "tiny"
    cfg.model.latent_channels = 4
    cfg.model.fourier_frequencies = [0, 1]
    cfg.data.crop_size = 32
    cfg.data.validation_fraction = 0.2
    cfg.loss.disc_start = 6  # both phases run in the second half
    cfg.loss.disc_channels = 8
    cfg.loss.disc_norm = "group"
    cfg.loop.max_steps = steps
    cfg.loop.batch_size = 4
    cfg.loop.validate_every = 4
    cfg.loop.ema_decay = 0.9
    cfg.loop.checkpoint.every = 4
    return cfg


def test_training_runs_both_phases_and_saves_a_loadable_scaled_model(tmp_path: Path) -> None:
    data = _photos(tmp_path / "photos")
    out = tmp_path / "ae"
    summary = train_autoencoder(_config(), [data], out, progress=False)
    assert summary["steps"] == 12 and summary["train_images"] == 5
    held = summary["validation_ids"]
    assert len(held) == 1 and held[0].startswith("photos/p")
    assert summary["validation_psnr"] is not None
    skipped = [json.loads(x) for x in (out / "skipped.jsonl").read_text().splitlines()]
    assert [s["reason"] for s in skipped] == ["not_an_image"]
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert any(r.get("disc/loss", 0) != 0 for r in rows if r["step"] > 6)
    model = load_autoencoder(out / "model")
    assert isinstance(model, FourierAutoencoderKL)
    assert model.config.scaling_factor != 1.0 and model.config.fourier_frequencies == [0, 1]
    state = load_checkpoint(latest_checkpoint(out))
    assert set(state["optimizers"]) == {"generator", "discriminator"}


def test_late_discriminator_follows_the_loop_learning_rate_schedule(tmp_path: Path) -> None:
    cfg = _config()
    cfg.loop.optimizer.schedule = "cosine"
    cfg.loop.log_every = 1
    train_autoencoder(cfg, [_photos(tmp_path / "photos")], tmp_path / "ae", progress=False)
    rows = [json.loads(x) for x in (tmp_path / "ae" / "metrics.jsonl").read_text().splitlines()]
    late = [r for r in rows if "lr/discriminator" in r]
    assert late and late[0]["step"] == 7  # the discriminator starts at step 6 (0-based)
    for row in late:  # same schedule, same step: the same rate, down to 0 at the end
        assert row["lr/discriminator"] == pytest.approx(row["lr/generator"])
    assert late[-1]["lr/generator"] == pytest.approx(0.0, abs=1e-12)


def test_interrupted_adversarial_training_resumes_bit_identically(tmp_path: Path) -> None:
    data = _photos(tmp_path / "photos")
    straight = tmp_path / "straight"
    train_autoencoder(_config(), [data], straight, progress=False)

    resumed = tmp_path / "resumed"
    train_autoencoder(_config(steps=8), [data], resumed, progress=False)  # stop after step 8 ...
    cfg = _config()
    summary = train_autoencoder(cfg, [data], resumed, progress=False)  # ... and go on to 12
    assert summary["resumed_from"].endswith("step-00000008")
    a = load_checkpoint(latest_checkpoint(straight))["modules"]
    b = load_checkpoint(latest_checkpoint(resumed))["modules"]
    for name in ("autoencoder", "discriminator"):
        assert all(torch.equal(a[name][k], b[name][k]) for k in a[name]), name


def test_a_run_is_reproducible_from_its_config_whatever_the_global_random_state(
    tmp_path: Path,
) -> None:
    data = _photos(tmp_path / "photos")
    runs = {}
    for name, global_seed, loop_seed in (("a", 1, 0), ("b", 2, 0), ("c", 1, 5)):
        torch.manual_seed(global_seed)  # callers leave the global generator in any state
        cfg = _config(steps=2)
        cfg.loss.disc_start = 1
        cfg.loop.seed = loop_seed
        train_autoencoder(cfg, [data], tmp_path / name, progress=False)
        runs[name] = load_checkpoint(latest_checkpoint(tmp_path / name))["modules"]
    for module in ("autoencoder", "discriminator"):
        a, b, c = (runs[n][module] for n in "abc")
        assert all(torch.equal(a[k], b[k]) for k in a), module
        assert not all(torch.equal(a[k], c[k]) for k in a), module  # the seed does matter


def test_ae_cli_trains_then_evaluates_whole_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _photos(tmp_path / "photos")
    out = tmp_path / "cli"
    sets = ["model.preset=tiny", "model.latent_channels=4", "data.crop_size=32", "loop.max_steps=3"]
    sets += ["loop.batch_size=2", "loop.validate_every=0", "loss.disc_norm=group"]
    args = ["ae", "train", "--data", str(data), "--out", str(out), "--no-progress"]
    assert main([*args, *sum((["--set", s] for s in sets), [])]) == 0, capsys.readouterr().err
    evaluation = tmp_path / "eval"
    code = main(
        ["ae", "eval", "--model", str(out / "model"), "--data", str(data)]
        + ["--out", str(evaluation), "--no-progress"]
    )
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((evaluation / "metrics.json").read_text())
    assert metrics["images"] == 6 and len(metrics["per_image"]) == 6
    assert (
        (evaluation / "metrics.csv")
        .read_text()
        .startswith("id,psnr,ssim,psnr_luma,sharpness_ratio,chroma_ratio")
    )
    assert Image.open(evaluation / "crops.png").height == 80  # 40 px original over 40 px recon
    assert (
        main(
            [
                "ae",
                "eval",
                "--model",
                str(tmp_path / "nope"),
                "--data",
                str(data),
                "--out",
                str(evaluation),
            ]
        )
        == 2
    )


def test_bench_writes_table_one_and_resumes_variant_by_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kodak = _photos(tmp_path / "eval-photos", n=2)
    (kodak / "bad.png").unlink()
    out = tmp_path / "bench"
    sets = ["train.model.preset=tiny", "train.loop.max_steps=2", "train.loop.batch_size=2"]
    sets += ["train.data.crop_size=32", "throughput_size=32", "throughput_repeats=1"]
    sets += ["train.loss.disc_norm=group", 'variants=["AE-16 +Fourier +adv", "AE-4"]']
    args = ["ae", "bench", "--kodak", str(kodak), "--out", str(out), "--no-progress"]
    args += sum((["--set", s] for s in sets), [])
    assert main(args) == 0, capsys.readouterr().err
    table = json.loads((out / "table1.json").read_text())
    assert [r["variant"] for r in table["rows"]] == ["AE-4", "AE-16 +Fourier +adv"]
    assert all(r["steps"] == 2 and r["kodak_psnr"] > 0 for r in table["rows"])
    assert table["throughput"]["ratio"] > 0
    assert "| AE-16 +Fourier +adv | 2 |" in (out / "table1.md").read_text()
    assert Image.open(out / "crops.png").width == 3 * 42  # original + two variants, 40 px + gap
    finished = out / "variants" / "AE-4" / "kodak" / "metrics.json"
    stamp = finished.stat().st_mtime_ns
    for variant in ("AE-4", "AE-16_Fourier_adv"):  # finished variants need only their small files
        shutil.rmtree(out / "variants" / variant / "model")
        shutil.rmtree(out / "variants" / variant / "checkpoints", ignore_errors=True)
    assert main(args) == 0
    assert finished.stat().st_mtime_ns == stamp, "a finished variant was trained again"
    assert Image.open(out / "crops.png").width == 3 * 42


def test_bench_names_an_unknown_variant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kodak = _photos(tmp_path / "eval-photos", n=1)
    args = ["ae", "bench", "--kodak", str(kodak), "--out", str(tmp_path / "b"), "--no-progress"]
    assert main([*args, "--set", 'variants=["AE-5"]']) == 2
    assert "AE-5" in capsys.readouterr().err


def test_plateau_evidence_is_the_last_quarter_change_of_held_out_l1() -> None:
    from photogenic.autoencoder.bench import last_quarter_change

    assert last_quarter_change([[250, 0.2], [500, 0.1], [750, 0.1], [1000, 0.09]]) == pytest.approx(
        -0.1
    )
    assert last_quarter_change([[100, 0.2]]) is None


def test_a_vq_image_tokenizer_trains_through_the_same_loop(tmp_path: Path) -> None:
    from diffusers import VQModel

    from photogenic.train.families.amused import random_vq
    from photogenic.train.families.base import RandomModelSpec

    data = _photos(tmp_path / "photos")
    spec = RandomModelSpec(resolution=32, vae_block_out_channels=[8, 16], codebook_size=16)
    cfg = _config(steps=20)
    cfg.loop.ema_decay = 0.0
    cfg.loop.validate_every = 10
    cfg.loop.checkpoint.every = 10
    out = tmp_path / "vq"
    summary = train_autoencoder(cfg, [data], out, progress=False, model=random_vq(spec))
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    codebook = [r["ae/kl"] for r in rows if "ae/kl" in r]
    assert codebook and all(v > 0 for v in codebook)  # the codebook loss is the regulariser
    assert any(r.get("disc/loss", 0) != 0 for r in rows if r["step"] > 6)
    first, last = summary["validations"][0][1], summary["validations"][-1][1]
    assert last < first, summary["validations"]
    model = VQModel.from_pretrained(out / "model")
    assert model.config.num_vq_embeddings == 16


def test_each_dataset_is_held_out_from_and_the_small_one_is_repeated() -> None:
    from photogenic.autoencoder.train import AutoencoderDataConfig, split_by_source

    images = [np.full((4, 4, 3), i, dtype=np.uint8) for i in range(45)]
    ids = [f"photos/p{i}" for i in range(5)] + [f"world/w{i}" for i in range(40)]
    config = AutoencoderDataConfig(validation_fraction=0.1, validation_max=64)
    train, validation = split_by_source(images, ids, config, seed=0)
    held = {int(v[0, 0, 0]) for v in validation}
    assert len(held & set(range(5))) == 1 and len(held - set(range(5))) == 4  # 10 % of each
    photos = [t for t in train if int(t[0, 0, 0]) < 5]
    assert len(photos) == 4 * 9 and len(train) - len(photos) == 36  # 4 photos x round(36 / 4)
    assert not held & {int(t[0, 0, 0]) for t in train}
    config.balance_sources = False
    train, _ = split_by_source(images, ids, config, seed=0)
    assert len(train) == 40


class _FakeAutoencoder(torch.nn.Module):
    """Encodes to the image itself and decodes through ``blur`` (for the sharpness metric) and
    ``grey`` (for the colour metric)."""

    def __init__(self, blur: bool, grey: bool = False) -> None:
        super().__init__()
        self.blur, self.grey = blur, grey
        self.device, self.dtype = torch.device("cpu"), torch.float32

    def encode(self, x: torch.Tensor):
        from types import SimpleNamespace

        return SimpleNamespace(latent_dist=SimpleNamespace(mode=lambda: x))

    def decode(self, z: torch.Tensor):
        from types import SimpleNamespace

        if self.blur:
            z = torch.nn.functional.avg_pool2d(z, 5, stride=1, padding=2, count_include_pad=False)
        if self.grey:  # every channel set to the pixel's luma
            weights = torch.from_numpy(LUMA).to(z.dtype).view(1, 3, 1, 1)
            z = (z * weights).sum(1, keepdim=True).expand_as(z)
        return SimpleNamespace(sample=z)


def test_eval_reports_the_sharpness_a_reconstruction_keeps(tmp_path: Path) -> None:
    from photogenic.autoencoder.evaluate import evaluate_autoencoder

    photos = _photos(tmp_path / "photos", n=3)
    exact = evaluate_autoencoder(_FakeAutoencoder(False), [photos], tmp_path / "a", False)
    blurred = evaluate_autoencoder(_FakeAutoencoder(True), [photos], tmp_path / "b", False)
    assert exact["sharpness_ratio"] == pytest.approx(1.0, abs=0.02)
    assert blurred["sharpness_ratio"] < 0.5


def test_eval_reports_the_colour_a_reconstruction_keeps(tmp_path: Path) -> None:
    from photogenic.autoencoder.evaluate import evaluate_autoencoder

    photos = _photos(tmp_path / "photos", n=3)
    exact = evaluate_autoencoder(_FakeAutoencoder(False), [photos], tmp_path / "a", False)
    grey = evaluate_autoencoder(_FakeAutoencoder(False, grey=True), [photos], tmp_path / "b", False)
    assert exact["chroma_ratio"] == pytest.approx(1.0, abs=0.02)
    assert grey["chroma_ratio"] < 0.05
    assert grey["sharpness_ratio"] > 0.5  # grey, not blurred: the two metrics tell them apart
    assert grey["psnr_luma"] > 40 > 20 > grey["psnr"]  # the luma is the original's
    header = (tmp_path / "b" / "metrics.csv").read_text().splitlines()[0]
    assert header == "id,psnr,ssim,psnr_luma,sharpness_ratio,chroma_ratio"


def test_scale_and_flip_augmentation_widen_what_a_crop_sees() -> None:
    from photogenic.autoencoder.crops import random_crop, to_tensor

    xx = np.tile(np.arange(256, dtype=np.uint8), (256, 1))  # brightness = column
    image = np.stack([xx, xx, 255 - xx], axis=-1)

    def crops(**kwargs: object) -> list[torch.Tensor]:
        g = torch.Generator().manual_seed(0)
        return [random_crop(image, 32, g, **kwargs) for _ in range(64)]

    plain, scaled = crops(), crops(min_scale=0.25)
    assert all(c.shape == (3, 32, 32) for c in plain + scaled)

    def widest(batch: list[torch.Tensor]) -> float:  # brightness range along a crop's first row
        return max(float(c[0, 0].max() - c[0, 0].min()) for c in batch)

    assert widest(plain) < 0.25 < widest(scaled)  # a 32-px window vs windows up to 128 px
    assert all(torch.equal(a, b) for a, b in zip(scaled, crops(min_scale=0.25), strict=True))
    flipped = crops(flip=True)
    mirrored = [bool(c[0, 0, 0] > c[0, 0, -1]) for c in flipped]  # brightness falls to the right
    assert 10 < sum(mirrored) < 54 and not any(c[0, 0, 0] > c[0, 0, -1] for c in plain)
    assert torch.equal(
        to_tensor(image[:32, :32]), random_crop(image[:32, :32], 32, torch.Generator())
    )


def test_min_scale_out_of_range_names_the_key(tmp_path: Path) -> None:
    from photogenic.errors import ConfigError

    cfg = _config()
    cfg.data.min_scale = 0.0
    with pytest.raises(ConfigError, match="data.min_scale"):
        train_autoencoder(cfg, [_photos(tmp_path / "photos")], tmp_path / "ae", progress=False)


def test_dead_leaves_are_seeded_resumable_and_cover_every_hue(tmp_path: Path) -> None:
    from photogenic.autoencoder.deadleaves import dead_leaves

    first = dead_leaves(64, np.random.default_rng([3, 0]))
    assert first.shape == (64, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, dead_leaves(64, np.random.default_rng([3, 0])))
    assert not np.array_equal(first, dead_leaves(64, np.random.default_rng([3, 1])))
    assert (
        main(["ae", "dead-leaves", "--out", str(tmp_path / "dl"), "--n", "2", "--size", "64"]) == 0
    )
    kept = (tmp_path / "dl" / "leaves-00000.png").read_bytes()
    assert (
        main(["ae", "dead-leaves", "--out", str(tmp_path / "dl"), "--n", "12", "--size", "64"]) == 0
    )
    rows = (tmp_path / "dl" / "metadata.jsonl").read_text().splitlines()
    assert len(rows) == 12 and (tmp_path / "dl" / "leaves-00000.png").read_bytes() == kept
    pixels = np.concatenate(
        [np.asarray(Image.open(p)).reshape(-1, 3) for p in sorted((tmp_path / "dl").glob("*.png"))]
    ).astype(int)
    for channel in range(3):  # each primary dominates somewhere, by a wide margin
        others = np.delete(pixels, channel, axis=1).max(axis=1)
        assert (pixels[:, channel] > others + 60).any()
    assert pixels.std(axis=0).min() > 40  # not one flat colour
