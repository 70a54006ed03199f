"""Each pairwise statistic against a small example computed by hand (the computation is written out)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from photogenic.evaluate import stats


def test_majority_vote_is_the_plurality_and_a_shared_top_is_a_tie():
    assert stats.majority_vote(["a", "a", "b"]) == "a"
    assert stats.majority_vote(["b", "tie", "b", "a", "a", "b"]) == "b"
    assert stats.majority_vote(["a", "b", "tie"]) == "tie"  # 1-1-1
    assert stats.majority_vote(["a", "a", "tie", "tie", "b"]) == "tie"  # 2-2 at the top
    assert stats.majority_vote(["a", "a", "b", "b"]) == "tie"
    assert stats.majority_vote(["tie"]) == "tie"
    with pytest.raises(ValueError):
        stats.majority_vote(["a", "maybe"])
    with pytest.raises(ValueError):
        stats.majority_vote([])


def test_win_tie_loss_and_the_two_win_rates():
    outcomes = ["win"] * 5 + ["tie"] * 2 + ["loss"] * 3
    w, t, loss = stats.count_outcomes(outcomes)
    assert (w, t, loss) == (5, 2, 3)
    # (W + T/2) / N = (5 + 1) / 10 = 0.6 ; W / (W + L) = 5 / 8 = 0.625
    assert stats.win_rate(w, t, loss) == pytest.approx(0.6)
    assert stats.decisive_win_rate(w, loss) == pytest.approx(0.625)
    assert stats.win_rate(0, 0, 0) is None
    assert stats.decisive_win_rate(0, 0) is None  # all ties
    assert [stats.outcome_of(c) for c in "ab"] + [stats.outcome_of("tie")] == [
        "win",
        "loss",
        "tie",
    ]


def test_wilson_interval_by_hand():
    # 8 of 10, z = 1.96: p = 0.8, z²/n = 0.38416, denominator 1.38416
    # centre = (0.8 + 0.19208) / 1.38416 = 0.716738
    # half   = 1.96 * sqrt(0.8*0.2/10 + 3.8416/400) / 1.38416 = 1.96 * 0.160012 / 1.38416 = 0.226583
    lo, hi = stats.wilson_interval(8, 10, z=1.96)
    assert lo == pytest.approx(0.716738 - 0.226583, abs=1e-5)  # 0.490155
    assert hi == pytest.approx(0.716738 + 0.226583, abs=1e-5)  # 0.943321
    # fractional successes (W + T/2 = 6 of 10): centre = 0.79208 / 1.38416 = 0.572246,
    # half = 1.96 * sqrt(0.024 + 0.009604) / 1.38416 = 1.96 * 0.183314 / 1.38416 = 0.259576
    lo, hi = stats.wilson_interval(6, 10, z=1.96)
    assert (lo, hi) == (pytest.approx(0.312670, abs=1e-5), pytest.approx(0.831822, abs=1e-5))
    # 0 of 5 stays inside [0, 1] and is not degenerate
    lo, hi = stats.wilson_interval(0, 5)
    assert lo == 0.0 and 0.4 < hi < 0.45  # z²/(n + z²) = 3.8415 / 8.8415 = 0.4345
    assert stats.wilson_interval(0, 0) is None


def test_bootstrap_resamples_prompts_not_pairs():
    # Two prompts, one won and one lost. Drawing 2 prompts with replacement gives the mean win rate
    # 1 (both draws the win: 1/4), 0.5 (one each: 1/2) or 0 (1/4); the 95% interval is [0, 1].
    counts = np.array([[1, 0, 0], [0, 0, 1]])
    boot = stats.bootstrap_counts(counts, n_boot=4000, seed=3)
    rate = (boot[:, 0] + boot[:, 1] / 2) / boot.sum(axis=1)
    values, freq = np.unique(rate, return_counts=True)
    assert values.tolist() == [0.0, 0.5, 1.0]
    assert freq / 4000 == pytest.approx([0.25, 0.5, 0.25], abs=0.03)
    ci = stats.bootstrap_win_rates(counts, n_boot=4000, seed=3)
    assert ci["win_rate"] == (0.0, 1.0)
    # Two images per prompt, both won on prompt 1 and both lost on prompt 2: the prompt is the unit,
    # so the same three values appear (a per-pair bootstrap would also give 0.25 and 0.75).
    clustered = stats.bootstrap_counts(np.array([[2, 0, 0], [0, 0, 2]]), n_boot=2000, seed=1)
    rate = clustered[:, 0] / clustered.sum(axis=1)
    assert set(np.unique(rate).tolist()) <= {0.0, 0.5, 1.0}
    # unanimous wins: the interval collapses to the point; the seed makes it reproducible
    assert stats.bootstrap_win_rates(np.array([[3, 0, 0]] * 4), 500, 0)["win_rate"] == (1.0, 1.0)
    again = stats.bootstrap_win_rates(np.array([[1, 1, 0], [0, 1, 1], [2, 0, 0]]), 500, seed=7)
    assert again == stats.bootstrap_win_rates(np.array([[1, 1, 0], [0, 1, 1], [2, 0, 0]]), 500, 7)


def test_bootstrap_decisive_rate_ignores_all_tie_resamples():
    # one prompt all ties, one a win: resamples of only the tie prompt have no W/(W+L) (NaN, skipped)
    ci = stats.bootstrap_win_rates(np.array([[0, 2, 0], [1, 0, 0]]), n_boot=1000, seed=0)
    assert ci["decisive_win_rate"] == (1.0, 1.0)


def test_fleiss_kappa_by_hand():
    # 3 pairs x 3 raters, categories (a, b, tie):
    #   pair 1: a a a   -> [3, 0, 0], P1 = (9 - 3) / (3*2)       = 1
    #   pair 2: a a b   -> [2, 1, 0], P2 = (4 + 1 - 3) / 6       = 1/3
    #   pair 3: a b tie -> [1, 1, 1], P3 = (1 + 1 + 1 - 3) / 6   = 0
    # P̄ = 4/9; p = (6/9, 2/9, 1/9); P_e = 36/81 + 4/81 + 1/81 = 41/81
    # κ = (36/81 - 41/81) / (1 - 41/81) = -5/40 = -0.125
    assert stats.fleiss_kappa([[3, 0, 0], [2, 1, 0], [1, 1, 1]]) == pytest.approx(-0.125)
    # perfect agreement on differing categories: P̄ = 1, P_e = 0.5 -> κ = 1
    assert stats.fleiss_kappa([[3, 0, 0], [0, 3, 0]]) == pytest.approx(1.0)
    # everybody always says a: P_e = 1, κ undefined
    assert stats.fleiss_kappa([[3, 0, 0], [3, 0, 0]]) is None
    # one rater per pair: nothing to agree on
    assert stats.fleiss_kappa([[1, 0, 0], [0, 1, 0]]) is None


def test_fleiss_kappa_on_fleiss_worked_example():
    # The classic worked example (10 items, 14 raters, 5 categories): P̄ = 0.378, P_e = 0.213,
    # κ = (0.378 - 0.213) / (1 - 0.213) = 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert stats.fleiss_kappa(table) == pytest.approx(0.210, abs=0.001)


def test_wins_matrix_counts_ties_as_half_wins():
    w = stats.wins_matrix([(0, 1, "win"), (0, 1, "tie"), (1, 0, "win"), (0, 2, "loss")], 3)
    # 0 beat 1 once and tied once (+0.5 each); 1 beat 0 once; 2 beat 0 once
    assert w.tolist() == [[0, 1.5, 0], [1.5, 0, 0], [1, 0, 0]]


def test_bradley_terry_two_models_is_the_win_ratio():
    # two models: the MLE solves W_0 = n p0/(p0+p1), so p0/p1 = W_0/W_1 = 7/3
    assert stats.bradley_terry([[0, 7], [3, 0]]) == pytest.approx([0.7, 0.3], abs=1e-8)
    # 6 wins, 2 ties, 2 losses: ties as half wins -> 7 vs 3 again
    w = stats.wins_matrix([(0, 1, "win")] * 6 + [(0, 1, "tie")] * 2 + [(0, 1, "loss")] * 2, 2)
    assert stats.bradley_terry(w) == pytest.approx([0.7, 0.3], abs=1e-8)


def test_bradley_terry_three_models_by_hand():
    # Data made to fit strengths (4, 2, 1) exactly: each pair's wins equal their expectation
    #   A-B: 6 games, A wins 6*4/6 = 4 (3 wins + 2 ties = 4 half-win units), B 2
    #   A-C: 5 games, A wins 5*4/5 = 4, C 1
    #   B-C: 3 games, B wins 3*2/3 = 2, C 1
    # so the likelihood equations W_i = Σ_j n_ij p_i/(p_i+p_j) hold at p = (4, 2, 1)/7.
    games = [(0, 1, "win")] * 3 + [(0, 1, "tie")] * 2 + [(0, 1, "loss")]
    games += [(0, 2, "win")] * 4 + [(0, 2, "loss")]
    games += [(1, 2, "win")] * 2 + [(1, 2, "loss")]
    p = stats.bradley_terry(stats.wins_matrix(games, 3))
    assert p == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-6)
    # P(A beats C) = 4 / (4 + 1)
    assert p[0] / (p[0] + p[2]) == pytest.approx(0.8, abs=1e-6)
    # a model that never wins goes to 0 without a prior, and stays positive with one
    never = [[0, 3, 2], [1, 0, 2], [0, 0, 0]]
    assert stats.bradley_terry(never)[2] < 1e-3
    assert stats.bradley_terry(never, prior=1.0)[2] > 0.02


def test_bootstrap_bradley_terry_intervals_bracket_the_estimate():
    per_prompt = np.zeros((14, 3, 3))
    games = [(0, 1, "win")] * 4 + [(0, 1, "loss")] * 2 + [(0, 2, "win")] * 4 + [(0, 2, "loss")]
    games += [(1, 2, "win")] * 2 + [(1, 2, "loss")]
    for k, g in enumerate(games):
        per_prompt[k] = stats.wins_matrix([g], 3)
    point = stats.bradley_terry(per_prompt.sum(axis=0))
    cis = stats.bootstrap_bradley_terry(per_prompt, n_boot=200, seed=0)
    for s, (lo, hi) in zip(point, cis, strict=True):
        assert lo <= s + 1e-9 and s <= hi + 1e-9 and not math.isnan(lo)
