"""Evaluation: pairs of images from two models, judges (people or automated), win-rate statistics
and the report. See :mod:`photogenic.evaluate.pairs`, :mod:`photogenic.evaluate.judgments`,
:mod:`photogenic.evaluate.judges`, :mod:`photogenic.evaluate.stats`,
:mod:`photogenic.evaluate.winrate` and :mod:`photogenic.evaluate.report`."""
