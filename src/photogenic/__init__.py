"""photogenic: quality-tuning for text-to-image models (Emu, arXiv 2309.15807)."""

__version__ = "0.1.0"
