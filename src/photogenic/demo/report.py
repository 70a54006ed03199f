"""The demo's outputs for people: the targets, a plain-text table and an HTML report."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from photogenic.demo.base import BASE_DIR
from photogenic.demo.base_curve import PLATEAU_TOLERANCE, plot_curve
from photogenic.demo.judges import HEADS, validation_text
from photogenic.evaluate import report_html as H
from photogenic.runs import atomic_write_text

APPEAL_TARGET = 0.80  # paper: 82.9 % against its own pre-trained model
JUDGE_ACCURACY_TARGET = 0.90
TIME_TARGET_SECONDS = 600
PLATEAU_GOAL = f"< {100 * PLATEAU_TOLERANCE:.0f} % fall or early stop"
GRID_PROMPTS = 12
SHOWN_COLUMNS = (*HEADS, "all three")


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the demo with the measured value and whether it was met."""
    rows: list[dict[str, Any]] = []
    evaluation = summary["evaluation"]
    for baseline, comparison in evaluation["comparisons"].items():
        appeal, faithful = comparison["appeal"], comparison["faithfulness"]
        ci = appeal["win_rate_ci"]
        rows.append(
            {
                "target": f"appeal win rate, tuned vs {baseline}",
                "value": f"{appeal['win_rate']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]",
                "goal": f">= {APPEAL_TARGET:.2f}",
                "met": appeal["win_rate"] >= APPEAL_TARGET,
            }
        )
        rows.append(
            {
                "target": f"faithfulness, tuned vs {baseline}",
                "value": f"win {faithful['win']} / loss {faithful['loss']}",
                "goal": "wins >= losses",
                "met": faithful["win"] >= faithful["loss"],
            }
        )
    curve = summary.get("base_training")
    if curve:
        rows.append(
            {
                "target": "base trained to a plateau (held-out loss)",
                "value": plateau_value(curve),
                "goal": PLATEAU_GOAL,
                "met": curve["plateaued"],
            }
        )
    for kind, record in evaluation["judge_validation"].items():
        rows.append(
            {
                "target": f"{kind} judge, held-out pairwise accuracy",
                "value": f"{record['pairwise_accuracy']:.3f}",
                "goal": f">= {JUDGE_ACCURACY_TARGET:.2f}",
                "met": record["pairwise_accuracy"] >= JUDGE_ACCURACY_TARGET,
            }
        )
        for head in HEADS:
            if head in record.get("head_accuracy", {}):
                accuracy = record["head_accuracy"][head]
                rows.append(
                    {
                        "target": f"{kind} judge names the {head}, flawless held-out images",
                        "value": f"{accuracy:.3f}",
                        "goal": f">= {JUDGE_ACCURACY_TARGET:.2f}",
                        "met": accuracy >= JUDGE_ACCURACY_TARGET,
                    }
                )
    seconds = sum(summary["stage_seconds"].values())
    rows.append(
        {
            "target": "demo wall-clock time",
            "value": f"{seconds:.0f} s",
            "goal": f"<= {TIME_TARGET_SECONDS} s",
            "met": seconds <= TIME_TARGET_SECONDS,
        }
    )
    return rows


def plateau_value(curve: dict[str, Any]) -> str:
    """How far the base's held-out loss fell over the last window of its training, and whether
    early stopping ended it (which counts as a plateau whatever the fall)."""
    if curve["fall_in_window"] is None:
        text = f"{curve['steps']} steps: shorter than the window"
    else:
        text = f"{100 * curve['fall_in_window']:.1f} % in its last {curve['window_steps']} steps"
    return text + ("; early stopping ended it" if curve["stopped_early"] else "")


def chance_shown() -> list[float]:
    """What a model that ignores its prompt scores in each column of the "shown" table."""
    per_head = [1 / len(HEADS[k]) for k in HEADS]
    return [*per_head, float(np.prod(per_head))]


def base_name(base: str) -> str:
    """The shipped base's name, or the folder of one given by ``--set base=DIR``."""
    return (
        "the shipped base" if Path(base).resolve() == BASE_DIR.resolve() else f"the base at {base}"
    )


def format_summary(summary: dict[str, Any]) -> str:
    """The terminal table: pool, funnel, quality-tuning, win rates and the targets."""
    world = summary["world"]
    check = summary["pool_check"]
    errors = ", ".join(f"{k}={v}" for k, v in sorted(check["errors"].items())) or "none"
    rows = [
        ("pool (haystack world)", f"{world['n']} items, {world['images_per_second']:.0f} img/s"),
        (
            "needles (all factors good)",
            f"{world['needles']} ({100 * world['needle_fraction']:.1f} %)",
        ),
        ("duplicates (exact / near)", f"{world['exact_duplicates']} / {world['near_duplicates']}"),
        ("decoded back safely", f"{check['decoded']} of {check['items']} (errors: {errors})"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["photogenic demo", "=" * 78]
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines += ["", "curation funnel (precision = share of needles, from the world's ground truth)"]
    lines.append(f"{'stage':<28}{'items':>7}{'needles':>9}{'precision':>11}{'appeal':>9}")
    for row in summary["funnel"]:
        lines.append(
            f"{row['stage']:<28}{row['items']:>7}{row['needles']:>9}"
            f"{row['precision']:>11.2f}{row['mean_appeal']:>9.3f}"
        )
    lines.append("(the two human stages are simulated from ground truth; see README)")
    control = summary["control_subset"]
    lines += [
        "",
        f"quality-tuning of {base_name(summary['base'])} (same recipe and steps for both)",
    ]
    curve = summary.get("base_training")
    if curve:
        first, last = curve["validations"][0], curve["validations"][-1]
        lines.append(
            f"  base     {curve['steps']} pretraining steps, held-out loss {first[1]:.4f} at "
            f"step {first[0]} -> {last[1]:.4f}; " + plateau_value(curve)
        )
    for name, run in summary["tuning"].items():
        data = (
            "curated set"
            if name == "tuned"
            else f"random pool subset ({control['needles']} needles)"
        )
        lines.append(f"  {name:<8} {run['steps']} steps on {run['train_items']} images: {data}")
    evaluation = summary["evaluation"]
    lines += [
        "",
        f"win rates on {evaluation['prompts']} world prompts (judges: "
        f"{evaluation['judges']['appeal']} / {evaluation['judges']['faithfulness']}); "
        "win rate = (W + T/2)/N, 95 % bootstrap CI",
        f"{'comparison':<22}{'axis':<14}{'win':>5}{'tie':>5}{'loss':>6}{'win rate':>10}"
        f"{'95 % CI':>17}{'W/(W+L)':>9}",
    ]
    for baseline, comparison in evaluation["comparisons"].items():
        for axis, c in comparison.items():
            ci = c["win_rate_ci"]
            lines.append(
                f"{'tuned vs ' + baseline:<22}{axis:<14}{c['win']:>5}{c['tie']:>5}{c['loss']:>6}"
                f"{c['win_rate']:>10.3f}{f'[{ci[0]:.3f}, {ci[1]:.3f}]':>17}"
                f"{H.fmt_num(c['decisive_win_rate']):>9}"
            )
    shown = evaluation.get("content_shown")
    if shown:
        lines += [
            "",
            "samples showing what their prompt names (the content judge's most likely class)",
        ]
        lines.append(f"{'model':<22}" + "".join(f"{k:>12}" for k in SHOWN_COLUMNS))
        for model, row in shown.items():
            lines.append(f"{model:<22}" + "".join(f"{row[k]:>12.3f}" for k in SHOWN_COLUMNS))
        lines.append(f"{'(chance)':<22}" + "".join(f"{v:>12.3f}" for v in chance_shown()))
    lines += ["", "targets"]
    columns = ("target", "value", "goal")
    widths = {key: 2 + max(len(t[key]) for t in summary["targets"]) for key in columns}
    for t in summary["targets"]:
        mark = "met" if t["met"] else "NOT met"
        lines.append("  " + "".join(t[key].ljust(widths[key]) for key in columns) + mark)
    memory = summary["peak_memory_mb"]
    lines.append(
        f"\npeak memory: {memory['main_process']:.0f} MB (largest worker "
        f"{memory['largest_worker']:.0f} MB); stages: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in summary["stage_seconds"].items())
    )
    return "\n".join(lines)


def sample_grid(samples: Path, models: list[str], out: Path, prompts: int = GRID_PROMPTS) -> None:
    """A PNG with one row per model and one column per prompt (same seeds), models labelled."""
    rows = [json.loads(line) for line in (samples / models[0] / "metadata.jsonl").open()]
    rows = sorted(rows, key=lambda r: r["file_name"])[:prompts]
    cell, label = 96, 70
    grid = Image.new("RGB", (label + cell * len(rows), cell * len(models)), "white")
    draw = ImageDraw.Draw(grid)
    for y, model in enumerate(models):
        draw.text((4, y * cell + cell // 2 - 6), model, fill="black")
        for x, row in enumerate(rows):
            with Image.open(samples / model / row["file_name"]) as image:
                tile = image.convert("RGB").resize((cell, cell), Image.Resampling.NEAREST)
            grid.paste(tile, (label + x * cell, y * cell))
    out.parent.mkdir(parents=True, exist_ok=True)
    grid.save(out)
    (out.with_suffix(".txt")).write_text(
        "".join(f"column {i + 1}: {r['prompt']}\n" for i, r in enumerate(rows))
    )


def write_report(out: Path, summary: dict[str, Any]) -> Path:
    """``out/report.html``: funnel, judges, sample grid, win-rate bars and targets."""
    evaluation = summary["evaluation"]
    grid = out / "report" / "samples.png"
    sample_grid(out / "eval" / "samples", ["base", "control", "tuned"], grid)
    captions = [
        f"<li>{escape(line.split(': ', 1)[-1])}</li>"
        for line in grid.with_suffix(".txt").read_text().splitlines()
    ]
    body = [
        "<p class='muted'>The haystack world, end to end on a CPU. The generalist and specialist "
        "stages are <b>simulated</b> from the world's ground truth with stated error rates.</p>",
        "<h2>Curation funnel</h2><table><tr><th>stage</th><th>items</th><th>needles</th>"
        "<th>precision</th><th>mean appeal</th></tr>",
    ]
    for row in summary["funnel"]:
        body.append(
            f"<tr><td>{escape(row['stage'])}</td><td>{row['items']}</td><td>{row['needles']}</td>"
            f"<td>{row['precision']:.2f}</td><td>{row['mean_appeal']:.3f}</td></tr>"
        )
    body.append("</table>")
    curve = summary.get("base_training")
    if curve:
        plot_curve(curve, out / "report" / "base_curve.png")
        verdict = "plateaued" if curve["plateaued"] else "<b>not</b> plateaued"
        body.append(
            "<h2>The base model's pretraining</h2>"
            "<img src='report/base_curve.png' alt='held-out loss against steps'>"
            f"<p>{curve['steps']} steps; held-out loss {verdict}: "
            f"{escape(plateau_value(curve))} (shaded; goal: {escape(PLATEAU_GOAL)}).</p>"
        )
    body.append("<h2>Judges (validated on held-out world pairs)</h2><ul>")
    for kind, record in evaluation["judge_validation"].items():
        body.append(f"<li>{escape(kind)}: {escape(validation_text(record))}</li>")
    body.append(
        "</ul><h2>Samples (same prompt and seed per column)</h2>"
        f"<img src='report/{grid.name}' alt='samples' style='max-width:100%'>"
        f"<ol class='muted'>{''.join(captions)}</ol>"
    )
    shown = evaluation.get("content_shown")
    if shown:
        header = "".join(f"<th>{escape(k)}</th>" for k in SHOWN_COLUMNS)
        body.append(
            "<h2>Samples showing what their prompt names</h2><p class='muted'>Share of each "
            "model's samples whose most likely subject, colour and background (the content "
            "judge's) are the prompt's.</p>"
            f"<table><tr><th>model</th>{header}</tr>"
        )
        for model, row in shown.items():
            cells = "".join(f"<td>{row[k]:.3f}</td>" for k in SHOWN_COLUMNS)
            body.append(f"<tr><td>{escape(model)}</td>{cells}</tr>")
        cells = "".join(f"<td>{v:.3f}</td>" for v in chance_shown())
        body.append(f"<tr class='muted'><td>chance</td>{cells}</tr></table>")
    body.append("<h2>Win rates</h2>" + H.legend())
    for baseline, comparison in evaluation["comparisons"].items():
        for axis, c in comparison.items():
            body.append(
                f"<h3>{escape(axis)}: tuned vs {escape(baseline)}</h3>{H.winrate_bar(c)}"
                f"<p>win {c['win']} · tie {c['tie']} · loss {c['loss']} · win rate "
                f"<b>{H.fmt_pct(c['win_rate'])}</b> {H.fmt_ci(c['win_rate_ci'])} · W/(W+L) "
                f"{H.fmt_pct(c['decisive_win_rate'])} — "
                f"<a href='eval/tuned-vs-{escape(baseline)}/report/report.html'>details</a></p>"
            )
    body.append(
        "<h2>Targets</h2><table><tr><th>target</th><th>value</th><th>goal</th><th></th></tr>"
    )
    for t in summary["targets"]:
        body.append(
            f"<tr><td>{escape(t['target'])}</td><td>{escape(t['value'])}</td>"
            f"<td>{escape(t['goal'])}</td><td>{'met' if t['met'] else 'NOT met'}</td></tr>"
        )
    body.append("</table>")
    path = out / "report.html"
    atomic_write_text(path, H.page("photogenic demo", "".join(body)))
    return path
