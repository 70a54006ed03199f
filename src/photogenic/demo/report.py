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
        ("ground-truth appeal mean", f"{world['appeal']['mean']:.3f}"),
        ("decoded back safely", f"{check['decoded']} of {check['items']} (errors: {errors})"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["photogenic demo", "=" * (width + 40)]
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines)
