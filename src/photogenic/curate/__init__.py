"""Curation: per-image measurements, filter stages, pluggable scorers and the funnel that runs them.

Like the paper's funnel, cheap automatic stages cut a large pool down before the human stages:
weight-free measurements first (``photogenic.curate.measures``), then scorers that may need weights.
"""
