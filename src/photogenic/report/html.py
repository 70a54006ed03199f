"""Render HTML with Jinja2 (autoescaped) and embed binary images as data URIs."""

from __future__ import annotations

import base64
from typing import Any

BASE_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1, h2, h3 { font-weight: 600; } table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f4f4f4; } td.l, th.l { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; } .grid figure { margin: 0; width: 132px; }
.grid img { width: 128px; height: 128px; object-fit: contain; background: #eee; }
.grid figcaption { font-size: 11px; overflow-wrap: anywhere; }
.notice { color: #8a5a00; } .plots img { max-width: 100%; }
"""


def data_uri(data: bytes, mime: str = "image/png") -> str:
    """``data:<mime>;base64,...`` for embedding ``data`` in a page."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(template: str, **context: Any) -> str:
    """Render a Jinja2 template string (autoescaped); ``base_css`` is available to it."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(template).render(base_css=BASE_CSS, **context)
