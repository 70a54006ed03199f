"""The reader's name set lives on disk: duplicates and unlisted files found, memory flat."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from photogenic.data import METADATA
from photogenic.data.names import NameSet, walk_files


def test_name_set_finds_repeats_and_streams_missing_names_sorted(tmp_path: Path) -> None:
    with NameSet() as names:
        assert names.add("b.png") and names.add("a.png")
        assert not names.add("b.png")
        assert "a.png" in names and "c.png" not in names
        names.found(iter(["d.png", "a.png", "c.png", "d.png"]))
        assert list(names.missing()) == ["c.png", "d.png"]


def test_walk_files_skips_hidden_entries(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".cache").mkdir()
    for name in ["a.png", "sub/b.jpg", ".hidden.png", ".cache/c.png"]:
        (tmp_path / name).write_bytes(b"x")
    assert sorted(walk_files(tmp_path)) == ["a.png", "sub/b.jpg"]


# in a fresh interpreter: threads other tests leave behind (Ray's) would allocate into the trace
_READ_AND_TRACE = """
import sys, tracemalloc
from photogenic.data import open_dataset
tracemalloc.start()
count = sum(1 for item in open_dataset(sys.argv[1]) if item.error == "file_missing")
print(count, tracemalloc.get_traced_memory()[1])
"""


def _peak_python_memory_reading(root: Path, rows: int) -> int:
    root.mkdir()
    with open(root / METADATA, "w") as f:
        for i in range(rows):
            f.write(json.dumps({"file_name": f"images/{i:09d}-some-long-name.png", "text": "t"}))
            f.write("\n")
    child = [sys.executable, "-c", _READ_AND_TRACE, str(root)]
    count, peak = map(int, subprocess.run(child, capture_output=True, check=True).stdout.split())
    assert count == rows
    return peak


def test_reading_an_imagefolder_keeps_python_memory_flat_in_its_size(tmp_path: Path) -> None:
    small = _peak_python_memory_reading(tmp_path / "small", 20_000)
    large = _peak_python_memory_reading(tmp_path / "large", 80_000)
    # a Python set of the 60,000 extra names alone would take more than 5 MB
    assert large < small + 1_000_000, (
        f"peak {small / 1e6:.1f} MB at 20K rows, {large / 1e6:.1f} at 80K"
    )


def test_name_shortcuts_agree_with_pathlib() -> None:
    from itertools import product
    from pathlib import PurePosixPath

    from photogenic.data.item import is_safe_relative, stem_id

    def pathlib_stem(name: str) -> str:
        return str(PurePosixPath(name).with_suffix(""))

    def pathlib_safe(name: str) -> bool:
        rel = PurePosixPath(name.replace("\\", "/"))
        return bool(name) and not rel.is_absolute() and ".." not in rel.parts and bool(rel.parts)

    pieces = ["a", ".", "/", "\\", "b.c", "..", "x.", ".y", "a.b.c", " "]
    names = ["".join(p) for k in range(1, 5) for p in product(pieces, repeat=k)]
    for name in names:
        try:
            expected: str | None = pathlib_stem(name)
        except ValueError:  # pathlib refuses a suffix change on an empty name
            expected = None
        try:
            got: str | None = stem_id(name)
        except ValueError:
            got = None
        assert got == expected, name
        assert is_safe_relative(name) == pathlib_safe(name), name
