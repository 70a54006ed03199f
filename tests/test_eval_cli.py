"""``photogenic eval pairs | judge | winrate | report`` end to end on two small sample folders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from photogenic.cli.main import main
from photogenic.data import DatasetWriter
from photogenic.evaluate.judgments import read_judgments

NASTY = '<script>alert("x")</script> & a "quoted" red disc'
PROMPTS = [
    ("parti-0000", "a red disc over the sea", "Animals", "Basic"),
    ("parti-0001", NASTY, "Food", "Complex"),
    ("parti-0002", "a blue disc in the sky", "Food", "Basic"),
]


def _image(k: int, good: bool) -> Image.Image:
    size = 48
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.zeros((size, size, 3))
    img[..., 0], img[..., 1], img[..., 2] = 0.3 + 0.3 * y, 0.5 + 0.3 * y, 0.95
    disc = (x - 1 / 3 - 0.05 * k) ** 2 + (y - 1 / 3) ** 2 < 0.12**2
    img[disc] = (0.9, 0.15, 0.1)
    if not good:  # dim and flat
        img = 0.25 * img + 0.05
    return Image.fromarray((img * 255).round().astype(np.uint8))


def _samples(root: Path, model: str, good: bool, extra: bool = False) -> Path:
    with DatasetWriter(root) as writer:
        for pid, text, category, challenge in PROMPTS + ([("extra", "x", "", "")] if extra else []):
            for index in range(2):
                writer.add_image(
                    f"images/{pid}_{index:02d}.png",
                    _image(index, good),
                    text,
                    prompt_id=pid,
                    image_index=index,
                    prompt=text,
                    category=category,
                    challenge=challenge,
                    image_seed=1000 + index,
                    model=model,
                    seed=0,
                )
    return root


def test_pairs_judge_winrate_report(tmp_path, capsys):
    a = _samples(tmp_path / "sa", "qt", good=True, extra=True)
    b = _samples(tmp_path / "sb", "base", good=False)

    pairs = tmp_path / "pairs"
    assert main(["eval", "pairs", "--a", str(a), "--b", str(b), "--out", str(pairs)]) == 0
    rows = [json.loads(x) for x in (pairs / "pairs.jsonl").read_text().splitlines()]
    assert len(rows) == 6  # 3 prompts x 2 images; the extra prompt of A has no partner
    assert rows[0]["pair_id"] == "parti-0000#0" and rows[0]["model_a"] == "qt"
    assert all((pairs / r["image_a"]).is_file() and (pairs / r["image_b"]).is_file() for r in rows)
    protocol = json.loads((pairs / "protocol.json").read_text())
    assert protocol["appeal"]["raters"] == 5 and not protocol["appeal"]["show_prompt"]
    assert protocol["faithfulness"]["raters"] == 3 and protocol["faithfulness"]["show_prompt"]
    summary = json.loads((pairs / "summary.json").read_text())
    assert (summary["pairs"], summary["unmatched_a"], summary["unmatched_b"]) == (6, 2, 0)
    assert yaml.safe_load((pairs / "config.yaml").read_text())["command"] == "eval pairs"

    judged = tmp_path / "judged"
    assert (
        main(["eval", "judge", "--pairs", str(pairs), "--out", str(judged), "--no-progress"]) == 0
    )
    judgments = read_judgments([judged / "judgments.jsonl"])  # validates the schema
    assert len(judgments) == 6 and {j["choice"] for j in judgments} == {"a"}
    assert all(j["margin"] > 0 and j["judge"] == "photogenic" for j in judgments)
    assert json.loads((judged / "summary.json").read_text())["choices"]["appeal"]["a"] == 6

    wr = tmp_path / "winrate"
    assert (
        main(
            [
                "eval",
                "winrate",
                "--judgments",
                str(judged / "judgments.jsonl"),
                "--out",
                str(wr),
                "--bootstrap",
                "200",
            ]
        )
        == 0
    )
    assert "win 100.0%" in capsys.readouterr().out
    full = json.loads((wr / "winrate.json").read_text())
    (c,) = full["axes"]["appeal"]["comparisons"]
    assert (c["model"], c["baseline"], c["win"], c["n_prompts"]) == ("qt", "base", 6, 3)
    assert c["win_rate"] == 1.0 and c["win_rate_ci"] == [1.0, 1.0]
    assert set(c["by_category"]) == {"Animals", "Food"} and set(c["by_challenge"]) == {
        "Basic",
        "Complex",
    }
    assert full["pairs_dir"] == str(pairs.resolve())  # found from the judge run's config
    assert len((wr / "outcomes.jsonl").read_text().splitlines()) == 6
    assert json.loads((wr / "summary.json").read_text())["axes"]["appeal"][0]["win_rate"] == 1.0

    rep = tmp_path / "report"
    assert main(["eval", "report", "--winrate", str(wr), "--out", str(rep), "--top", "2"]) == 0
    html = (rep / "report.html").read_text()
    assert "<script" not in html  # the prompt is escaped, and the page has no scripts
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; a &quot;quoted&quot;" in html
    assert html.count("data:image/png;base64,") == 4  # 2 biggest wins x 2 images, embedded
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}  # nothing fetched from a network
    assert "<svg" in html and "Animals" in html and "Complex" in html
    data = json.loads((rep / "report.json").read_text())
    wins = data["examples"]["appeal"][0]["wins"]
    assert len(wins) == 2 and wins[0]["margin"] >= wins[1]["margin"]
    assert data["examples"]["appeal"][0]["losses"] == []

    linked = tmp_path / "linked"
    assert main(["eval", "report", "--winrate", str(wr), "--out", str(linked), "--link"]) == 0
    srcs = re.findall(r'<img src="([^"]+)"', (linked / "report.html").read_text())
    assert srcs and all(not s.startswith(("/", "data:")) for s in srcs)
    assert all((linked / s).is_file() for s in srcs)  # relative to the report, they resolve


def test_eval_errors_are_one_line(tmp_path, capsys):
    a = _samples(tmp_path / "sa", "same", good=True)
    b = _samples(tmp_path / "sb", "same", good=False)
    out = tmp_path / "pairs"
    assert main(["eval", "pairs", "--a", str(a), "--b", str(b), "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip()
    assert "--name-a" in err and len(err.splitlines()) == 1 and not out.exists()
    names = ["--name-a", "qt", "--name-b", "base"]
    assert main(["eval", "pairs", "--a", str(a), "--b", str(b), "--out", str(out), *names]) == 0

    capsys.readouterr()
    code = main(
        [
            "eval",
            "judge",
            "--pairs",
            str(out),
            "--judge",
            "clip-score",
            "--out",
            str(tmp_path / "j"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code != 0 and "--weights" in err and len(err.splitlines()) == 1

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"pair_id": "x", "axis": "beauty"}) + "\n")
    assert main(["eval", "winrate", "--judgments", str(bad), "--out", str(tmp_path / "w")]) != 0
    err = capsys.readouterr().err.strip()
    assert "missing field" in err and len(err.splitlines()) == 1
    assert main(["eval", "report", "--winrate", str(tmp_path), "--out", str(tmp_path / "r")]) != 0
    assert "eval winrate" in capsys.readouterr().err


def test_different_seeds_are_refused_unless_allowed(tmp_path, capsys):
    a = _samples(tmp_path / "sa", "qt", good=True)
    b = _samples(tmp_path / "sb", "base", good=False)
    meta = b / "metadata.jsonl"
    meta.write_text(meta.read_text().replace('"image_seed": 1000', '"image_seed": 7'))
    args = ["eval", "pairs", "--a", str(a), "--b", str(b), "--out", str(tmp_path / "p")]
    assert main(args) != 0 and "--seed" in capsys.readouterr().err
    assert main([*args, "--allow-different-seeds", "--copy"]) == 0


@pytest.mark.parametrize("command", ["pairs", "judge", "winrate", "report"])
def test_help(command, capsys):
    assert main(["eval", command, "--help"]) == 0
    assert "--out" in capsys.readouterr().out


def test_compare_models_matches_the_step_by_step_commands(tmp_path, capsys):
    from photogenic.evaluate.compare import compare_models, headline

    a = _samples(tmp_path / "sa", "qt", good=True)
    b = _samples(tmp_path / "sb", "base", good=False)
    summary = compare_models(a, b, tmp_path / "cmp", ["photogenic"])
    c = headline(summary, "appeal")
    assert (c["model"], c["baseline"], c["win"], c["loss"]) == ("qt", "base", 6, 0)
    assert headline(summary, "faithfulness") == {}
    for name in ("pairs/pairs.jsonl", "judgments.jsonl", "winrate.json", "outcomes.jsonl"):
        assert (tmp_path / "cmp" / name).is_file(), name

    steps = tmp_path / "steps"
    assert main(["eval", "pairs", "--a", str(a), "--b", str(b), "--out", str(steps / "p")]) == 0
    args = ["eval", "judge", "--pairs", str(steps / "p"), "--out", str(steps / "j")]
    assert main(args + ["--no-progress"]) == 0
    judgments = str(steps / "j" / "judgments.jsonl")
    args = ["eval", "winrate", "--judgments", judgments, "--out", str(steps / "w")]
    assert main(args + ["--baseline", "base"]) == 0
    by_steps = json.loads((steps / "w" / "winrate.json").read_text())
    assert headline(by_steps, "appeal") == c
