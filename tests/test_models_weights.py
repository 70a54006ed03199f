"""A model folder's weights fingerprint: equal for equal bytes, different for any changed byte."""

from __future__ import annotations

import shutil
from pathlib import Path

from photogenic.models.weights import CHUNK_BYTES, weights_fingerprint


def _model(root: Path, payload: bytes) -> Path:
    (root / "unet").mkdir(parents=True)
    (root / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(payload)
    (root / "unet" / "config.json").write_text("{}")
    return root


def test_the_fingerprint_follows_the_weight_bytes_and_names(tmp_path: Path) -> None:
    payload = bytes(range(256)) * (3 * CHUNK_BYTES // 256)  # three chunks
    model = _model(tmp_path / "a", payload)
    print_a = weights_fingerprint(model)
    assert len(print_a) == 16
    assert weights_fingerprint(shutil.copytree(model, tmp_path / "copy")) == print_a
    (model / "unet" / "config.json").write_text('{"edited": 1}')  # not a weight file
    assert weights_fingerprint(model) == print_a
    middle = bytearray(payload)
    middle[len(payload) // 2] ^= 1  # one bit in the middle chunk
    assert weights_fingerprint(_model(tmp_path / "b", bytes(middle))) != print_a
    renamed = tmp_path / "copy" / "unet" / "diffusion_pytorch_model.safetensors"
    renamed.rename(renamed.with_name("other.safetensors"))
    assert weights_fingerprint(tmp_path / "copy") != print_a


def test_a_folder_without_weights_has_an_empty_fingerprint(tmp_path: Path) -> None:
    assert weights_fingerprint(tmp_path) == ""
    assert weights_fingerprint(tmp_path / "missing") == ""
