"""Engines, connection settings and transactions.

SQLite is the embedded default. Each new SQLite connection gets:

- ``foreign_keys=ON`` (OFF only for the migration connection, because a batch
  table copy with enforcement on can cascade deletes into child tables),
- a busy timeout, WAL journal and ``synchronous=NORMAL`` for safe concurrency,
- truly transactional statements: pysqlite's own transaction handling is turned
  off and we emit ``BEGIN`` ourselves, ``BEGIN IMMEDIATE`` for writers, so DDL
  rolls back with everything else and writers queue instead of deadlocking.

Any other SQLAlchemy URL (PostgreSQL for teams) is used as it is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tracker.config import BUSY_TIMEOUT_MS, sqlite_path
from tracker.constraint_messages import describe_integrity_error
from tracker.errors import Busy, Conflict, SchemaError, TrackerError

T = TypeVar("T")
BUSY_ATTEMPTS = 5
WRITE_OPTION = "tracker_write"


def _check_sqlite_file(url: str) -> None:
    """Fail early, in words, on paths SQLite would only report as 'unable to open'."""
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise SchemaError(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        raise SchemaError(f"folder {path.parent} does not exist (for database {path.name})")
    if path.exists() and path.stat().st_size == 0:
        # SQLite would take an empty file for a new database; a typo or a failed
        # copy would then silently become one.
        raise SchemaError(f"{path} is an empty file, not a database (remove it to start anew)")
    if path.exists():
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise SchemaError(f"{path} is not a SQLite database")


def _install_sqlite_listeners(engine: Engine, *, migrating: bool) -> None:
    in_memory = sqlite_path(str(engine.url)) is None

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA foreign_keys = {'OFF' if migrating else 'ON'}")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not in_memory:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        writing = migrating or conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


@cache
def get_engine(url: str, *, migrating: bool = False) -> Engine:
    """One engine per URL and purpose for the life of the process."""
    if url.startswith("sqlite"):
        _check_sqlite_file(url)
        # No pool: a connection lives as long as its unit of work, so no file
        # handle outlives it (and a short-lived CLI has nothing to pool).
        engine = create_engine(url, poolclass=NullPool)
        _install_sqlite_listeners(engine, migrating=migrating)
        return engine
    kind = url.split("://", 1)[0].split("+", 1)[0]
    if kind not in ("postgresql", "postgres"):
        raise SchemaError(
            f"{kind}:// databases are not supported: tracker keeps its record in a SQLite "
            "file or in PostgreSQL (postgresql://…)"
        )
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise SchemaError(
            "the PostgreSQL driver is not installed: pip install 'tracker[postgres]'"
        ) from None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back everything on any error.

    Integrity errors from the database become ``Conflict`` with a readable
    message, so a rule enforced only by SQLite still reaches the user as a line.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    session = Session(bind, expire_on_commit=False, autoflush=True)
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(describe_integrity_error(exc)) from exc
    except InternalError as exc:
        session.rollback()
        # PostgreSQL reports a trigger's refusal (RAISE EXCEPTION, SQLSTATE P0001)
        # as an internal error; SQLite's RAISE(ABORT) arrives as an integrity error.
        if getattr(exc.orig, "sqlstate", None) == "P0001":
            raise Conflict(describe_integrity_error(exc)) from exc
        raise
    except OperationalError as exc:
        session.rollback()
        message = str(exc.orig).splitlines()[0]
        if "locked" in message or "busy" in message:
            raise Busy(f"the database stayed busy: {message}") from exc
        raise TrackerError(f"database error: {message}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def run_in_transaction(engine: Engine, work: Callable[[Session], T], *, write: bool = False) -> T:
    """Run ``work`` in one transaction and return its result.

    Writers queue on SQLite's lock for up to the busy timeout; if SQLite still
    reports the database busy (it can, for instance while another connection
    checkpoints the WAL), the whole unit of work is retried a bounded number
    of times with a jittered back-off, so a user sees the result, not the race.
    """
    for attempt in range(1, BUSY_ATTEMPTS + 1):
        try:
            with session_scope(engine, write=write) as session:
                return work(session)
        except Busy:
            if attempt == BUSY_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")
