"""Sampling: per-image seeds (same noise whatever the batch, order or model), resume, metadata, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from photogenic.cli.main import main
from photogenic.errors import PhotogenicError
from photogenic.sample.generate import (
    SampleConfig,
    check_samples_of,
    generate,
    image_file_name,
    parse_resolution,
)
from photogenic.sample.prompts import Prompt, load_prompts
from photogenic.sample.schedulers import SCHEDULERS, build_scheduler
from photogenic.sample.seeds import image_seed, initial_latents

PARTI = Path("/work/shared/data/partiprompts/PartiPrompts.tsv")
WORDS = ["a", "red", "blue", "star", "circle", "square", "above", "hill", "sea", "sky"]
PROMPTS = [
    Prompt("p0", "a red star", "Shapes", "Basic"),
    Prompt("p1", "a blue circle above the sea", "Shapes", "Complex"),
    Prompt("p2", "a square", "Objects", "Basic"),
]


class StubPipe:
    """Stands in for a diffusers pipeline: records the noise it is given, and "renders" it."""

    def __init__(self) -> None:
        self.unet = SimpleNamespace(config=SimpleNamespace(in_channels=4, sample_size=2))
        self.vae_scale_factor = 8
        self.device = torch.device("cpu")
        self.dtype = torch.float32
        self.noise: dict[str, torch.Tensor] = {}
        self.batch_sizes: list[int] = []

    def __call__(self, prompt, latents, generator, **kw):
        assert len(prompt) == len(latents) == len(generator)
        self.batch_sizes.append(len(prompt))
        images = []
        for text, lat in zip(prompt, latents, strict=True):
            self.noise.setdefault(text, []).append(lat.clone())
            px = ((lat[:3].repeat_interleave(8, 1).repeat_interleave(8, 2) + 3) * 40).clamp(0, 255)
            images.append(Image.fromarray(px.permute(1, 2, 0).to(torch.uint8).numpy()))
        return SimpleNamespace(images=images)


def _read(out: Path) -> dict[str, dict]:
    return {
        r["file_name"]: r
        for r in map(json.loads, (out / "metadata.jsonl").read_text().splitlines())
    }


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_image_seed_and_latents_do_not_depend_on_the_batch():
    s = [image_seed(0, "p0", 0), image_seed(0, "p0", 1), image_seed(0, "p1", 0)]
    assert len(set(s)) == 3 and image_seed(1, "p0", 0) != s[0]
    assert image_seed(0, "p0", 0) == s[0]  # stable
    batch = initial_latents(s, (4, 8, 8))
    assert batch.shape == (3, 4, 8, 8)
    assert torch.equal(initial_latents([s[2]], (4, 8, 8))[0], batch[2])
    assert torch.equal(initial_latents([s[2], s[0]], (4, 8, 8))[1], batch[0])


def test_same_noise_whatever_batch_size_order_or_model(tmp_path):
    cfg = dict(images_per_prompt=2, steps=1, resolution="16")
    model_a, model_b = StubPipe(), StubPipe()
    generate(
        tmp_path / "m",
        PROMPTS,
        tmp_path / "a",
        SampleConfig(batch_size=4, **cfg),
        model_name="A",
        pipe=model_a,
        progress=False,
    )
    generate(
        tmp_path / "m",
        PROMPTS[::-1],
        tmp_path / "b",
        SampleConfig(batch_size=1, **cfg),
        model_name="B",
        pipe=model_b,
        progress=False,
    )
    assert model_a.batch_sizes == [4, 2] and model_b.batch_sizes == [1] * 6
    for p in PROMPTS:  # model B saw the same initial noise for every (prompt, image index)
        got_a = model_a.noise[p.text]
        got_b = model_b.noise[p.text]
        assert all(torch.equal(x, y) for x, y in zip(got_a, got_b, strict=True))
        assert not torch.equal(got_a[0], got_a[1])  # the two images of a prompt differ
    rows_a, rows_b = _read(tmp_path / "a"), _read(tmp_path / "b")
    assert set(rows_a) == set(rows_b) and len(rows_a) == 6
    for name in rows_a:
        assert rows_a[name]["image_seed"] == rows_b[name]["image_seed"]
        assert np.array_equal(_pixels(tmp_path / "a" / name), _pixels(tmp_path / "b" / name))
    row = rows_a[image_file_name("p1", 1)]
    assert row["text"] == row["prompt"] == "a blue circle above the sea"
    assert (row["prompt_id"], row["image_index"], row["category"], row["challenge"]) == (
        "p1",
        1,
        "Shapes",
        "Complex",
    )
    assert (row["model"], row["seed"], row["width"], row["height"]) == ("A", 0, 16, 16)
    assert row["scheduler"] == "dpm-multistep" and row["steps"] == 1


def test_resume_skips_written_images_and_refuses_other_settings(tmp_path):
    out = tmp_path / "s"
    cfg = SampleConfig(images_per_prompt=2, steps=1, resolution="16")
    first = generate(tmp_path / "m", PROMPTS[:2], out, cfg, pipe=StubPipe(), progress=False)
    assert first["generated"] == 4
    before = (out / image_file_name("p0", 0)).read_bytes()
    second = generate(tmp_path / "m", PROMPTS, out, cfg, pipe=(stub := StubPipe()), progress=False)
    assert (second["generated"], second["skipped_existing"]) == (2, 4)
    assert list(stub.noise) == ["a square"]  # only the new prompt was sampled
    assert (out / image_file_name("p0", 0)).read_bytes() == before
    with pytest.raises(PhotogenicError, match="steps"):
        generate(
            tmp_path / "m", PROMPTS, out, SampleConfig(steps=3, resolution="16"), pipe=StubPipe()
        )
    with pytest.raises(PhotogenicError, match="multiples of 8"):
        generate(
            tmp_path / "m", PROMPTS, tmp_path / "x", SampleConfig(resolution="20"), pipe=StubPipe()
        )
    with pytest.raises(PhotogenicError, match="another prompt"):
        changed = [Prompt("p0", "something else")]
        generate(tmp_path / "m", changed, out, cfg, pipe=StubPipe(), progress=False)


def test_samples_pair_only_with_the_weights_that_made_them(tmp_path):
    model = tmp_path / "base"
    weights = model / "unet" / "diffusion_pytorch_model.safetensors"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(bytes(range(256)) * 8)
    out, cfg = tmp_path / "s", SampleConfig(steps=1, resolution="16")
    generate(model, PROMPTS[:1], out, cfg, pipe=StubPipe(), progress=False)
    check_samples_of(out, model)  # the same weights: paired
    weights.write_bytes(bytes(range(256)) * 4 + b"x" + bytes(range(256)) * 4)  # installed anew
    with pytest.raises(PhotogenicError, match="other weights than"):
        check_samples_of(out, model)
    with pytest.raises(PhotogenicError, match="made with weights="):
        generate(model, PROMPTS, out, cfg, pipe=StubPipe(), progress=False)


def test_file_names_and_resolution_parsing():
    assert image_file_name("parti-0001", 3) == "images/parti-0001_03.png"
    odd = image_file_name("../a b/c", 0)
    assert odd.startswith("images/a_b_c-") and ".." not in odd
    assert image_file_name("../a b/c", 0) != image_file_name("../a b?c", 0)
    assert parse_resolution("512") == (512, 512) and parse_resolution("768x512") == (768, 512)
    assert parse_resolution("") is None
    with pytest.raises(PhotogenicError):
        parse_resolution("big")


def test_every_scheduler_builds_from_a_model_config():
    from diffusers import DPMSolverMultistepScheduler

    config = DPMSolverMultistepScheduler(beta_schedule="scaled_linear").config
    built = {name: build_scheduler(name, config) for name in SCHEDULERS}
    assert type(built["dpm-multistep"]).__name__ == "DPMSolverMultistepScheduler"
    assert type(built["euler-ancestral"]).__name__ == "EulerAncestralDiscreteScheduler"
    assert built["model"] is None
    assert all(s.config.beta_schedule == "scaled_linear" for s in built.values() if s is not None)


def test_ddim_keeps_the_source_schedulers_clipping():
    """DDIM clips x0 to [-1, 1] by default; built from a config that never clipped (a DPM-Solver's,
    as our models save) it must not, while a config that says clip keeps it."""
    from diffusers import DDPMScheduler, DPMSolverMultistepScheduler

    from_dpm = build_scheduler("ddim", DPMSolverMultistepScheduler().config)
    assert from_dpm.config.clip_sample is False
    from_ddpm = build_scheduler("ddim", DDPMScheduler(clip_sample=True).config)
    assert from_ddpm.config.clip_sample is True
    assert (
        build_scheduler("ddim", DDPMScheduler(clip_sample=False).config).config.clip_sample is False
    )


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from photogenic.train.families import FAMILIES, RandomModelSpec

    out = tmp_path_factory.mktemp("model") / "tiny-sd"
    FAMILIES.get("sd")().build_random(out, RandomModelSpec(vocabulary=WORDS))
    return out


def test_real_pipeline_gives_the_same_image_whatever_the_batch(tmp_path, tiny_model):
    cfg = dict(images_per_prompt=2, steps=2, guidance=3.0)
    generate(
        tiny_model, PROMPTS, tmp_path / "big", SampleConfig(batch_size=6, **cfg), progress=False
    )
    generate(
        tiny_model,
        PROMPTS[::-1],
        tmp_path / "one",
        SampleConfig(batch_size=1, **cfg),
        progress=False,
    )
    rows = _read(tmp_path / "big")
    assert len(rows) == 6
    for name in rows:
        big, one = _pixels(tmp_path / "big" / name), _pixels(tmp_path / "one" / name)
        assert big.shape == (32, 32, 3)
        # identical noise; batched matrix products may round differently in the last float bit
        assert np.abs(big - one).max() <= 1 and np.mean(big != one) < 0.01
    a, b = (
        _pixels(tmp_path / "big" / image_file_name("p0", 0)),
        _pixels(tmp_path / "big" / image_file_name("p0", 1)),
    )
    assert np.abs(a - b).mean() > 1  # different image indices get different noise


def test_sample_cli_writes_dataset_config_summary_and_resumes(tmp_path, tiny_model, capsys):
    out = tmp_path / "samples"
    args = [
        "sample",
        "--model",
        str(tiny_model),
        "--prompts",
        str(PARTI),
        "--out",
        str(out),
        "--limit",
        "2",
        "--steps",
        "1",
        "--seed",
        "5",
        "--no-progress",
    ]
    assert main(args) == 0
    rows = list(_read(out).values())
    assert [r["prompt_id"] for r in rows] == ["parti-0000", "parti-0001"]
    assert rows[0]["category"] == "Abstract" and rows[0]["challenge"] == "Basic"
    assert rows[0]["model"] == "tiny-sd" and rows[0]["seed"] == 5
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["command"] == "sample" and config["config"]["scheduler"] == "dpm-multistep"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generated"] == 2 and summary["width"] == 32
    assert "2 images generated" in capsys.readouterr().out
    assert main(args) == 0
    assert json.loads((out / "summary.json").read_text())["generated"] == 0
    assert load_prompts(PARTI, limit=2)[1].text == rows[1]["text"]


def test_sample_cli_errors_are_one_line(tmp_path, tiny_model, capsys):
    base = ["sample", "--model", str(tiny_model), "--out", str(tmp_path / "o")]
    assert main([*base, "--prompts", str(tmp_path / "none.txt")]) != 0
    err = capsys.readouterr().err.strip()
    assert "not found" in err and len(err.splitlines()) == 1 and not (tmp_path / "o").exists()
    assert (
        main(
            [
                "sample",
                "--model",
                str(tmp_path),
                "--prompts",
                "world:2",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        != 0
    )
    err = capsys.readouterr().err.strip()
    assert "model_index.json" in err and len(err.splitlines()) == 1
    assert main([*base, "--prompts", "world:2", "--scheduler", "nope"]) != 0
    assert main(["sample", "--help"]) == 0


def test_guidance_rescale_changes_guided_images_and_is_a_resume_setting(tmp_path, tiny_model):
    cfg = dict(steps=2, guidance=7.5, batch_size=3)
    prompts = PROMPTS[:1]
    generate(tiny_model, prompts, tmp_path / "plain", SampleConfig(**cfg), progress=False)
    rescaled = SampleConfig(guidance_rescale=0.7, **cfg)
    generate(tiny_model, prompts, tmp_path / "rescaled", rescaled, progress=False)
    name = image_file_name("p0", 0)
    plain, rescaled_pixels = (
        _pixels(tmp_path / "plain" / name),
        _pixels(tmp_path / "rescaled" / name),
    )
    assert np.abs(plain - rescaled_pixels).mean() > 0.5
    assert _read(tmp_path / "rescaled")[name]["guidance_rescale"] == 0.7
    with pytest.raises(PhotogenicError, match="guidance_rescale"):
        generate(tiny_model, prompts, tmp_path / "rescaled", SampleConfig(**cfg), progress=False)


def test_guidance_rescale_is_refused_by_a_pipeline_without_it(tmp_path, tiny_model):
    from photogenic.sample.generate import load_pipeline, prepare

    config = SampleConfig(guidance_rescale=0.7)
    pipe = load_pipeline(tiny_model, config)

    class NoRescale:  # a pipeline whose call takes no guidance_rescale (IF's, aMUSEd's)
        vae_scale_factor = pipe.vae_scale_factor
        unet = pipe.unet
        vae = pipe.vae

        def __call__(self, prompt, num_inference_steps=25, guidance_scale=7.5):
            raise AssertionError("not called")

    with pytest.raises(PhotogenicError, match="--guidance-rescale 0.7"):
        prepare(tiny_model, PROMPTS, tmp_path / "o", config, pipe=NoRescale())
