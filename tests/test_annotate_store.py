"""The store on SQLite and PostgreSQL: import, claims, idempotent answers, undo, export, stats."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_annotate_support import BACKENDS, backend_url, make_project, write_dataset, write_pairs

from photogenic.annotate import labels, queue
from photogenic.annotate.answers import RequestError
from photogenic.annotate.db import Store
from photogenic.annotate.export import export_project
from photogenic.annotate.importer import import_items
from photogenic.annotate.models import Annotator, Item, Label, Project, Slot
from photogenic.annotate.stats import agreement, progress
from photogenic.data import open_dataset
from photogenic.errors import PhotogenicError


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with backend_url(request.param, tmp_path) as url:
        opened = Store(url)
        yield opened
        opened.close()


def _ids(store: Store, names: list[str]) -> dict[str, int]:
    with store.session() as s:
        return {n: s.scalar(select(Annotator.id).where(Annotator.name == n)) for n in names}


def _answer(store: Store, project_id: int, who: int, **fields: Any) -> tuple[int, bool]:
    """Claim the next slot for ``who`` and answer it; returns (label id, duplicate)."""
    with store.session() as s:
        project = s.get(Project, project_id)
        slot = queue.work_queue(s, project, who)[0]
        raw = {"slot_id": slot.id, "submission_id": uuid.uuid4().hex, **fields}
        label, duplicate = labels.submit(s, project, who, raw)
        return label.id, duplicate


def test_dataset_import_is_idempotent_and_keeps_unusable_entries(
    store: Store, tmp_path: Path
) -> None:
    data = write_dataset(tmp_path / "kept", ["one", "two", "three"])
    (data / "img001.png").unlink()  # a missing file becomes an error item
    pid, _ = make_project(store, "t", "triage", data, ["ann"])
    with store.session() as s:
        project = s.get(Project, pid)
        again = import_items(s, project, data)
        items = s.scalars(select(Item).where(Item.project_id == pid)).all()
        slots = s.scalar(select(func.count(Slot.id)).where(Slot.project_id == pid))
    assert again.added == 0 and again.already == 3
    assert Counter(i.error for i in items) == {None: 2, "file_missing": 1}
    assert slots == 2  # error items get no slots


def test_each_pair_goes_to_n_distinct_annotators_and_nobody_sees_it_twice(
    store: Store, tmp_path: Path
) -> None:
    people = [f"p{i}" for i in range(7)]
    pid, _ = make_project(
        store,
        "pw",
        "pairwise",
        write_pairs(tmp_path / "pairs", 2, axis="appeal"),
        people,
        raters_appeal=3,
    )
    ids = _ids(store, people)
    seen: dict[str, list[int]] = {}
    for name in people:
        while True:
            with store.session() as s:
                slots = queue.work_queue(s, s.get(Project, pid), ids[name])
                if not slots:
                    break
                raw = {"slot_id": slots[0].id, "submission_id": uuid.uuid4().hex, "answer": "tie"}
                labels.submit(s, s.get(Project, pid), ids[name], raw)
                seen.setdefault(name, []).append(slots[0].item_id)
    per_item = Counter(i for items in seen.values() for i in items)
    assert sorted(per_item.values()) == [3, 3]  # 2 items x 3 raters, no more
    # answering in turn, the first three take both items; the other four find nothing left
    assert sorted(seen) == ["p0", "p1", "p2"]
    assert all(sorted(items) == sorted(set(per_item)) for items in seen.values())


def test_concurrent_claims_never_share_a_slot(store: Store, tmp_path: Path) -> None:
    people = [f"p{i}" for i in range(8)]
    pid, _ = make_project(
        store,
        "pw",
        "pairwise",
        write_pairs(tmp_path / "pairs", 6, axis="appeal"),
        people,
        raters_appeal=2,
    )
    ids = _ids(store, people)
    claimed: list[tuple[str, int, int]] = []
    errors: list[BaseException] = []

    def grab(name: str) -> None:
        try:
            for _ in range(3):
                with store.session() as s:
                    for slot in queue.work_queue(s, s.get(Project, pid), ids[name], size=1):
                        claimed.append((name, slot.id, slot.item_id))
                        slot.done = True  # as if answered, so the next call claims anew
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=grab, args=(n,)) for n in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    slot_ids = [c[1] for c in claimed]
    assert len(slot_ids) == len(set(slot_ids)) == 12  # 6 items x 2 raters, each slot once
    assert len({(c[0], c[2]) for c in claimed}) == len(claimed)  # nobody on an item twice


def test_a_retried_submission_is_stored_once(store: Store, tmp_path: Path) -> None:
    pid, _ = make_project(store, "t", "triage", write_dataset(tmp_path / "d", ["x", "y"]), ["ann"])
    who = _ids(store, ["ann"])["ann"]
    with store.session() as s:
        project = s.get(Project, pid)
        slot = queue.work_queue(s, project, who)[0]
        raw = {"slot_id": slot.id, "submission_id": "retry-0001", "decision": "keep"}
        first, dup1 = labels.submit(s, project, who, raw)
    with store.session() as s:
        second, dup2 = labels.submit(s, s.get(Project, pid), who, raw)
        count = s.scalar(select(func.count(Label.id)))
    assert (dup1, dup2) == (False, True)
    assert first.id == second.id and count == 1


def test_undo_puts_the_item_back_first_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    pid, _ = make_project(
        store, "t", "triage", write_dataset(tmp_path / "d", ["a", "b", "c"]), ["ann"]
    )
    who = _ids(store, ["ann"])["ann"]
    first, _ = _answer(store, pid, who, decision="keep")
    _answer(store, pid, who, decision="reject")
    with store.session() as s:
        project = s.get(Project, pid)
        undone = labels.undo(s, project, who)
        assert undone is not None and not undone.active
        again = labels.undo(s, project, who, undone.id)  # a retried undo changes nothing
        assert again is not None and again.id == undone.id
        nxt = queue.work_queue(s, project, who)[0]
        assert nxt.id == undone.slot_id  # the undone item comes back first
        active = s.scalars(select(Label.id).where(Label.active.is_(True))).all()
    assert active == [first]


def test_a_stale_claim_is_taken_over_and_the_late_answer_refused(
    store: Store, tmp_path: Path
) -> None:
    pid, _ = make_project(
        store, "t", "triage", write_dataset(tmp_path / "d", ["a"]), ["ann", "bob"]
    )
    ids = _ids(store, ["ann", "bob"])
    with store.session() as s:
        slot = queue.work_queue(s, s.get(Project, pid), ids["ann"])[0]
        assert queue.work_queue(s, s.get(Project, pid), ids["bob"]) == []
    time.sleep(0.05)
    with store.session() as s:
        taken = queue.work_queue(s, s.get(Project, pid), ids["bob"], ttl=0.01)
        assert [t.id for t in taken] == [slot.id]
    with pytest.raises(RequestError) as info, store.session() as s:
        raw = {"slot_id": slot.id, "submission_id": uuid.uuid4().hex, "decision": "keep"}
        labels.submit(s, s.get(Project, pid), ids["ann"], raw)
    assert info.value.status == 409


def test_rubric_export_writes_kept_dataset_with_final_captions_and_lists_the_rest(
    store: Store, tmp_path: Path
) -> None:
    data = write_dataset(
        tmp_path / "kept", ["c0", "c1", "c2", "c3"], photogenic_score=[0.9, 0.8, 0.7, 0.6]
    )
    (data / "metadata.jsonl").open("a").write(
        json.dumps({"file_name": "gone.png", "text": "g"}) + "\n"
    )
    pid, _ = make_project(store, "r", "rubric", data, ["ann"])
    who = _ids(store, ["ann"])["ann"]
    good = {p: 4 for p in ("composition", "lighting", "color_contrast", "subject_background")}
    _answer(
        store,
        pid,
        who,
        decision="keep",
        caption="A red fox at dawn",
        scores={**good, "subjective": 5},
    )
    _answer(store, pid, who, decision="reject", scores={**good, "subjective": 1, "lighting": 2})
    _answer(store, pid, who, decision="keep", caption="c2", scores={**good, "subjective": 3})
    with store.session() as s:
        summary = export_project(s, s.get(Project, pid), tmp_path / "out")
    assert summary == {
        "items": 5,
        "kept": 2,
        "rejected": 1,
        "pending": 1,
        "errors": 1,
        "dataset": str(tmp_path / "out" / "kept"),
    }
    kept = {i.file_name: i for i in open_dataset(tmp_path / "out" / "kept")}
    assert kept["img000.png"].text == "A red fox at dawn"
    assert kept["img000.png"].columns["original_text"] == "c0"
    assert kept["img000.png"].columns["rubric_subjective"] == 5
    assert kept["img000.png"].columns["photogenic_score"] == 0.9
    assert kept["img002.png"].text == "c2" and "original_text" not in kept["img002.png"].columns
    rejected = [
        json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()
    ]
    assert rejected[0]["id"] == "img001"
    assert (rejected[0]["stage"], rejected[0]["reason"]) == ("rubric", "rejected_in_rubric")
    assert rejected[0]["values"]["rubric_lighting"] == 2
    assert "lighting" in rejected[0]["detail"] and "subjective" in rejected[0]["detail"]
    pending = (tmp_path / "out" / "pending.jsonl").read_text()
    assert "img003" in pending
    assert "gone" in (tmp_path / "out" / "errors.jsonl").read_text()
    with pytest.raises(PhotogenicError), store.session() as s:
        export_project(s, s.get(Project, pid), tmp_path / "out")  # never overwrites


def test_pairwise_export_maps_sides_back_and_both_neither_to_tie(
    store: Store, tmp_path: Path
) -> None:
    pairs = write_pairs(tmp_path / "pairs", 1)  # no axis in the rows: both axes
    pid, _ = make_project(store, "pw", "pairwise", pairs, ["ann"])
    who = _ids(store, ["ann"])["ann"]
    shown: dict[str, str] = {}
    for _ in range(2):
        with store.session() as s:
            project = s.get(Project, pid)
            slot = queue.work_queue(s, project, who)[0]
            axis = s.get(Item, slot.item_id).axis
            answer = "left" if axis == "appeal" else "neither"
            raw = {"slot_id": slot.id, "submission_id": uuid.uuid4().hex, "answer": answer}
            labels.submit(s, project, who, raw)
            shown[axis] = slot.left_side
    with store.session() as s:
        summary = export_project(s, s.get(Project, pid), tmp_path / "out")
    rows = {
        r["axis"]: r
        for r in map(json.loads, (tmp_path / "out" / "judgments.jsonl").read_text().splitlines())
    }
    assert summary["judgments"] == 2
    appeal, faith = rows["appeal"], rows["faithfulness"]
    assert appeal["choice"] == shown["appeal"]  # "left" was whichever model was shown left
    assert appeal["shown_left"] == shown["appeal"]
    assert (faith["choice"], faith["raw_choice"]) == ("tie", "neither")
    for key in ("pair_id", "prompt", "category", "image_a", "image_b", "model_a", "model_b"):
        assert appeal[key] and key in faith
    assert appeal["image_a"] == "a/0.png" and appeal["judge"] == "human"
    assert appeal["prompt_id"] == "prompt0"  # extra pair fields are kept


def test_progress_and_agreement_from_the_store(store: Store, tmp_path: Path) -> None:
    people = ["ann", "bob", "cy"]
    pairs = write_pairs(tmp_path / "pairs", 2, axis="appeal")
    pid, _ = make_project(store, "pw", "pairwise", pairs, people, raters_appeal=3)
    ids = _ids(store, people)
    # item 1: everyone picks model a; item 2: ann and bob pick b, cy picks a
    wanted = {"ann": ["a", "b"], "bob": ["a", "b"], "cy": ["a", "a"]}
    for name in people:
        for model in wanted[name]:
            with store.session() as s:
                project = s.get(Project, pid)
                slot = queue.work_queue(s, project, ids[name])[0]
                answer = "left" if slot.left_side == model else "right"
                raw = {"slot_id": slot.id, "submission_id": uuid.uuid4().hex, "answer": answer}
                labels.submit(s, project, ids[name], raw)
    with store.session() as s:
        project = s.get(Project, pid)
        p, a = progress(s, project), agreement(s, project)
    assert (p["items"], p["slots"], p["done"], p["free"]) == (2, 6, 6, 0)
    assert p["answers"] == {"a": 4, "b": 2}
    # table [[3,0,0],[1,2,0]]: P = (1 + 1/3)/2 = 2/3; shares 4/6, 2/6 -> chance 5/9; kappa 0.25
    assert a["appeal"]["kappa"] == pytest.approx(0.25)
    assert a["appeal"]["annotators"]["cy"] == {"agree": 1, "items": 2, "rate": 0.5}
    assert a["appeal"]["annotators"]["ann"]["rate"] == 1.0
    assert a["faithfulness"]["kappa"] is None
