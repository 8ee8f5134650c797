"""``tracker copy``: the whole record from one database to another, ids and all.

A team that outgrows one SQLite file moves to PostgreSQL, and a PostgreSQL
record is snapshotted into a SQLite file to publish or to serve with
Datasette. Either way the copy must be the same record, not a re-import: the
ids are kept (the ledger's hashes cover them, and links and citations name
them), and so are the outcome chains, the revisions, the ledger and the kept
score totals, row for row.

How:

* **Schema first.** The source must be at this tracker's schema (a copy is
  read and written with its models); the target is created or brought to the
  same revision by the project's own ``ensure_schema``, so its triggers,
  views and reference data are the migrations' own.
* **Guards.** Inserts pass the append-only triggers as they are (those refuse
  updates, deletes and a reused id, and a copy only adds rows), and the
  triggers that check a row against others (a claim fits its question, an
  outcome its question) pass because the rows arrive parents first, in id
  order. The ledger is copied with the rows it seals, so the target's
  ``before_write`` check (guards intact, nothing unsealed) passes afterwards
  and the target takes tracker writes at once; the copy checks that last.
  Emptying a target (``--replace``) deletes from append-only tables, which
  their triggers refuse: for that one statement each such table's guard is set
  aside inside the emptying transaction (dropped and re-created from its saved
  SQL on SQLite, as the bulk import does; disabled and enabled again on
  PostgreSQL), so no other connection ever sees a table without its guard.
* **Batches.** The source is read in one read transaction (a consistent
  snapshot; REPEATABLE READ on PostgreSQL, with a server-side cursor),
  ``batch`` rows at a time in primary-key order; each batch is written in its
  own transaction. A copy killed half-way leaves a target that holds part of
  a record: a rerun refuses it unless ``--replace``, which empties it first.
* **Sequences.** PostgreSQL's id sequences do not move when ids are given, so
  each is set past the largest id copied; later inserts do not collide.
* **Checksums.** Each table's rows are hashed as they are read from the source
  and read back from the target, ordered by primary key (text keys in code
  point order on both), each value in a form both databases give alike
  (``canonical``). A count or a hash that differs is a failed copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, Text, column, delete, func, insert, select, table
from sqlalchemy import text as sql_text

from tracker.errors import TrackerError

BATCH = 5_000
# Derived from the record and kept with it (the score totals and their stale
# flag, which the triggers raise while claims arrive): copied last, as they are.
DERIVED = ("score_state", "score_totals", "calibration_totals")
# Filled by the migrations (reference data): a target that holds only these
# holds no record yet. They are still emptied and copied, so ids match.
SHIPPED = ("scales", "scale_terms", "phrases")
KINDS = ("sqlite", "postgresql", "postgres")


class CopyError(TrackerError):
    """A copy refused before anything was written, or one that did not match."""


@dataclass(frozen=True)
class TableCheck:
    """One table compared after a copy: rows and checksum on either side."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass
class CopyResult:
    """What a copy did and found."""

    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for stderr: warnings, no failure
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.source_rows for t in self.tables)

    @property
    def mismatched(self) -> list[TableCheck]:
        return [t for t in self.tables if not t.ok]


def describe(url: str) -> str:
    """A database as a user names it: a file's path, or a URL without its password."""
    from sqlalchemy.engine import make_url

    from tracker.config import sqlite_path

    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def endpoints(source: str, target: str) -> tuple[str, str]:
    """The two URLs of a copy, or why not, in one line: each a SQLite file or a
    PostgreSQL URL, the source's file present, and not the same database."""
    from tracker.config import database_url, sqlite_path

    urls = []
    for value, role in ((source, "FROM"), (target, "TO")):
        if not value.strip():
            raise CopyError(f"{role} is empty: give a SQLite file or a postgresql:// URL")
        url = database_url(value)
        kind = url.split("://", 1)[0].split("+", 1)[0].lower()
        if kind not in KINDS:
            raise CopyError(
                f"{value}: {kind}:// is not a database tracker can copy; give a SQLite file "
                "or a postgresql:// URL"
            )
        if kind == "sqlite" and sqlite_path(url) is None:
            raise CopyError(f"{value}: an in-memory database cannot be copied; give a file")
        urls.append(url)
    src, dst = urls
    path = sqlite_path(src)
    if path is not None and not path.is_file():
        raise CopyError(f"no database at {path}")
    if _same(src, dst):
        raise CopyError(f"{describe(src)} is both FROM and TO; copy to another database")
    return src, dst


def _same(a: str, b: str) -> bool:
    """Whether two URLs name one database (a file under any spelling, or one
    server database however its URL is written)."""
    from sqlalchemy.engine import make_url

    from tracker.config import sqlite_path

    pa, pb = sqlite_path(a), sqlite_path(b)
    if pa is not None or pb is not None:
        if pa is None or pb is None:
            return False
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
        return os.path.realpath(pa) == os.path.realpath(pb)
    ua, ub = make_url(a), make_url(b)
    return ((ua.host or "localhost"), (ua.port or 5432), ua.database) == (
        (ub.host or "localhost"),
        (ub.port or 5432),
        ub.database,
    )


def copy_tables() -> list[Table]:
    """The tables of the record, parents first; the ledger and the derived
    tables last (see ``DERIVED``)."""
    from tracker.models import Base

    last = ("ledger", *DERIVED)
    ordered = [t for t in Base.metadata.sorted_tables if t.name not in last]
    return ordered + [Base.metadata.tables[name] for name in last]


def _plain(model: Table) -> Any:
    """The table as copied: each column with its model's type, except the
    timestamps, which are ISO text in both databases and are copied as that
    text (parsing each only to print it again would cost time and could
    round)."""
    from tracker.types import UTCTimestamp

    return table(
        model.name,
        *(
            column(c.name, Text() if isinstance(c.type, UTCTimestamp) else c.type)
            for c in model.columns
        ),
    )


def _ordered(conn: Connection, model: Table) -> Any:
    """Every row of ``model`` in primary-key order, alike on both databases:
    text keys in code point order (PostgreSQL's "C" collation is SQLite's
    binary order on UTF-8)."""
    plain = _plain(model)
    keys = []
    for key in model.primary_key.columns:
        expr = plain.c[key.name]
        if conn.dialect.name == "postgresql" and isinstance(key.type, Text):
            expr = expr.collate("C")
        keys.append(expr)
    return select(plain).order_by(*keys)


def canonical(value: Any) -> Any:
    """A value as hashed: what SQLite and PostgreSQL give for the same stored
    value becomes the same JSON (dates as ISO text, floats by ``repr``,
    booleans as 0/1)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _row_bytes(row: Any) -> bytes:
    values = [canonical(v) for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def checksum(conn: Connection, model: Table, batch: int = BATCH) -> tuple[int, str]:
    """The number of rows of ``model`` and the sha256 of them in key order."""
    digest, count = hashlib.sha256(), 0
    result = conn.execution_options(yield_per=batch).execute(_ordered(conn, model))
    for rows in result.partitions():
        for row in rows:
            digest.update(_row_bytes(row))
        count += len(rows)
    return count, digest.hexdigest()


def _held(conn: Connection, tables: list[Table]) -> dict[str, int]:
    """The tables of the record (not reference data, not derived) that hold
    rows, with how many; user-added phrases count as record."""
    found = {}
    for model in tables:
        if model.name in DERIVED or (model.name in SHIPPED and model.name != "phrases"):
            continue
        query = select(func.count()).select_from(model)
        if model.name == "phrases":
            query = query.where(model.c.added_by != "tracker")
        count = conn.execute(query).scalar_one()
        if count:
            found[model.name] = count
    return found


_BEFORE_DELETE = r"\bBEFORE\s+DELETE\b"


@contextmanager
def _guard_aside(conn: Connection, name: str) -> Iterator[None]:
    """Set aside the triggers that refuse deleting from table ``name`` for one
    statement, in the caller's transaction, and put them back as they were."""
    import re

    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ALTER TABLE "{name}" DISABLE TRIGGER USER')
        yield
        conn.exec_driver_sql(f'ALTER TABLE "{name}" ENABLE TRIGGER USER')
        return
    saved = [
        (trigger, sql)
        for trigger, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)
        )
        if re.search(_BEFORE_DELETE, sql, re.IGNORECASE)
    ]
    for trigger, _ in saved:
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    yield
    for _, sql in saved:
        conn.exec_driver_sql(sql)


def _writer(engine: Engine) -> Engine:
    """The engine as a tracker writer (BEGIN IMMEDIATE on SQLite, the write
    lock on PostgreSQL), so other tracker writers wait for each batch."""
    from tracker.db import WRITE_OPTION

    return engine.execution_options(**{WRITE_OPTION: True})


def empty(engine: Engine, tables: list[Table]) -> None:
    """Delete every row of ``tables``, children first, in one transaction:
    all of it or, if killed, none of it."""
    with _writer(engine).begin() as conn:
        for model in reversed(tables):
            if conn.execute(select(1).select_from(model).limit(1)).first() is None:
                continue
            with _guard_aside(conn, model.name):
                conn.execute(delete(model))


def _set_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move each PostgreSQL id sequence past the largest id copied (or back to
    1 on an empty table), so the next insert gets a free id."""
    for model in tables:
        keys = list(model.primary_key.columns)
        if len(keys) != 1:
            continue
        sequence = conn.execute(
            sql_text("SELECT pg_get_serial_sequence(:t, :c)"),
            {"t": model.name, "c": keys[0].name},
        ).scalar()
        if sequence is None:  # the ledger numbers its entries itself
            continue
        conn.execute(
            sql_text(
                f'SELECT setval(:s, COALESCE((SELECT max("{keys[0].name}") FROM "{model.name}"), 0)'
                " + 1, false)"
            ),
            {"s": sequence},
        )


def _check_source(conn: Connection, url: str) -> list[str]:
    """Refuse a source that is not a tracker database at this tracker's schema;
    notes on one whose guards were changed (copied as it is)."""
    from tracker.guards import altered
    from tracker.revisions import head_revision, known_revisions
    from tracker.schema import current_revision

    name = describe(url)
    revision, head = current_revision(conn), head_revision()
    if revision is None:
        raise CopyError(f"{name} is not a tracker database (it has no tracker schema)")
    if revision not in known_revisions():
        raise CopyError(
            f"{name} is at schema {revision}, newer than this tracker (knows up to {head}); "
            "upgrade tracker to copy it"
        )
    if revision != head:
        raise CopyError(
            f"{name} is at schema {revision}, this tracker at {head}: upgrade it first "
            f"(tracker --db {name} db upgrade), then copy"
        )
    problems = altered(conn)
    if problems:
        return [
            f"warning: the guards of {name} were changed outside the tracker ({problems[0]}); "
            "the copy holds its rows as they are: run `tracker verify` on the copy"
        ]
    return []


def _prepare_target(engine: Engine, url: str, tables: list[Table], replace: bool) -> None:
    """Bring the target to this tracker's schema (created if new), refuse one
    whose guards were changed or that holds a record (unless ``replace``), and
    empty it."""
    from tracker.guards import altered
    from tracker.schema import ensure_schema

    name = describe(url)
    ensure_schema(engine)
    with engine.connect() as conn:
        problems = altered(conn)
        if problems:
            raise CopyError(
                f"the guards of {name} were changed outside the tracker ({problems[0]}); "
                f"nothing was copied: run `tracker --db {name} db repair` first"
            )
        held = _held(conn, tables)
    if held and not replace:
        what = f"{held.get('claims', 0)} claims, {sum(held.values())} rows in {len(held)} tables"
        raise CopyError(
            f"{name} already holds a record ({what}); nothing was copied: pass --replace "
            "to empty it and copy over it"
        )
    empty(engine, tables)


Progress = Callable[[int], AbstractContextManager[Any]]


def copy_record(
    source: str,
    target: str,
    *,
    replace: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy every table of the record from ``source`` to ``target`` (URLs, as
    ``endpoints`` checked them) and compare them; see the module's docstring.
    ``progress(total_rows)`` gives a bar whose ``update(n)`` is called per batch."""
    from tracker.db import get_engine

    started = time.monotonic()
    tables = copy_tables()
    result = CopyResult(source, target)
    src_engine, dst_engine = get_engine(source), get_engine(target)
    with src_engine.connect() as src:
        if src.dialect.name == "postgresql":  # one snapshot for every table
            src = src.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with src.begin():
            result.notes += _check_source(src, source)
            _prepare_target(dst_engine, target, tables, replace)
            counts = [src.execute(select(func.count()).select_from(t)).scalar_one() for t in tables]
            sums = []
            with progress(sum(counts)) if progress else nullcontext() as bar:
                for model in tables:
                    sums.append(_copy_table(src, dst_engine, model, batch, bar))
    with _writer(dst_engine).begin() as dst:
        if dst.dialect.name == "postgresql":
            _set_sequences(dst, tables)
    with dst_engine.connect() as dst:
        for model, (rows, digest) in zip(tables, sums, strict=True):
            got_rows, got_digest = checksum(dst, model, batch)
            result.tables.append(TableCheck(model.name, rows, got_rows, digest, got_digest))
        from tracker.guards import before_write

        why = before_write(dst)
    if why is not None:
        raise CopyError(f"the copy at {describe(target)} would refuse tracker writes: {why}")
    result.seconds = time.monotonic() - started
    return result


def _copy_table(
    src: Connection, dst_engine: Engine, model: Table, batch: int, bar: Any
) -> tuple[int, str]:
    """Stream one table in key order, ``batch`` rows a transaction; its row
    count and checksum as read from the source."""
    digest, count = hashlib.sha256(), 0
    plain = _plain(model)
    result = src.execution_options(yield_per=batch).execute(_ordered(src, model))
    for rows in result.partitions():
        for row in rows:
            digest.update(_row_bytes(row))
        with _writer(dst_engine).begin() as dst:
            dst.execute(insert(plain), [dict(row._mapping) for row in rows])
        count += len(rows)
        if bar is not None:
            bar.update(len(rows))
    return count, digest.hexdigest()
