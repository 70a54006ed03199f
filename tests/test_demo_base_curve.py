"""The base's pretraining curve in the demo: stages laid end to end, and the plateau verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from photogenic.demo.base_curve import pretraining_curve
from photogenic.errors import PhotogenicError


def _base(tmp_path: Path, **stages: list[tuple[int, float]]) -> Path:
    record = {
        name: {"steps": points[-1][0], "stopped_early": False, "validations": points}
        for name, points in stages.items()
    }
    (tmp_path / "build.json").write_text(json.dumps({"autoencoder": {}, **record}))
    return tmp_path


def test_the_anneal_stage_continues_the_pretraining_steps(tmp_path: Path) -> None:
    pretrain = [(1000, 0.2), (2000, 0.1), (3000, 0.08)]
    anneal = [(1000, 0.0700), (2000, 0.0690), (3000, 0.0688)]
    curve = pretraining_curve(_base(tmp_path, pretrain=pretrain, anneal=anneal))
    assert curve["steps"] == 6000 and curve["stages"] == [["pretrain", 0], ["anneal", 3000]]
    assert [s for s, _ in curve["validations"]] == [1000, 2000, 3000, 4000, 5000, 6000]
    assert curve["fall_in_window"] == pytest.approx((0.0700 - 0.0688) / 0.0700)
    assert curve["plateaued"]  # under 2 % over the last 2,000 steps


def test_a_loss_still_falling_is_not_a_plateau(tmp_path: Path) -> None:
    curve = pretraining_curve(_base(tmp_path, pretrain=[(1000, 0.16), (2000, 0.09), (3000, 0.07)]))
    assert curve["fall_in_window"] == pytest.approx((0.16 - 0.07) / 0.16)
    assert not curve["plateaued"]


def test_early_stopping_counts_as_a_plateau_and_a_short_run_is_not_one(tmp_path: Path) -> None:
    base = _base(tmp_path, pretrain=[(500, 0.3), (1000, 0.2)])
    curve = pretraining_curve(base)
    assert curve["fall_in_window"] is None and not curve["plateaued"]  # shorter than the window
    record = json.loads((base / "build.json").read_text())
    record["pretrain"]["stopped_early"] = True
    (base / "build.json").write_text(json.dumps(record))
    assert pretraining_curve(base)["plateaued"]


def test_the_plateau_row_says_when_early_stopping_decided_it(tmp_path: Path) -> None:
    from photogenic.demo.report import plateau_value

    base = _base(tmp_path, pretrain=[(1000, 0.0520), (2000, 0.0515), (3000, 0.0506)])
    assert plateau_value(pretraining_curve(base)) == "2.7 % in its last 2000 steps"
    record = json.loads((base / "build.json").read_text())
    record["pretrain"]["stopped_early"] = True
    (base / "build.json").write_text(json.dumps(record))
    curve = pretraining_curve(base)
    assert curve["plateaued"]  # a fall over 2 %, but early stopping ended the training
    assert plateau_value(curve) == "2.7 % in its last 2000 steps; early stopping ended it"


def test_a_base_without_a_build_record_has_no_curve_and_a_broken_one_is_named(
    tmp_path: Path,
) -> None:
    assert pretraining_curve(tmp_path) is None
    (tmp_path / "build.json").write_text(json.dumps({"pretrain": {"steps": 10}}))
    with pytest.raises(PhotogenicError, match=r"build\.json.*validations"):
        pretraining_curve(tmp_path)


def test_the_shipped_base_was_trained_to_a_plateau() -> None:
    from photogenic.demo.base import BASE_DIR, anneal_config, pretrain_config

    build = json.loads((BASE_DIR / "build.json").read_text())
    curve = pretraining_curve(BASE_DIR)
    assert curve["plateaued"] and curve["fall_in_window"] < 0.02
    # the rebuild's stages run as many steps as the shipped base's record says they ran (or
    # early stopping ends them there, as it ended the shipped base's second stage)
    assert build["pretrain"]["steps"] == pretrain_config().loop.max_steps
    anneal = anneal_config()
    assert anneal.loop.early_stopping.enabled and build["anneal"]["stopped_early"]
    assert build["anneal"]["steps"] <= anneal.loop.max_steps
