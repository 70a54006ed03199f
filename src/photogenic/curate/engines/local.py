"""The local engine: a process pool over all cores (or in-process with one worker)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from photogenic.curate.worker import run_shard
from photogenic.data.item import Item

Shard = tuple[int, list[tuple[int, Item]]]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalEngine:
    """Runs shards on ``workers`` processes, at most ``2 · workers`` shards in flight."""

    name = "local"

    def __init__(self, workers: int = 0, **_: Any) -> None:
        self.workers = workers or default_workers()

    def map(
        self, config: dict, shards: Iterable[Shard], measure_only: bool = False
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(number, result)`` for every shard, in submission order."""
        if self.workers <= 1:
            for number, items in shards:
                yield number, run_shard(config, items, measure_only)
            return
        context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            pending: deque[tuple[int, Future]] = deque()
            for number, items in shards:
                pending.append((number, pool.submit(run_shard, config, items, measure_only)))
                while len(pending) >= 2 * self.workers:
                    done_number, future = pending.popleft()
                    yield done_number, future.result()
            while pending:
                done_number, future = pending.popleft()
                yield done_number, future.result()

    def close(self) -> None:
        """Nothing to release (the pool closes with each map)."""
