"""``report.json`` and ``report.html`` of a curate run: the funnel, histograms, example grids.

What a curator wants to see before trusting the thresholds: how many items each stage removed and
why (a chart), the distribution of every score with the stage's thresholds drawn, and images that
each stage dropped next to the best ones kept. ``report.json`` carries the same numbers (and no
timings, so a resumed run writes the same file as an uninterrupted one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from photogenic.curate.collect import Collected
from photogenic.curate.config import CurateConfig
from photogenic.curate.decide import Decisions
from photogenic.curate.load import load_item
from photogenic.curate.stages import STAGES
from photogenic.data.item import Item
from photogenic.report import data_uri, funnel_chart, histogram_grid, render_html, thumbnail_uri
from photogenic.runs import atomic_write_text

PLOTTED_FIRST = (
    "photogenic_score",
    "clip_score",
    "aesthetic_score",
    "text_area",
    "offensive_score",
)


def example_thumbnail(item: Item) -> str | None:
    """A thumbnail data URI of the item, or None when it cannot be decoded."""
    try:
        loaded = load_item(item, 128)
    except Exception:  # a thumbnail is a nicety; the item's verdict is already recorded
        return None
    return thumbnail_uri(loaded.image) if loaded.image is not None else None


def thresholds(config: CurateConfig) -> dict[str, tuple[float | None, float | None]]:
    """Measure -> (min, max) over every enabled stage."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for name in STAGES:
        stage = STAGES.get(name)(config)
        enabled = getattr(getattr(config, name, None), "enabled", True)
        if enabled:
            out.update(stage.thresholds())
    return out


def _ordered_measures(got: Collected) -> list[str]:
    first = [m for m in PLOTTED_FIRST if m in got.samples]
    parts = sorted(m for m in got.samples if m.startswith("photogenic_") and m not in first)
    rest = sorted(m for m in got.samples if m not in first and m not in parts)
    return first + parts + rest


def write_report(
    out: Path,
    config: CurateConfig,
    got: Collected,
    decisions: Decisions,
    funnel: list[dict[str, Any]],
    notes: dict[str, str],
    examples: dict[str, list[dict[str, Any]]],
    thumbs: dict[int, str | None],
) -> dict[str, Any]:
    """Write both report files; returns the ``report.json`` content."""
    limits = thresholds(config)
    errors = next(r["dropped"] for r in funnel if r["stage"] == "decode")
    kept = funnel[-1]["remaining"]
    dropped = got.n_input - kept - errors
    samples = {n: np.frombuffer(got.samples[n], dtype=np.float64) for n in _ordered_measures(got)}
    hist = {}
    for name, values in samples.items():  # read in place, not copied
        lo, hi = limits.get(name, (None, None))
        hist[name] = {
            "n": got.seen[name],
            "sampled": len(values),
            "min": float(values.min()) if values.size else None,
            "max": float(values.max()) if values.size else None,
            "threshold_min": lo,
            "threshold_max": hi,
        }
    doc = {
        "input": got.n_input,
        "kept": kept,
        "dropped": dropped,
        "errors": errors,
        "accounting": f"input {got.n_input} = kept {kept} + dropped {dropped} + errors {errors}",
        "funnel": funnel,
        "notices": notes,
        "concepts": {
            "cap": decisions.cap,
            "pool": dict(sorted(decisions.concepts_pool.items())),
            "kept": dict(sorted(decisions.concepts_kept.items())),
        },
        "histograms": hist,
        "examples": {
            stage: [{k: e.get(k) for k in ("id", "reason") if k in e} | {"i": e["i"]} for e in rows]
            for stage, rows in examples.items()
        },
    }
    atomic_write_text(out / "report.json", json.dumps(doc, indent=2, default=str) + "\n")
    stages = [r["stage"] for r in funnel]
    chart = data_uri(funnel_chart(stages, [r["remaining"] for r in funnel], "curation funnel"))
    panels = [
        (name, samples[name], h["threshold_min"], h["threshold_max"]) for name, h in hist.items()
    ]
    plots = [("histograms", data_uri(histogram_grid(panels)))] if panels else []
    grids = [
        (
            stage,
            [
                {
                    "uri": thumbs.get(e["i"]),
                    "label": f"{e.get('id', e['i'])}: {e.get('reason', '')}",
                }
                for e in rows
            ],
        )
        for stage, rows in sorted(examples.items(), key=lambda kv: _stage_order(kv[0]))
    ]
    html = render_html(_TEMPLATE, doc=doc, chart=chart, plots=plots, grids=grids)
    atomic_write_text(out / "report.html", html)
    return doc


def _stage_order(stage: str) -> int:
    from photogenic.curate.stages import FUNNEL

    return FUNNEL.index(stage) if stage in FUNNEL else -1


_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>photogenic curate report</title>
<style>{{ base_css }}</style></head><body>
<h1>Curation report</h1>
<p><b>{{ doc.accounting }}</b> (errors: unreadable input; every dropped item and error is in
<code>dropped.jsonl</code> with its stage, reason and measured values).</p>
<h2>Funnel</h2>
<img src="{{ chart }}" alt="funnel chart">
<table><tr><th class="l">stage</th><th>dropped</th><th>remaining</th><th class="l">reasons</th>
<th class="l">notice</th></tr>
{% for row in doc.funnel %}<tr><td class="l">{{ row.stage }}</td><td>{{ row.dropped }}</td>
<td>{{ row.remaining }}</td><td class="l">{% for k, v in row.reasons.items() %}{{ k }}: {{ v }}
{% if not loop.last %}, {% endif %}{% endfor %}</td><td class="l notice">{{ row.notice }}</td></tr>
{% endfor %}</table>
{% if doc.concepts.pool %}<h2>Concepts</h2><p>cap per concept: {{ doc.concepts.cap }}</p>
<table><tr><th class="l">concept</th><th>before balancing</th><th>kept</th></tr>
{% for c, n in doc.concepts.pool.items() %}<tr><td class="l">{{ c }}</td><td>{{ n }}</td>
<td>{{ doc.concepts.kept.get(c, 0) }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Scores and measurements</h2>
<p>Dashed red lines are the thresholds of the stages that use the measure.</p>
<div class="plots">{% for name, uri in plots %}<img src="{{ uri }}" alt="{{ name }}">{% endfor %}</div>
<h2>Examples</h2>
{% for stage, cells in grids %}<h3>{{ stage }}</h3><div class="grid">
{% for cell in cells %}<figure>{% if cell.uri %}<img src="{{ cell.uri }}" alt="">{% else %}
<div style="width:128px;height:128px;background:#ddd">unreadable</div>{% endif %}
<figcaption>{{ cell.label }}</figcaption></figure>{% endfor %}</div>{% endfor %}
</body></html>
"""
