"""Stage 3: exact and near duplicates; each group keeps its best-scoring copy.

Exact copies share the content hash (XXH3-128) of their bytes. Near copies have perceptual
hashes within ``max_distance`` bits; candidate pairs come from multi-index hashing (split the 64
bits into ``max_distance + 1`` bands: two hashes that close agree on at least one band, by
pigeonhole), so the search is far below all pairs; a pair also needs close colour grids (``max_color_distance``),
since a grey hash alone matches look-alike scenes. Groups are the connected components of the
pairs; the copy kept is the one with the highest score (then more pixels, then the earlier item),
the others point to it. Everything works on the on-disk :class:`GlobalTable`: each band's rows are
read back in key order a chunk at a time and compared with numpy, the pairs go back to the file,
and the groups (label propagation) and each group's best copy (a window) are SQL; so memory does
not grow with the pool or with the number of pairs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from photogenic.curate.globaltable import GlobalTable
from photogenic.curate.stages.base import GlobalStage

SMALL_GROUP = 32  # band groups up to this size are searched for all groups at once
BLOCK = 1 << 18  # hash comparisons held at once in a large group
CHUNK = 1 << 14  # rows of a band read from the table at once (whole groups)


def bands(max_distance: int) -> list[tuple[int, int]]:
    """Bit ranges ``[lo, hi)`` of the ``max_distance + 1`` bands of a 64-bit hash."""
    edges = np.linspace(0, 64, max_distance + 2).astype(int).tolist()
    return list(zip(edges[:-1], edges[1:], strict=True))


def group_pairs(keys: np.ndarray, hashes: np.ndarray, max_distance: int) -> Iterator[np.ndarray]:
    """Position pairs ``(p, q)``, ``p < q``, of rows sorted by ``keys`` that share a key and whose
    64-bit hashes differ in at most ``max_distance`` bits: small groups all together, position by
    position, large ones block by block (never a group's whole square at once)."""
    n = len(keys)
    if n < 2:
        return
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, n])
    end = np.repeat(starts + sizes, sizes)  # each position's group end
    small = np.repeat(sizes <= SMALL_GROUP, sizes)
    for step in range(1, min(SMALL_GROUP, int(sizes.max()))):
        pos = np.flatnonzero(small[:-step] & (np.arange(step, n) < end[:-step]))
        keep = np.bitwise_count(hashes[pos] ^ hashes[pos + step]) <= max_distance
        if keep.any():
            yield np.stack([pos[keep], pos[keep] + step], axis=1)
    for s, size in zip(starts[sizes > SMALL_GROUP], sizes[sizes > SMALL_GROUP], strict=True):
        members = np.arange(s, s + size)
        at_once = max(1, BLOCK // size)
        for a in range(0, size, at_once):
            block = members[a : a + at_once]
            ii, jj = np.nonzero(
                np.bitwise_count(hashes[block][:, None] ^ hashes[members][None, :]) <= max_distance
            )
            later = block[ii] < members[jj]
            yield np.stack([block[ii][later], members[jj][later]], axis=1)


def _sorted_groups(table: GlobalTable) -> Iterator[list[tuple]]:
    """Rows ``(key, r, phash, colors)`` of table ``k`` in key order, in chunks of whole groups of
    about ``CHUNK`` rows (a larger group is one chunk)."""
    held: list[tuple] = []
    for row in table.rows("SELECT key, r, phash, colors FROM k ORDER BY key, r"):
        if len(held) >= CHUNK and row[0] != held[-1][0]:
            yield held
            held = []
        held.append(row)
    if held:
        yield held


def near_pairs(table: GlobalTable, max_distance: int, max_color_distance: float = 255.0) -> None:
    """Append to table ``edges(a, b)`` the row pairs ``a < b`` whose hashes differ in at most
    ``max_distance`` bits and whose colour grids differ by at most ``max_color_distance`` on
    average (a pair that shares several bands comes once per band). Each band's rows are read in
    key order a chunk of whole groups at a time and compared with numpy."""
    table.flush()
    for lo, hi in bands(max_distance):
        table.execute("DROP TABLE IF EXISTS k")
        table.execute(
            f"CREATE TABLE k AS SELECT band(phash, {lo}, {hi - lo}) AS key, r, phash, colors FROM t"
        )
        table.execute("CREATE INDEX k_key ON k (key, r)")
        for chunk in _sorted_groups(table):
            keys = np.array([row[0] for row in chunk], dtype=np.int64)
            rows = np.array([row[1] for row in chunk], dtype=np.int64)
            hashes = np.array([row[2] for row in chunk], dtype=np.int64).view(np.uint64)
            grid = None
            if max_color_distance < 255:
                grid = np.frombuffer(b"".join(row[3] for row in chunk), np.uint8).reshape(-1, 48)
            for pairs in group_pairs(keys, hashes, max_distance):
                if grid is not None:
                    p, q = pairs.T
                    diff = np.abs(grid[p].astype(np.int16) - grid[q]).mean(axis=1)
                    pairs = pairs[diff <= max_color_distance]
                table.insert("edges", rows[pairs].tolist())
    table.execute("DROP TABLE IF EXISTS k")


def _components(table: GlobalTable) -> None:
    """Table ``lab(node, lab)``: each row in ``edges`` labelled with its group's smallest row (min
    label propagation with pointer jumping, until no label changes)."""
    table.execute("CREATE TABLE e2 AS SELECT a, b FROM edges UNION SELECT b, a FROM edges")
    table.execute("CREATE INDEX e2_a ON e2 (a)")
    table.execute("CREATE TABLE lab (node INTEGER PRIMARY KEY, lab INTEGER)")
    table.execute("INSERT INTO lab SELECT a, min(a, min(b)) FROM e2 GROUP BY a")
    while True:
        table.execute("CREATE TABLE lab2 (node INTEGER PRIMARY KEY, lab INTEGER)")
        table.execute(
            "INSERT INTO lab2 SELECT l.node, min(l.lab, min(n.lab)) "
            "FROM lab l JOIN e2 ON e2.a = l.node JOIN lab n ON n.node = e2.b GROUP BY l.node"
        )
        table.execute(  # pointer jumping: a label's own label is at most as large
            "UPDATE lab2 SET lab = (SELECT p.lab FROM lab2 p WHERE p.node = lab2.lab)"
        )
        changed = table.scalar(
            "SELECT count(*) FROM lab JOIN lab2 USING (node) WHERE lab.lab <> lab2.lab"
        )
        table.execute("DROP TABLE lab")
        table.execute("ALTER TABLE lab2 RENAME TO lab")
        if not changed:
            break
    table.execute("DROP TABLE e2")


def find_duplicates(
    table: GlobalTable,
    exact: bool = True,
    near: bool = True,
    max_distance: int = 6,
    max_color_distance: float = 255.0,
) -> int:
    """Create table ``dups(r, kept, kept_id, kind, distance)``: every copy to drop, the row it
    duplicates, how (``exact_duplicate`` | ``near_duplicate``) and the Hamming distance (0 for
    exact). Returns the number of copies."""
    table.flush()
    for name in ("edges", "lab", "lab2", "e2", "grp", "dups"):
        table.execute(f"DROP TABLE IF EXISTS {name}")
    table.execute("CREATE TABLE edges (a INTEGER, b INTEGER)")
    if exact:
        table.execute(
            "INSERT INTO edges SELECT first, r FROM "
            "(SELECT r, min(r) OVER (PARTITION BY digest) AS first FROM t) WHERE r <> first"
        )
    if near:
        near_pairs(table, max_distance, max_color_distance)
    _components(table)
    same = "x.digest = y.digest" if exact else "0"
    table.execute(
        "CREATE TABLE grp AS SELECT t.r, lab.lab AS root, t.digest, t.phash, t.id, "
        "row_number() OVER (PARTITION BY lab.lab "
        "ORDER BY t.dedup_score DESC NULLS LAST, t.pixels DESC, t.r) AS pos "
        "FROM lab JOIN t ON t.r = lab.node"
    )
    table.execute("CREATE INDEX grp_root ON grp (root, pos)")
    table.execute(
        "CREATE TABLE dups AS SELECT x.r, y.r AS kept, y.id AS kept_id, "
        f"CASE WHEN {same} THEN 'exact_duplicate' ELSE 'near_duplicate' END AS kind, "
        f"CASE WHEN {same} THEN 0 ELSE hamming(x.phash, y.phash) END AS distance "
        "FROM grp x JOIN grp y ON y.root = x.root AND y.pos = 1 WHERE x.pos > 1"
    )
    table.execute("CREATE INDEX dups_r ON dups (r)")
    for name in ("edges", "lab", "grp"):
        table.execute(f"DROP TABLE {name}")
    return table.scalar("SELECT count(*) FROM dups")


class DedupStage(GlobalStage):
    """Global stage: groups of copies among the items that passed stages 1-2."""

    name = "dedup"

    def notice(self) -> str | None:
        cfg = self.config.dedup
        if not cfg.enabled or not (cfg.exact or cfg.near):
            return "switched off"
        return None
