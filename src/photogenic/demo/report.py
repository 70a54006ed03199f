"""The demo's plain-text summary for the terminal."""

from __future__ import annotations

from typing import Any


def format_summary(summary: dict[str, Any]) -> str:
    """A short table of what each stage of the demo did."""
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
    lines = ["photogenic demo", "=" * 72]
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines += ["", "curation funnel (precision = share of needles, from the world's ground truth)"]
    lines.append(f"{'stage':<28}{'items':>7}{'needles':>9}{'precision':>11}{'appeal':>9}")
    for row in summary["funnel"]:
        lines.append(
            f"{row['stage']:<28}{row['items']:>7}{row['needles']:>9}"
            f"{row['precision']:>11.2f}{row['mean_appeal']:>9.3f}"
        )
    lines.append("(the two human stages are simulated from ground truth; see README)")
    return "\n".join(lines)
