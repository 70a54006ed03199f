"""The evaluation report: one offline HTML page plus ``report.json``.

For each axis: win-rate bars with intervals per comparison, the per-category (and per-challenge)
tables, Bradley-Terry scores for three or more models, and the image pairs with the biggest wins and
the biggest losses (sorted by margin). Images are embedded as data URIs (default) or linked by paths
relative to the report, so the page opens without a network.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError
from photogenic.evaluate import report_html as H
from photogenic.runs import atomic_write_text

WINRATE_FILE = "winrate.json"
OUTCOMES_FILE = "outcomes.jsonl"


def load_winrate(folder: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``winrate.json`` and ``outcomes.jsonl`` of an ``eval winrate`` folder."""
    folder = Path(folder)
    if not (folder / WINRATE_FILE).is_file() or not (folder / OUTCOMES_FILE).is_file():
        raise PhotogenicError(
            f"{folder}: no {WINRATE_FILE}/{OUTCOMES_FILE} (make them with photogenic eval winrate)"
        )
    summary = json.loads((folder / WINRATE_FILE).read_text(encoding="utf-8"))
    outcomes = [
        json.loads(line)
        for line in (folder / OUTCOMES_FILE).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return summary, outcomes


def select_examples(
    outcomes: Sequence[dict[str, Any]], axis: str, model: str, baseline: str, top: int
) -> dict[str, list[dict[str, Any]]]:
    """The ``top`` biggest wins (largest margins) and losses (most negative) of one comparison."""
    mine = [
        o
        for o in outcomes
        if o["axis"] == axis and o["model"] == model and o["baseline"] == baseline
    ]
    wins = sorted(
        (o for o in mine if o["outcome"] == "win"), key=lambda o: (-o["margin"], o["pair_id"])
    )
    losses = sorted(
        (o for o in mine if o["outcome"] == "loss"), key=lambda o: (o["margin"], o["pair_id"])
    )
    return {"wins": wins[:top], "losses": losses[:top]}


def image_source(path: str, images_root: Path | None, out: Path, embed: bool) -> str | None:
    """A ``src`` for an image: a data URI when ``embed``, else a path relative to ``out``
    (``None`` when the file is missing). Relative paths are resolved against ``images_root``."""
    p = Path(path)
    if not p.is_absolute():
        p = (images_root or Path.cwd()) / p
    if not p.is_file():
        return None
    if embed:
        mime = mimetypes.guess_type(p.name)[0] or "image/png"
        return f"data:{mime};base64,{base64.b64encode(p.read_bytes()).decode('ascii')}"
    return Path(os.path.relpath(p.resolve(), out.resolve())).as_posix()


def build_report(
    winrate_dir: str | Path,
    out: str | Path,
    images_root: str | Path | None = None,
    top: int = 6,
    embed: bool = True,
    title: str = "Quality-tuning evaluation",
) -> dict[str, Any]:
    """Write ``report.html`` and ``report.json`` into ``out``; returns a short summary."""
    summary, outcomes = load_winrate(winrate_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(images_root) if images_root else _default_root(summary)
    body = [
        f"<p class='muted'>models: {escape(', '.join(summary['models']))} · judges: "
        f"{escape(', '.join(summary['judges']))} · {summary['n_judgments']} judgments · "
        f"majority rule: {escape(summary['majority_rule'])}</p>",
        H.legend(),
    ]
    data: dict[str, Any] = {"title": title, "winrate": summary, "examples": {}}
    missing = 0
    for axis, block in summary["axes"].items():
        body.append(f"<h2>{escape(axis.capitalize())}</h2>")
        data["examples"][axis] = []
        for c in block["comparisons"]:
            body.append(H.comparison_block(c))
            body.append(H.breakdown_table("category", c["by_category"]))
            body.append(H.breakdown_table("challenge", c["by_challenge"]))
            chosen = select_examples(outcomes, axis, c["model"], c["baseline"], top)
            for kind, examples in chosen.items():
                rendered = []
                for o in examples:
                    e = dict(o)
                    e["src_model"] = image_source(o["image_model"], root, out, embed)
                    e["src_baseline"] = image_source(o["image_baseline"], root, out, embed)
                    missing += (e["src_model"] is None) + (e["src_baseline"] is None)
                    rendered.append(e)
                label = "Biggest wins" if kind == "wins" else "Biggest losses"
                body.append(
                    H.pair_gallery(f"{label} of {c['model']} (left) vs {c['baseline']}", rendered)
                )
            data["examples"][axis].append(
                {"model": c["model"], "baseline": c["baseline"], **chosen}
            )
        body.append(H.bradley_terry_table(block.get("bradley_terry")))
    atomic_write_text(out / "report.html", H.page(title, "".join(body)))
    atomic_write_text(out / "report.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return {
        "report": str(out / "report.html"),
        "axes": list(summary["axes"]),
        "images_embedded": embed,
        "images_missing": missing,
    }


def _default_root(summary: dict[str, Any]) -> Path | None:
    pairs = summary.get("pairs_dir")
    return Path(pairs) if pairs else None
