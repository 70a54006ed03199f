"""Stage 3: exact and near duplicates; each group keeps its best-scoring copy.

Exact copies share the SHA-256 of their bytes. Near copies have perceptual hashes within
``max_distance`` bits; candidate pairs come from multi-index hashing (split the 64 bits into
``max_distance + 1`` bands: two hashes that close agree on at least one band, by pigeonhole), so the
search is far below all pairs; a pair also needs close colour grids (``max_color_distance``),
since a grey hash alone matches look-alike scenes. Groups are the connected components of the pairs; the copy kept is the
one with the highest score (then more pixels, then the earlier item), the others point to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photogenic.curate.stages.base import GlobalStage


@dataclass
class Duplicate:
    """A dropped copy: the row it duplicates, how, and the Hamming distance (0 for exact)."""

    kept: int
    kind: str  # "exact_duplicate" | "near_duplicate"
    distance: int


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def _union(parent: np.ndarray, a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def near_pairs(hashes: np.ndarray, max_distance: int, max_group: int = 4096) -> np.ndarray:
    """Row pairs ``(i, j)``, ``i < j``, whose 64-bit hashes differ in at most ``max_distance`` bits."""
    n = len(hashes)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    bands = max_distance + 1
    edges = np.linspace(0, 64, bands + 1).astype(int)
    found: set[tuple[int, int]] = set()
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        width = hi - lo
        keys = (hashes >> np.uint64(lo)) & np.uint64((1 << width) - 1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], n]
        for s, e in zip(starts, ends, strict=True):
            if e - s < 2:
                continue
            rows = np.sort(order[s:e])
            for a in range(0, len(rows), max_group):
                block = rows[a : a + max_group]
                dist = np.bitwise_count(hashes[block][:, None] ^ hashes[rows][None, :])
                ii, jj = np.nonzero(dist <= max_distance)
                for i, j in zip(block[ii].tolist(), rows[jj].tolist(), strict=True):
                    if i < j:
                        found.add((i, j))
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def find_duplicates(
    sha: list[str],
    phash: np.ndarray,
    score: np.ndarray,
    pixels: np.ndarray,
    exact: bool = True,
    near: bool = True,
    max_distance: int = 6,
    colors: list[str] | None = None,
    max_color_distance: float = 255.0,
) -> dict[int, Duplicate]:
    """Row -> :class:`Duplicate` for every copy to drop (rows are in input order)."""
    from photogenic.curate.hashing import color_distance

    n = len(sha)
    parent = np.arange(n)
    exact_of: dict[int, int] = {}
    if exact:
        first: dict[str, int] = {}
        for row, digest in enumerate(sha):
            if digest in first:
                _union(parent, first[digest], row)
                exact_of[row] = first[digest]
            else:
                first[digest] = row
    if near:
        for i, j in near_pairs(phash, max_distance).tolist():
            if colors is None or color_distance(colors[i], colors[j]) <= max_color_distance:
                _union(parent, i, j)
    groups: dict[int, list[int]] = {}
    for row in range(n):
        groups.setdefault(_find(parent, row), []).append(row)
    safe = np.where(np.isnan(score), -np.inf, score)
    out: dict[int, Duplicate] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        best = max(members, key=lambda r: (safe[r], pixels[r], -r))
        for row in members:
            if row == best:
                continue
            same_bytes = exact and sha[row] == sha[best]
            distance = 0 if same_bytes else int(np.bitwise_count(phash[row] ^ phash[best]))
            kind = "exact_duplicate" if same_bytes else "near_duplicate"
            out[row] = Duplicate(best, kind, distance)
    return out


class DedupStage(GlobalStage):
    """Global stage: groups of copies among the items that passed stages 1-2."""

    name = "dedup"

    def notice(self) -> str | None:
        cfg = self.config.dedup
        if not cfg.enabled or not (cfg.exact or cfg.near):
            return "switched off"
        return None
