"""The demo's judges: trained through the single loop, validated on held-out world pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from photogenic.demo.judges import (
    HEADS,
    JudgeBuildConfig,
    WorldJudgeNet,
    build_judges,
    content_score,
    predict,
)
from photogenic.errors import PhotogenicError


def test_judges_train_validate_and_reload(tmp_path: Path) -> None:
    config = JudgeBuildConfig(pool_size=200, heldout_size=100, validation_pairs=200)
    for loop in (config.appeal, config.content):
        loop.max_steps, loop.batch_size, loop.log_every = 30, 32, 1
    target = tmp_path / "judges"
    record = build_judges(config, tmp_path / "work", target, progress=False)
    assert set(record) == {"appeal", "content"}
    for row in record.values():
        assert 0.0 <= row["pairwise_accuracy"] <= 1.0 and row["validation_pairs"] == 200
    for kind in ("appeal", "content"):
        losses = [
            json.loads(x)["loss"] for x in (tmp_path / "work" / kind / "metrics.jsonl").open()
        ]
        assert sum(losses[-5:]) < sum(losses[:5]), f"{kind} judge did not learn"
    assert config.pool_seed != config.heldout_seed
    assert json.loads((target / "validation.json").read_text()) == record
    appeal = WorldJudgeNet.from_pretrained(target / "appeal")
    content = WorldJudgeNet.from_pretrained(target / "content")
    images = torch.randint(0, 255, (3, 3, 64, 64), dtype=torch.uint8)
    assert appeal.config.log_appeal  # regresses log(appeal); predict() returns appeal
    predicted = predict(appeal, images)["appeal"]
    assert predicted.shape == (3,) and bool((predicted > 0).all())
    log_probs = predict(content, images)
    assert set(log_probs) == set(HEADS)
    score = content_score(log_probs, {"subject": "star", "color": "red", "background": "sea"}, 0)
    assert score < 0  # a sum of log-probabilities

    config.kinds = ["appeal"]
    config.appeal.max_steps = 10
    again = build_judges(config, tmp_path / "work2", target, progress=False)
    assert again["content"] == record["content"]  # kept, not retrained
    assert again["appeal"]["steps"] == 10
    assert json.loads((target / "validation.json").read_text()) == again


def test_judges_reject_unknown_kind(tmp_path: Path) -> None:
    config = JudgeBuildConfig(kinds=["beauty"])
    with pytest.raises(PhotogenicError, match="kinds: unknown judge 'beauty'"):
        build_judges(config, tmp_path / "work", tmp_path / "judges", progress=False)
