"""Stage 3: exact and near duplicates; each group keeps its best-scoring copy.

Exact copies share the SHA-256 of their bytes. Near copies have perceptual hashes within
``max_distance`` bits; candidate pairs come from multi-index hashing (split the 64 bits into
``max_distance + 1`` bands: two hashes that close agree on at least one band, by pigeonhole), so the
search is far below all pairs; a pair also needs close colour grids (``max_color_distance``),
since a grey hash alone matches look-alike scenes. Groups are the connected components of the
pairs; the copy kept is the one with the highest score (then more pixels, then the earlier item),
the others point to it. Everything but the final walk over the groups is vectorised, and memory
is a few arrays of the table's length plus one buffer of pairs: pairs are joined into the groups as
they are found, since their number grows faster than the pool (near copies cluster).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from photogenic.curate.stages.base import GlobalStage
from photogenic.curate.unionfind import union_pairs

SMALL_GROUP = 32  # band groups up to this size are searched for all groups at once
BLOCK = 1 << 18  # hash comparisons held at once in a large group
PAIR_BUFFER = 1 << 18  # candidate pairs joined into the groups at once


@dataclass
class Duplicate:
    """A dropped copy: the row it duplicates, how, and the Hamming distance (0 for exact)."""

    kept: int
    kind: str  # "exact_duplicate" | "near_duplicate"
    distance: int


def near_pair_chunks(hashes: np.ndarray, max_distance: int) -> Iterator[np.ndarray]:
    """Chunks ``(k, 2)`` of row pairs ``(i, j)``, ``i < j``, whose 64-bit hashes differ in at most
    ``max_distance`` bits. Rows that share a band are compared: small groups all together, position
    by position in band order, large ones block by block. A pair that shares several bands comes
    once per band; nothing is held beyond one chunk, however many pairs there are."""
    n = len(hashes)
    if n < 2:
        return
    hashes = np.asarray(hashes, dtype=np.uint64)
    edges = np.linspace(0, 64, max_distance + 2).astype(int)

    def close(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        keep = np.bitwise_count(hashes[i] ^ hashes[j]) <= max_distance
        i, j = i[keep], j[keep]
        return np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1)

    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        keys = (hashes >> np.uint64(lo)) & np.uint64((1 << int(hi - lo)) - 1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, n])
        end = np.repeat(starts + sizes, sizes)  # each position's group end
        small = np.repeat(sizes <= SMALL_GROUP, sizes)
        for step in range(1, min(SMALL_GROUP, int(sizes.max()))):
            pos = np.flatnonzero(small[:-step] & (np.arange(step, n) < end[:-step]))
            if pos.size:
                yield close(order[pos], order[pos + step])
        for s, size in zip(starts[sizes > SMALL_GROUP], sizes[sizes > SMALL_GROUP], strict=True):
            rows = np.sort(order[s : s + size])
            rows_at_once = max(1, BLOCK // size)
            for a in range(0, size, rows_at_once):
                block = rows[a : a + rows_at_once]
                ii, jj = np.nonzero(
                    np.bitwise_count(hashes[block][:, None] ^ hashes[rows][None, :]) <= max_distance
                )
                later = block[ii] < rows[jj]
                yield np.stack([block[ii][later], rows[jj][later]], axis=1)


def near_pairs(hashes: np.ndarray, max_distance: int) -> np.ndarray:
    """All the pairs of :func:`near_pair_chunks` at once, each once, sorted (for small inputs)."""
    n = len(hashes)
    chunks = [c[:, 0] * n + c[:, 1] for c in near_pair_chunks(hashes, max_distance)]
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1).astype(np.int64)


def buffered(chunks: Iterable[np.ndarray], size: int = PAIR_BUFFER) -> Iterator[np.ndarray]:
    """Pair chunks regrouped into arrays of about ``size`` pairs (many tiny chunks cost a union-find
    pass each; one huge array would hold every pair at once)."""
    held: list[np.ndarray] = []
    count = 0
    for chunk in chunks:
        held.append(chunk)
        count += len(chunk)
        if count >= size:
            yield np.concatenate(held)
            held, count = [], 0
    if count:
        yield np.concatenate(held)


def _first_copies(sha: Sequence | np.ndarray) -> np.ndarray:
    """For each row, the first row with the same digest (itself when it is the first)."""
    if isinstance(sha, np.ndarray) and sha.ndim == 2:  # (n, k) bytes
        rows = np.ascontiguousarray(sha).view(np.dtype((np.void, sha.shape[1]))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        return first[inverse.ravel()]
    seen: dict = {}
    return np.array([seen.setdefault(d, r) for r, d in enumerate(sha)], dtype=np.int64)


def find_duplicates(
    sha: Sequence | np.ndarray,
    phash: np.ndarray,
    score: np.ndarray,
    pixels: np.ndarray,
    exact: bool = True,
    near: bool = True,
    max_distance: int = 6,
    colors: Sequence[str] | np.ndarray | None = None,
    max_color_distance: float = 255.0,
) -> dict[int, Duplicate]:
    """Row -> :class:`Duplicate` for every copy to drop (rows are in input order).

    ``sha``: one digest per row (any hashable, or an ``(n, k)`` uint8 array of digest bytes);
    ``colors``: :func:`~photogenic.curate.hashing.color_grid` values (hex, or an ``(n, 48)`` uint8
    array)."""
    from photogenic.curate.hashing import color_array

    n = len(sha)
    parent = np.arange(n)
    first = _first_copies(sha) if exact and n else np.arange(n)
    if exact and n:
        copies = np.flatnonzero(first != np.arange(n))
        parent = union_pairs(parent, first[copies], copies)
    if near and n:
        grid = color_array(colors) if colors is not None else None
        for pairs in buffered(near_pair_chunks(phash, max_distance)):  # joined as they come
            if grid is not None:
                close = np.zeros(len(pairs), dtype=bool)
                for a in range(0, len(pairs), BLOCK // 16):
                    i, j = pairs[a : a + BLOCK // 16].T
                    diff = np.abs(grid[i].astype(np.int16) - grid[j]).mean(axis=1)
                    close[a : a + BLOCK // 16] = diff <= max_color_distance
                pairs = pairs[close]
            parent = union_pairs(parent, pairs[:, 0], pairs[:, 1])
    roots = parent  # every row points at its group's first row
    grouped = np.flatnonzero(np.bincount(roots, minlength=n)[roots] >= 2)  # rows in a group
    safe = np.where(np.isnan(score), -np.inf, score)
    out: dict[int, Duplicate] = {}
    by_root = grouped[np.argsort(roots[grouped], kind="stable")]
    bounds = np.flatnonzero(np.diff(roots[by_root])) + 1
    for members in np.split(by_root, bounds) if by_root.size else []:
        best = max(members.tolist(), key=lambda r: (safe[r], pixels[r], -r))
        for row in members.tolist():
            if row == best:
                continue
            same_bytes = bool(exact and first[row] == first[best])
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
