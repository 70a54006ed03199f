"""HTML pieces of the evaluation report: win-rate bars (inline SVG), tables and image pairs.

Plain HTML and CSS with inline SVG: no scripts, no fonts or styles from the network. Every piece of
text from the data (prompts, model and category names) is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

COLOURS = {"win": "#2e8b57", "tie": "#b8b8b8", "loss": "#c0392b", "ci": "#1f2d3d"}
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;
color:#1f2d3d;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .6em;border-bottom:1px solid #eee;
text-align:right}td:first-child,th:first-child{text-align:left}
.muted{color:#6b7785}.pairs{display:flex;flex-wrap:wrap;gap:1em}
.pair{border:1px solid #ddd;border-radius:6px;padding:.5em;width:330px}
.pair .imgs{display:flex;gap:.4em}.pair figure{margin:0;flex:1;text-align:center}
.pair img{width:100%;image-rendering:auto;border-radius:3px}
.pair figcaption{font-size:.8em}.prompt{font-size:.9em;margin:.3em 0}
.missing{width:100%;aspect-ratio:1;background:#f3f3f3;display:flex;align-items:center;
justify-content:center;font-size:.75em;color:#999}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
"""


def fmt_pct(x: float | None) -> str:
    """``12.3%`` or ``n/a``."""
    return "n/a" if x is None else f"{100 * x:.1f}%"


def fmt_ci(ci: Sequence[float] | None) -> str:
    """``[40.1%, 55.0%]`` or ``n/a``."""
    return "n/a" if not ci else f"[{fmt_pct(ci[0])}, {fmt_pct(ci[1])}]"


def fmt_num(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or ``n/a``."""
    return "n/a" if x is None else f"{x:.{digits}f}"


def winrate_bar(c: dict[str, Any], width: int = 640) -> str:
    """An SVG bar: win/tie/loss shares stacked, with the win rate and its bootstrap CI marked."""
    n = c["n_pairs"] or 1
    shares = [("win", c["win"] / n), ("tie", c["tie"] / n), ("loss", c["loss"] / n)]
    x = 0.0
    rects = []
    for kind, share in shares:
        w = share * width
        if w > 0:
            rects.append(
                f'<rect x="{x:.1f}" y="18" width="{w:.1f}" height="22" fill="{COLOURS[kind]}">'
                f"<title>{kind} {100 * share:.1f}%</title></rect>"
            )
        x += w
    marks = [
        f'<line x1="{width / 2}" y1="12" x2="{width / 2}" y2="46" stroke="#555" '
        'stroke-dasharray="3,3"/>'
    ]
    rate, ci = c.get("win_rate"), c.get("win_rate_ci")
    if ci:
        x0, x1 = ci[0] * width, ci[1] * width
        marks.append(
            f'<line x1="{x0:.1f}" y1="8" x2="{x1:.1f}" y2="8" stroke="{COLOURS["ci"]}" '
            f'stroke-width="2"/><line x1="{x0:.1f}" y1="4" x2="{x0:.1f}" y2="12" '
            f'stroke="{COLOURS["ci"]}" stroke-width="2"/><line x1="{x1:.1f}" y1="4" '
            f'x2="{x1:.1f}" y2="12" stroke="{COLOURS["ci"]}" stroke-width="2"/>'
        )
    if rate is not None:
        marks.append(
            f'<circle cx="{rate * width:.1f}" cy="8" r="4" fill="{COLOURS["ci"]}">'
            f"<title>win rate {fmt_pct(rate)} {fmt_ci(ci)}</title></circle>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="48" '
        f'role="img" aria-label="win rate">{"".join(rects)}{"".join(marks)}</svg>'
    )


def legend() -> str:
    """The colour legend of the bars."""
    items = "".join(
        f'<span style="background:{COLOURS[k]}"></span>{label}'
        for k, label in (("win", "win"), ("tie", "tie"), ("loss", "loss"))
    )
    return (
        f'<p class="legend muted">{items}<span style="background:{COLOURS["ci"]};width:.5em;'
        'height:.5em;border-radius:50%"></span>win rate (W + T/2)/N with its 95% bootstrap '
        "interval over prompts; dashed line: 50%</p>"
    )


def comparison_block(c: dict[str, Any]) -> str:
    """Heading, bar and the headline numbers of one comparison."""
    kappa = c.get("fleiss_kappa")
    raters = c.get("raters_per_pair", {})
    return (
        f"<h3>{escape(c['model'])} vs {escape(c['baseline'])}</h3>"
        f"{winrate_bar(c)}"
        f"<p>win {fmt_num(c['win_pct'], 1)}% · tie {fmt_num(c['tie_pct'], 1)}% · "
        f"loss {fmt_num(c['loss_pct'], 1)}% over {c['n_pairs']} pairs "
        f"({c['n_prompts']} prompts)<br>"
        f"win rate (W + T/2)/N: <b>{fmt_pct(c['win_rate'])}</b> bootstrap "
        f"{fmt_ci(c['win_rate_ci'])}, Wilson {fmt_ci(c['win_rate_wilson'])}<br>"
        f"W/(W + L): <b>{fmt_pct(c['decisive_win_rate'])}</b> bootstrap "
        f"{fmt_ci(c['decisive_win_rate_ci'])}, Wilson {fmt_ci(c['decisive_win_rate_wilson'])}<br>"
        f"raters per pair: {raters.get('min', 0)}–{raters.get('max', 0)}; Fleiss' κ: "
        f"{fmt_num(kappa) if kappa is not None else 'n/a (fewer than two raters per pair)'}</p>"
    )


def breakdown_table(title: str, groups: dict[str, dict[str, Any]]) -> str:
    """A table of win/tie/loss and win rate per category (or challenge)."""
    if not groups:
        return ""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{g['n_pairs']}</td><td>{g['win']}</td><td>{g['tie']}</td>"
        f"<td>{g['loss']}</td><td>{fmt_pct(g['win_rate'])}</td>"
        f"<td>{fmt_ci(g['win_rate_wilson'])}</td><td>{fmt_pct(g['decisive_win_rate'])}</td></tr>"
        for name, g in groups.items()
    )
    return (
        f"<table><caption>{escape(title)}</caption><tr><th>{escape(title)}</th><th>pairs</th>"
        "<th>win</th><th>tie</th><th>loss</th><th>win rate</th><th>Wilson 95%</th>"
        f"<th>W/(W+L)</th></tr>{rows}</table>"
    )


def bradley_terry_table(bt: dict[str, Any] | None) -> str:
    """Bradley-Terry strengths with their intervals."""
    if not bt:
        return ""
    rows = "".join(
        f"<tr><td>{escape(m)}</td><td>{s:.3f}</td>"
        f"<td>{f'[{ci[0]:.3f}, {ci[1]:.3f}]' if ci else 'n/a'}</td></tr>"
        for m, s, ci in zip(bt["models"], bt["strength"], bt["strength_ci"], strict=True)
    )
    return (
        "<h3>Bradley–Terry</h3><table><tr><th>model</th><th>strength</th><th>95% bootstrap</th>"
        f"</tr>{rows}</table><p class='muted'>{escape(bt['note'])}</p>"
    )


def pair_card(example: dict[str, Any]) -> str:
    """One image pair: both images side by side with the (escaped) prompt, margin and votes."""
    figures = "".join(
        f"<figure>{_img(example[src])}<figcaption>{escape(example[name])}</figcaption></figure>"
        for src, name in (("src_model", "model"), ("src_baseline", "baseline"))
    )
    votes = example["votes"]
    return (
        f'<div class="pair"><div class="imgs">{figures}</div>'
        f'<p class="prompt">{escape(example["prompt"])}</p>'
        f'<p class="muted">{escape(example["outcome"])} · margin {example["margin"]:+.3f} '
        f"({escape(example['margin_kind'])}) · votes for/tie/against {votes['model']}/{votes['tie']}/"
        f"{votes['baseline']} · {escape(example['category'] or '-')}</p></div>"
    )


def pair_gallery(title: str, examples: Sequence[dict[str, Any]]) -> str:
    """A titled row of pair cards (nothing when empty)."""
    if not examples:
        return ""
    cards = "".join(pair_card(e) for e in examples)
    return f"<h4>{escape(title)}</h4><div class='pairs'>{cards}</div>"


def page(title: str, body: str) -> str:
    """A complete HTML document."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def _img(src: str | None) -> str:
    if not src:
        return '<div class="missing">image not found</div>'
    return f'<img src="{escape(src, quote=True)}" alt="">'
