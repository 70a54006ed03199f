"""On-disk cache of VAE latents and text embeddings, keyed by content hash and model fingerprint.

Quality-tuning runs many epochs over a few thousand items: each is encoded once. Entries are
written atomically, so an interrupted caching pass resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from torch import nn


def module_fingerprint(*modules: nn.Module) -> str:
    """A short hash of the modules' configs and weights (changes when either changes)."""
    digest = hashlib.sha256()
    for module in modules:
        config = getattr(module, "config", None)
        as_dict = config.to_dict() if hasattr(config, "to_dict") else dict(config or {})
        as_dict.pop("_name_or_path", None)
        digest.update(json.dumps(as_dict, sort_keys=True, default=str).encode())
        digest.update(type(module).__name__.encode())
        for name, tensor in sorted(module.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def content_key(*parts: bytes | str) -> str:
    """A sha256 key of the given parts (image bytes, caption, bucket size...)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class TensorCache:
    """``key -> dict of tensors`` files under ``root/<namespace>/<fingerprint>/``."""

    def __init__(self, root: Path, namespace: str, fingerprint: str) -> None:
        self.dir = Path(root) / namespace / fingerprint
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pt"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> dict[str, torch.Tensor]:
        return torch.load(self.path(key), map_location="cpu", weights_only=True)

    def put(self, key: str, value: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Store ``value``; returns the tensors as written (what ``get`` will read back)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        stored = {k: v.detach().cpu().contiguous() for k, v in value.items()}
        torch.save(stored, tmp)
        os.replace(tmp, path)
        return stored
