"""Write transactions for the ``add-*`` commands: straight on sqlite3 when they can be.

A single ``add-*`` on a SQLite file spends more time importing SQLAlchemy
(about 0.2 s of CPU here, as much as a whole ``sqlite-utils insert``) than
writing. So the services of those commands (``tracker.services.entry``) take
a ``Writer``: a ``Reader`` (SQL text with ``:named`` parameters) that can also
insert a row. A SQLite file that exists, that this process can write and that
is at this tracker's schema is written straight through sqlite3, in one
transaction that does what ``tracker.db.session_scope`` does for a writer:
the same connection settings (``tracker.db``'s docstring), ``BEGIN
IMMEDIATE``, the check that the database may be written
(``tracker.guards.before_write``), the ledger sealed before the commit, the
database's refusals in words, and the unit of work tried again while the
database stays busy. Anything else (PostgreSQL, a file still to be created or
upgraded, a read-only one, a file that is not a tracker database) goes
through SQLAlchemy as every other command does, with a ``SessionWriter``
over the same functions, which creates, upgrades or explains first.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from tracker import config
from tracker.config import BUSY_ATTEMPTS, BUSY_TIMEOUT_MS, sqlite_path
from tracker.dates import TIMESTAMP_FORMAT
from tracker.errors import Busy, Conflict, GuardsAltered, TrackerError
from tracker.reads import Params, Reader, SessionReader, SqliteReader
from tracker.revisions import VERSION_TABLE, head_revision

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


class Writer(Reader, Protocol):
    """What the write services need of a database: a ``Reader`` that inserts."""

    # Kept for one unit of work (what it looked up once).
    info: dict[str, Any]

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row of ``values`` (column to value) into ``table``; its id."""
        ...


def _bindable(params: Params, dialect: str) -> dict[str, Any]:
    """Values as the models store them: an instant as UTC text
    (``tracker.types.UTCTimestamp``), and on SQLite a date as ISO text."""
    bound = {}
    for name, value in (params or {}).items():
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC)
            value = value.strftime(TIMESTAMP_FORMAT)
        elif isinstance(value, dt.date) and dialect == "sqlite":
            value = value.isoformat()
        bound[name] = value
    return bound


def _insert_sql(table: str, values: Mapping[str, Any]) -> str:
    columns = ", ".join(values)
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(f':{c}' for c in values)})"


class _Refused(Exception):
    """A refusal from sqlite3 with the statement refused: what
    ``tracker.constraint_messages`` reads of SQLAlchemy's error."""

    def __init__(self, orig: sqlite3.IntegrityError, statement: str) -> None:
        super().__init__(str(orig))
        self.orig, self.statement = orig, statement


class SqliteWriter(SqliteReader):
    """A sqlite3 connection in a write transaction (``sqlite_write``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.info: dict[str, Any] = {}

    def _execute(self, sql: str, params: Params) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, _bindable(params, "sqlite"))
        except sqlite3.IntegrityError as exc:
            from tracker.constraint_messages import describe_integrity_error

            raise Conflict(describe_integrity_error(_Refused(exc, sql))) from exc

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def value(self, sql: str, params: Params = None) -> Any:
        row = self._execute(sql, params).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, params: Params = None) -> None:
        self._execute(sql, params)

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        cursor = self._execute(_insert_sql(table, values), values)
        assert cursor.lastrowid is not None
        return cursor.lastrowid


class SessionWriter(SessionReader):
    """A SQLAlchemy session writing through the same interface (PostgreSQL,
    or a SQLite file the quick path leaves to SQLAlchemy)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.info = session.info

    def _execute(self, sql: str, params: Params) -> Any:
        return super()._execute(sql, _bindable(params, self.dialect))

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        return int(self._execute(f"{_insert_sql(table, values)} RETURNING id", values).scalar_one())


def _is_sqlite_file(path: Path) -> bool:
    """A non-empty file that starts as SQLite's do. Anything else is left to
    SQLAlchemy's path, which says what is wrong with it (an empty file must
    not quietly become a database)."""
    try:
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def sqlite_write(url: str, work: Callable[[SqliteWriter], T]) -> tuple[T] | None:
    """``(work's result,)`` once it has run and committed in one write
    transaction straight on the SQLite file at ``url``; None, with nothing
    written, if that file cannot be written this way (see the module's
    docstring): the caller then goes through SQLAlchemy."""
    path = sqlite_path(url)
    if path is None or not path.is_file() or not _is_sqlite_file(path):
        return None
    if config.sqlite_read_only(path) is not None:  # SQLAlchemy's path refuses it in words
        return None
    busy = 0
    while True:
        try:
            return _write_once(path, work)
        except Busy:
            busy += 1
            if busy == BUSY_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.05, 0.2) * busy)


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else ""


def _busy(exc: sqlite3.OperationalError) -> Busy | None:
    """The unit of work to be tried again, when SQLite stayed locked."""
    message = _first_line(exc)
    if "locked" in message or "busy" in message:
        return Busy(f"the database stayed busy: {message}")
    return None


def _write_once(path: Path, work: Callable[[SqliteWriter], T]) -> tuple[T] | None:
    from tracker.guards import before_write
    from tracker.ledger import seal

    # mode=rw: never creates a file (one removed since the look above).
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            current = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.OperationalError as exc:
            if (busy := _busy(exc)) is not None:
                raise busy from exc
            return None  # no version table: not a tracker database (SQLAlchemy's path says so)
        except sqlite3.DatabaseError:
            return None  # damaged: SQLAlchemy's path reports it
        if current is None or current[0] != head_revision():
            return None  # to be upgraded (with a backup), or newer than this tracker
        try:
            why = before_write(conn)
            if why is not None:
                raise GuardsAltered(why)
            result = work(SqliteWriter(conn))
            seal(conn)
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            from tracker.constraint_messages import describe_integrity_error

            raise Conflict(describe_integrity_error(exc)) from exc
        except sqlite3.OperationalError as exc:
            if (busy := _busy(exc)) is not None:
                raise busy from exc
            raise TrackerError(f"database error: {_first_line(exc)}") from exc
        return (result,)
    finally:
        conn.close()  # rolls back whatever was not committed
