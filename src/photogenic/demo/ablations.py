"""``photogenic demo --ablations``: the paper's Table 3 and early-stopping questions in miniature.

On a larger world pool (so the curated set is larger), against the same shipped base:

* **Size**: quality-tuning on random fractions of the curated set (the paper's 100 / 1,000 / 2,000
  of 2,000 become 5 % / 50 % / 100 %), each judged against the base, and against the base tuned on
  a random pool subset of the same size (quality beats quantity).
* **Steps**: one run on the whole curated set, exported at each step count of ``steps`` (the run
  resumes exactly from its last checkpoint, so each point costs only the extra steps), judged
  against the base: win rate and faithfulness against steps, as a plot — where overfitting starts.
* **Families**: a tiny base of each other model family (pixel diffusion, masked tokens, flow
  matching; :mod:`photogenic.demo.families`), pretrained on the demo base's world pool,
  quality-tuned on the same curated set and judged against its own base, with the compute each took.

``parts`` chooses which of the three run (each resumes on its own).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photogenic.data import open_dataset
from photogenic.data.subset import write_subset
from photogenic.demo.base import BaseBuildConfig
from photogenic.demo.evaluation import judge_against, sample_model
from photogenic.demo.families import FAMILY_ROWS, FamilyBases, family_rows
from photogenic.demo.pipeline import DemoConfig, StageClock, base_model, curate_world
from photogenic.demo.tuning import quality_tune, random_control
from photogenic.errors import PhotogenicError
from photogenic.runs import atomic_write_text

PARTS = ("sizes", "steps", "families")


@dataclass
class AblationConfig:
    """What the ablations vary (the rest comes from the demo's config)."""

    pool_size: int = 18000  # 2x the demo's pool: a curated set of about 400
    fractions: list[float] = field(default_factory=lambda: [0.05, 0.5, 1.0])
    steps: list[int] = field(default_factory=lambda: [25, 50, 100, 150, 300])
    parts: list[str] = field(default_factory=lambda: list(PARTS))
    families: list[str] = field(default_factory=lambda: list(FAMILY_ROWS))
    bases: FamilyBases = field(default_factory=FamilyBases)
    base_pool_size: int = BaseBuildConfig.pool_size  # the families pretrain on the demo base's
    base_pool_seed: int = BaseBuildConfig.pool_seed  # pool: never the demo's images


@dataclass
class AblationRun:
    """``photogenic demo --ablations`` settings: the demo's and what the ablations vary."""

    demo: DemoConfig = field(default_factory=DemoConfig)
    ablation: AblationConfig = field(default_factory=AblationConfig)


def run_ablations(
    out: Path, config: DemoConfig, ablation: AblationConfig, progress: bool = True
) -> dict[str, Any]:
    """Run the ablations into ``out``; returns (and writes ``out/ablations.json``) the results."""
    for key, chosen, known in (
        ("parts", ablation.parts, PARTS),
        ("families", ablation.families, FAMILY_ROWS),
    ):
        unknown = [name for name in chosen if name not in known]
        if unknown:
            raise PhotogenicError(
                f"ablation.{key}: unknown {', '.join(unknown)}; expected some of {', '.join(known)}"
            )
    config = copy.deepcopy(config)
    config.curate.select.top_k = (
        config.curate.select.top_k * ablation.pool_size // max(config.pool_size, 1)
    )
    config.pool_size = ablation.pool_size
    clock = StageClock()
    curation = curate_world(out, config, clock, progress)
    base = base_model(config)
    evaluation = config.evaluation
    if {"sizes", "steps"} & set(ablation.parts):
        sample_model("base", base, out / "eval", evaluation, progress)
    curated = [i for i in open_dataset(out / "specialist" / "kept") if not i.error]

    sizes = []
    with clock("size ablation"):
        for fraction in ablation.fractions if "sizes" in ablation.parts else []:
            n = max(1, round(fraction * len(curated)))
            name = f"curated-{n}"
            subset = out / "subsets" / name
            chosen = random.Random(config.seed).sample(curated, n)
            write_subset(chosen, subset)
            control = random_control(out, n, config.seed + 1)
            for label, data in ((name, subset), (f"random-{n}", control)):
                run = quality_tune(base, data, out / "tune" / label, config.tune, progress)
                sample_model(label, Path(run["model"]), out / "eval", evaluation, progress)
            sizes.append(
                {
                    "fraction": fraction,
                    "images": n,
                    "vs_base": judge_against(name, "base", out / "eval", evaluation, False),
                    "vs_random": judge_against(
                        name, f"random-{n}", out / "eval", evaluation, False
                    ),
                }
            )

    curve = []
    with clock("steps ablation"):
        tune = copy.deepcopy(config.tune)
        for steps in sorted(ablation.steps) if "steps" in ablation.parts else []:
            tune.loop.max_steps = steps
            run = quality_tune(
                base, out / "specialist" / "kept", out / "tune" / "steps", tune, progress
            )
            label = f"steps-{steps}"
            sample_model(label, Path(run["model"]), out / "eval", evaluation, progress)
            curve.append(
                {"steps": steps, **judge_against(label, "base", out / "eval", evaluation, False)}
            )
    families = []
    with clock("family rows"):
        if "families" in ablation.parts and ablation.families:
            families = family_rows(
                out, config, ablation.families, ablation.bases,
                (ablation.base_pool_size, ablation.base_pool_seed), progress,
            )  # fmt: skip
    result = {
        "pool_size": ablation.pool_size,
        "curated_items": len(curated),
        "funnel": curation["funnel"],
        "tune_steps": config.tune.loop.max_steps,
        "prompts": evaluation.prompts,
        "sizes": sizes,
        "steps": curve,
        "families": families,
        "family_pool": {"size": ablation.base_pool_size, "seed": ablation.base_pool_seed},
        "stage_seconds": clock.seconds,
    }
    if curve:
        plot_steps(curve, out / "steps.png")
    atomic_write_text(out / "ablations.json", json.dumps(result, indent=2) + "\n")
    return result


def plot_steps(curve: list[dict[str, Any]], path: Path) -> None:
    """Appeal and faithfulness win rates (with their 95 % intervals) against tuning steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [row["steps"] for row in curve]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for axis, colour in (("appeal", "#2e8b57"), ("faithfulness", "#1f4e79")):
        rates = [row[axis]["win_rate"] for row in curve]
        low = [row[axis]["win_rate_ci"][0] for row in curve]
        high = [row[axis]["win_rate_ci"][1] for row in curve]
        ax.plot(steps, rates, marker="o", color=colour, label=axis)
        ax.fill_between(steps, low, high, color=colour, alpha=0.15)
    ax.axhline(0.5, color="#888", linestyle="--", linewidth=1)
    ax.set_xlabel("quality-tuning steps")
    ax.set_ylabel("win rate vs base")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def format_ablations(result: dict[str, Any]) -> str:
    """The ablation tables for the terminal."""
    lines = [
        f"ablations on a {result['pool_size']}-item pool ({result['curated_items']} curated; "
        f"{result['tune_steps']} steps per size; {result['prompts']} prompts); win rate (W + T/2)/N",
        f"{'tuning set':<16}{'appeal vs base':>16}{'faithful vs base':>18}{'appeal vs random':>18}",
    ]
    for row in result["sizes"]:
        lines.append(
            f"{str(row['images']) + ' curated':<16}{row['vs_base']['appeal']['win_rate']:>16.3f}"
            f"{row['vs_base']['faithfulness']['win_rate']:>18.3f}"
            f"{row['vs_random']['appeal']['win_rate']:>18.3f}"
        )
    lines += ["", f"{'steps':<16}{'appeal vs base':>16}{'faithful vs base':>18}"]
    for row in result["steps"]:
        lines.append(
            f"{row['steps']:<16}{row['appeal']['win_rate']:>16.3f}"
            f"{row['faithfulness']['win_rate']:>18.3f}"
        )
    if result.get("families"):
        lines += [
            "",
            "each family quality-tuned on the curated set, vs its own world-pretrained base and vs "
            "the base tuned on a random pool subset of the same size (control)",
            f"{'family':<14}{'appeal (95% CI)':>24}{'faithful W/T/L':>16}"
            f"{'appeal vs control':>19}{'compute (min)':>15}",
        ]
        for row in result["families"]:
            a, f = row["appeal"], row["faithfulness"]
            low, high = a["win_rate_ci"]
            minutes = sum(row["compute_seconds"].values()) / 60
            control = row.get("vs_control", {}).get("appeal", {}).get("win_rate", float("nan"))
            merged = f" x{row['merge']:g}" if row.get("merge", 1.0) != 1.0 else ""
            lines.append(
                f"{row['family'] + merged:<14}{a['win_rate']:>10.3f} [{low:.3f}, {high:.3f}]"
                f"{f['win']:>8}/{f['tie']}/{f['loss']}{control:>19.3f}{minutes:>14.1f}"
            )
        if any(row.get("merge", 1.0) != 1.0 for row in result["families"]):
            lines.append(
                "xA: tuned and control keep A times their weight change (photogenic merge)"
            )
    return "\n".join(lines)
