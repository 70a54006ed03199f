"""One entry point for every accepted input: ``open_dataset(path)`` detects the format.

Formats: ``imagefolder`` (images + ``metadata.jsonl``), ``sidecar`` (images + same-stem ``.txt``),
``webdataset`` (``.tar`` shards: a file, a folder, or a ``shard-{000..009}.tar`` pattern) and
``parquet`` (a manifest file or a folder of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.parquet as pq

from photogenic.data.formats import is_image_name
from photogenic.data.imagefolder import read_imagefolder
from photogenic.data.item import Item
from photogenic.data.manifests import parquet_files, read_parquet
from photogenic.data.shards import is_tar_name, read_tar_shards
from photogenic.data.sidecar import read_sidecar_folder
from photogenic.data.writer import METADATA
from photogenic.errors import PhotogenicError

READERS: dict[str, Callable[[str | Path], Iterator[Item]]] = {
    "imagefolder": read_imagefolder,
    "sidecar": read_sidecar_folder,
    "webdataset": read_tar_shards,
    "parquet": read_parquet,
}
EXPECTED = (
    f"expected an imagefolder (images + {METADATA}), a folder of images with .txt captions, "
    "WebDataset .tar shards (a file, a folder, or shard-{000..009}.tar), "
    "or Parquet manifests (a .parquet file or a folder of them)"
)


def detect_format(path: str | Path) -> str:
    """The format name (a key of ``READERS``) of ``path``; a one-line error naming what is accepted."""
    text = str(path)
    p = Path(path)
    if "{" in text and not p.exists() and is_tar_name(text):
        return "webdataset"
    if not p.exists():
        raise PhotogenicError(f"input not found: {p} ({EXPECTED})")
    if p.is_file():
        if is_tar_name(p):
            return "webdataset"
        if p.suffix.lower() == ".parquet":
            return "parquet"
        if p.name == METADATA:
            return "imagefolder"
        raise PhotogenicError(f"{p} is not a dataset: {EXPECTED}")
    if (p / METADATA).is_file():
        return "imagefolder"
    children = list(p.iterdir())
    if any(c.is_file() and is_tar_name(c) for c in children):
        return "webdataset"
    if any(p.rglob("*.parquet")):
        return "parquet"
    if any(is_image_name(c) for c in p.rglob("*")):
        return "sidecar"
    raise PhotogenicError(f"{p} holds no dataset: {EXPECTED}")


def open_dataset(path: str | Path, format: str | None = None) -> Iterator[Item]:
    """Iterate the items of any accepted input (``format`` forces a reader; None detects it).

    Bad paths raise :class:`PhotogenicError` here, before iteration; bad entries become items with
    an ``error`` reason, so every input entry is accounted for.
    """
    name = format or detect_format(path)
    if name not in READERS:
        raise PhotogenicError(
            f"unknown dataset format {name!r}; expected one of: {', '.join(READERS)}"
        )
    if name == "imagefolder" and Path(path).name == METADATA:
        path = Path(path).parent
    return READERS[name](path)


def estimate_count(path: str | Path, format: str | None = None) -> int | None:
    """A cheap item count for progress bars (metadata lines, Parquet row counts), or None."""
    name = format or detect_format(path)
    p = Path(path)
    if name == "imagefolder":
        meta = p if p.name == METADATA else p / METADATA
        with open(meta, "rb") as f:
            return sum(1 for line in f if line.strip())
    if name == "parquet":
        try:
            return sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(p))
        except Exception:  # a damaged manifest: no estimate, the reader reports it
            return None
    return None
