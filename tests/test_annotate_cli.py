"""``photogenic annotate`` admin commands end to end, in-process, on SQLite."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from test_annotate_support import write_dataset, write_pairs

from photogenic.annotate import labels, queue
from photogenic.annotate.db import Store
from photogenic.annotate.models import Annotator, Project
from photogenic.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["annotate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_import_invite_progress_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    data = write_dataset(tmp_path / "kept", ["a cat", "a dog"])
    assert _run(capsys, "create", "--db", db, "--name", "tri", "--kind", "triage")[0] == 0
    code, out, _ = _run(capsys, "import", "--db", db, "--project", "tri", "--input", str(data))
    assert code == 0 and out.startswith("2 added, 0 already there")
    code, out, _ = _run(capsys, "invite", "--db", db, "--name", "ann", "--project", "tri")
    token = re.search(r"token: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert code == 0 and f"/login#token={token}" in out
    code, out, _ = _run(capsys, "invite", "--db", db, "--name", "ann", "--project", "tri")
    assert "existing token unchanged" in out and "token:" not in out

    store = Store(db)
    with store.session() as s:
        pid = s.scalar(select(Project.id).where(Project.name == "tri"))
        who = s.scalar(select(Annotator.id).where(Annotator.name == "ann"))
    for decision in ("keep", "reject"):
        with store.session() as s:
            p = s.get(Project, pid)
            slot = queue.work_queue(s, p, who)[0]
            raw = {"slot_id": slot.id, "submission_id": uuid.uuid4().hex, "decision": decision}
            labels.submit(s, p, who, raw)
    store.close()

    code, out, _ = _run(capsys, "progress", "--db", db, "--project", "tri", "--json")
    report = json.loads(out)
    assert report["progress"]["done"] == 2 and report["progress"]["answers"] == {
        "keep": 1,
        "reject": 1,
    }
    code, out, _ = _run(capsys, "projects", "--db", db)
    assert "tri [triage]: 2 items, 2/2 answers" in out
    code, out, _ = _run(
        capsys, "export", "--db", db, "--project", "tri", "--out", str(tmp_path / "out")
    )
    assert code == 0 and "kept: 1" in out and "rejected: 1" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["items"] == summary["kept"] + summary["rejected"] == 2
    assert (tmp_path / "out" / "config.yaml").is_file()


def test_pairwise_import_defaults_and_raters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "plain-path.db")  # a bare path means SQLite
    pairs = write_pairs(tmp_path / "pairs", 3)
    _run(capsys, "create", "--db", db, "--name", "pw", "--kind", "pairwise", "--raters-appeal", "2")
    code, out, _ = _run(
        capsys, "import", "--db", db, "--project", "pw", "--input", str(pairs.parent)
    )
    assert code == 0 and out.startswith("6 added")  # rows without an axis: both axes
    code, out, _ = _run(capsys, "progress", "--db", db, "--project", "pw", "--json")
    assert json.loads(out)["progress"]["slots"] == 3 * 2 + 3 * 3  # appeal 2, faithfulness 3


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _run(capsys, "create", "--db", db, "--name", "tri", "--kind", "triage")
    for args, needle in [
        (["create", "--db", db, "--name", "tri", "--kind", "triage"], "already exists"),
        (["import", "--db", db, "--project", "nope", "--input", "x"], "no project 'nope'"),
        (["import", "--db", db, "--project", "tri", "--input", str(tmp_path / "no")], "not found"),
        (["export", "--db", db, "--project", "nope", "--out", str(tmp_path / "o")], "nope"),
        (["projects", "--db", "mysql+nothing://x"], "error"),
    ]:
        code, _, err = _run(capsys, *args)
        assert code != 0, args
        assert needle in err and "Traceback" not in err, err
        assert err.strip().count("\n") == 0, err


def test_bad_pairs_file_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _run(capsys, "create", "--db", db, "--name", "pw", "--kind", "pairwise")
    bad = tmp_path / "pairs.jsonl"
    bad.write_text('{"pair_id": "x", "prompt": "p"}\n')
    code, _, err = _run(capsys, "import", "--db", db, "--project", "pw", "--input", str(bad))
    assert code == 2 and "pairs.jsonl:1: missing field(s) image_a" in err
