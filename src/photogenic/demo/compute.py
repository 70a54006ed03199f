"""Wall-clock seconds per phase of a resumable run, kept in a JSON file beside its outputs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from photogenic.runs import atomic_write_text

HEARTBEAT_SECONDS = 30.0  # how often a running phase's seconds so far are written


class Compute:
    """Seconds per phase in ``path``. A phase that ran before keeps its seconds and a resumed one
    adds to them; a running phase's seconds are written every ``heartbeat`` seconds, so a run
    killed mid-phase still counts the time it spent there (to within one heartbeat)."""

    def __init__(self, path: Path, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.path = path
        self.heartbeat = heartbeat
        self.seconds: dict[str, float] = json.loads(path.read_text()) if path.is_file() else {}

    def run(self, phase: str, done: Path, work: Callable[[], Any]) -> None:
        """Call ``work()`` unless ``done`` exists, timing it."""
        if done.exists():
            return
        before = self.seconds.get(phase, 0.0)
        start = time.perf_counter()
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat):
                self._record(phase, before + time.perf_counter() - start)

        beater = threading.Thread(target=beat, name=f"compute-{phase}", daemon=True)
        beater.start()
        try:
            work()
        finally:
            stop.set()
            beater.join()
            self._record(phase, before + time.perf_counter() - start)

    def _record(self, phase: str, seconds: float) -> None:
        """Only one thread writes at a time: the heartbeat while ``work`` runs, then ``run``."""
        self.seconds[phase] = round(seconds, 1)
        atomic_write_text(self.path, json.dumps(self.seconds, indent=2) + "\n")
