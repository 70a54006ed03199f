"""The judgments file: JSONL rows, the same for people and automated judges.

``{pair_id, prompt, category, image_a, image_b, model_a, model_b, judge, axis, choice}`` with
``axis`` ``"appeal"`` or ``"faithfulness"`` and ``choice`` ``"a"``, ``"b"`` or ``"tie"``. Extra keys
are kept: automated judges add ``margin`` (score of A minus score of B) and the pairs' ``challenge``,
``prompt_id`` and ``image_index``. On reading, the faithfulness answers ``"both"`` and ``"neither"``
count as ``"tie"`` (as in the paper's faithfulness protocol).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError
from photogenic.runs import atomic_write_text

AXES = ("appeal", "faithfulness")
CHOICES = ("a", "b", "tie")
FIELDS = (
    "pair_id",
    "prompt",
    "category",
    "image_a",
    "image_b",
    "model_a",
    "model_b",
    "judge",
    "axis",
    "choice",
)
TIE_ALIASES = {"both": "tie", "neither": "tie"}


def check_judgment(row: Any, where: str = "judgment") -> dict[str, Any]:
    """Validate one row against the schema; returns it with ``choice`` normalised."""
    if not isinstance(row, dict):
        raise PhotogenicError(f"{where}: expected a JSON object")
    missing = [k for k in FIELDS if k not in row]
    if missing:
        raise PhotogenicError(f"{where}: missing field(s) {', '.join(missing)}")
    if row["axis"] not in AXES:
        raise PhotogenicError(f"{where}: axis {row['axis']!r}; expected one of {', '.join(AXES)}")
    choice = TIE_ALIASES.get(row["choice"], row["choice"])
    if choice not in CHOICES:
        raise PhotogenicError(
            f"{where}: choice {row['choice']!r}; expected a, b, tie (or both/neither)"
        )
    if row["model_a"] == row["model_b"]:
        raise PhotogenicError(f"{where}: model_a and model_b are both {row['model_a']!r}")
    return {**row, "choice": choice}


def read_judgments(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Every row of the given judgments files, validated. Rows of one ``pair_id`` are votes on
    one pair, so they must agree on its prompt: files judged on different prompt sets whose ids
    repeat (``prompt-00000#0`` in each) are refused rather than merged into wrong majorities."""
    rows = []
    prompts: dict[str, tuple[str, str]] = {}  # pair_id -> (prompt, where it was first seen)
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise PhotogenicError(f"judgments file not found: {path}")
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PhotogenicError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            where = f"{path}:{lineno}"
            row = check_judgment(row, where)
            first = prompts.setdefault(str(row["pair_id"]), (row["prompt"], where))
            if first[0] != row["prompt"]:
                raise PhotogenicError(
                    f"{where}: pair {row['pair_id']!r} has prompt {row['prompt']!r}, but "
                    f"{first[1]} gives it {first[0]!r}; judgments of different prompt sets need "
                    "distinct pair ids (prefix each set's)"
                )
            rows.append(row)
    return rows


def write_judgments(path: str | Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write rows as JSONL (atomically), validating each."""
    lines = [
        json.dumps(check_judgment(r, f"row {i}"), ensure_ascii=False) for i, r in enumerate(rows)
    ]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
