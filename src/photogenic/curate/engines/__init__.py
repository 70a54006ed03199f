"""Engines that run the per-item work of shards: a local process pool, or Ray Data on a cluster.

An engine maps ``(number, items)`` shards to results with a bounded number of shards in flight, so
memory does not grow with the pool. Both call :func:`photogenic.curate.worker.run_shard`, so they
give the same records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from photogenic.curate.engines.local import LocalEngine
from photogenic.curate.engines.ray_engine import RayEngine

ENGINES: dict[str, Callable[..., Any]] = {"local": LocalEngine, "ray": RayEngine}

__all__ = ["ENGINES", "LocalEngine", "RayEngine"]
