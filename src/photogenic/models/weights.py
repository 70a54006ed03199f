"""A model folder's weights, fingerprinted: what makes a resumed run or a set of samples refuse
weights other than those it began with (a model installed again into the same folder)."""

from __future__ import annotations

from pathlib import Path

import xxhash

WEIGHT_FILES = (".safetensors", ".bin", ".pt", ".ckpt")
CHUNK_BYTES = 8 << 20


def weights_fingerprint(model_dir: Path) -> str:
    """A short XXH3-128 of ``model_dir``'s weight files (names and bytes); "" without any. All of
    every file is read: a fine-tune with frozen parts changes only some tensors. Loading the model
    reads the same files, so this costs about one more read from the page cache."""
    digest = xxhash.xxh3_128()
    files = sorted(p for p in model_dir.rglob("*") if p.suffix in WEIGHT_FILES and p.is_file())
    for path in files:
        digest.update(f"{path.relative_to(model_dir).as_posix()}\0".encode())
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    return digest.hexdigest()[:16] if files else ""
