"""kill -9 the server in the middle of a load; restart it: nothing acknowledged is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_annotate_support import BACKENDS, backend_url, make_project, write_pairs

from photogenic.annotate.db import Store
from photogenic.annotate.simulate import ServerProcess, run_load, verify

ANNOTATORS = 6
EACH = 20


@pytest.mark.parametrize("backend", BACKENDS)
def test_acknowledged_answers_survive_kill_9_and_work_resumes(backend: str, tmp_path: Path) -> None:
    with backend_url(backend, tmp_path) as url:
        store = Store(url)
        people = [f"rater{i}" for i in range(ANNOTATORS)]
        pairs = write_pairs(tmp_path / "pairs", 40, axis="appeal")
        pid, tokens = make_project(store, "load", "pairwise", pairs, people, raters_appeal=4)
        server = ServerProcess(url, log=tmp_path / "server.log")
        server.start()
        try:
            result = run_load(
                server.url, list(tokens.values()), pid, EACH, server=server, kill_after=40
            )
        finally:
            server.stop()
        checked = verify(store, pid, result.acked)
        store.close()
    assert result.errors == {"server_killed": 1}, result.errors
    assert result.retries > 0  # the annotators did run into the dead server
    assert checked["lost"] == 0
    assert checked["duplicated"] == 0 and checked["same_item_twice"] == 0
    # work resumed after the restart: every annotator finished, each answer stored once
    assert len(set(result.acked)) == ANNOTATORS * EACH == checked["active"] == checked["stored"]
