"""Simulated annotators against a real server: for the load benchmark and the crash test.

:class:`ServerProcess` runs ``photogenic annotate serve`` as a child process on 127.0.0.1 (so it
can be killed with SIGKILL and restarted); :func:`run_load` drives many annotators in threads,
each retrying a submission with the same id until the server acknowledges it; :func:`verify`
checks the store afterwards.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from photogenic.annotate.db import Store
from photogenic.annotate.kinds import PRINCIPLES, SCREEN_ANSWERS
from photogenic.annotate.models import Label, Slot

RETRYABLE = (httpx.TransportError,)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``photogenic annotate serve`` in a child process on 127.0.0.1."""

    def __init__(self, db: str, port: int | None = None, log: str | Path | None = None) -> None:
        self.db = db
        self.port = port or free_port()
        self.log = Path(log) if log else None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers ``/healthz``."""
        command = [sys.executable, "-m", "photogenic.cli.main", "annotate", "serve"]
        command += ["--db", self.db, "--host", "127.0.0.1", "--port", str(self.port)]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(command, stdout=out, stderr=out)
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode} (log: {self.log})"
                )
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start within {timeout:.0f} s (log: {self.log})")

    def kill(self) -> None:
        """SIGKILL the server (no shutdown handlers run) and reap it."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), killing it if it does not exit in time."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class LoadResult:
    """What the simulated annotators saw."""

    acked: list[str] = field(default_factory=list)
    duplicates_acked: int = 0
    retries: int = 0
    submit_seconds: list[float] = field(default_factory=list)
    next_seconds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> dict[str, Any]:
        """Counts and latency percentiles (milliseconds) as plain data."""
        return {
            "acknowledged": len(self.acked),
            "acknowledged_unique": len(set(self.acked)),
            "acknowledged_as_duplicate": self.duplicates_acked,
            "retries": self.retries,
            "errors": dict(self.errors),
            "wall_seconds": round(self.wall_seconds, 2),
            "judgments_per_second": round(len(self.acked) / self.wall_seconds, 1)
            if self.wall_seconds
            else None,
            "submit_ms": percentiles(self.submit_seconds),
            "next_ms": percentiles(self.next_seconds),
        }


def percentiles(seconds: list[float]) -> dict[str, float | None]:
    """p50 / p95 / p99 / max of latencies, in milliseconds."""
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(seconds)
    q = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else ordered * 99
    )
    return {
        "p50": round(q[49] * 1000, 2),
        "p95": round(q[94] * 1000, 2),
        "p99": round(q[98] * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


class Annotator:
    """One simulated person: logs in with a token, then fetches and answers items."""

    def __init__(
        self, base_url: str, token: str, result: LoadResult, seed: int, give_up_after: float = 90
    ) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30.0)
        self.token = token
        self.result = result
        self.rng = random.Random(seed)
        self.give_up_after = give_up_after
        self.csrf = ""

    def _retrying(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send until the server answers (it may be restarting); retries keep the same body."""
        deadline = time.monotonic() + self.give_up_after
        delay = 0.05
        while True:
            try:
                return self.client.request(method, url, **kwargs)
            except RETRYABLE:
                if time.monotonic() > deadline:
                    raise
                with self.result.lock:
                    self.result.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def login(self) -> None:
        """Exchange the token for a session cookie and read the CSRF token."""
        response = self._retrying("POST", "/login", data={"token": self.token})
        if response.status_code != 303:
            raise RuntimeError(f"login failed with {response.status_code}")
        self.csrf = self._retrying("GET", "/api/me").json()["csrf"]

    def work(self, project_id: int, quota: int) -> None:
        """Answer up to ``quota`` items of the project (fewer if it runs out of work)."""
        self.login()
        done = 0
        while done < quota:
            started = time.perf_counter()
            response = self._retrying("GET", f"/api/p/{project_id}/next")
            if response.status_code != 200:
                self._error(f"next {response.status_code}")
                return
            item = response.json()["item"]
            self.result.next_seconds.append(time.perf_counter() - started)
            if item is None:
                return
            body = {"slot_id": item["slot_id"], "submission_id": uuid.uuid4().hex}
            body.update(self.answer(item))
            if self.submit(project_id, body):
                done += 1

    def submit(self, project_id: int, body: dict[str, Any]) -> bool:
        """POST one answer until acknowledged; True when stored (now or by an earlier attempt)."""
        headers = {"X-CSRF-Token": self.csrf}
        while True:
            started = time.perf_counter()
            response = self._retrying(
                "POST", f"/api/p/{project_id}/answer", json=body, headers=headers
            )
            elapsed = time.perf_counter() - started
            if response.status_code in (200, 201):
                with self.result.lock:
                    self.result.acked.append(body["submission_id"])
                    self.result.submit_seconds.append(elapsed)
                    self.result.duplicates_acked += int(response.status_code == 200)
                return True
            if response.status_code >= 500:
                self._error(f"submit {response.status_code}")
                time.sleep(0.1)
                continue
            self._error(f"submit {response.status_code}: {response.text[:80]}")
            return False

    def answer(self, item: dict[str, Any]) -> dict[str, Any]:
        """A random but valid answer for the item's kind."""
        if item["kind"] == "pairwise":
            return {"answer": self.rng.choice(SCREEN_ANSWERS[item["axis"]])}
        decision = self.rng.choice(["keep", "reject"])
        if item["kind"] == "triage":
            return {"decision": decision}
        scores = {p: self.rng.randint(1, 5) for p in PRINCIPLES}
        return {"decision": decision, "scores": scores, "caption": f"edited: {item['text']}"}

    def _error(self, what: str) -> None:
        with self.result.lock:
            self.result.errors[what] += 1

    def close(self) -> None:
        self.client.close()


def run_load(
    base_url: str,
    tokens: list[str],
    project_id: int,
    per_annotator: int,
    server: ServerProcess | None = None,
    kill_after: int | None = None,
    seed: int = 0,
) -> LoadResult:
    """Run one thread per token, each answering ``per_annotator`` items.

    With ``server`` and ``kill_after``, the server is SIGKILLed once that many answers are
    acknowledged and started again; the annotators retry through the outage.
    """
    result = LoadResult()
    people = [Annotator(base_url, t, result, seed * 100_003 + i) for i, t in enumerate(tokens)]
    threads = [
        threading.Thread(target=_guarded, args=(p, project_id, per_annotator), daemon=True)
        for p in people
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    if server is not None and kill_after is not None:
        while len(result.acked) < kill_after and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        server.kill()
        result.errors["server_killed"] += 1
        server.start()
    for t in threads:
        t.join()
    result.wall_seconds = time.perf_counter() - started
    for p in people:
        p.close()
    return result


def _guarded(person: Annotator, project_id: int, quota: int) -> None:
    try:
        person.work(project_id, quota)
    except Exception as exc:  # recorded, so the caller sees it in the summary
        person._error(f"{type(exc).__name__}: {exc}"[:120])


def verify(store: Store, project_id: int, acked: list[str]) -> dict[str, int]:
    """Compare the store with the acknowledged submissions: lost, duplicated, counts."""
    with store.session() as session:
        stored = list(
            session.scalars(select(Label.submission_id).where(Label.project_id == project_id))
        )
        active = session.scalar(
            select(func.count(Label.id)).where(
                Label.project_id == project_id, Label.active.is_(True)
            )
        )
        done_slots = session.scalar(
            select(func.count(Slot.id)).where(Slot.project_id == project_id, Slot.done.is_(True))
        )
        per_item = session.execute(
            select(Label.item_id, Label.annotator_id, func.count(Label.id))
            .where(Label.project_id == project_id, Label.active.is_(True))
            .group_by(Label.item_id, Label.annotator_id)
            .having(func.count(Label.id) > 1)
        ).all()
    stored_set = set(stored)
    return {
        "stored": len(stored),
        "active": int(active or 0),
        "done_slots": int(done_slots or 0),
        "lost": len(set(acked) - stored_set),
        "duplicated": len(stored) - len(stored_set),
        "same_item_twice": len(per_item),
        "unacknowledged_but_stored": len(stored_set - set(acked)),
    }
