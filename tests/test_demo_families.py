"""``demo --ablations`` family rows at toy size: a tiny base of each family pretrained on the world,
quality-tuned on the curated set, sampled with the same seeds and judged against its own base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diffusers import DiffusionPipeline

from photogenic.cli.main import main
from photogenic.data import open_dataset

TINY_TEXT = {
    "spec.cross_attention_dim": 16,
    "spec.attention_head_dim": 8,
    "spec.text_hidden_size": 16,
    "spec.text_layers": 1,
    "pretrain.loop.max_steps": 2,
    "pretrain.loop.batch_size": 8,
    "pretrain.loop.validate_every": 1,
    "pretrain.task.data.validation_fraction": 0.1,
}
TINY = {
    "deepfloyd_if": {
        "spec.block_out_channels": "[32,32]",
        "spec.cross_attention_dim": 32,
        "pretrain.task.data.resolution": 16,
    },
    "amused": {
        "spec.block_out_channels": "[16]",
        "spec.vae_block_out_channels": "[8,16]",
        "spec.latent_channels": 4,
        "spec.codebook_size": 16,
        "pretrain.task.data.resolution": 32,
        "tokenizer.data.crop_size": 32,
        "tokenizer.loss.disc_channels": 8,
        "tokenizer.loop.max_steps": 2,
        "tokenizer.loop.batch_size": 4,
        "tokenizer.loss.disc_start": 1,
    },
    "sd3": {"spec.block_out_channels": "[16]"},
}


def test_each_family_gets_a_row_with_its_compute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ablations"
    settings = {
        "demo.workers": 1,
        "demo.tune.loop.max_steps": 2,
        "demo.tune.loop.batch_size": 8,
        "demo.evaluation.prompts": 6,
        "demo.evaluation.sample.steps": 2,
        "demo.evaluation.bootstrap": 100,
        "ablation.pool_size": 300,
        "ablation.base_pool_size": 60,
        "ablation.parts": "[families]",
    }
    for name, overrides in TINY.items():
        for key, value in {**TINY_TEXT, **overrides}.items():
            settings[f"ablation.bases.{name}.{key}"] = value
    args = ["demo", "--ablations", "--out", str(out)]
    args += [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(args) == 0, capsys.readouterr().err
    result = json.loads((out / "ablations.json").read_text())
    assert result["sizes"] == [] and result["steps"] == []
    rows = {row["name"]: row for row in result["families"]}
    assert list(rows) == ["deepfloyd_if", "amused", "sd3"]
    assert [rows[n]["family"] for n in rows] == ["if", "amused", "sd3"]
    # amused keeps half of its change, sd3 extrapolates its change to 1.5 times
    assert [rows[n]["merge"] for n in rows] == [1.0, 0.5, 1.5]
    for name, row in rows.items():
        assert row["pretrain_steps"] == 2
        merged = "-merged" if name in ("amused", "sd3") else ""
        for axis in ("appeal", "faithfulness"):
            verdict = row[axis]
            assert (verdict["model"], verdict["baseline"]) == (
                f"{name}-tuned{merged}",
                f"{name}-base",
            )
            assert verdict["n_pairs"] == 6
            versus = row["vs_control"][axis]
            assert (versus["model"], versus["baseline"]) == (
                f"{name}-tuned{merged}",
                f"{name}-control{merged}",
            )
            assert versus["n_pairs"] == 6
        if merged:  # the tuned weights as they are, reported beside
            assert row["unmerged"]["appeal"]["model"] == f"{name}-tuned"
            assert row["unmerged"]["vs_control"]["appeal"]["baseline"] == f"{name}-control"
        else:
            assert "unmerged" not in row
        assert row["appeal_met"] == (
            row["appeal"]["win_rate"] > 0.5 and row["appeal"]["win_rate_ci"][0] > 0.5
        )
        phases = {"pretrain", "quality-tune", "sampling", "control-tune", "control-sampling"}
        phases.add("tokenizer" if name == "amused" else "build")
        if merged:
            phases |= {"tuned-merge", "tuned-merged-sampling"}
            phases |= {"control-merge", "control-merged-sampling"}
        assert set(row["compute_seconds"]) == phases
        assert row["compute_seconds"]["pretrain"] > 0 and min(row["compute_seconds"].values()) >= 0
        tuned = out / "families" / name / "tuned" / "model"
        assert DiffusionPipeline.from_pretrained(tuned).__class__.__name__ in (
            "IFPipeline",
            "AmusedPipeline",
            "StableDiffusion3Pipeline",
        )
    for name in ("amused", "sd3"):
        assert DiffusionPipeline.from_pretrained(out / "families" / name / "tuned-merged")
    vq = json.loads((out / "families" / "amused" / "tokenizer" / "summary.json").read_text())
    assert vq["steps"] == 2  # the aMUSEd tokenizer was trained before its transformer
    sd3_vae = json.loads((out / "families" / "sd3" / "random" / "model_index.json").read_text())
    assert sd3_vae["vae"] == ["photogenic.autoencoder.model", "FourierAutoencoderKL"]
    sd3_transformer = out / "families" / "sd3" / "random" / "transformer" / "config.json"
    assert json.loads(sd3_transformer.read_text())["patch_size"] == 1  # a token per latent pixel
    printed = capsys.readouterr().out
    assert "vs its own world-pretrained base" in printed and "appeal vs control" in printed
    assert "amused x0.5" in printed and "sd3 x1.5" in printed
    curated = [i for i in open_dataset(out / "specialist" / "kept") if not i.error]
    control = [i for i in open_dataset(out / "subsets" / f"random-{len(curated)}") if not i.error]
    assert len(control) == len(curated) > 0  # the control is the same size as the curated set

    stamp = (out / "families" / "sd3" / "compute.json").read_text()
    assert main(args) == 0  # a rerun resumes: nothing is trained or sampled again
    assert (out / "families" / "sd3" / "compute.json").read_text() == stamp
