"""``photogenic data convert|check`` end to end, in-process."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from bad_images import CASES, write_corpus

from photogenic.cli.main import main
from photogenic.data import METADATA, open_dataset

GOOD = ["plain.png", "exif6.jpg", "rgba.png", "gray16.png"]
BROKEN = {
    "truncated.png": "truncated",
    "text_file.jpg": "not_an_image",
    "bomb.png": "too_many_pixels",
}


def sidecar_corpus(root: Path) -> Path:
    """Images with .txt captions: four good, three broken, one good image without a caption."""
    write_corpus(root, [*GOOD, *BROKEN, "gray.png"])
    for name in [*GOOD, *BROKEN]:
        (root / name).with_suffix(".txt").write_text(f"caption of {name}")
    return root


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def test_convert_writes_a_canonical_dataset_and_accounts_for_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = sidecar_corpus(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["data", "convert", "--input", str(src), "--out", str(out)]) == 0
    summary = read_json(out / "summary.json")
    assert summary["format"] == "sidecar"
    assert (summary["input"], summary["kept"], summary["errors"]) == (8, 4, 4)
    assert summary["errors_by_reason"] == {**{v: 1 for v in BROKEN.values()}, "caption_missing": 1}
    assert summary["input"] == summary["kept"] + summary["errors"]
    assert summary["reencoded_png"] == 3  # exif6.jpg, rgba.png, gray16.png
    assert (out / "config.yaml").exists() and (out / "log.txt").exists()
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert sorted(e["reason"] for e in errors) == sorted(summary["errors_by_reason"])
    stdout = capsys.readouterr().out
    assert "input 8 = kept 4 + errors 4" in stdout and "truncated" in stdout

    items = {item.id: item for item in open_dataset(out)}
    assert set(items) == {"plain", "exif6", "rgba", "gray16"}
    assert all(item.ok for item in items.values())
    assert (out / "plain.png").read_bytes() == CASES["plain.png"]()  # copied, not re-encoded
    rotated = items["exif6"]
    assert rotated.file_name == "exif6.png" and rotated.text == "caption of exif6.jpg"
    assert (rotated.columns["width"], rotated.columns["height"]) == (20, 40)
    decoded = rotated.decode()
    assert decoded.info["mode"] == "RGB" and not decoded.info["normalised"]
    assert np.asarray(decoded.image)[5, 15, 0] > 200  # the marker, moved by the EXIF rotation
    assert len(items["plain"].columns["sha256"]) == 64

    # a rerun resumes: nothing is written twice and the accounting still holds
    assert main(["data", "convert", "--input", str(src), "--out", str(out)]) == 0
    again = read_json(out / "summary.json")
    assert (again["input"], again["kept"], again["errors"]) == (8, 4, 4)
    assert len((out / METADATA).read_text().splitlines()) == 4
    assert len((out / "errors.jsonl").read_text().splitlines()) == 4


def test_convert_tar_shards_keeps_good_bytes_as_they_are(tmp_path: Path) -> None:
    shard = tmp_path / "data.tar"
    with tarfile.open(shard, "w") as tar:
        for key, name in [("k1", "plain.png"), ("k2", "cmyk.jpg"), ("k3", "truncated.jpg")]:
            for member, data in [
                (f"{key}.{name.split('.')[1]}", CASES[name]()),
                (f"{key}.txt", b"t"),
            ]:
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    out = tmp_path / "out"
    assert main(["data", "convert", "--input", str(shard), "--out", str(out)]) == 0
    summary = read_json(out / "summary.json")
    assert (summary["input"], summary["kept"], summary["errors_by_reason"]) == (
        3,
        2,
        {"truncated": 1},
    )
    assert (out / "k1.png").read_bytes() == CASES["plain.png"]()
    assert (out / "k2.png").exists() and not (out / "k2.jpg").exists()  # CMYK: normalised

    raw = tmp_path / "raw"
    assert main(["data", "convert", "--input", str(shard), "--out", str(raw), "--no-decode"]) == 0
    summary = read_json(raw / "summary.json")
    assert (summary["input"], summary["kept"], summary["errors"]) == (3, 3, 0)
    assert (raw / "k3.jpg").read_bytes() == CASES["truncated.jpg"]()


def test_check_counts_every_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = sidecar_corpus(tmp_path / "in")
    out = tmp_path / "report"
    assert main(["data", "check", "--input", str(src), "--out", str(out)]) == 0
    summary = read_json(out / "summary.json")
    assert (summary["input"], summary["kept"], summary["errors"]) == (8, 4, 4)
    assert summary["errors_by_reason"]["too_many_pixels"] == 1
    assert summary["flags"] == {
        "exif_rotated": 1,
        "had_alpha": 1,
        "normalised": 3,
        "was_grayscale": 1,
    }
    assert len((out / "errors.jsonl").read_text().splitlines()) == 4
    assert list(src.glob("*.png")) and not (src / "summary.json").exists()
    assert main(["data", "check", "--input", str(src)]) == 0
    stdout = capsys.readouterr().out
    assert "not_an_image" in stdout and "caption_missing" in stdout and "ok" in stdout


@pytest.mark.parametrize("command", ["convert", "check"])
def test_missing_input_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    missing = tmp_path / "no-such-dataset"
    out = tmp_path / "out"
    assert main(["data", command, "--input", str(missing), "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and str(missing) in err
    assert "imagefolder" in err
    assert not out.exists()


def test_an_output_inside_the_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = sidecar_corpus(tmp_path / "in")
    for command in ("convert", "check"):
        assert main(["data", command, "--input", str(src), "--out", str(src / "out")]) != 0
        assert "inside the input" in capsys.readouterr().err
    assert not (src / "out").exists()
