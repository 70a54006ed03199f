"""Win rates from judgments: majority vote per pair, orientation, breakdowns, kappa, Bradley-Terry."""

from __future__ import annotations

import pytest

from photogenic.errors import PhotogenicError
from photogenic.evaluate.judgments import check_judgment, read_judgments, write_judgments
from photogenic.evaluate.winrate import WinrateConfig, compute_winrate

FLIP = {"a": "b", "b": "a", "tie": "tie"}

# Five pairs of "qt" vs "base", three raters each; votes are from qt's side (a = qt wins).
#   pair  category  challenge  votes        majority
#   p1    Animals   Basic      a a b        win
#   p2    Animals   Basic      a tie tie    tie
#   p3    Food      Complex    b b a        loss
#   p4    Food      Complex    a a a        win
#   p5    Food      Basic      a b tie      tie (1-1-1)
PAIRS = [
    ("p1", "Animals", "Basic", "aab"),
    ("p2", "Animals", "Basic", "aTT"),
    ("p3", "Food", "Complex", "bba"),
    ("p4", "Food", "Complex", "aaa"),
    ("p5", "Food", "Basic", "abT"),
]


def _rows(axis: str = "appeal", swap_odd_raters: bool = True) -> list[dict]:
    rows = []
    for pair_id, category, challenge, votes in PAIRS:
        for k, v in enumerate(votes):
            choice = "tie" if v == "T" else v
            row = {
                "pair_id": pair_id,
                "prompt": f"prompt of {pair_id}",
                "category": category,
                "challenge": challenge,
                "image_a": f"a/{pair_id}.png",
                "image_b": f"b/{pair_id}.png",
                "model_a": "qt",
                "model_b": "base",
                "judge": f"rater{k}",
                "axis": axis,
                "choice": choice,
            }
            if swap_odd_raters and k % 2 == 1:  # the app showed this rater base as "a"
                row.update(
                    model_a="base",
                    model_b="qt",
                    image_a=row["image_b"],
                    image_b=row["image_a"],
                    choice=FLIP[choice],
                )
            rows.append(check_judgment(row))
    return rows


def _cfg(**kw) -> WinrateConfig:
    return WinrateConfig(bootstrap=300, bradley_terry_bootstrap=100, **kw)


def test_counts_rates_breakdowns_and_kappa_by_hand():
    summary, outcomes = compute_winrate(_rows(), _cfg())
    (c,) = summary["axes"]["appeal"]["comparisons"]
    assert (c["model"], c["baseline"]) == ("qt", "base")
    # W = 2 (p1, p4), T = 2 (p2, p5), L = 1 (p3)
    assert (c["win"], c["tie"], c["loss"], c["n_pairs"], c["n_prompts"]) == (2, 2, 1, 5, 5)
    assert (c["win_pct"], c["tie_pct"], c["loss_pct"]) == (40.0, 40.0, 20.0)
    assert c["win_rate"] == pytest.approx(0.6)  # (2 + 2/2) / 5
    assert c["decisive_win_rate"] == pytest.approx(2 / 3)  # 2 / (2 + 1)
    lo, hi = c["win_rate_ci"]
    assert 0.0 <= lo <= 0.6 <= hi <= 1.0
    lo, hi = c["win_rate_wilson"]
    assert lo < 0.6 < hi
    # per category: Animals W1 T1 L0 -> (1 + 0.5)/2 = 0.75; Food W1 T1 L1 -> 1.5/3 = 0.5
    assert c["by_category"]["Animals"]["win_rate"] == pytest.approx(0.75)
    assert c["by_category"]["Food"]["win_rate"] == pytest.approx(0.5)
    # per challenge: Basic p1 win, p2 tie, p5 tie -> 2/3; Complex p3 loss, p4 win -> 0.5
    assert c["by_challenge"]["Basic"]["win_rate"] == pytest.approx(2 / 3)
    assert c["by_challenge"]["Complex"]["win_rate"] == pytest.approx(0.5)
    # Fleiss' kappa, columns (qt, base, tie):
    #   p1 [2,1,0] P=(4+1-3)/6=1/3; p2 [1,0,2] 1/3; p3 [1,2,0] 1/3; p4 [3,0,0] 1; p5 [1,1,1] 0
    #   P̄ = 2/5; totals (8, 4, 3) of 15: P_e = (64 + 16 + 9)/225 = 89/225
    #   κ = (90/225 - 89/225) / (136/225) = 1/136
    assert c["fleiss_kappa"] == pytest.approx(1 / 136)
    assert c["raters_per_pair"] == {"min": 3, "max": 3, "mean": 3.0}
    assert summary["axes"]["appeal"]["bradley_terry"] is None  # two models only
    by_pair = {o.pair_id: o for o in outcomes}
    assert by_pair["p3"].outcome == "loss" and by_pair["p3"].votes == {
        "model": 1,
        "baseline": 2,
        "tie": 0,
    }
    # people give no margin: the vote margin (for - against) / raters is used
    assert by_pair["p1"].margin_kind == "votes" and by_pair["p1"].margin == pytest.approx(1 / 3)
    # the images are oriented too: the model's image is qt's whatever the row order
    assert by_pair["p1"].image_model == "a/p1.png"


def test_swapped_rows_count_the_same_as_unswapped():
    swapped, _ = compute_winrate(_rows(swap_odd_raters=True), _cfg())
    plain, _ = compute_winrate(_rows(swap_odd_raters=False), _cfg())
    assert swapped["axes"] == plain["axes"]


def test_baseline_turns_the_comparison_around():
    summary, _ = compute_winrate(_rows(), _cfg(baseline="qt"))
    (c,) = summary["axes"]["appeal"]["comparisons"]
    assert (c["model"], c["baseline"]) == ("base", "qt")
    assert (c["win"], c["tie"], c["loss"]) == (1, 2, 2)
    assert c["win_rate"] == pytest.approx(0.4)
    with pytest.raises(PhotogenicError, match="baseline"):
        compute_winrate(_rows(), _cfg(baseline="nobody"))


def test_axes_are_separate_and_judges_can_be_filtered():
    rows = _rows("appeal") + [
        {**r, "choice": "a"} for r in _rows("faithfulness", swap_odd_raters=False)
    ]
    summary, _ = compute_winrate(rows, _cfg())
    assert set(summary["axes"]) == {"appeal", "faithfulness"}
    assert summary["axes"]["faithfulness"]["comparisons"][0]["win"] == 5
    only, _ = compute_winrate(rows, _cfg(judges=["rater0"]))
    (c,) = only["axes"]["appeal"]["comparisons"]
    # rater0's votes: a a b a a -> 4 wins, 1 loss; one rater: no agreement to measure
    assert (c["win"], c["tie"], c["loss"]) == (4, 0, 1) and c["fleiss_kappa"] is None
    with pytest.raises(PhotogenicError):
        compute_winrate(rows, _cfg(judges=["nobody"]))


def test_automated_margins_are_averaged_and_oriented():
    rows = _rows(swap_odd_raters=True)
    for r in rows:
        r["margin"] = 0.2 if r["model_a"] == "qt" else -0.2  # always 0.2 in qt's favour
    _, outcomes = compute_winrate(rows, _cfg())
    assert all(o.margin_kind == "judge" and o.margin == pytest.approx(0.2) for o in outcomes)


def test_bradley_terry_for_three_models():
    # strengths (4, 2, 1) fit exactly (see test_eval_stats): A-B 4:2, A-C 4:1, B-C 2:1
    games = [("A", "B", "a")] * 4 + [("A", "B", "b")] * 2 + [("A", "C", "a")] * 4
    games += [("A", "C", "b")] + [("B", "C", "a")] * 2 + [("B", "C", "b")]
    rows = [
        {
            "pair_id": f"{i}",
            "prompt": f"prompt {i}",
            "category": "",
            "image_a": "x.png",
            "image_b": "y.png",
            "model_a": a,
            "model_b": b,
            "judge": "j",
            "axis": "appeal",
            "choice": choice,
        }
        for i, (a, b, choice) in enumerate(games)
    ]
    summary, _ = compute_winrate(rows, _cfg())
    bt = summary["axes"]["appeal"]["bradley_terry"]
    assert bt["models"] == ["A", "B", "C"]
    assert bt["strength"] == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-5)
    for s, (lo, hi) in zip(bt["strength"], bt["strength_ci"], strict=True):
        assert lo <= s + 1e-9 <= hi + 2e-9
    assert len(summary["axes"]["appeal"]["comparisons"]) == 3


def test_schema_check_normalises_both_and_neither():
    base = _rows()[0]
    assert check_judgment({**base, "axis": "faithfulness", "choice": "both"})["choice"] == "tie"
    assert check_judgment({**base, "axis": "faithfulness", "choice": "neither"})["choice"] == "tie"
    for bad in ({"axis": "beauty"}, {"choice": "c"}, {"model_b": "qt", "model_a": "qt"}):
        with pytest.raises(PhotogenicError):
            check_judgment({**base, **bad})
    with pytest.raises(PhotogenicError, match="missing"):
        check_judgment({k: v for k, v in base.items() if k != "judge"})


def test_files_of_different_prompt_sets_with_repeated_pair_ids_are_refused(tmp_path):
    rows = _rows()
    write_judgments(tmp_path / "set1.jsonl", rows)
    write_judgments(tmp_path / "votes2.jsonl", rows[:3])  # more votes on the same pairs: fine
    assert len(read_judgments([tmp_path / "set1.jsonl", tmp_path / "votes2.jsonl"])) == 18
    other = [{**r, "prompt": r["prompt"].replace("prompt", "another prompt")} for r in rows]
    write_judgments(tmp_path / "set2.jsonl", other)
    with pytest.raises(PhotogenicError, match=r"set2.jsonl:1: pair 'p1' has prompt .*set1.jsonl:1"):
        read_judgments([tmp_path / "set1.jsonl", tmp_path / "set2.jsonl"])
