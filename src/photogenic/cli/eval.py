"""``photogenic eval``: pairs, automated judges, win rates and the report."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from photogenic.cli.common import existing_dir, out_option
from photogenic.evaluate.judgments import AXES
from photogenic.runs import RunDir, atomic_write_text


def _judge_names() -> list[str]:
    from photogenic.evaluate.judges import JUDGES

    return JUDGES.names()


@click.group(name="eval")
def eval_() -> None:
    """Pair, judge, count win rates and report."""


@eval_.command()
@click.option(
    "--a",
    "dir_a",
    type=click.Path(path_type=Path),
    required=True,
    help="Samples of model A (the candidate).",
)
@click.option(
    "--b",
    "dir_b",
    type=click.Path(path_type=Path),
    required=True,
    help="Samples of model B (the baseline).",
)
@out_option()
@click.option("--name-a", default=None, help="Name of model A (default: from its samples).")
@click.option("--name-b", default=None, help="Name of model B (default: from its samples).")
@click.option("--copy", is_flag=True, help="Copy the images instead of hard-linking them.")
@click.option(
    "--allow-different-seeds", is_flag=True, help="Pair images sampled with different seeds."
)
def pairs(
    dir_a: Path,
    dir_b: Path,
    out: Path,
    name_a: str | None,
    name_b: str | None,
    copy: bool,
    allow_different_seeds: bool,
) -> None:
    """Pair two models' samples (same prompt and image index).

    Writes OUT/pairs.jsonl, OUT/protocol.json and the images, for the annotation app and the
    automated judges.
    """
    from photogenic.evaluate.pairs import match_samples, write_pairs

    existing_dir(dir_a, "--a samples folder")
    existing_dir(dir_b, "--b samples folder")
    matched, unmatched = match_samples(dir_a, dir_b, name_a, name_b, allow_different_seeds)
    run = RunDir(out, "eval pairs")
    try:
        run.write_config(
            {},
            a=str(dir_a),
            b=str(dir_b),
            name_a=name_a,
            name_b=name_b,
            copy=copy,
            allow_different_seeds=allow_different_seeds,
        )
        write_pairs(out, matched, link=not copy)
        first = matched[0][0]
        summary = {
            "pairs": len(matched),
            "prompts": len({p.prompt_id for p, _, _ in matched}),
            "model_a": first.model_a,
            "model_b": first.model_b,
            **unmatched,
        }
        run.write_summary(summary)
    finally:
        run.close()
    click.echo(
        f"{summary['pairs']} pairs of {summary['model_a']} vs {summary['model_b']} in {out} "
        f"({unmatched['unmatched_a']} + {unmatched['unmatched_b']} images unmatched)"
    )


@eval_.command()
@click.option(
    "--pairs",
    "pairs_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder from eval pairs.",
)
@click.option(
    "--judge",
    "judge_name",
    type=click.Choice(_judge_names()),
    default="photogenic",
    show_default=True,
)
@out_option()
@click.option(
    "--axis",
    "axes",
    type=click.Choice(AXES),
    multiple=True,
    help="Axes to judge (default: the judge's own).",
)
@click.option(
    "--weights",
    type=click.Path(path_type=Path),
    default=None,
    help="Local model folder (CLIP-based judges).",
)
@click.option(
    "--head",
    type=click.Path(path_type=Path),
    default=None,
    help="Local head weights (aesthetic judge).",
)
@click.option(
    "--tie-threshold",
    type=click.FloatRange(min=0),
    default=None,
    help="|margin| below this is a tie (default: the judge's).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def judge(
    pairs_dir: Path,
    judge_name: str,
    out: Path,
    axes: tuple[str, ...],
    weights: Path | None,
    head: Path | None,
    tie_threshold: float | None,
    batch_size: int,
    device: str,
    progress: bool,
) -> None:
    """Judge the pairs with an automated judge.

    Writes OUT/judgments.jsonl: the same rows as people's judgments, plus each pair's margin.
    """
    from photogenic.evaluate.judges import JUDGES, JudgeOptions, judge_pairs
    from photogenic.evaluate.judgments import write_judgments
    from photogenic.evaluate.pairs import read_pairs

    existing_dir(pairs_dir, "--pairs folder")
    pair_list = read_pairs(pairs_dir)
    options = JudgeOptions(weights=weights, head=head, device=device, batch_size=batch_size)
    judge_obj = JUDGES.get(judge_name)(options)
    rows = judge_pairs(
        judge_obj, pair_list, pairs_dir, axes or None, tie_threshold, batch_size, progress
    )
    run = RunDir(out, "eval judge")
    try:
        run.write_config(
            options,
            pairs=str(Path(pairs_dir).resolve()),
            judge=judge_name,
            axes=list(axes),
            tie_threshold=tie_threshold,
        )
        write_judgments(out / "judgments.jsonl", rows)
        choices: dict[str, dict[str, int]] = {}
        for r in rows:
            choices.setdefault(r["axis"], dict.fromkeys(("a", "b", "tie"), 0))[r["choice"]] += 1
        summary = {
            "judge": judge_name,
            "pairs": len(pair_list),
            "judgments": len(rows),
            "choices": choices,
            "judgments_file": str(out / "judgments.jsonl"),
        }
        run.write_summary(summary)
    finally:
        run.close()
    counts = "; ".join(
        f"{axis}: a {c['a']} / tie {c['tie']} / b {c['b']}" for axis, c in choices.items()
    )
    click.echo(f"{len(rows)} judgments by {judge_name} in {out / 'judgments.jsonl'} ({counts})")


@eval_.command()
@click.option(
    "--judgments",
    "files",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Judgments JSONL (repeatable).",
)
@out_option()
@click.option("--baseline", default="", help="Model to orient every comparison against.")
@click.option("--judge", "judges", multiple=True, help="Count only this judge (repeatable).")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=100),
    default=2000,
    show_default=True,
    help="Bootstrap replicates.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--level", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option(
    "--pairs",
    "pairs_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Pairs folder the image paths are relative to (for the report).",
)
def winrate(
    files: tuple[Path, ...],
    out: Path,
    baseline: str,
    judges: tuple[str, ...],
    bootstrap: int,
    seed: int,
    level: float,
    pairs_dir: Path | None,
) -> None:
    """Count win rates from judgments (people's or a judge's).

    Per pair the majority vote of its raters; then win/tie/loss, (W + T/2)/N and W/(W + L) with
    bootstrap (over prompts) and Wilson intervals, Fleiss' kappa, per-category and per-challenge
    tables, and Bradley-Terry for three or more models: OUT/winrate.json and OUT/outcomes.jsonl.
    Rows of one pair id are votes on one pair: files judged on different prompt sets must not
    share pair ids (a pair id with two prompts is an error).
    """
    from photogenic.evaluate.judgments import read_judgments
    from photogenic.evaluate.winrate import WinrateConfig, compute_winrate, outcome_rows

    rows = read_judgments(files)
    config = WinrateConfig(
        baseline=baseline, judges=list(judges), bootstrap=bootstrap, seed=seed, level=level
    )
    summary, outcomes = compute_winrate(rows, config)
    images = pairs_dir or _pairs_dir_of(files)
    summary["pairs_dir"] = str(Path(images).resolve()) if images else None
    summary["judgments_files"] = [str(Path(f).resolve()) for f in files]
    run = RunDir(out, "eval winrate")
    try:
        run.write_config(config, judgments=[str(f) for f in files], pairs=summary["pairs_dir"])
        atomic_write_text(out / "winrate.json", json.dumps(summary, indent=2) + "\n")
        atomic_write_text(
            out / "outcomes.jsonl",
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in outcome_rows(outcomes)),
        )
        run.write_summary(_headline(summary))
    finally:
        run.close()
    for axis, block in summary["axes"].items():
        for c in block["comparisons"]:
            ci = c["win_rate_ci"]
            click.echo(
                f"{axis}: {c['model']} vs {c['baseline']}: win {c['win_pct']:.1f}% tie "
                f"{c['tie_pct']:.1f}% loss {c['loss_pct']:.1f}%, win rate {c['win_rate']:.3f} "
                f"[{ci[0]:.3f}, {ci[1]:.3f}] over {c['n_pairs']} pairs"
            )


@eval_.command()
@click.option(
    "--winrate",
    "winrate_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder from eval winrate.",
)
@out_option()
@click.option(
    "--images",
    "images_root",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder relative image paths start from (default: the pairs folder).",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=6,
    show_default=True,
    help="Biggest wins and losses shown per comparison.",
)
@click.option(
    "--embed/--link",
    default=True,
    show_default=True,
    help="Embed images as data URIs, or link them relatively.",
)
@click.option("--title", default="Quality-tuning evaluation", show_default=True)
def report(
    winrate_dir: Path, out: Path, images_root: Path | None, top: int, embed: bool, title: str
) -> None:
    """Write the HTML report (OUT/report.html, plus report.json).

    Win-rate bars with intervals, the per-category table, and the biggest wins and losses side by
    side; it opens offline.
    """
    from photogenic.evaluate.report import build_report

    existing_dir(winrate_dir, "--winrate folder")
    run = RunDir(out, "eval report")
    try:
        run.write_config(
            {},
            winrate=str(winrate_dir),
            images=str(images_root) if images_root else None,
            top=top,
            embed=embed,
            title=title,
        )
        summary = build_report(winrate_dir, out, images_root, top, embed, title)
        run.write_summary(summary)
    finally:
        run.close()
    click.echo(f"report: {summary['report']}")


def _pairs_dir_of(files: tuple[Path, ...]) -> Path | None:
    """The pairs folder recorded by ``eval judge`` next to the first judgments file, if any."""
    for f in files:
        config = Path(f).parent / "config.yaml"
        if config.is_file():
            try:
                doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            if doc.get("command") == "eval judge" and doc.get("pairs"):
                return Path(doc["pairs"])
    return None


def _headline(summary: dict) -> dict:
    """The short ``summary.json`` of a winrate run: the main numbers per axis and comparison."""
    keys = (
        "model",
        "baseline",
        "n_pairs",
        "win_pct",
        "tie_pct",
        "loss_pct",
        "win_rate",
        "win_rate_ci",
        "decisive_win_rate",
        "fleiss_kappa",
    )
    return {
        "models": summary["models"],
        "judges": summary["judges"],
        "n_judgments": summary["n_judgments"],
        "axes": {
            axis: [{k: c[k] for k in keys} for c in block["comparisons"]]
            for axis, block in summary["axes"].items()
        },
    }
