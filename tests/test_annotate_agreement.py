"""Fleiss' kappa and agreement with the majority, against hand-computed values."""

from __future__ import annotations

import pytest

from photogenic.annotate.agreement import (
    agreement_with_majority,
    count_table,
    fleiss_kappa,
    majority,
)


def test_fleiss_kappa_matches_a_hand_computed_table() -> None:
    # 3 items x 3 raters, keep/reject. Per-item agreement: 1, 1, (2*1 + 1*0)/(3*2) = 1/3,
    # mean 7/9; category shares 5/9 and 4/9, chance 41/81; kappa = (7/9 - 41/81) / (40/81) = 0.55.
    assert fleiss_kappa([[3, 0], [0, 3], [2, 1]]) == pytest.approx(0.55)


def test_fleiss_kappa_edge_cases() -> None:
    assert fleiss_kappa([[2, 0], [0, 2]]) == pytest.approx(1.0)
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category only: chance agreement is 1
    assert fleiss_kappa([[1, 0], [0, 1]]) is None  # nobody rated an item twice
    assert fleiss_kappa([]) is None  # a project with no answers yet
    # items with a single rating are ignored; items may have different numbers of ratings
    assert fleiss_kappa([[3, 0], [0, 3], [2, 1], [1, 0]]) == pytest.approx(0.55)
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 1], [1, 1, 0]])


def test_count_table_and_majority() -> None:
    table = count_table({"x": ["a", "a", "tie"], "y": ["b"]}, ["a", "b", "tie"])
    assert table == [[2, 0, 1], [0, 1, 0]]
    assert majority(["a", "a", "b"]) == "a"
    assert majority(["a", "b"]) is None
    assert majority([]) is None


def test_agreement_with_majority_counts_items_with_three_or_more_answers() -> None:
    ratings = {
        1: {"ann": "a", "bob": "a", "cy": "b"},  # majority a
        2: {"ann": "b", "bob": "a", "cy": "b"},  # majority b
        3: {"ann": "a", "bob": "b"},  # two answers: not counted
        4: {"ann": "a", "bob": "b", "cy": "tie"},  # no majority: not counted
    }
    out = agreement_with_majority(ratings)
    assert out["ann"] == {"agree": 2, "items": 2, "rate": 1.0}
    assert out["bob"] == {"agree": 1, "items": 2, "rate": 0.5}
    assert out["cy"] == {"agree": 1, "items": 2, "rate": 0.5}
