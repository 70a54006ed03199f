"""The demo's judges: trained through the single loop, validated on held-out world pairs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from photogenic.demo.judges import (
    HEADS,
    JudgeBuildConfig,
    WorldJudgeNet,
    build_judges,
    clean_world_config,
    content_score,
    head_accuracy,
    predict,
    validation_text,
    verdict_agreement,
)
from photogenic.errors import PhotogenicError
from photogenic.world import make_world
from photogenic.world.factors import GOOD_LEVELS


def test_judges_train_validate_and_reload(tmp_path: Path) -> None:
    config = JudgeBuildConfig(
        pool_size=200, heldout_size=100, validation_pairs=200, clean_heldout_size=40
    )
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
    assert len({config.pool_seed, config.heldout_seed, config.clean_heldout_seed}) == 3
    content_record = record["content"]
    assert content_record["head_accuracy_clean_images"] == 40
    assert 0.0 <= content_record["verdict_agreement"] <= 1.0
    for key in ("head_accuracy", "head_accuracy_all_heldout"):
        assert set(content_record[key]) == {*HEADS, "all three"}
        assert all(0.0 <= v <= 1.0 for v in content_record[key].values())
    assert "head_accuracy" not in record["appeal"]
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
    assert 0.0 < score < 3.0  # parts of the prompt shown, in expectation

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


def test_head_accuracy_counts_the_named_class_per_head() -> None:
    names = {k: v[:3] for k, v in HEADS.items()}
    log_probs = {k: torch.full((3, len(v)), -9.0) for k, v in HEADS.items()}
    for k, v in HEADS.items():  # image i most likely shows class i of every head
        for i in range(3):
            log_probs[k][i, v.index(names[k][i])] = -0.1
    right = {k: names[k][0] for k in HEADS}
    wrong_subject = {k: names[k][1] for k in HEADS} | {"subject": names["subject"][2]}
    accuracy = head_accuracy(log_probs, [right, wrong_subject, None])  # None: not counted
    assert accuracy == {"subject": 0.5, "color": 1.0, "background": 1.0, "all three": 0.5}
    assert head_accuracy(log_probs, [None, None, None]) == {}


def test_clean_world_has_every_factor_good(tmp_path: Path) -> None:
    make_world(tmp_path / "clean", 30, 5, clean_world_config(), workers=1, progress=False)
    rows = [json.loads(x) for x in (tmp_path / "clean" / "metadata.jsonl").open()]
    assert len(rows) == 30
    for row in rows:
        assert all(row["quality"][k] == good for k, good in GOOD_LEVELS.items())
        assert row["duplicate_kind"] == "none"


def _rows(n: int) -> list[dict]:
    rng = np.random.default_rng(1)
    return [{"content": {k: str(rng.choice(v)) for k, v in HEADS.items()}} for _ in range(n)]


def _sure(rows: list[dict]) -> dict[str, torch.Tensor]:
    """Log-probabilities of a judge certain that each image shows its row's content."""
    sure = {k: torch.full((len(rows), len(v)), -30.0) for k, v in HEADS.items()}
    for k, names in HEADS.items():
        for i, row in enumerate(rows):
            sure[k][i, names.index(row["content"][k])] = 0.0
    return sure


def test_content_score_counts_the_parts_an_image_shows() -> None:
    rows = _rows(2)
    sure = _sure(rows)
    caption = dict(rows[0]["content"])
    assert content_score(sure, caption, 0) == pytest.approx(3.0)
    other = next(c for c in HEADS["color"] if c != caption["color"])
    assert content_score(sure, caption | {"color": other}, 0) == pytest.approx(2.0)
    # a clear image of other content shows no more of the prompt than an unclear one: neither wins
    unclear = {k: torch.full((1, len(v)), -float(np.log(len(v)))) for k, v in HEADS.items()}
    clear_wrong = {k: torch.full((1, len(v)), -30.0) for k, v in HEADS.items()}
    for k, names in HEADS.items():
        clear_wrong[k][0, names.index(next(c for c in names if c != caption[k]))] = 0.0
    gap = content_score(unclear, caption, 0) - content_score(clear_wrong, caption, 0)
    assert 0.0 < gap < 0.5


def test_verdict_agreement_against_the_parts_each_image_shows() -> None:
    rows = _rows(60)
    assert verdict_agreement(_sure(rows), rows, pairs=300, seed=0) == 1.0
    blind = {k: torch.zeros(60, len(v)).log_softmax(-1) for k, v in HEADS.items()}
    ties_only = verdict_agreement(blind, rows, pairs=300, seed=0)  # right only where truth ties
    assert 0.0 < ties_only < 0.5


def test_validation_text_says_what_the_record_holds() -> None:
    appeal = {"pairwise_accuracy": 0.9481, "validation_pairs": 2000}
    assert validation_text(appeal) == "pairwise accuracy 0.948 on 2000 held-out pairs"
    heads = {"subject": 0.984, "color": 1.0, "background": 0.9991, "all three": 0.98}
    content = {**appeal, "head_accuracy": heads, "verdict_agreement": 0.8512}
    text = validation_text(content)
    assert "names the subject 0.984, color 1.000, background 0.999" in text  # heads, in order
    assert "all three" not in text and text.endswith("on 0.851 of held-out pairs")
