"""Background scenes: a vertical sky gradient, an optional ground below a gently curved horizon, and a
little scene-specific detail (waves, stars, bricks, tree trunks, a vignette) kept low in contrast so
the subject stays the salient thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Scene:
    """Top/bottom colours of the sky and the ground; ``horizon`` as a fraction of the height."""

    sky_top: RGB
    sky_bottom: RGB
    ground_top: RGB | None = None
    ground_bottom: RGB | None = None
    horizon: float = 1.0  # 1.0 = no ground
    wave: float = 0.0  # horizon curve amplitude (fraction of the height)
    detail: str = ""


SCENES: dict[str, Scene] = {
    "sky": Scene((0.3, 0.56, 0.9), (0.72, 0.85, 0.97)),
    "hill": Scene(
        (0.36, 0.6, 0.9), (0.74, 0.86, 0.96), (0.34, 0.64, 0.22), (0.2, 0.45, 0.13), 0.64, 0.025
    ),
    "sea": Scene(
        (0.5, 0.7, 0.9),
        (0.8, 0.88, 0.95),
        (0.12, 0.38, 0.62),
        (0.05, 0.22, 0.45),
        0.5,
        0.0,
        "waves",
    ),
    "desert": Scene(
        (0.55, 0.75, 0.95), (0.88, 0.88, 0.82), (0.92, 0.78, 0.5), (0.8, 0.6, 0.35), 0.6, 0.03
    ),
    "night": Scene((0.02, 0.03, 0.12), (0.1, 0.12, 0.32), detail="stars"),
    "wall": Scene((0.66, 0.32, 0.24), (0.58, 0.27, 0.2), detail="bricks"),
    "snow": Scene(
        (0.7, 0.74, 0.8), (0.85, 0.87, 0.9), (0.97, 0.97, 0.99), (0.88, 0.9, 0.94), 0.52, 0.02
    ),
    "forest": Scene((0.16, 0.34, 0.18), (0.07, 0.22, 0.1), detail="trunks"),
    "sunset": Scene(
        (0.98, 0.6, 0.3), (0.74, 0.32, 0.45), (0.2, 0.12, 0.15), (0.12, 0.08, 0.1), 0.72, 0.02
    ),
    "studio": Scene((0.62, 0.62, 0.64), (0.5, 0.5, 0.52), detail="vignette"),
}


def _gradient(top: RGB, bottom: RGB, t: np.ndarray) -> np.ndarray:
    a, b = np.asarray(top, np.float32), np.asarray(bottom, np.float32)
    return a + (b - a) * t[..., None]


def nominal_color(kind: str, y: float) -> np.ndarray:
    """The scene's colour at height ``y`` (fraction of the height), without detail or curve."""
    scene = SCENES[kind]
    if scene.ground_top is None or y < scene.horizon:
        t = min(max(y / scene.horizon, 0.0), 1.0) if scene.horizon > 0 else 0.0
        return _gradient(scene.sky_top, scene.sky_bottom, np.asarray(t, np.float32))
    t = (y - scene.horizon) / max(1e-6, 1 - scene.horizon)
    return _gradient(scene.ground_top, scene.ground_bottom, np.asarray(min(t, 1.0), np.float32))


_GRADIENTS: dict[tuple[str, int], tuple[np.ndarray, np.ndarray | None]] = {}


def _columns(kind: str, height: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Sky and ground colour per row, ``(height, 1, 3)`` each (cached)."""
    key = (kind, height)
    if key not in _GRADIENTS:
        scene = SCENES[kind]
        ys = (np.arange(height, dtype=np.float32) + 0.5) / height
        horizon = max(scene.horizon, 1e-6)
        sky = _gradient(scene.sky_top, scene.sky_bottom, np.clip(ys / horizon, 0, 1))[:, None, :]
        ground = None
        if scene.ground_top is not None:
            t = np.clip((ys - scene.horizon) / (1 - scene.horizon), 0, 1)
            ground = _gradient(scene.ground_top, scene.ground_bottom, t)[:, None, :]
        _GRADIENTS[key] = (sky, ground)
    return _GRADIENTS[key]


def render_background(
    kind: str, height: int, width: int, u: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A float32 ``(height, width, 3)`` scene in [0, 1]; ``u`` (4 uniforms) shapes the horizon and
    bricks, and ``rng`` draws the positions of stars and tree trunks."""
    scene = SCENES[kind]
    ys = (np.arange(height, dtype=np.float32) + 0.5) / height
    xs = (np.arange(width, dtype=np.float32) + 0.5) / width
    sky, ground = _columns(kind, height)
    img = np.broadcast_to(sky, (height, width, 3)).copy()
    if ground is not None:
        curve = scene.horizon + scene.wave * np.sin(
            np.float32(2 * math.pi * (0.6 + 0.6 * u[0])) * xs + np.float32(6.3 * u[1])
        )
        # Anti-aliased horizon: the share of each pixel below the curve.
        alpha = np.clip((ys[:, None] - curve[None, :]) * height + 0.5, 0, 1)[..., None]
        img = img * (1 - alpha) + ground * alpha
        if scene.detail == "waves":
            below = ys > scene.horizon
            img[below] *= 1 + 0.04 * np.sin(ys[below] * height * 1.7 + 6.3 * u[2])[:, None, None]
    if scene.detail == "stars":
        count = max(3, height * width // 320)
        pos = rng.integers(0, [height, width], size=(count, 2))
        img[pos[:, 0], pos[:, 1]] = 0.75
    elif scene.detail == "bricks":
        row_h = max(4, height // 8)
        brick_w = 2 * row_h
        rows = (np.arange(height) % row_h) == 0
        img[rows] = img[rows] * 0.9 + 0.08
        for r0 in range(0, height, row_h):
            offset = (r0 // row_h) % 2 * (brick_w // 2) + int(u[3] * brick_w)
            cols = (np.arange(width) + offset) % brick_w == 0
            band = img[r0 : r0 + row_h]
            band[:, cols] = band[:, cols] * 0.9 + 0.08
    elif scene.detail == "trunks":
        count = max(2, width // 12)
        starts = rng.integers(0, width, size=count)
        for x in starts:
            img[:, x : x + 2] *= 0.8
    elif scene.detail == "vignette":
        r2 = ((xs[None, :] - 0.5) ** 2 + (ys[:, None] - 0.5) ** 2) * 2
        img *= (1 - 0.18 * r2)[..., None]
    return img
