"""The ledger: a hash chain over the record's history, like a transparency log.

Every row of the history (each question and claim as first entered, each
appearance, outcome, evidence link and revision, retractions included) gets
one ledger entry when the transaction that wrote it commits. An entry's hash
covers the row's content and the previous entry's hash, so changing any row
already sealed, or any entry, breaks every hash after it; a newsroom that
publishes the head (``tracker verify --head``: the number of entries and the
last hash) lets anyone check later that nothing before it changed, even by
someone who rebuilt the chain to match.

Claims, questions and appearances can be corrected: an entry seals the record
as first entered, which ``first_entered`` recovers from the current row by
undoing its revisions, newest first. So a correction made through the tracker
keeps the chain whole (the revision is sealed in its turn), and a change made
any other way shows.

Frozen with migration 0011: the columns, their order, the text of each value
(``as_text``) and the two hashes are the chain's format. A change to any of
them is a new ``FORMAT`` that a migration re-seals under.

Every function takes a SQLAlchemy connection or a sqlite3 one (the quick
single-record writes, ``tracker.writes``, seal without importing SQLAlchemy).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from tracker.vocabulary import LEDGER_KINDS

if TYPE_CHECKING:
    from sqlalchemy import Connection

FORMAT = "tracker-ledger-1"
GENESIS = "0" * 64


@dataclass(frozen=True)
class Sealed:
    """What one kind of record puts in the ledger: its table and the columns covered."""

    table: str
    columns: tuple[str, ...]
    revised: str | None = None  # its record_type in revisions, when it can be corrected
    # Columns added after the chain began, with the value every earlier row
    # has: covered only where a row differs from it, so the entries sealed
    # before the column existed stay as they were.
    later: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.columns, *(name for name, _ in self.later))


# In the order a transaction's new rows are sealed: what is referred to first.
SEALED: dict[str, Sealed] = {
    "question": Sealed("questions", ("slug", "title", "criteria", "resolve_by", "horizon_text",
                                     "created_at", "created_by", "tags"), "question"),
    "claim": Sealed("claims", ("person_id", "source_id", "question_id", "quote", "made_on",
                               "made_on_note", "role", "kind", "wording", "probability",
                               "prob_low", "prob_high", "scale_term_id", "mapping_basis",
                               "mapping_note", "condition_question_id", "condition_result",
                               "direction", "entered_by", "entered_at", "retracted_at"), "claim",
                    later=(("side", "yes"),)),
    "appearance": Sealed("claim_appearances", ("claim_id", "source_id", "quote", "appeared_on",
                                               "retracted_at"), "appearance"),
    "outcome": Sealed("outcomes", ("question_id", "result", "occurred_on", "evidence_url",
                                   "evidence_source_id", "note", "supersedes_id", "recorded_at",
                                   "recorded_by")),
    "evidence": Sealed("outcome_evidence", ("outcome_id", "position", "url")),
    "revision": Sealed("revisions", ("record_type", "record_id", "field", "old_value",
                                     "new_value", "reason", "revised_by", "revised_at")),
}  # fmt: skip
KINDS = tuple(SEALED)
assert KINDS == LEDGER_KINDS  # the CHECK on ledger.record_type reads the vocabulary


def digest(kind: str, record_id: int, values: Iterable[str | None]) -> str:
    """The content hash of one record: its kind, id and values as canonical JSON."""
    body = json.dumps([FORMAT, kind, record_id, list(values)], ensure_ascii=False,
                      separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def link(previous: str, content: str) -> str:
    """An entry's hash: the previous entry's hash and this record's content hash."""
    return hashlib.sha256(f"{previous}\n{content}".encode("ascii")).hexdigest()


def _table(name: str) -> Any:
    from tracker.models import Base

    return Base.metadata.tables[name]


def _query(
    conn: Connection | sqlite3.Connection, sql: str, params: Mapping[str, Any] | None = None
) -> Any:
    """The rows of ``sql`` (``:named`` parameters), on either kind of connection:
    a sqlite3 cursor or a SQLAlchemy result, both iterated or fetched alike."""
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql, dict(params or {}))
    if params is None:
        return conn.exec_driver_sql(sql)
    from sqlalchemy import text

    return conn.execute(text(sql), dict(params))


def _first(
    conn: Connection | sqlite3.Connection, sql: str, params: Mapping[str, Any] | None = None
) -> Any:
    """The first row of ``sql``, or None (every row read, so the cursor is done)."""
    rows = _query(conn, sql, params).fetchall()
    return rows[0] if rows else None


def _dialect(conn: Connection | sqlite3.Connection) -> str:
    return "sqlite" if isinstance(conn, sqlite3.Connection) else conn.dialect.name


def _as_text(value: Any) -> str | None:
    """A stored value in the text a revision keeps (``as_text`` of the typed
    value), read from the driver's own value: the database already holds dates
    and timestamps as that text (a PostgreSQL DATE arrives as a date), and
    going through SQLAlchemy's types would parse each one only to print it."""
    kind = type(value)
    if value is None or kind is str:
        return value
    if kind is float:
        return repr(value)
    if kind is int:
        return str(value)
    from tracker.services.rules import as_text

    return as_text(value)


def _present(conn: Connection | sqlite3.Connection, table: str) -> set[str]:
    """The columns ``table`` has (a later column is absent while the migration
    that made the ledger seals the rows already there)."""
    if isinstance(conn, sqlite3.Connection):  # a quick write: one transaction, one look
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    from sqlalchemy import inspect

    def columns() -> set[str]:
        return {c["name"] for c in inspect(conn).get_columns(table)}

    # Kept for one transaction: a pooled connection can outlive a migration.
    # The transaction is held by a weak reference, not by its id(): a later
    # transaction can be given the id of one that has ended, and would read
    # the columns as they were then (before migration 0013 added ``side``).
    transaction = conn.get_transaction()
    if transaction is None:
        return columns()
    held, cache = conn.info.get("tracker.ledger_columns", (None, {}))
    if held is None or held() is not transaction:
        cache = {}
        conn.info["tracker.ledger_columns"] = (weakref.ref(transaction), cache)
    if table not in cache:
        cache[table] = columns()
    return cache[table]


def current_values(
    conn: Connection | sqlite3.Connection, kind: str, after: int = 0
) -> Iterator[tuple[int, list]]:
    """Each record of ``kind`` with id above ``after``, in id order, as the
    canonical text of each covered column, in ``SEALED`` order (``names``)."""
    spec = SEALED[kind]
    columns = [c for c in spec.columns if c != "tags"]
    present = _present(conn, spec.table) if spec.later else set()
    later = [(name, default) for name, default in spec.later]
    selected = columns + [name for name, _ in later if name in present]
    tags = _tags(conn, after) if kind == "question" else {}
    rows = _query(
        conn,
        f"SELECT id, {', '.join(selected)} FROM {spec.table} WHERE id > {int(after)} ORDER BY id",
    )
    for row in rows:
        values = [_as_text(v) for v in row[1 : len(columns) + 1]]
        if kind == "question":
            values.append(_as_text(tags.get(row[0], [])))  # tags come last in SEALED
        found = dict(zip(selected[len(columns) :], row[len(columns) + 1 :], strict=True))
        values += [_as_text(found.get(name, default)) for name, default in later]
        yield row[0], values


def _tags(conn: Connection | sqlite3.Connection, after: int) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for question, name in _query(
        conn,
        "SELECT qt.question_id, t.name FROM question_tags AS qt JOIN tags AS t "
        "ON t.id = qt.tag_id WHERE qt.question_id > :after",
        {"after": after},
    ):
        found.setdefault(question, []).append(name)
    # Sorted here, by code point: a database's collation (PostgreSQL's locale)
    # would give another order, and another hash, for the same tags.
    return {question: sorted(names) for question, names in found.items()}


def revisions_of(
    conn: Connection | sqlite3.Connection, record_type: str, after: int = 0
) -> dict[int, list[tuple]]:
    """Each corrected record's revisions (field, old, new, revision id), newest first."""
    found: dict[int, list[tuple]] = {}
    for record, field, old, new, rid in _query(
        conn,
        "SELECT record_id, field, old_value, new_value, id FROM revisions "
        "WHERE record_type = :type AND record_id > :after ORDER BY id DESC",
        {"type": record_type, "after": after},
    ):
        found.setdefault(record, []).append((field, old, new, rid))
    return found


@cache
def _canonical(kind: str) -> dict[str, Callable[[str], str]]:
    """How a revision's text of each column becomes the text ``current_values``
    reads (a probability revised as ``1`` reads back as ``1.0``)."""
    from sqlalchemy import Float, Integer

    table = _table(SEALED[kind].table)
    found: dict[str, Callable[[str], str]] = {
        "tags": lambda v: json.dumps(sorted(json.loads(v)), ensure_ascii=False)
    }
    for column in SEALED[kind].columns:
        if column in table.c and isinstance(table.c[column].type, Float):
            found[column] = lambda v: repr(float(v))
        elif column in table.c and isinstance(table.c[column].type, Integer):
            found[column] = lambda v: str(int(v))
    return found


def first_entered(
    kind: str, values: dict[str, str | None], revisions: list[tuple]
) -> tuple[dict[str, str | None], list[str]]:
    """The record as first entered, undoing ``revisions`` (newest first), and
    the fields whose current value is not what their last revision set: a
    change made without one."""
    canonical = _canonical(kind)

    def text_of(field: str, value: str | None) -> str | None:
        if value is None or field not in canonical:
            return value
        try:
            return canonical[field](value)
        except ValueError:
            return value

    first = dict(values)
    unexplained: list[str] = []
    seen: set[str] = set()
    for field, old, new, _ in revisions:
        if field not in first:
            continue  # a field the ledger does not cover (a speaker's alias, …)
        if field not in seen and first[field] != text_of(field, new):
            unexplained.append(field)
        seen.add(field)
        first[field] = text_of(field, old)
    return first, unexplained


def record_digests(
    conn: Connection | sqlite3.Connection, kind: str, after: int = 0
) -> Iterator[tuple[int, str, list]]:
    """Each record's id, the content hash of it as first entered, and the
    fields changed without a revision."""
    spec = SEALED[kind]
    history = revisions_of(conn, spec.revised, after) if spec.revised else {}
    for record_id, values in current_values(conn, kind, after):
        revisions = history.get(record_id)
        if revisions:
            named = dict(zip(spec.names, values, strict=True))
            first, unexplained = first_entered(kind, named, revisions)
            values = [first[c] for c in spec.names]
        else:
            unexplained = []
        yield record_id, digest(kind, record_id, _content(spec, values)), unexplained


def _content(spec: Sealed, values: list) -> list:
    """What is hashed: the columns, then any later column that is not at its default."""
    base = values[: len(spec.columns)]
    later = {name: value for (name, default), value in zip(spec.later, values[len(spec.columns):],
             strict=True) if value != default}  # fmt: skip
    return [*base, later] if later else base


def head(conn: Connection | sqlite3.Connection) -> tuple[int, str]:
    """The number of entries and the last entry's hash (the genesis hash when empty)."""
    row = _first(conn, "SELECT id, hash FROM ledger ORDER BY id DESC LIMIT 1")
    return (row[0], row[1]) if row else (0, GENESIS)


def _last_sealed(conn: Connection | sqlite3.Connection, kind: str) -> int | None:
    row = _first(
        conn, "SELECT max(record_id) FROM ledger WHERE record_type = :kind", {"kind": kind}
    )
    return row[0] if row else None


def unsealed(conn: Connection | sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Rows written after the last seal, by kind: (how many, the first id). A
    write refuses to start while there are any (``tracker.guards``): sealed by
    it, a row someone put in with SQL would pass for the tracker's own."""
    found = {}
    for kind in KINDS:
        table = SEALED[kind].table
        after = _last_sealed(conn, kind) or 0
        count, first = _first(
            conn, f"SELECT count(*), min(id) FROM {table} WHERE id > :after", {"after": after}
        )
        if count:
            found[kind] = (count, first)
    return found


def seal(conn: Connection | sqlite3.Connection) -> int:
    """Append an entry for every record written since the last seal; the
    number appended. Called by every write before it commits (and by the
    migration that created the ledger, for the records already there)."""
    count, previous = head(conn)
    entries = []
    for kind in KINDS:
        after = _last_sealed(conn, kind)
        for record_id, content, _ in record_digests(conn, kind, after or 0):
            previous = link(previous, content)
            count += 1
            entries.append((count, kind, record_id, previous))
    if entries:
        mark = "?" if _dialect(conn) == "sqlite" else "%s"
        marks = ", ".join([mark] * 4)
        insert = f"INSERT INTO ledger (id, record_type, record_id, hash) VALUES ({marks})"
        if isinstance(conn, sqlite3.Connection):
            conn.executemany(insert, entries)
        else:
            conn.exec_driver_sql(insert, entries)
    return len(entries)


@dataclass
class Audit:
    """What recomputing the chain from the records found."""

    entries: int = 0
    head: str = GENESIS  # recomputed from the records, not read from the ledger
    problems: list[str] = dataclasses.field(default_factory=list)
    hashes: dict[int, str] = dataclasses.field(default_factory=dict)  # the entries asked about


def audit(conn: Connection | sqlite3.Connection, at: Iterable[int] = ()) -> Audit:
    """Recompute every entry from the records and compare it with the ledger.

    Each entry is checked against its own predecessor (stored hash, current
    record), so every altered record or entry is named, not only the first;
    the head is recomputed from the records alone, the one a newsroom compares
    with the head it published. ``at``: entries whose recomputed hash to keep.
    """
    wanted = set(at)
    result = Audit()
    digests: dict[tuple[str, int], str] = {}
    for kind in KINDS:
        for record_id, content, unexplained in record_digests(conn, kind):
            digests[(kind, record_id)] = content
            for name in unexplained:
                result.problems.append(
                    f"{kind} {record_id}: its {name} was changed without a revision"
                )
    for table, kind in (("claims", "claim"), ("claim_appearances", "appearance")):
        # A reason is kept on the row, and with the revision that retracted it.
        for record_id, reason, recorded in _query(
            conn,
            f"SELECT t.id, t.retracted_reason, (SELECT r.reason FROM revisions AS r "
            f"WHERE r.record_type = '{kind}' AND r.record_id = t.id AND r.field = 'retracted_at' "
            f"ORDER BY r.id DESC LIMIT 1) FROM {table} AS t WHERE t.retracted_at IS NOT NULL",
        ):
            if reason != recorded:
                result.problems.append(
                    f"{kind} {record_id}: its retraction reason is not the one recorded"
                )
    stored_previous = recomputed = GENESIS
    sealed: set[tuple[str, int]] = set()
    rows = _query(conn, "SELECT id, record_type, record_id, hash FROM ledger ORDER BY id")
    for number, kind, record_id, stored in rows:
        result.entries += 1
        if number != result.entries:
            result.problems.append(f"ledger entries {result.entries} to {number - 1} are missing")
            result.entries = number
        key = (kind, record_id)
        sealed.add(key)
        content = digests.get(key)
        if content is None:
            result.problems.append(f"{kind} {record_id}, sealed in ledger entry {number}, is gone")
            content = "-"
        elif stored != link(stored_previous, content):
            result.problems.append(
                f"{kind} {record_id} is not as it was sealed in ledger entry {number} "
                "(the record or the ledger was changed)"
            )
        recomputed = link(recomputed, content)
        if number in wanted:
            result.hashes[number] = recomputed
        stored_previous = stored
    result.head = recomputed
    for kind, record_id in sorted(digests.keys() - sealed, key=lambda k: (KINDS.index(k[0]), k[1])):
        result.problems.append(
            f"{kind} {record_id} is not in the ledger (written outside the tracker?)"
        )
    return result
