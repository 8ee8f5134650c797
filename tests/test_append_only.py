"""Append-only for real: the history tables refuse UPDATE, DELETE, an INSERT that
reuses an id (SQLite's REPLACE, an UPSERT) and, on PostgreSQL, TRUNCATE, whoever
writes the SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, Invoke, pg_database
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

NOW = "2026-01-01T00:00:00Z"
OUTCOME = (
    "(id, question_id, result, occurred_on, evidence_url, recorded_at, recorded_by) "
    f"VALUES (1, (SELECT question_id FROM outcomes WHERE id = 1), 'yes', '2025-10-29', "
    f"'https://example.org/rewritten', '{NOW}', 'x')"
)
REVISION = (
    "(id, record_type, record_id, field, reason, revised_by, revised_at) "
    f"VALUES (1, 'claim', 1, 'quote', 'rewritten', 'x', '{NOW}')"
)
EVIDENCE = "(id, outcome_id, position, url) VALUES (1, 1, 2, 'https://example.org/rewritten')"
LEDGER = f"(id, record_type, record_id, hash) VALUES (1, 'question', 1, '{'0' * 64}')"

# Each table: a write that reuses id 1 in every way SQL allows, and the other attacks.
ATTACKS = {
    "outcomes": [
        f"INSERT OR REPLACE INTO outcomes {OUTCOME}",
        f"REPLACE INTO outcomes {OUTCOME}",
        f"INSERT INTO outcomes {OUTCOME} ON CONFLICT (id) DO UPDATE SET result = 'yes'",
        "UPDATE outcomes SET result = 'yes' WHERE id = 1",
        "DELETE FROM outcomes WHERE id = 1",
    ],
    "revisions": [
        f"INSERT OR REPLACE INTO revisions {REVISION}",
        f"REPLACE INTO revisions {REVISION}",
        "UPDATE revisions SET reason = 'rewritten'",
        "DELETE FROM revisions",
    ],
    "outcome_evidence": [
        f"INSERT OR REPLACE INTO outcome_evidence {EVIDENCE}",
        f"INSERT INTO outcome_evidence {EVIDENCE} ON CONFLICT (id) DO UPDATE SET url = 'x'",
        "UPDATE outcome_evidence SET url = 'https://example.org/x'",
        "DELETE FROM outcome_evidence",
    ],
    "ledger": [
        f"INSERT OR REPLACE INTO ledger {LEDGER}",
        f"REPLACE INTO ledger {LEDGER}",
        f"INSERT INTO ledger {LEDGER} ON CONFLICT (id) DO UPDATE SET hash = excluded.hash",
        "UPDATE ledger SET hash = 'x'",
        "DELETE FROM ledger WHERE id = 1",
    ],
}


LINKS = ("--evidence", "https://example.org/a", "--evidence", "https://example.org/b")
TWO_LINKS = ("add-outcome", "us-nk-talks-resume", "no", "--on", "2026-01-20", *LINKS)


@pytest.fixture
def history(seeded: Path, invoke: Invoke) -> Path:
    """The seeds with a revision and an outcome with two evidence links."""
    invoke("edit", "claim", "2", "--wording", "expects", "--reason", "wording cut short")
    invoke(*TWO_LINKS)
    return seeded


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("table", "sql"), [(t, sql) for t, attacks in ATTACKS.items() for sql in attacks]
)
def test_sqlite_refuses_every_rewrite_of_the_history(history: Path, table: str, sql: str) -> None:
    before = _dump(history)
    conn = sqlite3.connect(history)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert _dump(history) == before, table


@pytest.fixture
def pg_history(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with pg_database() as url:
        monkeypatch.setenv("TRACKER_DB", url)
        invoke("import", str(SEEDS))
        invoke("edit", "claim", "2", "--wording", "expects", "--reason", "wording cut short")
        invoke(*TWO_LINKS)
        yield url


def test_postgresql_refuses_every_rewrite_of_the_history(pg_history: str) -> None:
    engine = create_engine(pg_history)
    # (A plain TRUNCATE of outcomes is already refused for the table that refers to it.)
    attacks = [
        "TRUNCATE revisions",
        "TRUNCATE outcome_evidence",
        "TRUNCATE ledger",
        *(f"TRUNCATE {table} CASCADE" for table in ATTACKS),
        *(sql for attacks in ATTACKS.values() for sql in attacks if "REPLACE" not in sql),
    ]
    try:
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ATTACKS}
        for sql in attacks:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(sql))
        with engine.connect() as conn:
            after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ATTACKS}
        assert after == counts and all(counts.values())
    finally:
        engine.dispose()
