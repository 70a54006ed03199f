"""``convert`` (any input to a canonical imagefolder dataset) and ``check`` (decode and count)."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from photogenic.data import reasons
from photogenic.data.decode import DEFAULT_MAX_PIXELS, Decoded, decode_image
from photogenic.data.item import Item
from photogenic.data.jsonl import JsonlAppender
from photogenic.data.ledger import ERRORS, Ledger
from photogenic.data.readers import detect_format, open_dataset
from photogenic.data.writer import METADATA, DatasetWriter, LinkMode
from photogenic.errors import PhotogenicError

Progress = Callable[[Iterator[Item]], Iterable[Item]]
FLAGS = ("exif_rotated", "had_alpha", "was_grayscale", "animated", "normalised")


def convert_dataset(
    input: str | Path,
    out: str | Path,
    *,
    decode: bool = True,
    link: LinkMode = "copy",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write every readable item of ``input`` to the imagefolder dataset ``out``; returns the summary.

    With ``decode``, images that need normalisation (mode, alpha, EXIF rotation, animation, or a
    format other than JPEG/PNG/WebP) are re-encoded as 8-bit RGB PNG; all other images are copied
    byte for byte (or linked per ``link``). Unusable items go to ``errors.jsonl``. Rerunning on the
    same ``out`` resumes. The summary satisfies ``input = kept + errors``.
    """
    fmt = detect_format(input)
    refuse_nested(Path(input), Path(out))
    items = open_dataset(input, fmt)
    n_input, reencoded = 0, 0
    flags: Counter[str] = Counter()
    claimed: set[str] = set()
    with DatasetWriter(out, resume=True) as writer, Ledger(out) as ledger:
        for item in progress(items) if progress else items:
            n_input += 1
            if item in ledger:
                continue  # recorded by an earlier, interrupted run
            if item.error is not None or item.text is None:
                ledger.error(item, item.error or reasons.CAPTION_MISSING)
                continue
            candidates = [item.file_name, png_name(item.file_name)] if decode else [item.file_name]
            resumed = next((n for n in candidates if n in writer and n not in claimed), None)
            if resumed is not None:
                claimed.add(resumed)
                ledger.keep(item)
                continue
            written = _write_one(item, writer, claimed, ledger, decode, link, max_pixels)
            if written is not None:
                reencoded += bool(written.get("reencode"))
                flags.update(f for f in FLAGS if written.get(f))
        ledger.check(n_input)
        summary = ledger.summary()
    summary.pop("dropped", None)
    summary.pop("dropped_by_reason", None)
    return {
        "format": fmt,
        "input": n_input,
        **summary,
        "reencoded_png": reencoded,
        "flags": dict(sorted(flags.items())),
        "accounting": f"input {n_input} = kept {summary['kept']} + errors {summary['errors']}",
    }


def _write_one(
    item: Item,
    writer: DatasetWriter,
    claimed: set[str],
    ledger: Ledger,
    decode: bool,
    link: LinkMode,
    max_pixels: int,
) -> dict[str, Any] | None:
    """Write one good item; returns the decode info (empty without decode), or None on error."""
    try:
        raw = item.read_bytes()
    except PhotogenicError as exc:
        ledger.error(item, reasons.READ_ERROR, str(exc))
        return None
    info: dict[str, Any] = {}
    columns = dict(item.columns)
    columns.setdefault("id", item.id)
    target, data = item.file_name, raw
    if decode:
        decoded = decode_image(raw, max_pixels=max_pixels)
        if not decoded.ok:
            ledger.error(item, decoded.error, decoded.detail)
            return None
        info = decoded.info
        columns["width"], columns["height"] = decoded.image.size
        if info["reencode"]:
            target, data = png_name(item.file_name), _png_bytes(decoded)
    if target in claimed or target in writer:
        detail = f"{item.source}: {target} was already written by another item"
        ledger.error(item, reasons.DUPLICATE_FILE_NAME, detail)
        return None
    columns["sha256"] = hashlib.sha256(data).hexdigest()
    if data is raw and item.data is None and item.path is not None:
        writer.add_entry(target, item.text, columns, source=item.path, mode=link)
    else:
        writer.add_entry(target, item.text, columns, data=data)
    claimed.add(target)
    ledger.keep(item)
    return info


def check_dataset(
    input: str | Path,
    out: str | Path | None = None,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Decode every item of ``input`` and count results per reason; nothing is written but, with
    ``out``, ``errors.jsonl``. The summary satisfies ``input = kept + errors``."""
    fmt = detect_format(input)
    items = open_dataset(input, fmt)
    by_reason: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    kept = n_input = 0
    errors_file = None
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / ERRORS).unlink(missing_ok=True)
        errors_file = JsonlAppender(Path(out) / ERRORS)
    try:
        for item in progress(items) if progress else items:
            n_input += 1
            error, detail = item.error, item.detail
            if error is None:
                decoded = item.decode(max_pixels=max_pixels)
                error, detail = decoded.error, decoded.detail
                flags.update(f for f in FLAGS if decoded.info.get(f))
            if error is None:
                kept += 1
                continue
            by_reason[error] += 1
            if errors_file is not None:
                row = {"id": item.id, "file_name": item.file_name, "source": item.source}
                errors_file.write({**row, "reason": error, "detail": detail})
    finally:
        if errors_file is not None:
            errors_file.close()
    errors = sum(by_reason.values())
    return {
        "format": fmt,
        "input": n_input,
        "kept": kept,
        "errors": errors,
        "errors_by_reason": dict(sorted(by_reason.items())),
        "flags": dict(sorted(flags.items())),
        "accounting": f"input {n_input} = kept {kept} + errors {errors}",
    }


def png_name(file_name: str) -> str:
    """The file name with a ``.png`` extension (for re-encoded images)."""
    return str(PurePosixPath(file_name).with_suffix(".png"))


def _png_bytes(decoded: Decoded) -> bytes:
    buf = io.BytesIO()
    decoded.image.save(buf, format="PNG")
    return buf.getvalue()


def refuse_nested(input: Path, out: Path) -> None:
    """Refuse an output folder that is, or lies inside, the input folder."""
    src = input.parent if input.name == METADATA else input
    if not src.is_dir():
        return
    src, dst = src.resolve(), out.resolve()
    if dst == src or src in dst.parents:
        raise PhotogenicError(f"--out {out} must not be inside the input folder {input}")
