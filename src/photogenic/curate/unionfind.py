"""Connected components of a graph given as pairs, vectorised: hook roots to the smaller one, then
jump pointers until every node points at its root. Used for mask components and duplicate groups."""

from __future__ import annotations

import numpy as np


def roots(parent: np.ndarray) -> np.ndarray:
    """Every node's root, by pointer jumping (``parent`` must point to smaller or equal nodes)."""
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def union_pairs(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``parent`` (each node pointing at its root) with the nodes ``a[k]`` and ``b[k]`` joined; each
    root is its component's smallest node."""
    parent = roots(parent.copy())
    while a.size:
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        if not differ.any():
            break
        np.minimum.at(parent, np.maximum(ra, rb)[differ], np.minimum(ra, rb)[differ])
        parent = roots(parent)
    return parent
