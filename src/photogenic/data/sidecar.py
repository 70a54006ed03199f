"""Read a folder of images with same-stem ``.txt`` caption files (searched recursively)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from photogenic.data import reasons
from photogenic.data.captions import read_caption_file
from photogenic.data.formats import is_image_name
from photogenic.data.item import Item, stem_id
from photogenic.errors import PhotogenicError


def read_sidecar_folder(root: str | Path) -> Iterator[Item]:
    """Yield one item per image (``caption_missing`` without a ``.txt``), then one ``image_missing``
    item per ``.txt`` that no image uses."""
    root = Path(root)
    if not root.is_dir():
        raise PhotogenicError(f"{root}: expected a folder of images with .txt captions")
    return _items(root)


def _items(root: Path) -> Iterator[Item]:
    files = sorted(
        p
        for p in root.rglob("*")
        if not any(part.startswith(".") for part in p.relative_to(root).parts) and p.is_file()
    )
    captions = {p.with_suffix(""): p for p in files if p.suffix.lower() == ".txt"}
    used: set[Path] = set()
    for path in files:
        if not is_image_name(path):
            continue
        name = path.relative_to(root).as_posix()
        caption_path = captions.get(path.with_suffix(""), path.with_suffix(".txt"))
        used.add(caption_path)
        caption = read_caption_file(caption_path)
        yield Item(
            stem_id(name), name, caption.text, {}, caption.error, caption.detail, str(path), path
        )
    for caption_path in sorted(set(captions.values()) - used):
        name = caption_path.relative_to(root).as_posix()
        detail = f"{name}: a caption file with no image of the same name"
        yield Item(
            stem_id(name),
            name,
            error=reasons.IMAGE_MISSING,
            detail=detail,
            source=str(caption_path),
        )
