"""Shared HTML and plot helpers for the reports of curate, train and evaluate.

Plots are drawn with matplotlib's Agg backend into PNG bytes; pages are rendered with Jinja2
(autoescaped) and embed their images as data URIs, so one ``report.html`` file is self-contained.
"""

from photogenic.report.html import data_uri, render_html
from photogenic.report.plots import bar_chart, funnel_chart, histogram, histogram_grid
from photogenic.report.thumbs import thumbnail_uri

__all__ = [
    "bar_chart",
    "data_uri",
    "funnel_chart",
    "histogram",
    "histogram_grid",
    "render_html",
    "thumbnail_uri",
]
