"""``photogenic data``: convert any accepted input to the canonical dataset, or check it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import click
from tqdm import tqdm

from photogenic.cli.common import out_option
from photogenic.data.convert import check_dataset, convert_dataset, refuse_nested
from photogenic.data.decode import DEFAULT_MAX_PIXELS
from photogenic.data.item import Item
from photogenic.data.readers import detect_format, estimate_count
from photogenic.data.writer import LinkMode
from photogenic.runs import RunDir

_INPUT_HELP = (
    "Dataset: imagefolder (metadata.jsonl), images with .txt captions, WebDataset .tar "
    "(file, folder or shard-{000..009}.tar) or Parquet manifest(s)."
)


_max_pixels_option = click.option(
    "--max-pixels",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_PIXELS,
    show_default=True,
    help="Refuse images whose header declares more pixels (decompression bombs).",
)


@click.group()
def data() -> None:
    """Read, convert and check datasets (imagefolder, .txt sidecars, .tar shards, Parquet)."""


@data.command()
@click.option("--input", "input_path", required=True, help=_INPUT_HELP)
@out_option()
@click.option(
    "--decode/--no-decode",
    default=True,
    show_default=True,
    help="Decode every image (drop unreadable ones, re-encode those needing normalisation as PNG).",
)
@click.option(
    "--link",
    type=click.Choice(["copy", "hardlink", "symlink"]),
    default="copy",
    show_default=True,
    help="How images that need no re-encoding reach the output.",
)
@_max_pixels_option
def convert(input_path: str, out: Path, decode: bool, link: str, max_pixels: int) -> None:
    """Write any accepted input as an imagefolder dataset in --out (plus errors.jsonl); resumable."""
    detect_format(input_path)
    refuse_nested(Path(input_path), out)
    run = RunDir(out, "data convert")
    try:
        run.write_config(
            {"input": input_path, "decode": decode, "link": link, "max_pixels": max_pixels}
        )
        summary = convert_dataset(
            input_path,
            out,
            decode=decode,
            link=cast(LinkMode, link),
            max_pixels=max_pixels,
            progress=_progress(input_path, "convert"),
        )
        run.write_summary(summary)
        run.log.info(summary["accounting"])
        _print_summary(summary)
    finally:
        run.close()


@data.command()
@click.option("--input", "input_path", required=True, help=_INPUT_HELP)
@out_option(required=False)
@_max_pixels_option
def check(input_path: str, out: Path | None, max_pixels: int) -> None:
    """Decode every item and count the results per reason (writes summary.json with --out)."""
    detect_format(input_path)
    if out is not None:
        refuse_nested(Path(input_path), out)
    run = RunDir(out, "data check") if out is not None else None
    try:
        if run is not None:
            run.write_config({"input": input_path, "max_pixels": max_pixels})
        summary = check_dataset(
            input_path, out, max_pixels=max_pixels, progress=_progress(input_path, "check")
        )
        if run is not None:
            run.write_summary(summary)
            run.log.info(summary["accounting"])
        _print_summary(summary)
    finally:
        if run is not None:
            run.close()


def _progress(input_path: str, desc: str) -> Any:
    total = estimate_count(input_path)

    def wrap(items: Iterator[Item]) -> Iterator[Item]:
        return tqdm(items, total=total, desc=desc, unit="img", dynamic_ncols=True)

    return wrap


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(f"{summary['format']}: {summary['accounting']}")
    rows = [("ok", summary["kept"]), *summary["errors_by_reason"].items()]
    width = max(len(name) for name, _ in rows)
    for name, count in rows:
        click.echo(f"  {name:<{width}}  {count:>8}")
