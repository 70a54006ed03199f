"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright against a real
uvicorn server: log in with a token, label with the keyboard, undo, edit a caption, check the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from test_annotate_support import chromium, make_project, write_dataset, write_pairs

from photogenic.annotate.admin import invite
from photogenic.annotate.db import Store
from photogenic.annotate.models import Item, Label
from photogenic.annotate.simulate import ServerProcess

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
def test_login_label_with_keys_undo_and_edit_a_caption(tmp_path: Path) -> None:
    executable = chromium()
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store(url)
    data = write_dataset(
        tmp_path / "kept",
        ["a cat", "a dog", "a <b>bold</b> fox"],
        photogenic_score=0.75,
        photogenic_lighting=0.5,
        width=12,
    )
    tri, tokens = make_project(store, "tri", "triage", data, ["ann"])
    rub, _ = make_project(store, "rub", "rubric", data, [])
    pw, _ = make_project(
        store, "pw", "pairwise", write_pairs(tmp_path / "pairs", 1, axis="appeal"), []
    )
    with store.session() as s:
        invite(s, "ann", ["rub", "pw"])

    with ServerProcess(url, log=tmp_path / "server.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{server.url}/login#token={tokens['ann']}")  # the invitation link
        page.wait_for_url(f"{server.url}/")
        assert page.locator(".projects li").count() == 3

        page.goto(f"{server.url}/p/{tri}")
        counter = page.locator("#counter")
        assert counter.inner_text() == "0 done · 3 left"

        def key(name: str) -> None:
            with page.expect_navigation():
                page.keyboard.press(name)

        key("k")  # keep the cat
        assert counter.inner_text() == "1 done · 2 left"
        key("ArrowLeft")  # reject the dog...
        assert counter.inner_text() == "2 done · 1 left"
        key("u")  # ...undo: the dog comes back
        assert counter.inner_text() == "1 done · 2 left"
        assert page.locator("#caption").inner_text() == "a dog"
        key("ArrowRight")  # keep the dog after all
        assert page.locator("#caption").inner_text() == "a <b>bold</b> fox"  # text, not markup
        key("x")
        assert page.locator("#all-done").is_visible()
        assert counter.inner_text() == "3 done · 0 left"

        page.goto(f"{server.url}/p/{rub}")
        scores = page.locator("#auto-scores").inner_text()
        assert "photogenic_score" in scores and "photogenic_lighting" in scores
        assert "width" not in scores  # only the curation run's scores
        for digit in "54345":  # composition, lighting, colour, subject, subjective
            page.keyboard.press(digit)
        page.keyboard.press("e")  # into the caption box
        page.keyboard.press("Control+A")
        page.keyboard.type("A tabby cat asleep in warm window light")
        page.keyboard.press("Escape")
        key("k")
        assert page.locator("#counter").inner_text().startswith("1 done")

        page.goto(f"{server.url}/p/{pw}")
        assert page.locator("#prompt").count() == 0  # appeal: the caption stays hidden
        key("ArrowRight")
        assert page.locator("#all-done").is_visible()
        browser.close()

    with store.session() as s:
        rows = s.execute(select(Label, Item).join(Item, Item.id == Label.item_id)).all()
    store.close()
    triage = [(i.key, lab.decision, lab.active) for lab, i in rows if i.project_id == tri]
    assert triage == [
        ("img000", "keep", True),
        ("img001", "reject", False),  # undone, kept for the record
        ("img001", "keep", True),
        ("img002", "reject", True),
    ]
    (rubric,) = [lab for lab, i in rows if i.project_id == rub]
    assert rubric.decision == "keep"
    assert rubric.caption == "A tabby cat asleep in warm window light"
    assert rubric.scores == {
        "composition": 5,
        "lighting": 4,
        "color_contrast": 3,
        "subject_background": 4,
        "subjective": 5,
    }
    assert rubric.elapsed_ms is not None and rubric.elapsed_ms > 0
    (pair,) = [lab for lab, i in rows if i.project_id == pw]
    assert pair.answer == "right" and pair.choice == ("b" if pair.left_side == "a" else "a")
