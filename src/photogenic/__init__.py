"""photogenic: quality-tuning for text-to-image models (Emu, arXiv 2309.15807)."""

import logging

__version__ = "0.1.0"


def _without_torchvision_notice(record: logging.LogRecord) -> bool:
    """photogenic never needs torchvision: transformers' PIL image processors are the ones it uses."""
    return "requires torchvision (not installed)" not in record.getMessage()


logging.getLogger("transformers.utils.import_utils").addFilter(_without_torchvision_notice)
