"""The cheap look every command takes: are the database's guards still there?

``tracker verify`` compares every definition with a database freshly built by
the migrations, which takes a second or more. Before each write, and once for
each read, the tracker instead reads the names (and, for the triggers and
views the tracker wrote itself, a hash of the text) of what the database
holds and compares them with ``tracker.guard_definitions``, the same taken
from a fresh build (a test keeps the two equal). A table, index, trigger or
view that is missing or altered, or a trigger someone added, means the record
may have been changed behind the guards: writes are refused until ``tracker
verify`` passes or ``tracker db repair`` restores the definitions.

Only names are compared for tables, indexes and the full-text triggers:
their text is written by SQLAlchemy and sqlite-utils, whose versions may word
it differently; ``tracker verify`` compares all of it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

# The triggers a PostgreSQL database must carry, by table (named by migrations
# 0001, 0005, 0007, 0009, 0010, 0011 and 0014).
SERVER_TRIGGERS = {
    "outcomes": ("outcomes_append_only", "outcomes_no_truncate", "outcomes_fit_question"),
    "revisions": ("revisions_append_only", "revisions_no_truncate"),
    "outcome_evidence": ("outcome_evidence_append_only", "outcome_evidence_no_truncate"),
    "claims": ("claims_retracted_frozen", "score_totals_stale", "claims_fit_question"),
    "ledger": ("ledger_append_only", "ledger_no_truncate"),
    "questions": ("questions_type_fixed",),
    "affiliations": ("affiliations_organisation", "score_totals_stale"),
    "people": ("people_organisation_kept",),
}


def _text_compared(kind: str, name: str, table: str) -> bool:
    full_text = name in (f"{table}_ai", f"{table}_ad", f"{table}_au")  # sqlite-utils' own
    return kind == "view" or (kind == "trigger" and not full_text)


def sqlite_definitions(rows: Any) -> dict[str, str]:
    """``(type, name, tbl_name, sql)`` rows of ``sqlite_master`` as compared:
    ``"trigger outcomes_no_update"`` to a hash of its text, or to ``""`` where
    only the name counts (to its table's name for an index)."""
    found = {}
    for kind, name, table, sql in rows:
        if name.startswith("sqlite_") or kind not in ("table", "index", "trigger", "view"):
            continue
        digest = table if kind == "index" else ""  # an index is named by its table to users
        if _text_compared(kind, name, table):
            digest = hashlib.sha256(" ".join((sql or "").split()).encode()).hexdigest()[:16]
        found[f"{kind} {name}"] = digest
    return found


_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"


def sqlite_altered(dbapi_conn: Any) -> list[str]:
    """What differs from the definitions, in words, on a SQLite connection
    (the standard library's, or the one under SQLAlchemy's)."""
    from tracker.guard_definitions import SQLITE

    actual = sqlite_definitions(dbapi_conn.execute(_MASTER).fetchall())

    def what(key: str) -> str:  # index names are rule names: say whose index it is
        return f"an index of {SQLITE[key]}" if key.startswith("index ") else f"the {key}"

    found = []
    for key in sorted(SQLITE.keys() - actual.keys()):
        found.append(f"{what(key)} is missing")
    for key in sorted(SQLITE.keys() & actual.keys()):
        if SQLITE[key] != actual[key]:
            found.append(f"{what(key)} is not as defined")
    for key in sorted(actual.keys() - SQLITE.keys()):
        if key.startswith("trigger "):  # a trigger can rewrite what is written
            found.append(f"the {key} is not the tracker's")
    return found


def server_altered(conn: Any) -> list[str]:
    """The same on PostgreSQL: every table of the models and every guard trigger present."""
    from sqlalchemy import text

    from tracker.models import Base

    tables = set(
        conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
    )
    triggers = set(
        conn.execute(
            text(
                "SELECT c.relname || ' ' || t.tgname FROM pg_trigger AS t "
                "JOIN pg_class AS c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        ).scalars()
    )
    found = [f"the table {t} is missing" for t in sorted(set(Base.metadata.tables) - tables)]
    found += [
        f"the trigger {name} on {table} is missing"
        for table, names in SERVER_TRIGGERS.items()
        for name in names
        if f"{table} {name}" not in triggers
    ]
    return found


def altered(conn: Any) -> list[str]:
    """What differs, on a SQLAlchemy connection to either database or on a
    sqlite3 one (the quick writes, ``tracker.writes``)."""
    if isinstance(conn, sqlite3.Connection):
        return sqlite_altered(conn)
    if conn.dialect.name == "sqlite":
        return sqlite_altered(conn.connection.dbapi_connection)
    return server_altered(conn)


def refusal(problems: list[str]) -> str:
    """The one line a write gets on a database whose guards were altered."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"the database's guards were changed outside the tracker: {problems[0]}{more}; "
        "nothing was written. Run `tracker verify` to see what else changed, then "
        "`tracker db repair` to restore the definitions"
    )


def before_write(conn: Any) -> str | None:
    """Why a write may not start, in one line, or None: guards changed, or rows
    written outside the tracker since the last seal (``tracker.ledger``). On a
    SQLAlchemy connection or a sqlite3 one."""
    problems = altered(conn)
    if problems:
        return refusal(problems)
    from tracker.ledger import unsealed

    outside = unsealed(conn)
    if outside:
        kind, (count, first) = next(iter(outside.items()))
        more = sum(c for c, _ in outside.values()) - count
        also = f" and {more} more row(s)" if more else ""
        return (
            f"the database holds rows written outside the tracker since its last write "
            f"({count} {kind} row(s) from {kind} {first}{also}); nothing was written. Run "
            "`tracker verify` to see them, then `tracker db seal --yes` to take them into the "
            "record as they are, or restore a backup"
        )
    return None
