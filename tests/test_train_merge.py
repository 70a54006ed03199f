"""``photogenic merge``: the denoiser interpolated with its base's, everything else the tuned model's."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import DiffusionPipeline
from test_train_diffusion import _model

from photogenic.cli.main import main


def _perturbed(base: Path, out: Path) -> Path:
    pipe = DiffusionPipeline.from_pretrained(base)
    with torch.no_grad():
        for param in pipe.unet.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    pipe.save_pretrained(out)
    return out


def test_merge_interpolates_the_denoiser_and_the_result_generates(tmp_path: Path, capsys) -> None:
    base = _model(tmp_path, "sd")
    tuned = _perturbed(base, tmp_path / "tuned")
    out = tmp_path / "merged"
    argv = ["merge", "--base", str(base), "--tuned", str(tuned), "--out", str(out)]
    assert main([*argv, "--alpha", "0.25"]) == 0
    assert "alpha 0.25" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["command"] == "merge" and summary["alpha"] == 0.25 and summary["tensors"] > 0
    assert "alpha: 0.25" in (out / "config.yaml").read_text()
    b, t, m = (DiffusionPipeline.from_pretrained(p) for p in (base, tuned, out))
    tuned_weights, base_weights = t.unet.state_dict(), b.unet.state_dict()
    for key, value in m.unet.state_dict().items():
        want = base_weights[key] + 0.25 * (tuned_weights[key] - base_weights[key])
        torch.testing.assert_close(value, want, rtol=1e-6, atol=1e-6)
    assert not torch.equal(m.unet.conv_in.weight, t.unet.conv_in.weight)
    for key, value in m.text_encoder.state_dict().items():
        assert torch.equal(value, t.text_encoder.state_dict()[key])
    image = m("a red star", num_inference_steps=2, height=32, width=32).images[0]
    assert image.size == (32, 32)

    assert main([*argv, "--alpha", "-0.5"]) != 0
    assert main([*argv, "--alpha", "50"]) != 0  # a typo for 0.5, not an extrapolation
    extrapolated = tmp_path / "extrapolated"
    assert main([*argv[:-2], "--out", str(extrapolated), "--alpha", "1.5"]) == 0
    e = DiffusionPipeline.from_pretrained(extrapolated).unet.state_dict()
    for key, value in e.items():
        want = base_weights[key] + 1.5 * (tuned_weights[key] - base_weights[key])
        torch.testing.assert_close(value, want, rtol=1e-5, atol=1e-6)
    other = _model(tmp_path, "sd3")
    code = main(["merge", "--base", str(other), "--tuned", str(tuned), "--alpha", "0.5",
                 "--out", str(tmp_path / "x")])  # fmt: skip
    assert code == 2
    assert "'sd3' model" in capsys.readouterr().err
