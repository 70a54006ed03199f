"""Access control, CSRF, escaping, image serving and input validation of the web app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_annotate_support import login, make_project, write_dataset, write_pairs

from photogenic.annotate.admin import invite
from photogenic.annotate.app import create_app
from photogenic.annotate.db import Store
from photogenic.annotate.importer import import_items
from photogenic.annotate.models import Image, Item, Label, Project

XSS = '<script>alert("x")</script>'


@dataclass
class World:
    store: Store
    triage: int  # ann's project
    rubric: int  # bob's project
    pairwise: int  # ann's project
    tokens: dict[str, str]

    def client(self, who: str | None = None) -> tuple[TestClient, str]:
        client = TestClient(create_app(self.store), base_url="http://testserver")
        csrf = login(client, self.tokens[who]) if who else ""
        return client, csrf


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    data = write_dataset(tmp_path / "kept", [f"caption {XSS}", "plain", "third"])
    triage, tokens = make_project(store, "tri", "triage", data, ["ann"])
    rubric, more = make_project(store, "rub", "rubric", data, ["bob"])
    pairs = write_pairs(tmp_path / "pairs", 2, axis="faithfulness")
    pairwise, _ = make_project(store, "pw", "pairwise", pairs, ["ann"])
    with store.session() as s:
        tokens["boss"] = invite(s, "boss", [], is_admin=True).token or ""
        tokens["evil"] = invite(s, XSS, ["tri"]).token or ""
    yield World(store, triage, rubric, pairwise, {**tokens, **more})
    store.close()


def _next(client: TestClient, project: int) -> dict:
    response = client.get(f"/api/p/{project}/next")
    assert response.status_code == 200, response.text
    return response.json()["item"]


def _post(client: TestClient, csrf: str, project: int, body: dict) -> object:
    return client.post(f"/api/p/{project}/answer", json=body, headers={"X-CSRF-Token": csrf})


def _labels(world: World) -> int:
    with world.store.session() as s:
        return int(s.scalar(select(func.count(Label.id))) or 0)


def test_without_a_session_nothing_is_reachable(world: World) -> None:
    client, _ = world.client()
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get(f"/p/{world.triage}", follow_redirects=False).status_code == 303
    assert client.get(f"/api/p/{world.triage}/next").status_code == 401
    assert client.get("/image/1", follow_redirects=False).status_code == 303
    assert client.post(f"/api/p/{world.triage}/answer", json={}).status_code == 401
    assert client.post("/login", data={"token": "wrong"}).status_code == 401


def test_an_annotator_cannot_read_or_write_other_projects(world: World) -> None:
    ann, csrf = world.client("ann")
    bob, bob_csrf = world.client("bob")
    assert ann.get(f"/p/{world.rubric}").status_code == 403
    assert ann.get(f"/api/p/{world.rubric}/next").status_code == 403
    bob_item = _next(bob, world.rubric)
    body = {"slot_id": bob_item["slot_id"], "submission_id": uuid.uuid4().hex, "decision": "keep"}
    assert _post(ann, csrf, world.rubric, body).status_code == 403
    # bob's project's image is invisible to ann, whatever its id
    with world.store.session() as s:
        bob_images = s.scalars(select(Item.image_id).where(Item.project_id == world.rubric)).all()
    assert bob.get(bob_item["image"]).status_code == 200
    for image_id in bob_images:
        assert ann.get(f"/image/{image_id}").status_code == 404
    assert ann.get("/p/999").status_code == 404
    assert _labels(world) == 0


def test_an_annotator_cannot_submit_as_someone_else(world: World) -> None:
    ann, csrf = world.client("ann")
    evil, evil_csrf = world.client("evil")
    item = _next(ann, world.triage)
    # answering ann's claimed item from another account is refused
    body = {"slot_id": item["slot_id"], "submission_id": uuid.uuid4().hex, "decision": "reject"}
    response = _post(evil, evil_csrf, world.triage, body)
    assert response.status_code == 409 and "not assigned to you" in response.json()["error"]
    # so is reusing ann's submission id, and a forged identity field is ignored
    body = {"slot_id": item["slot_id"], "submission_id": "ann-sub-0001", "decision": "keep"}
    assert _post(ann, csrf, world.triage, {**body}).status_code == 201
    assert _post(evil, evil_csrf, world.triage, body).status_code == 409
    other = _next(evil, world.triage)
    forged = {
        "slot_id": other["slot_id"],
        "submission_id": uuid.uuid4().hex,
        "decision": "keep",
        "annotator_id": 1,
        "annotator": "ann",
    }
    assert _post(evil, evil_csrf, world.triage, forged).status_code == 201
    with world.store.session() as s:
        rows = s.execute(select(Label.annotator_id, Label.submission_id)).all()
    assert len({r[0] for r in rows}) == 2  # one label each, under their own identities


def test_admin_endpoints_are_for_admins_only(world: World) -> None:
    ann, _ = world.client("ann")
    boss, _ = world.client("boss")
    for path in ("/admin", f"/admin/p/{world.triage}", f"/api/admin/p/{world.triage}"):
        assert ann.get(path).status_code == 403
        assert boss.get(path).status_code == 200
    report = boss.get(f"/api/admin/p/{world.pairwise}").json()
    assert set(report["agreement"]) == {"appeal", "faithfulness"}


def test_images_are_served_only_from_registered_files(world: World, tmp_path: Path) -> None:
    ann, _ = world.client("ann")
    item = _next(ann, world.triage)
    assert ann.get(item["image"]).headers["content-type"] == "image/png"
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    for path in (
        "/image/..%2F..%2Fsecret.txt",
        f"/image/{secret}",
        "/image/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/../../data/__init__.py",
    ):
        response = ann.get(path)
        assert response.status_code in (404, 422), path
        assert "top secret" not in response.text and "root:" not in response.text
    # a pairs file pointing outside its folder is imported as an error item, never as an image
    evil = tmp_path / "evil"
    write_pairs(evil, 1, image_a="../secret.txt", pair_id="evil#0")
    with world.store.session() as s:
        report = import_items(s, s.get(Project, world.pairwise), evil / "pairs.jsonl")
    assert report.errors == {"unsafe_path": 2}  # one per axis
    with world.store.session() as s:
        assert not s.scalars(select(Image).where(Image.path.contains("secret"))).all()


def test_captions_and_names_are_html_escaped(world: World) -> None:
    evil, _ = world.client("evil")
    page = evil.get(f"/p/{world.triage}").text
    assert XSS not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # the caption, as text
    bob, _ = world.client("bob")
    rubric_page = bob.get(f"/p/{world.rubric}").text
    assert XSS not in rubric_page and "&lt;script&gt;" in rubric_page
    assert "script-src 'self'" in bob.get("/").headers["content-security-policy"]


def test_state_changing_requests_need_the_csrf_token_and_same_origin(world: World) -> None:
    ann, csrf = world.client("ann")
    item = _next(ann, world.triage)
    form = {"slot_id": item["slot_id"], "submission_id": uuid.uuid4().hex, "decision": "keep"}
    url = f"/p/{world.triage}/answer"
    assert ann.post(url, data=form, follow_redirects=False).status_code == 403
    assert ann.post(url, data={**form, "csrf": "guess"}, follow_redirects=False).status_code == 403
    assert _post(ann, "guess", world.triage, form).status_code == 403
    good = {**form, "csrf": csrf}
    foreign = {"Origin": "https://evil.example"}
    assert ann.post(url, data=good, headers=foreign, follow_redirects=False).status_code == 403
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert ann.post(url, data=good, headers=cross, follow_redirects=False).status_code == 403
    assert (
        ann.post("/login", data={"token": world.tokens["ann"]}, headers=foreign).status_code == 403
    )
    assert _labels(world) == 0
    same = {"Origin": "http://testserver"}
    response = ann.post(url, data=good, headers=same, follow_redirects=False)
    assert response.status_code == 303 and _labels(world) == 1
    raw = TestClient(create_app(world.store)).post(
        "/login", data={"token": world.tokens["ann"]}, follow_redirects=False
    )
    cookie = raw.headers["set-cookie"].lower()
    assert "samesite=lax" in cookie and "httponly" in cookie


def test_invalid_answers_get_a_4xx_with_a_message(world: World) -> None:
    ann, csrf = world.client("ann")
    bob, bob_csrf = world.client("bob")
    tri = _next(ann, world.triage)
    cases = [
        (ann, csrf, world.triage, {"slot_id": tri["slot_id"], "decision": "maybe"}, "decision"),
        (ann, csrf, world.triage, {"slot_id": "x", "decision": "keep"}, "slot_id"),
        (
            ann,
            csrf,
            world.triage,
            {"slot_id": tri["slot_id"], "decision": "keep", "submission_id": "no spaces!"},
            "submission_id",
        ),
    ]
    rub = _next(bob, world.rubric)
    scores = {p: 3 for p in ("composition", "lighting", "color_contrast", "subject_background")}
    cases += [
        (
            bob,
            bob_csrf,
            world.rubric,
            {
                "slot_id": rub["slot_id"],
                "decision": "keep",
                "caption": "c",
                "scores": {**scores, "subjective": 7},
            },
            "subjective",
        ),
        (
            bob,
            bob_csrf,
            world.rubric,
            {
                "slot_id": rub["slot_id"],
                "decision": "keep",
                "caption": " ",
                "scores": {**scores, "subjective": 3},
            },
            "caption",
        ),
        (
            bob,
            bob_csrf,
            world.rubric,
            {
                "slot_id": rub["slot_id"],
                "decision": "keep",
                "caption": "c",
                "scores": {**scores, "vibes": 3},
            },
            "vibes",
        ),
    ]
    pw = _next(ann, world.pairwise)  # faithfulness: left/right/both/neither, no tie
    cases += [
        (ann, csrf, world.pairwise, {"slot_id": pw["slot_id"], "answer": "tie"}, "both"),
        (ann, csrf, world.pairwise, {"slot_id": pw["slot_id"], "answer": "a"}, "left"),
    ]
    for client, token, project, body, needle in cases:
        body.setdefault("submission_id", uuid.uuid4().hex)
        response = _post(client, token, project, body)
        assert response.status_code == 422, (body, response.text)
        assert needle in response.json()["error"], response.json()
    not_json = ann.post(
        f"/api/p/{world.triage}/answer", content=b"[1]", headers={"X-CSRF-Token": csrf}
    )
    assert not_json.status_code == 400 and "JSON object" in not_json.json()["error"]
    form = ann.post(
        f"/p/{world.triage}/answer",
        data={
            "csrf": csrf,
            "slot_id": tri["slot_id"],
            "submission_id": uuid.uuid4().hex,
            "decision": "maybe",
        },
    )
    assert form.status_code == 422 and "expected keep or reject" in form.text
    assert _labels(world) == 0
