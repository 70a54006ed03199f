"""Stage 3: exact and near duplicates; each group keeps its best-scoring copy.

Exact copies share the SHA-256 of their bytes. Near copies have perceptual hashes within
``max_distance`` bits; candidate pairs come from multi-index hashing (split the 64 bits into
``max_distance + 1`` bands: two hashes that close agree on at least one band, by pigeonhole), so the
search is far below all pairs; a pair also needs close colour grids (``max_color_distance``),
since a grey hash alone matches look-alike scenes. Groups are the connected components of the
pairs; the copy kept is the one with the highest score (then more pixels, then the earlier item),
the others point to it. Everything runs as SQL on the on-disk :class:`GlobalTable` (joins per band,
label propagation for the groups, a window for the best copy), so memory does not grow with the
pool or with the number of pairs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from photogenic.curate.globaltable import GlobalTable
from photogenic.curate.stages.base import GlobalStage

COLOR_CHUNK = 1 << 14  # candidate pairs whose colour grids are compared at once


def bands(max_distance: int) -> list[tuple[int, int]]:
    """Bit ranges ``[lo, hi)`` of the ``max_distance + 1`` bands of a 64-bit hash."""
    edges = np.linspace(0, 64, max_distance + 2).astype(int).tolist()
    return list(zip(edges[:-1], edges[1:], strict=True))


def near_pairs(table: GlobalTable, max_distance: int, max_color_distance: float = 255.0) -> None:
    """Append to table ``edges(a, b)`` the row pairs ``a < b`` whose hashes differ in at most
    ``max_distance`` bits and whose colour grids differ by at most ``max_color_distance`` on
    average (a pair that shares several bands comes once per band)."""
    con = table.con
    table.flush()
    check_colors = max_color_distance < 255
    for lo, hi in bands(max_distance):
        key = "phash" if hi - lo == 64 else f"(phash >> {lo}) & {(1 << (hi - lo)) - 1}::UBIGINT"
        colours = ", x.colors AS ca, y.colors AS cb" if check_colors else ""
        query = (
            f"WITH k AS (SELECT r, phash, colors, {key} AS key FROM t) "
            f"SELECT x.r AS a, y.r AS b{colours} FROM k x JOIN k y ON x.key = y.key AND x.r < y.r "
            f"WHERE bit_count(xor(x.phash, y.phash)) <= {int(max_distance)}"
        )
        if not check_colors:
            con.execute(f"INSERT INTO edges {query}")
            continue
        cursor = con.cursor()  # held: the reader stops when its connection is collected
        for batch in cursor.sql(query).to_arrow_reader(COLOR_CHUNK):
            ca = np.frombuffer(b"".join(batch.column("ca").to_pylist()), np.uint8).reshape(-1, 48)
            cb = np.frombuffer(b"".join(batch.column("cb").to_pylist()), np.uint8).reshape(-1, 48)
            close = np.abs(ca.astype(np.int16) - cb).mean(axis=1) <= max_color_distance
            pairs = pa.table(  # noqa: F841 (read by the query below)
                {"a": batch.column("a").filter(close), "b": batch.column("b").filter(close)}
            )
            con.execute("INSERT INTO edges SELECT a, b FROM pairs")


def _components(table: GlobalTable) -> None:
    """Table ``lab(node, lab)``: each row in ``edges`` labelled with its group's smallest row (min
    label propagation with pointer jumping, until no label changes)."""
    con = table.con
    con.execute("CREATE OR REPLACE TABLE e2 AS SELECT a, b FROM edges UNION SELECT b, a FROM edges")
    con.execute(
        "CREATE OR REPLACE TABLE lab AS SELECT a AS node, least(a, min(b)) AS lab FROM e2 GROUP BY a"
    )
    while True:
        con.execute(
            "CREATE OR REPLACE TABLE lab2 AS SELECT l.node, least(l.lab, min(n.lab)) AS lab "
            "FROM lab l JOIN e2 ON e2.a = l.node JOIN lab n ON n.node = e2.b GROUP BY l.node, l.lab"
        )
        con.execute(
            "CREATE OR REPLACE TABLE lab2 AS SELECT l.node, least(l.lab, p.lab) AS lab "
            "FROM lab2 l JOIN lab2 p ON p.node = l.lab"
        )
        changed = con.execute(
            "SELECT count(*) FROM lab JOIN lab2 USING (node) WHERE lab.lab <> lab2.lab"
        ).fetchone()[0]
        con.execute("DROP TABLE lab")
        con.execute("ALTER TABLE lab2 RENAME TO lab")
        if not changed:
            break
    con.execute("DROP TABLE e2")


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
    con = table.con
    table.flush()
    con.execute("CREATE OR REPLACE TABLE edges (a BIGINT, b BIGINT)")
    if exact:
        con.execute(
            "INSERT INTO edges SELECT first, r FROM "
            "(SELECT r, min(r) OVER (PARTITION BY sha) AS first FROM t) WHERE r <> first"
        )
    if near:
        near_pairs(table, max_distance, max_color_distance)
    _components(table)
    same = "x.sha = y.sha" if exact else "false"
    con.execute(
        "CREATE OR REPLACE TABLE grp AS SELECT t.r, lab.lab AS root, t.sha, t.phash, t.id, "
        "row_number() OVER (PARTITION BY lab.lab "
        "ORDER BY t.dedup_score DESC NULLS LAST, t.pixels DESC, t.r) AS pos "
        "FROM lab JOIN t ON t.r = lab.node"
    )
    con.execute(
        "CREATE OR REPLACE TABLE dups AS SELECT x.r, y.r AS kept, y.id AS kept_id, "
        f"CASE WHEN {same} THEN 'exact_duplicate' ELSE 'near_duplicate' END AS kind, "
        f"CASE WHEN {same} THEN 0 ELSE bit_count(xor(x.phash, y.phash)) END AS distance "
        "FROM grp x JOIN grp y ON y.root = x.root AND y.pos = 1 WHERE x.pos > 1"
    )
    for name in ("edges", "lab", "grp"):
        con.execute(f"DROP TABLE {name}")
    return con.execute("SELECT count(*) FROM dups").fetchone()[0]


class DedupStage(GlobalStage):
    """Global stage: groups of copies among the items that passed stages 1-2."""

    name = "dedup"

    def notice(self) -> str | None:
        cfg = self.config.dedup
        if not cfg.enabled or not (cfg.exact or cfg.near):
            return "switched off"
        return None
