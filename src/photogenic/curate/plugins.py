"""Load a plug-in given as ``"package.module:factory"`` (filters, concept classifiers)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from photogenic.errors import PhotogenicError


def load_plugin(spec: str, what: str) -> Callable[..., Any]:
    """The callable named by ``spec``; a one-line error when it cannot be imported."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise PhotogenicError(f"{what} plug-in {spec!r}: expected 'package.module:factory'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PhotogenicError(
            f"{what} plug-in {spec!r}: cannot import {module_name} ({exc})"
        ) from None
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise PhotogenicError(f"{what} plug-in {spec!r}: {module_name} has no {attr}")
    if not callable(target):
        raise PhotogenicError(f"{what} plug-in {spec!r}: {attr} is not callable")
    return target
