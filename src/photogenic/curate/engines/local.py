"""The local engine: a process pool over all cores (or in-process with one worker).

Each shard is split into ``TASKS_PER_WORKER`` contiguous parts per worker, so a pool smaller than a
few shards still uses every core and a worker that finishes early takes the next part instead of
idling at the end of the pass; the parts' records are joined back in input order. Given the run's
config, every worker builds its stages and runs a small synthetic photo through them while the
engine starts, so that model loading and first-call costs are start-up time, not the first
shard's.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from photogenic.curate import kernels
from photogenic.curate.worker import prepare, run_shard
from photogenic.data.item import Item

Shard = tuple[int, list[tuple[int, Item]]]
_START: dict[str, Any] = {}  # in each worker: the start-up barrier and any start-up error
START_TIMEOUT = 600.0  # seconds the workers may take to load their stages' models
# parts per worker in each shard: finer tasks even out uneven items (benchmarks/curate_speed.py)
TASKS_PER_WORKER = 4


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalEngine:
    """Runs shards on ``workers`` processes, each shard split over all of them; at most two shards
    are in flight. The processes start (forked after the compiled kernels are loaded) when the
    engine is made, as a Ray engine connects when it is made, and with ``config`` each one
    prepares its stages (:func:`~photogenic.curate.worker.prepare`) before the engine is ready,
    so a pass's time is the items' time; ``close`` stops them."""

    name = "local"

    def __init__(
        self,
        workers: int = 0,
        config: dict | None = None,
        measure_only: bool = False,
        **_: Any,
    ) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        if self.workers <= 1:
            if config is not None:
                prepare(config, measure_only)
            return
        context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
        kernels.warm()  # forked workers inherit the compiled kernels
        barrier = context.Barrier(self.workers)
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(barrier, config, measure_only),
        )
        # each call waits at the barrier until all are running, so each runs on its own worker
        starts = [self._pool.submit(_ready) for _ in range(self.workers)]
        errors = [e for e in (f.exception() for f in starts) if e is not None]
        if errors:  # the worker's own error first, not the barrier it broke for the others
            self.close()
            raise min(errors, key=lambda e: isinstance(e, threading.BrokenBarrierError))

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
                for part in split(items, self.workers * TASKS_PER_WORKER)
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


def _start_worker(barrier: Any, config: dict | None, measure_only: bool) -> None:
    """Worker initializer: keep the barrier; prepare the stages, keeping any error for ``_ready``
    (an initializer that raises would only show as a broken pool)."""
    _START["barrier"] = barrier
    if config is not None:
        try:
            prepare(config, measure_only)
        except Exception as exc:
            _START["error"] = exc


def _ready() -> int:
    """Raise this worker's start-up error, if any; else wait until every worker is here."""
    if "error" in _START:
        _START["barrier"].abort()  # the other workers stop waiting
        raise _START["error"]
    _START["barrier"].wait(START_TIMEOUT)
    return os.getpid()


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
