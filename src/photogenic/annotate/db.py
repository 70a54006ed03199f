"""Open the annotation store: SQLite (WAL, the embedded default) or PostgreSQL, by URL."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from photogenic.annotate.models import Base
from photogenic.errors import PhotogenicError


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL: a bare path means SQLite; ``postgresql://`` uses the psycopg 3 driver."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and ``BEGIN IMMEDIATE``."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise PhotogenicError(
            f"--db {_hidden(url)}: cannot use this database URL ({exc})"
        ) from None
    memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    elif parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    _sqlite_pragmas(engine, wal=not memory)
    return engine


def _hidden(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(engine: Engine, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed transaction is in the WAL file when COMMIT returns, so an
        # acknowledged answer survives the server being killed; only a power cut may lose the last
        # few commits (never the database's consistency).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Take the write lock up front: no deadlock-prone read-to-write upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def savepoint(session: Session) -> contextlib.AbstractContextManager[Any]:
    """A savepoint where a concurrent transaction could conflict (PostgreSQL); nothing on SQLite,
    where write transactions run one at a time."""
    if session.get_bind().dialect.name == "sqlite":
        return contextlib.nullcontext()
    return session.begin_nested()


class Store:
    """The database of one annotation deployment; :meth:`session` is one transaction."""

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time: queue this process's transactions on a lock rather than
        # in SQLite's sleeping busy handler (lower tail latency under many annotators).
        self._lock: Any = threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        if create:
            self.create_tables()

    def create_tables(self) -> None:
        """Create missing tables and indexes (idempotent)."""
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            reason = " ".join(str(exc.orig).split())  # one line
            raise PhotogenicError(f"cannot open database {self.safe_url()}: {reason}") from None

    def safe_url(self) -> str:
        """The URL with any password hidden (for messages)."""
        return _hidden(self.url)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on an exception."""
        with self._lock, self._factory() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
