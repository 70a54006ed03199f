"""Write datasets in the one format: image files plus ``metadata.jsonl`` (Hugging Face imagefolder).

Each image is written through a temporary file and a rename, then its metadata row is appended and
flushed, so an interrupted writer leaves no half-written image; reopening with ``resume=True`` keeps
every complete row and skips those file names.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from PIL import Image

from photogenic.errors import PhotogenicError

METADATA = "metadata.jsonl"
LinkMode = Literal["copy", "hardlink", "symlink"]


class DatasetWriter:
    """Append images and captions to an imagefolder dataset directory."""

    def __init__(self, root: str | Path, *, resume: bool = True) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.metadata_path = self.root / METADATA
        self.file_names: set[str] = set()
        if self.metadata_path.exists():
            if not resume:
                raise PhotogenicError(
                    f"{self.metadata_path} already exists; choose an empty --out folder"
                )
            self.file_names = _recover_metadata(self.metadata_path)
        self._meta = open(self.metadata_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __contains__(self, file_name: object) -> bool:
        return file_name in self.file_names

    def __len__(self) -> int:
        return len(self.file_names)

    def add_bytes(self, file_name: str, data: bytes, text: str, **columns: Any) -> None:
        """Write encoded image ``data`` as ``file_name`` with caption ``text`` and extra columns."""
        self.add_entry(file_name, text, columns, data=data)

    def add_image(
        self, file_name: str, image: Image.Image, text: str, *, quality: int = 95, **columns: Any
    ) -> None:
        """Encode a PIL image (format from the file name's suffix) and add it."""
        fmt = Image.registered_extensions().get(PurePosixPath(file_name).suffix.lower())
        if fmt is None:
            raise PhotogenicError(f"{file_name}: unknown image file extension")
        buf = io.BytesIO()
        params = {"quality": quality} if fmt == "JPEG" else {}
        image.save(buf, format=fmt, **params)
        self.add_bytes(file_name, buf.getvalue(), text, **columns)

    def add_file(
        self,
        file_name: str,
        source: str | Path,
        text: str,
        *,
        mode: LinkMode = "copy",
        **columns: Any,
    ) -> None:
        """Add an existing image file by copying, hard-linking or symlinking it (no re-encode)."""
        self.add_entry(file_name, text, columns, source=source, mode=mode)

    def add_entry(
        self,
        file_name: str,
        text: str,
        columns: Mapping[str, Any] | None = None,
        *,
        data: bytes | None = None,
        source: str | Path | None = None,
        mode: LinkMode = "copy",
    ) -> None:
        """Add an image given as encoded ``data`` or an existing ``source`` file (linked per ``mode``).

        ``columns`` is a mapping, so any column name works (even ``source`` or ``mode``), except
        the reserved ``file_name`` and ``text``.
        """
        columns = dict(columns or {})
        reserved = {"file_name", "text"} & set(columns)
        if reserved:
            raise PhotogenicError(f"{file_name}: column(s) {sorted(reserved)} are reserved")
        if (data is None) == (source is None):
            raise PhotogenicError(f"{file_name}: give exactly one of data or source")
        target = self._target(file_name)
        if data is not None:
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            self._append_row(file_name, text, columns)
            return
        source = Path(source)  # type: ignore[arg-type]
        if target.exists() or target.is_symlink():
            target.unlink()
        if mode == "hardlink":
            try:
                os.link(source, target)
            except OSError:  # another filesystem: fall back to a copy
                shutil.copyfile(source, target)
        elif mode == "symlink":
            os.symlink(source.resolve(), target)
        elif mode == "copy":
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        else:
            raise PhotogenicError(f"link mode {mode!r}: expected copy, hardlink or symlink")
        self._append_row(file_name, text, columns)

    def close(self) -> None:
        """Flush and close ``metadata.jsonl``."""
        if not self._meta.closed:
            self._meta.close()

    def _target(self, file_name: str) -> Path:
        rel = PurePosixPath(file_name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.name == METADATA:
            raise PhotogenicError(
                f"file_name {file_name!r}: expected a relative path inside the dataset"
            )
        if file_name in self.file_names:
            raise PhotogenicError(f"file_name {file_name!r} is already in {self.metadata_path}")
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _append_row(self, file_name: str, text: str, columns: dict[str, Any]) -> None:
        row = {"file_name": file_name, "text": text, **columns}
        self._meta.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._meta.flush()
        self.file_names.add(file_name)


def _recover_metadata(path: Path) -> set[str]:
    """File names of the complete rows; a torn last line (from an interrupt) is cut off."""
    raw = path.read_bytes()
    keep = raw
    if raw and not raw.endswith(b"\n"):
        keep = raw[: raw.rfind(b"\n") + 1]
    names = set()
    for line in keep.decode("utf-8").splitlines():
        if line.strip():
            names.add(json.loads(line)["file_name"])
    if keep != raw:
        with open(path, "r+b") as f:
            f.truncate(len(keep))
    return names
