"""Sampling: prompt sets, per-image seeds, and batched, resumable generation.

Public API: :func:`load_prompts` / :class:`Prompt` (PartiPrompts TSV, text, JSONL, world prompts),
:func:`image_seed` / :func:`initial_latents`, :class:`SampleConfig` and :func:`generate`, and the
scheduler registry :data:`SCHEDULERS`. The torch-using parts load on first use, so the command line
starts quickly.
"""

from __future__ import annotations

from typing import Any

from photogenic.sample.prompts import FORMATS, Prompt, load_prompts
from photogenic.sample.schedulers import DEFAULT_SCHEDULER, SCHEDULERS

_LAZY = {
    "SampleConfig": "photogenic.sample.generate",
    "generate": "photogenic.sample.generate",
    "image_seed": "photogenic.sample.seeds",
    "initial_latents": "photogenic.sample.seeds",
}

__all__ = [
    "DEFAULT_SCHEDULER",
    "FORMATS",
    "SCHEDULERS",
    "Prompt",
    "SampleConfig",
    "generate",
    "image_seed",
    "initial_latents",
    "load_prompts",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'photogenic.sample' has no attribute {name!r}")
