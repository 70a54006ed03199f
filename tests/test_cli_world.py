"""``photogenic world make`` through the CLI entry point."""

import json
from pathlib import Path

import yaml

from photogenic.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[1] / "configs" / "tiny-world.yaml"


def test_world_make_writes_dataset_config_and_summary(tmp_path, capsys):
    out = tmp_path / "world"
    assert main(["world", "make", "--n", "30", "--seed", "1", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "metadata.jsonl").read_text().splitlines()]
    assert len(rows) == 30 and all((out / r["file_name"]).is_file() for r in rows)
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["command"] == "world make" and config["n"] == 30 and config["seed"] == 1
    assert config["config"]["image_size"] == 64
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 30 and summary["generated"] == 30 and "needle_fraction" in summary
    assert "30 items" in capsys.readouterr().out
    # the same command again resumes: nothing left to make
    assert main(["world", "make", "--n", "30", "--seed", "1", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["generated"] == 0


def test_config_file_and_overrides(tmp_path):
    out = tmp_path / "w"
    args = ["world", "make", "--n", "8", "--out", str(out), "--workers", "2"]
    args += ["--config", str(EXAMPLE), "--set", "image_size=32"]
    assert main(args) == 0
    rows = [json.loads(line) for line in (out / "metadata.jsonl").read_text().splitlines()]
    assert max(max(r["width"], r["height"]) for r in rows) <= 96  # 32 px, or 3:1 at most
    assert yaml.safe_load((out / "config.yaml").read_text())["config"]["image_size"] == 32


def test_unknown_key_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "w"
    code = main(["world", "make", "--n", "5", "--out", str(out), "--set", "unknown.key=1"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert "unknown" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_refused_world_leaves_the_folder_as_it_was(tmp_path, capsys):
    out = tmp_path / "w"
    assert main(["world", "make", "--n", "5", "--seed", "1", "--out", str(out)]) == 0
    before = (out / "config.yaml").read_bytes()
    capsys.readouterr()
    assert main(["world", "make", "--n", "5", "--seed", "2", "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip()
    assert "seed" in err and len(err.splitlines()) == 1
    assert (out / "config.yaml").read_bytes() == before


def test_help(capsys):
    assert main(["world", "make", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--n" in text and "--seed" in text and "--workers" in text and "--set" in text
    assert main(["world", "--help"]) == 0
