"""The held-out loss curve of an installed base's pretraining, read from its ``build.json``, and
whether it had plateaued: the demo shows both, since quality-tuning an under-trained base "wins"
against it whatever the data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError

PLATEAU_WINDOW_STEPS = 2000
PLATEAU_TOLERANCE = 0.02  # largest relative fall of the held-out loss over the window
STAGES = ("pretrain", "anneal")  # the U-Net's training stages in build order


def pretraining_curve(base: Path) -> dict[str, Any] | None:
    """The base's held-out loss against U-Net training steps (stages laid end to end), and the
    plateau verdict: the last validation's loss is within ``PLATEAU_TOLERANCE`` of the loss
    ``PLATEAU_WINDOW_STEPS`` steps earlier, or early stopping ended training. ``None`` for a base
    without a ``build.json`` (one not built by ``--rebuild-base``)."""
    path = base / "build.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        points: list[tuple[int, float]] = []
        starts: list[list[Any]] = []  # [stage, first step] in build order
        offset, stopped_early = 0, False
        for stage in STAGES:
            if stage in record:
                starts.append([stage, offset])
                points += [(offset + s, float(loss)) for s, loss in record[stage]["validations"]]
                offset += int(record[stage]["steps"])
                stopped_early = bool(record[stage]["stopped_early"])
    except (ValueError, KeyError, TypeError) as err:
        raise PhotogenicError(
            f"{path}: expected the build record of `photogenic demo --rebuild-base` "
            f"(stages with steps, stopped_early and [step, loss] validations): {err}"
        ) from err
    if not points:
        return None
    last_step, last_loss = points[-1]
    earlier = [loss for step, loss in points if step <= last_step - PLATEAU_WINDOW_STEPS]
    fall = (earlier[-1] - last_loss) / earlier[-1] if earlier else None
    return {
        "steps": offset,
        "stages": starts,
        "validations": [list(p) for p in points],
        "stopped_early": stopped_early,
        "window_steps": PLATEAU_WINDOW_STEPS,
        "fall_in_window": fall,
        "plateaued": stopped_early or (fall is not None and fall < PLATEAU_TOLERANCE),
    }


def plot_curve(curve: dict[str, Any], path: Path) -> None:
    """The held-out loss against steps, each later stage's start dashed, the plateau window shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, losses = zip(*curve["validations"], strict=True)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(steps, losses, marker=".", color="#1f4e79")
    ax.axvspan(steps[-1] - curve["window_steps"], steps[-1], color="#888", alpha=0.15)
    for stage, start in curve["stages"][1:]:
        ax.axvline(start, color="#888", linestyle="--", linewidth=1)
        ax.annotate(stage, (start, max(losses)), xytext=(3, -10), textcoords="offset points")
    ax.set_xlabel("U-Net training steps")
    ax.set_ylabel("held-out diffusion loss")
    ax.set_yscale("log")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
