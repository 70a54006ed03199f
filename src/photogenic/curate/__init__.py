"""Curation: per-image measurements, filter stages, pluggable scorers and the funnel that runs them.

Like the paper's funnel, cheap automatic stages cut a large pool down before the human stages:
decode and size, caption sanity, duplicates, overlaid text (OCR), offensive content, learned scorers
on local weights, then weight-free photographic measurements combined into the photogenic score,
domain balancing and top-K selection. Entry points: :func:`photogenic.curate.funnel.run_funnel`
(``photogenic curate run``) and :func:`photogenic.curate.score.score_pool` (``curate score``);
stages are listed in :data:`photogenic.curate.stages.STAGES`.
"""
