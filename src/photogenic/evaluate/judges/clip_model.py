"""Local CLIP models for the weight-based judges: loaded from a folder by path, never downloaded.

A folder holds a transformers ``CLIPModel`` (``config.json`` + weights) with its tokenizer and image
processor, as written by ``save_pretrained``. Without one, the judge stops with a one-line error that
names the option to pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from photogenic.errors import PhotogenicError

if TYPE_CHECKING:
    from photogenic.models.clip import LocalClip


def require_path(path: Path | None, judge: str, option: str, what: str) -> Path:
    """``path`` if it exists; else a one-line error naming ``option``."""
    if path is None:
        raise PhotogenicError(f"judge {judge!r} needs {what}: pass {option} (no download is made)")
    path = Path(path)
    if not path.exists():
        raise PhotogenicError(f"judge {judge!r}: {option} {path} not found")
    return path


def load_judge_clip(
    path: Path | None, judge: str, device: str = "auto", text: bool = True
) -> LocalClip:
    """The judge's CLIP model from ``--weights DIR``, with one-line errors naming the option."""
    folder = require_path(path, judge, "--weights DIR", "a local CLIP model folder")
    if not (folder / "config.json").is_file():
        raise PhotogenicError(
            f"judge {judge!r}: --weights {folder} is not a transformers CLIPModel folder "
            "(no config.json)"
        )
    from photogenic.models.clip import LocalClip

    return LocalClip(folder, device, text, label=f"judge {judge!r}: --weights")
