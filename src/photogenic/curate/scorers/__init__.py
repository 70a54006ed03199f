"""Learned scorers that need user-provided local weights: CLIP score and a LAION-style aesthetic MLP."""
