"""Subject shapes as numpy masks, anti-aliased by supersampling.

Each shape is a predicate on coordinates ``(u, v)`` relative to the subject centre in units of its
radius (``u`` to the right, ``v`` down); every shape fits in the square ``|u|, |v| <= 1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Mask = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _polygon(points: list[tuple[float, float]]) -> Mask:
    """Even-odd point-in-polygon test for a fixed polygon."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])

    def inside(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.zeros(np.broadcast_shapes(u.shape, v.shape), dtype=bool)
        for i in range(len(xs)):
            x1, y1, x2, y2 = xs[i - 1], ys[i - 1], xs[i], ys[i]
            if y1 == y2:
                continue
            crosses = (y1 > v) != (y2 > v)
            out ^= crosses & (u < (x2 - x1) * (v - y1) / (y2 - y1) + x1)
        return out

    return inside


def _star_points(n: int = 5, outer: float = 1.0, inner: float = 0.45) -> list[tuple[float, float]]:
    pts = []
    for k in range(2 * n):
        radius = outer if k % 2 == 0 else inner
        angle = -math.pi / 2 + k * math.pi / n
        pts.append((radius * math.cos(angle), radius * math.sin(angle) + 0.08))
    return pts


def _circle(u, v):
    return u * u + v * v <= 0.95**2


def _square(u, v):
    return (np.abs(u) <= 0.78) & (np.abs(v) <= 0.78)


def _triangle(u, v):
    return (v >= -0.9) & (v <= 0.75) & (np.abs(u) <= (v + 0.9) * (0.95 / 1.65))


def _heart(u, v):
    x = u * 1.15
    y = 0.1 - v * 1.15
    return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0


def _cross(u, v):
    au, av = np.abs(u), np.abs(v)
    return ((au <= 0.28) & (av <= 0.92)) | ((av <= 0.28) & (au <= 0.92))


def _crescent(u, v):
    outer = u * u + v * v <= 0.92**2
    bite = (u - 0.4) ** 2 + (v + 0.18) ** 2 <= 0.74**2
    return outer & ~bite


def _diamond(u, v):
    return np.abs(u) / 0.7 + np.abs(v) / 0.95 <= 1


def _ring(u, v):
    r2 = u * u + v * v
    return (r2 <= 0.95**2) & (r2 >= 0.55**2)


def _house(u, v):
    body = (np.abs(u) <= 0.65) & (v >= -0.02) & (v <= 0.9)
    roof = (v >= -0.9) & (v < 0) & (np.abs(u) <= (v + 0.9))
    door = (np.abs(u) <= 0.15) & (v >= 0.45)
    return (body | roof) & ~door


def _tree(u, v):
    crown = u * u + (v + 0.3) ** 2 <= 0.62**2
    trunk = (np.abs(u) <= 0.14) & (v >= 0.2) & (v <= 0.95)
    return crown | trunk


def _flower(u, v):
    r = np.sqrt(u * u + v * v)
    theta = np.arctan2(v, u)
    return r <= 0.45 + 0.5 * np.abs(np.cos(2.5 * theta))


SHAPES: dict[str, Mask] = {
    "circle": _circle,
    "square": _square,
    "triangle": _triangle,
    "star": _polygon(_star_points()),
    "heart": _heart,
    "cross": _cross,
    "crescent moon": _crescent,
    "diamond": _diamond,
    "ring": _ring,
    "house": _house,
    "tree": _tree,
    "flower": _flower,
}


TEMPLATE_SIZE = 512  # resolution of the cached mask of each shape over the square [-1, 1]²
_TEMPLATES: dict[str, np.ndarray] = {}


def template(shape: str) -> np.ndarray:
    """The shape's mask sampled at ``TEMPLATE_SIZE``² points over ``[-1, 1]²`` (cached)."""
    mask = _TEMPLATES.get(shape)
    if mask is None:
        t = (np.arange(TEMPLATE_SIZE) + 0.5) / TEMPLATE_SIZE * 2 - 1
        mask = np.ascontiguousarray(SHAPES[shape](t[None, :], t[:, None]))
        _TEMPLATES[shape] = mask
    return mask


def _template_index(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Template column/row of each coordinate, and whether it falls inside ``[-1, 1]``."""
    idx = np.floor((coords + 1) * (TEMPLATE_SIZE / 2)).astype(np.intp)
    inside = (idx >= 0) & (idx < TEMPLATE_SIZE)
    return np.clip(idx, 0, TEMPLATE_SIZE - 1), inside


def coverage_box(
    shape: str, cx: float, cy: float, radius: float, height: int, width: int, supersample: int = 4
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """``((y0, y1, x0, x1), block)``: the coverage of ``shape`` inside its bounding box on the canvas
    (``None`` when it misses the canvas). See ``coverage``."""
    x0, x1 = max(0, math.floor(cx - radius)), min(width, math.ceil(cx + radius))
    y0, y1 = max(0, math.floor(cy - radius)), min(height, math.ceil(cy + radius))
    if x1 <= x0 or y1 <= y0 or radius <= 0:
        return None
    ss = supersample
    ix, in_x = _template_index((x0 + (np.arange((x1 - x0) * ss) + 0.5) / ss - cx) / radius)
    iy, in_y = _template_index((y0 + (np.arange((y1 - y0) * ss) + 0.5) / ss - cy) / radius)
    inside = template(shape)[iy][:, ix]
    inside &= in_y[:, None] & in_x[None, :]
    counts = inside.reshape(y1 - y0, ss, x1 - x0, ss).sum(axis=(1, 3), dtype=np.uint16)
    return (y0, y1, x0, x1), counts * np.float32(1.0 / (ss * ss))


def coverage(
    shape: str, cx: float, cy: float, radius: float, height: int, width: int, supersample: int = 4
) -> np.ndarray:
    """Fraction of each pixel covered by ``shape`` centred at pixel coords ``(cx, cy)``.

    Only the shape's bounding box is sampled, at ``supersample``² points per pixel, each looked up in
    the shape's cached high-resolution template; the result is a float32 ``(height, width)`` array in
    [0, 1] (pixel ``(i, j)`` spans ``[j, j+1) x [i, i+1)``).
    """
    out = np.zeros((height, width), dtype=np.float32)
    box = coverage_box(shape, cx, cy, radius, height, width, supersample)
    if box is not None:
        (y0, y1, x0, x1), block = box
        out[y0:y1, x0:x1] = block
    return out
