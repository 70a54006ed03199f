"""The global stages on the on-disk table: dedup groups, balance and select, lookups by index."""

import math

import numpy as np
import pytest
from PIL import Image

from photogenic.curate.config import CurateConfig
from photogenic.curate.decide import decide
from photogenic.curate.globaltable import GlobalTable, OrderedLookup
from photogenic.curate.hashing import color_grid, content_hash, phash
from photogenic.curate.stages.balance import concept_cap
from photogenic.curate.stages.dedup import find_duplicates, near_pairs


def make_table(tmp_path, hashes, sha=None, score=None, pixels=None, colors=None, concepts=None,
               select=None, later=None, memory_mb=64):  # fmt: skip
    """A table with one row per hash; row ``r`` has input index ``10 * r`` and id ``item<r>``."""
    n = len(hashes)
    table = GlobalTable(tmp_path / "global.sqlite", memory_mb)
    for r in range(n):
        values = {
            "content_hash": content_hash(str(sha[r] if sha is not None else r).encode()),
            "phash": f"{int(hashes[r]):016x}",
            "width": int(pixels[r]) if pixels is not None else 10,
            "height": 1,
        }
        if colors is not None:
            values["color_grid"] = colors[r]
        row = {
            "i": 10 * r,
            "id": f"item{r}",
            "stage": later[r] if later else None,
            "values": values,
        }
        table.add(
            row,
            float(score[r]) if score is not None else math.nan,
            float(select[r]) if select is not None else math.nan,
            concepts[r] if concepts else "other",
        )
    return table


def duplicates(table):
    return {
        r: (kept, kind, d)
        for r, kept, kind, d in table.rows("SELECT r, kept, kind, distance FROM dups")
    }


def pairs_found(table, max_distance, max_color_distance=255.0):
    table.execute("DROP TABLE IF EXISTS edges")
    table.execute("CREATE TABLE edges (a INTEGER, b INTEGER)")
    near_pairs(table, max_distance, max_color_distance)
    return set(table.rows("SELECT DISTINCT a, b FROM edges"))


def brute_pairs(hashes, d):
    dist = np.bitwise_count(hashes[:, None] ^ hashes[None, :])
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(dist <= d), strict=True) if i < j}


def test_dedup_keeps_best_copy_and_points_to_it(tmp_path):
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 6, dtype=np.uint64)
    hashes[3] = hashes[0] ^ np.uint64(0b101)  # 2 bits from row 0
    hashes[4] = hashes[1]
    sha = ["a", "b", "c", "d", "b", "f"]  # row 4 is a byte copy of row 1
    score = [0.5, 0.9, 0.1, 0.8, 0.9, math.nan]
    table = make_table(tmp_path, hashes, sha, score)
    assert find_duplicates(table, max_distance=3) == 2
    found = duplicates(table)
    assert found == {
        0: (3, "near_duplicate", 2),
        4: (1, "exact_duplicate", 0),
    }  # tie: earlier stays
    assert dict(table.rows("SELECT r, kept_id FROM dups")) == {0: "item3", 4: "item1"}
    table.close()
    assert not (tmp_path / "global.sqlite").exists()


def test_near_pairs_agree_with_brute_force(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**63, 40, dtype=np.uint64)
    flips = rng.integers(0, 64, (40, 3))
    copies = base.copy()
    for k in range(40):
        for b in flips[k, : k % 4]:
            copies[k] ^= np.uint64(1) << np.uint64(b)
    hashes = np.concatenate([base, copies])
    table = make_table(tmp_path, hashes)
    assert pairs_found(table, 4) == brute_pairs(hashes, 4)
    assert pairs_found(table, 0) == brute_pairs(hashes, 0)  # one band of all 64 bits


def test_near_pairs_in_large_band_groups_agree_with_brute_force(tmp_path):
    rng = np.random.default_rng(2)
    hashes = rng.integers(0, 2**63, 300, dtype=np.uint64)
    hashes[:200] &= ~np.uint64(0xFFFFFF)  # 200 rows share their low bands: one large group each
    hashes[100:200] = hashes[:100] ^ (np.uint64(1) << rng.integers(24, 64, 100).astype(np.uint64))
    table = make_table(tmp_path, hashes)
    for d in (1, 3):
        assert pairs_found(table, d) == brute_pairs(hashes, d)


def test_chains_of_near_copies_form_one_group_and_keep_the_best(tmp_path):
    # each hash is one bit from the next: the ends are 20 bits apart, yet all are one group
    hashes = np.zeros(21, dtype=np.uint64)
    for k in range(1, 21):
        hashes[k] = hashes[k - 1] | (np.uint64(1) << np.uint64(k))
    order = np.random.default_rng(4).permutation(21)  # a chain whose rows are out of order
    score = np.linspace(0, 1, 21)[order]
    table = make_table(tmp_path, hashes[order], score=score)
    assert find_duplicates(table, max_distance=1) == 20
    best = int(np.argmax(score))
    assert {kept for kept, _, _ in duplicates(table).values()} == {best}
    assert {d for _, _, d in duplicates(table).values()} == {
        int(np.bitwise_count(h ^ hashes[order][best])) for h in np.delete(hashes[order], best)
    }


def test_near_copies_need_close_colours(tmp_path):
    red = Image.new("RGB", (64, 64), (200, 30, 30))
    blue = Image.new("RGB", (64, 64), (30, 30, 200))
    same = np.array([phash(red), phash(red)], dtype=np.uint64)  # look-alike grey hashes
    apart = make_table(tmp_path / "a", same, colors=[color_grid(red), color_grid(blue)])
    assert find_duplicates(apart, exact=False, max_color_distance=8) == 0
    close = make_table(tmp_path / "b", same, colors=[color_grid(red)] * 2)
    assert find_duplicates(close, exact=False, max_color_distance=8) == 1


def test_balance_caps_each_concept_then_select_takes_top_k(tmp_path):
    concepts = ["cat"] * 6 + ["dog"] * 2 + ["owl"]
    scores = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.5, 0.4, 0.3]
    hashes = np.random.default_rng(5).integers(0, 2**63, 9, dtype=np.uint64)
    config = CurateConfig()
    config.balance.source, config.balance.max_share, config.select.top_k = "column", 0.4, 4
    assert concept_cap(0.4, 4) == 2
    table = make_table(tmp_path, hashes, concepts=concepts, select=scores)
    out = decide(table, config)
    verdicts = dict(out.in_order())
    kept = {i: rank for i, (v, rank) in verdicts.items() if v is None}
    assert kept == {0: 1, 10: 2, 60: 3, 70: 4}  # two cats, then both dogs; the owl is 5th
    assert verdicts[20][0] == ("balance", "concept_cap", {"concept": "cat", "cap": 2})
    assert verdicts[80][0] == (
        "select", "below_top_k", {"photogenic_score": 0.3, "cutoff": 0.4}
    )  # fmt: skip
    assert out.counts == {"balance": 4, "select": 1}
    assert out.concepts_pool == {"cat": 6, "dog": 2, "owl": 1}
    assert out.concepts_kept == {"cat": 2, "dog": 2}
    assert out.best(2) == [(0, 1), (10, 2)]
    assert out.dropped("balance", 2) == [
        (20, "concept_cap", {"concept": "cat", "cap": 2}),
        (30, "concept_cap", {"concept": "cat", "cap": 2}),
    ]
    assert out.verdict(80) == verdicts[80][0] and out.verdict(0) is None
    out.close()


def test_copies_count_at_dedup_before_later_stages_and_missing_scores_rank_last(tmp_path):
    hashes = np.random.default_rng(6).integers(0, 2**63, 5, dtype=np.uint64)
    hashes[1] = hashes[0]
    sha = ["a", "a", "b", "c", "d"]
    later = ["ocr", None, "ocr", None, None]  # row 0 is a copy that OCR would also drop
    select = [0.9, 0.8, 0.7, math.nan, 0.6]
    table = make_table(tmp_path, hashes, sha, score=[0.1, 0.2, 0, 0, 0], select=select,
                       later=later)  # fmt: skip
    config = CurateConfig()
    config.balance.enabled = False
    out = decide(table, config)
    assert out.moved == {"ocr": 1}
    assert out.counts == {"dedup": 1}
    assert out.reasons["dedup"] == {"exact_duplicate": 1}
    verdicts = dict(out.in_order())
    assert verdicts[0][0] == (
        "dedup", "exact_duplicate", {"duplicate_of": "item1", "distance": 0, "photogenic_score": 0.1}
    )  # fmt: skip
    assert 20 not in verdicts  # dropped by OCR alone: the per-item verdict stands
    assert [rank for _, (_, rank) in sorted(verdicts.items())[1:]] == [1, 3, 2]  # NaN last
    out.close()


def test_ordered_lookup_merges_with_a_pass_in_index_order():
    lookup = OrderedLookup(iter([(2, "b"), (5, "e"), (9, "i")]))
    assert [lookup.get(i, "-") for i in range(11)] == list("--b--e---i-")


@pytest.mark.parametrize("memory_mb", [1, 64])
def test_dedup_under_a_small_memory_limit_gives_the_same_groups(tmp_path, memory_mb):
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 2**63, 3000, dtype=np.uint64)
    hashes[:600] = hashes[0] ^ (np.uint64(1) << rng.integers(0, 64, 600).astype(np.uint64))
    score = rng.random(3000)
    table = make_table(tmp_path, hashes, score=score, memory_mb=memory_mb)
    assert find_duplicates(table, max_distance=3) == 599  # one cluster: all but its best
    assert set(duplicates(table)) == set(range(600)) - {int(np.argmax(score[:600]))}
