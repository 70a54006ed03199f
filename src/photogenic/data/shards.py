"""Read WebDataset ``.tar`` shards with the standard library (no webdataset dependency).

A sample is the run of consecutive members sharing a key (the member path up to the first dot of
its base name); the image is the member with an image extension, the caption ``txt`` or a
``json`` object with ``text``/``caption``. Other small text members become columns.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from photogenic.data import reasons
from photogenic.data.captions import decode_caption
from photogenic.data.item import Item, is_safe_relative, json_safe
from photogenic.errors import PhotogenicError

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")
IMAGE_KEYS = ("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "ppm", "pgm", "pbm")
CAPTION_KEYS = ("txt", "text", "caption")
_MAX_COLUMN_BYTES = 4096
_BRACE = re.compile(r"\{([^{}]*)\}")


def is_tar_name(name: str | Path) -> bool:
    """True for ``.tar``, ``.tar.gz`` and ``.tgz`` file names."""
    return str(name).lower().endswith(TAR_SUFFIXES)


def expand_braces(pattern: str) -> list[str]:
    """Expand ``{000..009}`` ranges (zero padding kept) and ``{a,b}`` lists, as in WebDataset URLs."""
    match = _BRACE.search(pattern)
    if match is None:
        return [pattern]
    body = match.group(1)
    numeric = re.fullmatch(r"(\d+)\.\.(\d+)", body)
    if numeric:
        lo, hi = numeric.groups()
        width = len(lo) if lo.startswith("0") else 0
        choices = [str(i).zfill(width) for i in range(int(lo), int(hi) + 1)]
    else:
        choices = body.split(",")
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [out for c in choices for out in expand_braces(head + c + tail)]


def resolve_shards(spec: str | Path) -> list[Path]:
    """The shard files for a ``.tar`` file, a folder of them, or a brace pattern."""
    text = str(spec)
    if "{" in text and not Path(text).exists():
        shards = [Path(p) for p in expand_braces(text)]
        if not any(p.exists() for p in shards):
            raise PhotogenicError(f"no shard of {text} exists (expected .tar files)")
        return shards
    path = Path(spec)
    if path.is_file() and is_tar_name(path):
        return [path]
    if path.is_dir():
        shards = sorted(p for p in path.iterdir() if p.is_file() and is_tar_name(p))
        if shards:
            return shards
    raise PhotogenicError(
        f"{path}: expected a .tar shard, a folder of them or shard-{{000..009}}.tar"
    )


def read_tar_shards(spec: str | Path) -> Iterator[Item]:
    """Yield one item per sample of every shard (in order); unreadable parts become error items."""
    return _items(resolve_shards(spec))


def _items(shards: list[Path]) -> Iterator[Item]:
    for shard in shards:
        if not shard.exists():
            detail = f"{shard}: shard named by the pattern does not exist"
            yield Item(
                f"{shard.name}", "", error=reasons.SHARD_MISSING, detail=detail, source=str(shard)
            )
            continue
        yield from _read_shard(shard)


def _read_shard(shard: Path) -> Iterator[Item]:
    key: str | None = None
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(shard, mode="r|*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                directory, base = posixpath.split(member.name)
                if base.startswith("."):
                    continue
                stem, _, ext = base.partition(".")
                member_key = posixpath.join(directory, stem)
                if key is not None and member_key != key:
                    yield _sample(shard, key, members)
                    members = {}
                key = member_key
                fileobj = tar.extractfile(member)
                members[ext.lower()] = fileobj.read() if fileobj else b""
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        where = f"{shard}" + (f" after key {key}" if key else "")
        detail = f"{where}: {exc}"
        yield Item(
            f"{shard.name}:{key or 'start'}",
            "",
            error=reasons.SHARD_UNREADABLE,
            detail=detail,
            source=str(shard),
        )
        return
    if key is not None:
        yield _sample(shard, key, members)


def _sample(shard: Path, key: str, members: dict[str, bytes]) -> Item:
    source = f"{shard}:{key}"
    image_ext = next((e for e in IMAGE_KEYS if e in members), None)
    file_name = f"{key}.{image_ext}" if image_ext else key
    item = Item(key, file_name, source=source, data=members.get(image_ext) if image_ext else None)
    if not is_safe_relative(key):
        item.error, item.detail = reasons.UNSAFE_PATH, f"{source}: key points outside the dataset"
        item.data = None
        return item
    if image_ext is None:
        item.error = reasons.IMAGE_MISSING
        item.detail = f"{source}: no image member (have: {', '.join(sorted(members))})"
        return item
    for ext, raw in members.items():
        is_other = ext not in IMAGE_KEYS and ext not in CAPTION_KEYS and ext != "json"
        if is_other and len(raw) <= _MAX_COLUMN_BYTES:
            with contextlib.suppress(UnicodeDecodeError):
                item.columns[ext] = raw.decode("utf-8").strip()
    caption_ext = next((e for e in CAPTION_KEYS if e in members), None)
    text: str | None = None
    error, detail = None, ""
    if "json" in members:
        meta, problem = _json_object(members["json"])
        if meta is None:
            error, detail = reasons.METADATA_INVALID_JSON, f"{source}.json: {problem}"
        else:
            found = meta.pop("text", None)
            found = meta.pop("caption", None) if found is None else found
            text = found if isinstance(found, str) else None
            meta.pop("file_name", None)  # the sample key names the file
            item.columns.update({k: json_safe(v) for k, v in meta.items()})
    if caption_ext is not None:
        caption = decode_caption(members[caption_ext], f"{source}.{caption_ext}")
        text = caption.text
        error, detail = error or caption.error, detail or caption.detail
    elif text is None and error is None:
        error, detail = reasons.CAPTION_MISSING, f"{source}: no txt member and no text in json"
    item.text, item.error, item.detail = text, error, detail
    return item


def _json_object(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"invalid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, got {type(value).__name__}"
    return value, ""
