"""Prompt-set readers: PartiPrompts (the real TSV), plain text, JSONL and the world's prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from photogenic.errors import PhotogenicError
from photogenic.sample.prompts import detect_prompt_format, load_prompts

PARTI = Path("/work/shared/data/partiprompts/PartiPrompts.tsv")


def test_partiprompts_has_1632_prompts_and_keeps_the_leading_quote():
    prompts = load_prompts(PARTI)
    assert len(prompts) == 1632
    assert prompts[0].id == "parti-0000" and prompts[-1].id == "parti-1631"
    assert (prompts[0].text, prompts[0].category, prompts[0].challenge) == (
        "bond",
        "Abstract",
        "Basic",
    )
    quoted = [p for p in prompts if p.text.startswith('"')]
    assert len(quoted) == 1  # a quoting reader would swallow it (and the lines after it)
    assert quoted[0].text.startswith('"G I G G L E" painted')
    assert quoted[0].category == "Illustrations" and quoted[0].challenge == "Writing & Symbols"
    assert all(p.text and p.category and p.challenge for p in prompts)
    assert len({p.category for p in prompts}) == 12
    assert len(load_prompts(PARTI, limit=10)) == 10


def test_text_prompts_skip_blank_lines(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("a red star\n\n  a blue sea  \n")
    prompts = load_prompts(f)
    assert [(p.id, p.text) for p in prompts] == [("000000", "a red star"), ("000001", "a blue sea")]


def test_jsonl_prompts_take_text_prompt_or_caption(tmp_path):
    f = tmp_path / "p.jsonl"
    rows = [
        {"id": "x1", "text": "a cat", "category": "Animals", "challenge": "Basic", "lang": "en"},
        {"prompt": "a dog"},
        {"caption": "a bird", "category": "Animals"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    prompts = load_prompts(f)
    assert [p.id for p in prompts] == ["x1", "000001", "000002"]
    assert [p.text for p in prompts] == ["a cat", "a dog", "a bird"]
    assert prompts[0].category == "Animals" and prompts[0].extra == {"lang": "en"}


def test_world_prompts_are_content_captions():
    prompts = load_prompts("world:6")
    assert len(prompts) == 6 and prompts[0].id == "prompt-00000"
    assert all(p.text.startswith(("a ", "an ")) for p in prompts)
    assert {p.category for p in prompts} <= {"shapes", "objects"}
    assert [p.text for p in load_prompts("world:6")] == [p.text for p in prompts]
    assert [p.text for p in load_prompts("world:6:1")] != [p.text for p in prompts]
    assert len(load_prompts("world:6", limit=2)) == 2
    assert [p.text for p in load_prompts("6", "world")] == [p.text for p in prompts]


def test_format_detection():
    assert detect_prompt_format("x/PartiPrompts.tsv") == "parti"
    assert detect_prompt_format("p.jsonl") == "jsonl"
    assert detect_prompt_format("p.txt") == "text"
    assert detect_prompt_format("world:10") == "world"


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "dup.jsonl", "twice"),
        ("{not json\n", "bad.jsonl", "not valid JSON"),
        ('{"id": "a"}\n', "notext.jsonl", "no prompt text"),
        ("Caption\tOther\nx\ty\n", "notparti.tsv", "PartiPrompts"),
        ("\n\n", "empty.txt", "no prompts"),
    ],
)
def test_bad_prompt_files_are_one_line_errors(tmp_path, content, name, needle):
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(PhotogenicError, match=needle):
        load_prompts(f)


def test_missing_file_and_bad_world_spec():
    with pytest.raises(PhotogenicError, match="not found"):
        load_prompts("/nonexistent/prompts.txt")
    with pytest.raises(PhotogenicError, match="world:N"):
        load_prompts("world:zero")
