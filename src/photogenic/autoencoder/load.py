"""Load an autoencoder directory: ours (``FourierAutoencoderKL``) or diffusers' ``AutoencoderKL``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from diffusers import AutoencoderKL

from photogenic.autoencoder.model import FourierAutoencoderKL
from photogenic.errors import PhotogenicError


def load_autoencoder(path: Path) -> Any:
    """The autoencoder saved at ``path`` (a model folder, or a pipeline folder with ``vae/``)."""
    path = Path(path)
    if (path / "vae" / "config.json").is_file():
        path = path / "vae"
    config = path / "config.json"
    if not config.is_file():
        raise PhotogenicError(
            f"{path}: no config.json; expected an autoencoder saved with save_pretrained"
        )
    class_name = json.loads(config.read_text()).get("_class_name")
    if class_name == "FourierAutoencoderKL":
        return FourierAutoencoderKL.from_pretrained(path)
    if class_name == "AutoencoderKL":
        return AutoencoderKL.from_pretrained(path)
    raise PhotogenicError(
        f"{config}: _class_name {class_name!r} is not an autoencoder photogenic can load"
    )
