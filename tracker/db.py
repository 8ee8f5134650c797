"""Engines, connection settings and transactions.

SQLite is the embedded default. Each new SQLite connection gets:

- ``foreign_keys=ON`` (OFF only for the migration connection, because a batch
  table copy with enforcement on can cascade deletes into child tables),
- a busy timeout, WAL journal and ``synchronous=NORMAL`` for safe concurrency,
- truly transactional statements: pysqlite's own transaction handling is turned
  off and we emit ``BEGIN`` ourselves, ``BEGIN IMMEDIATE`` for writers, so DDL
  rolls back with everything else and writers queue instead of deadlocking.

PostgreSQL (for teams) has no single writer of its own, so tracker makes one:
every write transaction first takes one transaction-scoped advisory lock
(``pg_advisory_xact_lock``), and writers queue on it as they do on SQLite's
lock. A write reads before it writes (the outcome it supersedes, whether a
spelling is taken) and keeps the shared score totals current; two writers
interleaving there would fork an outcome's history or count a claim twice.
One lock per question would not do: a question's outcome changes the scores
of claims conditional on it, which are other questions' claims, and every
write adds to the same overall totals.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tracker.config import BUSY_ATTEMPTS, BUSY_TIMEOUT_MS, DISTRIBUTION, sqlite_path
from tracker.constraint_messages import describe_integrity_error, refused_by_rule
from tracker.errors import Busy, Conflict, GuardsAltered, SchemaError, TrackerError

T = TypeVar("T")
WRITE_OPTION = "tracker_write"
# The key of PostgreSQL's advisory lock that tracker's writers queue on ("tracker"
# in ASCII). Advisory locks are per database: other databases on the server
# have writers of their own.
WRITE_LOCK_KEY = int.from_bytes(b"tracker", "big")
# SQLSTATEs after which the whole unit of work is tried again (PostgreSQL): a
# serialization failure, a deadlock, and a lock not granted within lock_timeout.
RETRY_SQLSTATES = {
    "40001": "kept colliding with other writers",
    "40P01": "kept deadlocking with other writers",
    "55P03": "stayed busy",
}
# Unique keys a writer checks by reading first (the outcome it supersedes, the
# first outcome of a question, a spelling or speaker not yet recorded): their
# violation means another writer got there between the read and the write, and
# the unit of work read again says what is now true. Any other duplicate is
# refused at once. Writers holding the write lock never race there; one
# outside tracker, or an older tracker without the lock, can.
RACED_KEYS = frozenset(
    {
        "uq_outcomes_supersedes_id",
        "uq_outcomes_one_first_per_question",
        "uq_person_aliases_alias_key",
        "uq_people_slug",
        "uq_people_name",
    }
)
RACE_ATTEMPTS = 3


class Raced(Conflict):
    """A unique key taken by another writer between this one's read and write."""


class ReadOnly(TrackerError):
    """A write to a database this process can only read (``sqlite_read_only``)."""


def _check_sqlite_file(url: str) -> None:
    """Fail early, in words, on paths SQLite would only report as 'unable to open'."""
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise SchemaError(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        raise SchemaError(f"folder {path.parent} does not exist (for database {path.name})")
    if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise ReadOnly(f"cannot create a database at {path}: its folder is not writable")
    if path.exists() and path.stat().st_size == 0:
        # SQLite would take an empty file for a new database; a typo or a failed
        # copy would then silently become one.
        raise SchemaError(f"{path} is an empty file, not a database (remove it to start anew)")
    if path.exists():
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise SchemaError(f"{path} is not a SQLite database")


def _install_sqlite_listeners(engine: Engine, *, migrating: bool) -> None:
    """Connection settings (see the module's docstring), and read-only files.

    A file this process cannot write (``tracker.config.sqlite_read_only``: its
    mode, its folder's, a read-only mount, another user's database) is opened
    read-only, each connection deciding afresh: with the ``file:`` URI of
    ``tracker.config.sqlite_read_uri`` (``mode=ro``, and ``immutable=1`` for a
    WAL database without a ``-wal``: SQLite could not open it read-only
    otherwise without creating files next to it; that docstring says why this
    is safe). Such a connection never sets the journal mode (that would write
    the file), a write to it is refused in words before SQLite is asked
    (``ReadOnly``), and an immutable read whose file changed while it was read
    is refused at its commit as ``Busy``, so ``run_in_transaction`` reads again.
    """
    from tracker.config import file_stamp, sqlite_read_only, sqlite_read_uri

    path = sqlite_path(str(engine.url))

    @event.listens_for(engine, "do_connect")
    def on_do_connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        record.info.pop(_READ_ONLY, None)
        record.info.pop(_STAMP, None)
        why = sqlite_read_only(path) if path is not None and path.exists() else None
        if why is None:
            return None  # SQLAlchemy connects as usual
        uri, stamp = sqlite_read_uri(path)  # type: ignore[arg-type]
        record.info[_READ_ONLY] = why
        if stamp is not None:
            record.info[_STAMP] = stamp
        return dialect.connect(uri, **{**cparams, "uri": True})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA foreign_keys = {'OFF' if migrating else 'ON'}")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path is not None and _READ_ONLY not in record.info:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        writing = migrating or conn.get_execution_options().get(WRITE_OPTION, False)
        why = conn.info.get(_READ_ONLY)
        if writing and why is not None:
            raise ReadOnly(f"cannot write to {path}: the database is read-only ({why})")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    @event.listens_for(engine, "commit")
    def on_commit(conn: Any) -> None:
        stamp = conn.info.get(_STAMP)
        if stamp is not None and file_stamp(path) != stamp:  # type: ignore[arg-type]
            raise Busy(f"{path} changed while it was read (someone is writing it)")


_READ_ONLY = "tracker_read_only"  # connection info: why this connection cannot write
_STAMP = "tracker_stamp"  # connection info: the stamp of a file opened immutable


def _install_postgresql_listeners(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            _take_write_lock(conn)


def _take_write_lock(conn: Any) -> None:
    """Queue for the one write lock, for as long as SQLite waits for its own."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def hold_write_lock(session: Session) -> None:
    """Make sure this unit of work holds the write lock before it reads what it
    will write over. A writer's session (``write=True``) took it as it began;
    this is for one begun otherwise. Nothing to do on SQLite, whose writers
    began with BEGIN IMMEDIATE (and a reader there cannot write at all)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or conn.get_execution_options().get(WRITE_OPTION):
        return
    if session.info.get(WRITE_OPTION) is not session.get_transaction():
        _take_write_lock(conn)
        session.info[WRITE_OPTION] = session.get_transaction()


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
        engine = create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError:
        raise SchemaError(
            f"the PostgreSQL driver is not installed: pip install '{DISTRIBUTION}[postgres]'"
        ) from None
    _install_postgresql_listeners(engine)
    return engine


def _refuse_altered(session: Session) -> None:
    """No write on a database whose guards someone changed, or that holds rows
    written outside the tracker (``tracker.guards.before_write``)."""
    from tracker.guards import before_write

    why = before_write(session.connection())
    if why is not None:
        raise GuardsAltered(why)


def _seal(session: Session) -> None:
    """Seal what this unit of work wrote in the ledger, in the same transaction."""
    from tracker.ledger import seal

    session.flush()
    seal(session.connection())


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine, *, write: bool = False, record: bool = True) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back everything on any error.

    A writer (``write=True``) of the record first checks the database may be
    written (``tracker.guards.before_write``) and seals what it wrote in the
    ledger before committing; ``record=False`` is for a writer of derived
    data only (rebuilding the kept score totals), which does neither.

    Integrity errors from the database become ``Conflict`` with a readable
    message, so a rule enforced only by SQLite still reaches the user as a line
    (``Raced`` for a key another writer took between this one's read and
    write). A busy database, a serialization failure or a deadlock becomes
    ``Busy``: the unit of work can be tried again.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    session = Session(bind, expire_on_commit=False, autoflush=True)
    try:
        if write and record:
            _refuse_altered(session)
        yield session
        if write and record:
            _seal(session)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        diag = getattr(exc.orig, "diag", None)
        raced = (
            getattr(exc.orig, "sqlstate", None) == "23505"
            and getattr(diag, "constraint_name", None) in RACED_KEYS
        )
        raise (Raced if raced else Conflict)(describe_integrity_error(exc)) from exc
    except (InternalError, ProgrammingError) as exc:
        session.rollback()
        # PostgreSQL reports a trigger's refusal (RAISE EXCEPTION) as one of
        # these, by driver; SQLite's RAISE(ABORT) arrives as an integrity error.
        if refused_by_rule(exc):
            raise Conflict(describe_integrity_error(exc)) from exc
        raise
    except OperationalError as exc:
        session.rollback()
        message = str(exc.orig).splitlines()[0]
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in RETRY_SQLSTATES:
            raise Busy(f"the database {RETRY_SQLSTATES[sqlstate]}: {message}") from exc
        if "locked" in message or "busy" in message:
            raise Busy(f"the database stayed busy: {message}") from exc
        raise TrackerError(f"database error: {message}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def run_in_transaction(
    engine: Engine, work: Callable[[Session], T], *, write: bool = False, record: bool = True
) -> T:
    """Run ``work`` in one transaction and return its result.

    Writers queue on the database's write lock (SQLite's, or tracker's advisory
    lock on PostgreSQL) for up to the busy timeout; if the database still
    reports itself busy (SQLite can, for instance while another connection
    checkpoints the WAL) or PostgreSQL reports a serialization failure or a
    deadlock, the whole unit of work is retried a bounded number of times with
    a jittered back-off, so a user sees the result, not the race. So is one
    that lost a race for a key it had read as free (``Raced``): read again, it
    either succeeds or is refused in words.
    """
    busy = raced = 0
    while True:
        try:
            with session_scope(engine, write=write, record=record) as session:
                return work(session)
        except Raced:
            raced += 1
            if raced == RACE_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.01, 0.05) * raced)
        except Busy:
            busy += 1
            if busy == BUSY_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.05, 0.2) * busy)
