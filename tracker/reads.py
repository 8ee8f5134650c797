"""Read-only queries: the same SQL through SQLAlchemy or, for a quick start, sqlite3.

The query commands (``list``, ``due``, ``report``) on a SQLite file spend more
time importing SQLAlchemy (0.3 to 0.5 s on a small machine) than querying.
So the read services take a ``Reader``: SQL text with ``:named`` parameters,
which both SQLAlchemy's ``text()`` and the standard library's sqlite3 bind.
A SQLite file already at this tracker's schema is read straight through
sqlite3, in one read transaction (one consistent snapshot); anything else (a
PostgreSQL server, a database still to be created or upgraded) goes through
SQLAlchemy and ``tracker.schema`` as every other command does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracker.config import (
    BUSY_TIMEOUT_MS,
    Stamp,
    file_stamp,
    sqlite_path,
    sqlite_read_only,
    sqlite_read_uri,
)
from tracker.revisions import VERSION_TABLE, head_revision

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

Params = Mapping[str, Any] | None


class Reader(Protocol):
    """What the read services need of a database."""

    dialect: str

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]: ...

    def value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        ...

    def run(self, sql: str, params: Params = None) -> None:
        """A statement without rows (a temporary table for the report)."""
        ...


class SqliteReader:
    def __init__(self, conn: sqlite3.Connection, path: Path | None = None,
                 stamp: Stamp | None = None) -> None:  # fmt: skip
        self.conn = conn
        self.dialect = "sqlite"
        self._path, self._stamp = path, stamp

    def changed(self) -> bool:
        """Whether a file read immutably was written meanwhile (``sqlite_read_uri``):
        what was read may be torn, and must be read again another way."""
        return self._stamp is not None and file_stamp(self._path) != self._stamp  # type: ignore[arg-type]

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, dict(params or {}))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def value(self, sql: str, params: Params = None) -> Any:
        row = self.conn.execute(sql, dict(params or {})).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, params: Params = None) -> None:
        self.conn.execute(sql, dict(params or {}))


class SessionReader:
    """A SQLAlchemy session or connection, read through the same interface."""

    def __init__(self, db: Session | Connection) -> None:
        from sqlalchemy.orm import Session

        self.db = db
        bind = db.get_bind() if isinstance(db, Session) else db
        self.dialect = bind.dialect.name

    def _execute(self, sql: str, params: Params) -> Any:
        from sqlalchemy import text

        return self.db.execute(text(sql), dict(params or {}))

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in self._execute(sql, params)]

    def value(self, sql: str, params: Params = None) -> Any:
        row = self._execute(sql, params).first()
        return None if row is None else row[0]

    def run(self, sql: str, params: Params = None) -> None:
        self._execute(sql, params)


@contextmanager
def sqlite_reader(url: str) -> Iterator[SqliteReader | None]:
    """A reader straight on the SQLite file at ``url`` if it exists and is at
    this tracker's schema; None otherwise (the caller takes the SQLAlchemy
    path, which creates, upgrades or explains)."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        yield None
        return
    # mode=ro: this connection cannot write the file, whatever SQL it runs;
    # temporary tables (the report's) live apart from it. A file this process
    # cannot write is opened as tracker.config.sqlite_read_uri says (a WAL
    # database without its -wal immutably, so nothing is left beside it), and
    # must be unchanged when the read ends (else the slower path reads it).
    uri, stamp = f"{path.absolute().as_uri()}?mode=ro", None
    if sqlite_read_only(path) is not None:
        uri, stamp = sqlite_read_uri(path)
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("BEGIN")
            current = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.DatabaseError:  # not a tracker database, or not a database
            current = None
        at_head = current and current[0] == head_revision()
        yield SqliteReader(conn, path, stamp) if at_head else None
    finally:
        conn.close()  # ends the read transaction
