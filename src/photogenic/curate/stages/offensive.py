"""Stage 5: offensive content, by a pluggable filter; nudenet's packaged detector by default.

A filter is any object with ``score(images: list[PIL.Image]) -> list[tuple[float, str]]`` giving, per
image, a score in [0, 1] and a label. Register one in ``OFFENSIVE_FILTERS`` or name a factory
``"package.module:factory"`` in ``offensive.plugin``; the factory is called with the
:class:`~photogenic.curate.config.OffensiveConfig` and returns the filter.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from PIL import Image

from photogenic.curate.config import OffensiveConfig
from photogenic.curate.plugins import load_plugin
from photogenic.curate.stages.base import Context, ItemStage
from photogenic.errors import PhotogenicError

# nudenet classes that count as explicit (the covered/face/feet classes do not)
EXPLICIT = (
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_EXPOSED",
    "BUTTOCKS_EXPOSED",
)


class OffensiveFilter(Protocol):
    """The plug-in interface of the offensive-content stage."""

    def score(self, images: list[Image.Image]) -> list[tuple[float, str]]: ...


class NudeNetFilter:
    """nudenet's NudeDetector (YOLO, 320 px, ONNX model in the wheel), one thread per process."""

    package = "nudenet"

    def __init__(self, config: OffensiveConfig) -> None:
        import nudenet
        import onnxruntime
        from nudenet import NudeDetector

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.detector = NudeDetector()
        model = os.path.join(os.path.dirname(nudenet.__file__), "320n.onnx")
        self.detector.onnx_session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )

    def score(self, images: list[Image.Image]) -> list[tuple[float, str]]:
        """The highest explicit-class confidence of each image, and that class."""
        out = []
        for image in images:
            bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
            found = [d for d in self.detector.detect(bgr) if d["class"] in EXPLICIT]
            best = max(found, key=lambda d: d["score"], default=None)
            out.append((float(best["score"]), best["class"]) if best else (0.0, ""))
        return out


OFFENSIVE_FILTERS: dict[str, Callable[[OffensiveConfig], Any]] = {"nudenet": NudeNetFilter}


def _factory(cfg: OffensiveConfig) -> Callable[[OffensiveConfig], Any]:
    if cfg.plugin:
        return load_plugin(cfg.plugin, "offensive filter")
    if cfg.filter not in OFFENSIVE_FILTERS:
        raise PhotogenicError(
            f"unknown offensive filter {cfg.filter!r}; expected one of: "
            f"{', '.join(sorted(OFFENSIVE_FILTERS))}, or offensive.plugin=package.module:factory"
        )
    return OFFENSIVE_FILTERS[cfg.filter]


class OffensiveStage(ItemStage):
    """Drops images whose offensive score reaches ``offensive.threshold``."""

    name = "offensive"

    def notice(self) -> str | None:
        cfg = self.config.offensive
        if not cfg.enabled:
            return "switched off"
        factory = _factory(cfg)
        package = getattr(factory, "package", None)
        if package and importlib.util.find_spec(package) is None:
            return f"skipped: package {package} is not installed (pip install photogenic[nsfw])"
        return None

    def setup(self) -> None:
        self.filter = _factory(self.config.offensive)(self.config.offensive)

    def run(self, batch: list[Context]) -> None:
        """Score each image; record ``offensive_score`` (and the label when it drops)."""
        cfg = self.config.offensive
        self.ensure_setup()
        todo = [c for c in batch if c.image is not None]
        images = []
        for ctx in todo:
            image = ctx.image
            scale = min(1.0, cfg.side / max(image.size))
            if scale < 1.0:
                image = image.resize((round(image.width * scale), round(image.height * scale)))
            images.append(image)
        for ctx, (score, label) in zip(todo, self.filter.score(images), strict=True):
            ctx.values["offensive_score"] = float(score)
            if score >= cfg.threshold:
                ctx.values["offensive_label"] = label
                ctx.drop(self.name, "offensive")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {"offensive_score": (None, self.config.offensive.threshold)}
