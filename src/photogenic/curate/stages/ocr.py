"""Stage 4: overlaid text, found by an OCR engine whose models ship in its package.

The paper drops images by OCR word count. RapidOCR's recogniser returns whole lines with the spaces
dropped, so words cannot be counted reliably; this stage counts text *lines* (boxes) and the share
of the image they cover, on a copy scaled so its long side is ``ocr.side`` px (small images are
scaled up, large ones down). The detector alone also fires on regular texture (brickwork, foliage,
door panels); with ``ocr.min_confidence > 0`` each detected line is read by the recogniser and kept
only when it reads as text (confidence at least ``min_confidence`` and a letter or digit in it).

The kept boxes are also handed to the photogenic stage (``Context.text_regions``, in fractions of
the width and height), which measures the photograph around them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np
from PIL import Image

from photogenic.curate.stages.base import Context, ItemStage
from photogenic.errors import PhotogenicError

Boxes = list[np.ndarray]  # quadrilaterals, (4, 2) arrays of x, y in pixels


def polygon_area(points: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula)."""
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def reads_as_text(text: str, confidence: float, min_confidence: float) -> bool:
    """A recognised line counts as text: confidence at least ``min_confidence`` and some letter or
    digit in it (texture tends to read as punctuation or as nothing)."""
    return confidence >= min_confidence and any(ch.isalnum() for ch in text)


class RapidOcrDetector:
    """RapidOCR's text detector (PP-OCRv4 det, ONNX, in the wheel), one thread per process; with
    ``min_confidence > 0`` its recogniser (PP-OCRv4 rec) confirms each detected line."""

    package = "rapidocr_onnxruntime"

    def __init__(self, side: int, box_threshold: float, min_confidence: float = 0.0) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.min_confidence = min_confidence
        self.engine = RapidOCR(
            det_limit_side_len=side,
            det_limit_type="max",
            det_box_thresh=box_threshold,
            intra_op_num_threads=1,
            inter_op_num_threads=1,
            min_side_len=8,
            min_height=8,
            text_score=0.0,  # every recognised line comes back; reads_as_text decides
            print_verbose=False,
        )

    def __call__(self, rgb: np.ndarray) -> Boxes:
        """Text boxes of an RGB uint8 array (detected, and read as text when recognising)."""
        recognise = self.min_confidence > 0
        result, _ = self.engine(
            rgb[:, :, ::-1].copy(), use_det=True, use_cls=False, use_rec=recognise
        )
        if not recognise:
            return [np.asarray(box, dtype=np.float64).reshape(4, 2) for box in (result or [])]
        return [
            np.asarray(box, dtype=np.float64).reshape(4, 2)
            for box, text, confidence in (result or [])
            if reads_as_text(str(text), float(confidence), self.min_confidence)
        ]


OCR_ENGINES: dict[str, type] = {"rapidocr": RapidOcrDetector}


def _factory(name: str) -> Callable[[int, float, float], Callable[[np.ndarray], Boxes]]:
    if name not in OCR_ENGINES:
        raise PhotogenicError(
            f"unknown OCR engine {name!r}; expected one of: {', '.join(sorted(OCR_ENGINES))}"
        )
    return OCR_ENGINES[name]


class OcrStage(ItemStage):
    """Drops images with more than ``ocr.max_boxes`` text lines or ``ocr.max_area`` text cover."""

    name = "ocr"

    def notice(self) -> str | None:
        if not self.config.ocr.enabled:
            return "switched off"
        engine = _factory(self.config.ocr.engine)
        package = getattr(engine, "package", None)
        if package and importlib.util.find_spec(package) is None:
            return f"skipped: package {package} is not installed (pip install photogenic[ocr])"
        return None

    def setup(self) -> None:
        cfg = self.config.ocr
        self.detect = _factory(cfg.engine)(cfg.side, cfg.box_threshold, cfg.min_confidence)

    def run(self, batch: list[Context]) -> None:
        """Find text on each image; record ``text_boxes``, ``text_area`` and the text regions."""
        cfg = self.config.ocr
        self.ensure_setup()
        for ctx in batch:
            image = ctx.image
            if image is None:
                continue
            scale = cfg.side / max(image.size)
            size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
            resample = Image.BICUBIC if scale > 1 else Image.BILINEAR
            rgb = np.asarray(image.resize(size, resample))
            boxes = self.detect(rgb)
            area = sum(polygon_area(b) for b in boxes) / float(size[0] * size[1])
            ctx.text_regions = [b / np.array([size[0], size[1]], dtype=np.float64) for b in boxes]
            ctx.values["text_boxes"] = float(len(boxes))
            ctx.values["text_area"] = min(1.0, area)
            if len(boxes) > cfg.max_boxes:
                ctx.drop(self.name, "text_boxes")
            elif area > cfg.max_area:
                ctx.drop(self.name, "text_area")

    def thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {
            "text_boxes": (None, float(self.config.ocr.max_boxes)),
            "text_area": (None, self.config.ocr.max_area),
        }
