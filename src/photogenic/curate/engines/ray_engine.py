"""The cluster engine: Ray Data maps shards over a Ray cluster (``--address``) or a local Ray.

Shards are fed in windows of ``2 · CPUs`` through ``ray.data.from_items(...).map(...)`` so the
driver never holds more than a window of items; each row carries one pickled shard.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from photogenic.curate.worker import run_shard
from photogenic.data.item import Item
from photogenic.errors import PhotogenicError

Shard = tuple[int, list[tuple[int, Item]]]


def _work(row: dict[str, Any]) -> dict[str, Any]:
    items = pickle.loads(row["items"])
    result = run_shard(row["config"], items, row["measure_only"])
    return {"number": row["number"], "result": pickle.dumps(result)}


class RayEngine:
    """Runs shards as Ray Data tasks, one CPU each."""

    name = "ray"

    def __init__(self, workers: int = 0, address: str | None = None, **_: Any) -> None:
        try:
            import ray
        except ImportError:
            raise PhotogenicError(
                "--engine ray needs Ray: pip install 'photogenic[ray]' (ray[data])"
            ) from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            elif workers:
                kwargs["num_cpus"] = workers
            ray.init(**kwargs)
            self.started = True
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False

    def map(
        self, config: dict, shards: Iterable[Shard], measure_only: bool = False
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(number, result)`` for every shard, window by window."""
        window: list[dict[str, Any]] = []
        for number, items in shards:
            window.append(
                {
                    "number": number,
                    "items": pickle.dumps(items),
                    "config": config,
                    "measure_only": measure_only,
                }
            )
            if len(window) >= 2 * self.workers:
                yield from self._run(window)
                window = []
        if window:
            yield from self._run(window)

    def _run(self, rows: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        ds = self.ray.data.from_items(rows, override_num_blocks=len(rows))
        out = ds.map(_work, num_cpus=1).take_all()
        for row in sorted(out, key=lambda r: r["number"]):
            yield row["number"], pickle.loads(row["result"])

    def close(self) -> None:
        """Shut down the Ray instance this engine started (not a cluster it joined)."""
        if self.started:
            self.ray.shutdown()
