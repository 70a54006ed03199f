"""The one dataset format (imagefolder + ``metadata.jsonl``): read any input, decode safely, write.

Public API: :func:`open_dataset` (imagefolder, ``.txt`` sidecars, WebDataset ``.tar``, Parquet),
:class:`Item`, :func:`decode_image` / :class:`Decoded`, :class:`DatasetWriter`,
:func:`write_subset`, :class:`Ledger` (input = kept + dropped + errors) and the reason codes in
:mod:`photogenic.data.reasons`.
"""

from photogenic.data.captions import Caption, decode_caption
from photogenic.data.decode import Decoded, decode_image, image_size
from photogenic.data.item import Item
from photogenic.data.ledger import Ledger
from photogenic.data.readers import READERS, detect_format, open_dataset
from photogenic.data.subset import write_subset
from photogenic.data.writer import METADATA, DatasetWriter

__all__ = [
    "METADATA",
    "READERS",
    "Caption",
    "DatasetWriter",
    "Decoded",
    "Item",
    "Ledger",
    "decode_caption",
    "decode_image",
    "detect_format",
    "image_size",
    "open_dataset",
    "write_subset",
]
