"""A set of file names kept in a temporary SQLite file, so a reader's memory does not grow with the
number of files it has seen (a Python set of a million names costs about 100 MB)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

_BATCH = 10_000  # names inserted per statement while listing a folder


class NameSet:
    """Names seen so far (``add``), plus a second table of names found on disk (``found``)
    so the names found but never added can be streamed back in sorted order (``missing``)."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="photogenic-names-")
        self._db = sqlite3.connect(Path(self._dir.name) / "names.sqlite", isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
            "CREATE TABLE seen (name TEXT PRIMARY KEY) WITHOUT ROWID;"
            "CREATE TABLE found (name TEXT PRIMARY KEY) WITHOUT ROWID;"
            "BEGIN;"
        )

    def add(self, name: str) -> bool:
        """Add ``name``; False when it was already there."""
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (name,))
        return cursor.rowcount == 1

    def __contains__(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM seen WHERE name = ?", (name,)).fetchone() is not None

    def found(self, names: Iterator[str]) -> None:
        """Record names found on disk (in batches, never all at once)."""
        batch: list[tuple[str]] = []
        for name in names:
            batch.append((name,))
            if len(batch) == _BATCH:
                self._db.executemany("INSERT OR IGNORE INTO found VALUES (?)", batch)
                batch.clear()
        self._db.executemany("INSERT OR IGNORE INTO found VALUES (?)", batch)

    def missing(self) -> Iterator[str]:
        """Names found on disk but never added, in sorted order (sorted by SQLite, on disk)."""
        query = "SELECT name FROM found WHERE name NOT IN (SELECT name FROM seen) ORDER BY name"
        for (name,) in self._db.execute(query):
            yield name

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> NameSet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def walk_files(root: Path) -> Iterator[str]:
    """Every file below ``root`` as a POSIX path relative to it, streamed (``os.scandir``),
    skipping hidden files and folders (names starting with a dot)."""
    base = os.path.join(str(root), "")  # entry paths start with it: cut it off, no pathlib
    stack = [base]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(os.path.join(entry.path, ""))
                elif entry.is_file():
                    rel = entry.path[len(base) :]
                    yield rel if os.sep == "/" else rel.replace(os.sep, "/")
