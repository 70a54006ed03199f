"""``photogenic demo`` end to end at toy sizes: world -> funnel -> simulated people -> quality-tuning
of the shipped base and the control -> paired samples -> judged win rates -> report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photogenic.cli.main import main
from photogenic.demo.base import BASE_DIR
from photogenic.demo.report import base_name

TOY = {
    "pool_size": 300,
    "workers": 1,
    "tune.loop.max_steps": 3,
    "tune.loop.batch_size": 8,
    "evaluation.prompts": 6,
    "evaluation.sample.steps": 2,
    "evaluation.bootstrap": 100,
}


def _args(out: Path, **overrides: object) -> list[str]:
    settings = {**TOY, **overrides}
    return ["demo", "--out", str(out)] + [
        arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")
    ]


def _samples(out: Path, model: str) -> dict[str, dict]:
    rows = [json.loads(x) for x in (out / "eval" / "samples" / model / "metadata.jsonl").open()]
    return {r["prompt_id"]: r for r in rows}


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(_args(out)) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert (out / "config.yaml").read_text().startswith("command: demo")

    check = summary["pool_check"]
    assert check["items"] == 300 and check["decoded"] + sum(check["errors"].values()) == 300
    funnel = [row["items"] for row in summary["funnel"]]
    assert funnel[0] == 300 and funnel == sorted(funnel, reverse=True)  # each stage narrows
    assert all(stage["simulated"] for stage in summary["human_stages"])

    curated = funnel[-1]
    assert curated > 0 and summary["control_subset"]["items"] == curated
    for run in summary["tuning"].values():  # same recipe, same steps, same number of images
        assert run["steps"] == 3 and run["train_items"] == curated

    base, tuned, control = (_samples(out, m) for m in ("base", "tuned", "control"))
    assert len(base) == 6 and base.keys() == tuned.keys() == control.keys()
    for pid, row in base.items():  # paired: the same prompt and seed for every model
        assert tuned[pid]["image_seed"] == row["image_seed"] == control[pid]["image_seed"]
        assert tuned[pid]["prompt"] == row["prompt"]
    pixels = {
        m: np.asarray(Image.open(out / "eval" / "samples" / m / rows[pid]["file_name"]))
        for m, rows in (("base", base), ("tuned", tuned))
        for pid in [sorted(base)[0]]
    }
    assert not np.array_equal(pixels["base"], pixels["tuned"])  # tuning changed the model

    evaluation = summary["evaluation"]
    assert set(evaluation["comparisons"]) == {"base", "control"}
    for baseline, comparison in evaluation["comparisons"].items():
        assert set(comparison) == {"appeal", "faithfulness"}
        for c in comparison.values():
            assert (c["model"], c["baseline"]) == ("tuned", baseline)
            assert c["win"] + c["tie"] + c["loss"] == c["n_pairs"] == 6
            assert c["win_rate"] == pytest.approx((c["win"] + c["tie"] / 2) / 6)
            assert c["win_rate_ci"][0] <= c["win_rate"] <= c["win_rate_ci"][1]
        report = out / "eval" / f"tuned-vs-{baseline}" / "report" / "report.html"
        assert report.is_file()
    assert set(evaluation["judge_validation"]) == {"appeal", "content"}
    shown = evaluation["content_shown"]  # how often each model's samples show the prompt's content
    assert set(shown) == {"base", "tuned", "control"}
    for row in shown.values():
        assert set(row) == {"subject", "color", "background", "all three"}
        assert all(0.0 <= v <= 1.0 for v in row.values())
        assert row["all three"] <= min(row["subject"], row["color"], row["background"])

    by_name = {t["target"]: t for t in summary["targets"]}
    faithful = evaluation["comparisons"]["base"]["faithfulness"]
    assert by_name["faithfulness, tuned vs base"]["met"] == (faithful["win"] >= faithful["loss"])
    appeal = evaluation["comparisons"]["control"]["appeal"]
    assert by_name["appeal win rate, tuned vs control"]["met"] == (appeal["win_rate"] >= 0.8)
    heads = evaluation["judge_validation"]["content"]["head_accuracy"]
    for head in ("subject", "color", "background"):  # the shipped judge sees each prompt part
        row = by_name[f"content judge names the {head}, flawless held-out images"]
        assert row["met"] == (heads[head] >= 0.9)
    assert by_name["demo wall-clock time"]["met"] == (sum(summary["stage_seconds"].values()) <= 600)
    assert summary["peak_memory_mb"]["main_process"] > 0
    curve = summary["base_training"]  # the shipped base's own record, shown with its verdict
    shipped = json.loads((Path(summary["base"]) / "build.json").read_text())
    stages = ("pretrain", "anneal")
    assert curve["steps"] == sum(shipped[s]["steps"] for s in stages if s in shipped)
    assert by_name["base trained to a plateau (held-out loss)"]["met"] == curve["plateaued"]

    html = (out / "report.html").read_text()
    assert "simulated" in html and "report/samples.png" in html
    assert "report/base_curve.png" in html and (out / "report" / "base_curve.png").is_file()
    with Image.open(out / "report" / "samples.png") as grid:
        assert grid.height == 3 * 96  # base, control, tuned
    assert "tuned vs control" in printed and "targets" in printed and "NOT met" in printed
    assert "samples showing what their prompt names" in printed and "(chance)" in printed
    assert "Samples showing what their prompt names" in html
    assert "quality-tuning of the shipped base" in printed
    target_lines = {  # the targets table: every value starts in the same column
        t["target"]: next(x for x in printed.splitlines() if t["target"] in x)
        for t in summary["targets"]
    }
    assert len({target_lines[t["target"]].index(t["value"]) for t in summary["targets"]}) == 1

    other = shutil.copytree(Path(summary["base"]), tmp_path / "other-base")
    weights = other / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # another base installed: one bit of its last tensor
    weights.write_bytes(bytes(data))
    assert main(_args(out, base=other)) != 0  # resuming would mix the two bases' tunings
    assert f"{out}: a demo of another base" in capsys.readouterr().err


def test_the_table_names_a_base_other_than_the_shipped_one(tmp_path: Path) -> None:
    assert base_name(str(BASE_DIR)) == "the shipped base"
    assert base_name(str(tmp_path / "plateau")) == f"the base at {tmp_path / 'plateau'}"


def test_demo_with_nothing_curated_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    too_strict = {"pool_size": 20, "curate.size.min_side": 1000}  # world images are 64 px
    assert main(_args(tmp_path / "demo", **too_strict)) != 0
    err = capsys.readouterr().err
    assert "pool_size=20: the funnel kept no images" in err and "Traceback" not in err


def test_ablations_at_toy_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ablations"
    settings = {f"demo.{k}": v for k, v in TOY.items() if k != "pool_size"}
    settings.update(
        {
            "demo.tune.loop.max_steps": 2,
            "ablation.pool_size": 300,
            "ablation.fractions": "[0.5,1.0]",
            "ablation.steps": "[2,1]",
            "ablation.parts": "[sizes,steps]",  # the family rows have their own test
        }
    )
    args = ["demo", "--ablations", "--out", str(out)]
    args += [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(args) == 0, capsys.readouterr().err
    result = json.loads((out / "ablations.json").read_text())
    curated = result["curated_items"]
    assert curated == result["funnel"][-1]["items"] > 0
    assert [row["images"] for row in result["sizes"]] == [max(1, round(curated / 2)), curated]
    for row in result["sizes"]:
        for comparison in (row["vs_base"], row["vs_random"]):
            assert comparison["appeal"]["n_pairs"] == 6
        assert row["vs_random"]["appeal"]["baseline"] == f"random-{row['images']}"
    assert [row["steps"] for row in result["steps"]] == [1, 2]  # in order, one resumed run
    assert [row["appeal"]["model"] for row in result["steps"]] == ["steps-1", "steps-2"]
    metrics = (out / "tune" / "steps" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in metrics if "loss" in x] == [1, 2]
    assert (out / "steps.png").stat().st_size > 0
    assert "curated" in capsys.readouterr().out
    assert result["families"] == []


def test_ablations_name_an_unknown_part_or_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in (("parts", "[sizes,colour]"), ("families", "[flux]")):
        args = [
            "demo",
            "--ablations",
            "--out",
            str(tmp_path / key),
            "--set",
            f"ablation.{key}={value}",
        ]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"ablation.{key}: unknown" in err and "Traceback" not in err


def test_recorded_demo_reads_a_runs_evaluation_and_base(tmp_path) -> None:
    import yaml

    from photogenic.demo.base import BASE_DIR
    from photogenic.demo.evaluation import EvaluationConfig
    from photogenic.demo.pipeline import recorded_demo
    from photogenic.errors import PhotogenicError

    plain = tmp_path / "demo"
    plain.mkdir()
    doc = {"command": "demo", "config": {"base": "", "evaluation": {"prompt_seed": 11}}}
    (plain / "config.yaml").write_text(yaml.safe_dump(doc))
    evaluation, base = recorded_demo(plain)
    assert evaluation.prompt_seed == 11 and base == BASE_DIR
    assert evaluation.prompts == EvaluationConfig().prompts  # the default fills what is unset
    nested = tmp_path / "ablations"  # `demo --ablations` nests the demo's config under "demo"
    nested.mkdir()
    inner = {"base": "/models/x", "evaluation": {"sample": {"guidance_rescale": 0.7}}}
    (nested / "config.yaml").write_text(yaml.safe_dump({"config": {"demo": inner}}))
    evaluation, base = recorded_demo(nested)
    assert evaluation.sample.guidance_rescale == 0.7 and str(base) == "/models/x"
    with pytest.raises(PhotogenicError, match="config.yaml: not found"):
        recorded_demo(tmp_path / "missing")
