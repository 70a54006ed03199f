"""The local engine: a process pool over all cores (or in-process with one worker).

Each shard is split into one contiguous part per worker, so a pool smaller than a few shards still
uses every core; the parts' records are joined back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from photogenic.curate import kernels
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
    """Runs shards on ``workers`` processes, each shard split over all of them; at most two shards
    (two parts per worker) are in flight. The processes start (forked after the compiled kernels
    are loaded) when the engine is made, as a Ray engine connects when it is made, so a pass's
    time is the items' time; ``close`` stops them."""

    name = "local"

    def __init__(self, workers: int = 0, **_: Any) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
            kernels.warm()  # forked workers inherit the compiled kernels
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
            for ready in [self._pool.submit(os.getpid) for _ in range(self.workers)]:
                ready.result()  # every worker is running

    def map(
        self, config: dict, shards: Iterable[Shard], measure_only: bool = False
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(number, result)`` for every shard, in submission order."""
        if self._pool is None:
            for number, items in shards:
                yield number, run_shard(config, items, measure_only)
            return
        pending: deque[tuple[int, list[Future]]] = deque()
        for number, items in shards:
            parts = [
                self._pool.submit(run_shard, config, part, measure_only)
                for part in split(items, self.workers)
            ]
            pending.append((number, parts))
            while len(pending) >= 2:
                done_number, futures = pending.popleft()
                yield done_number, join([f.result() for f in futures])
        while pending:
            done_number, futures = pending.popleft()
            yield done_number, join([f.result() for f in futures])

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def split(items: list, parts: int) -> list[list]:
    """``items`` in at most ``parts`` contiguous, nearly equal, non-empty runs."""
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for p in range(parts):
        end = start + size + (p < extra)
        if end > start:
            out.append(items[start:end])
        start = end
    return out


def join(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One shard's result from its parts' results (records in order, stage seconds summed)."""
    seconds: dict[str, float] = {}
    for result in results:
        for stage, secs in result["seconds"].items():
            seconds[stage] = seconds.get(stage, 0.0) + secs
    return {"records": [r for result in results for r in result["records"]], "seconds": seconds}
