"""The database refuses bad rows on its own: raw SQL is held to the same rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import dump

NOW = "'2026-01-01T00:00:00Z'"

# Each statement breaks one rule; SQLite itself must refuse it.
BAD_WRITES = {
    "probability above 1": "UPDATE claims SET probability = 1.5, mapping_basis = 'stated_number', "
    "scale_term_id = NULL WHERE id = 1",
    "low above point": "UPDATE claims SET probability = 0.3, prob_low = 0.5, prob_high = 0.6, "
    "mapping_basis = 'stated_number', scale_term_id = NULL WHERE id = 1",
    "unknown kind": "UPDATE claims SET kind = 'prophecy' WHERE id = 1",
    "unknown basis": "UPDATE claims SET mapping_basis = 'vibes' WHERE id = 1",
    "scale basis without a term": "UPDATE claims SET scale_term_id = NULL WHERE mapping_basis = "
    "'standard_scale'",
    "opinion scored": "UPDATE claims SET kind = 'opinion' WHERE mapping_basis = 'standard_scale'",
    "conditional without condition": "UPDATE claims SET condition_question_id = NULL, "
    "condition_result = NULL WHERE kind = 'conditional'",
    "impossible date": "UPDATE claims SET made_on = '2025-02-30' WHERE id = 1",
    "ambiguous date": "UPDATE claims SET made_on = '10/24/2025' WHERE id = 1",
    "dangling speaker": "UPDATE claims SET person_id = 9999 WHERE id = 1",
    "missing quote": "UPDATE claims SET quote = NULL WHERE id = 1",
    "blank quote": "UPDATE claims SET quote = '   ' WHERE id = 1",
    "duplicate claim": "INSERT INTO claims (person_id, source_id, question_id, quote, made_on, "
    "kind, mapping_basis, entered_by, entered_at) SELECT person_id, source_id, question_id, quote, "
    f"made_on, 'opinion', 'unscorable', 'x', {NOW} FROM claims WHERE id = 1",
    "alias for two people": "INSERT INTO person_aliases (person_id, alias, alias_key) "
    "SELECT 2, alias, alias_key FROM person_aliases WHERE person_id = 1",
    "bad person kind": "UPDATE people SET kind = 'robot' WHERE id = 1",
    "bad slug": "UPDATE questions SET slug = 'Not A Slug' WHERE id = 1",
    "scale term out of order": "UPDATE scale_terms SET low = 0.9 WHERE term = 'unlikely'",
    "two default scales": "UPDATE scales SET is_default = 1",
    "unknown result": "INSERT INTO outcomes (question_id, result, occurred_on, evidence_url, "
    f"recorded_at, recorded_by) VALUES (10, 'maybe', '2026-01-01', 'https://x', {NOW}, 'x')",
    "outcome without evidence": "INSERT INTO outcomes (question_id, result, occurred_on, "
    f"recorded_at, recorded_by) VALUES (10, 'yes', '2026-01-01', {NOW}, 'x')",
    "second current outcome": "INSERT INTO outcomes (question_id, result, occurred_on, "
    "evidence_url, recorded_at, recorded_by) SELECT question_id, 'yes', occurred_on, "
    f"evidence_url, {NOW}, 'x' FROM outcomes WHERE id = 1",
    "correction of another question": "INSERT INTO outcomes (question_id, result, occurred_on, "
    f"evidence_url, recorded_at, recorded_by, supersedes_id) SELECT 10, 'yes', '2026-01-01', "
    f"'https://x', {NOW}, 'x', 1",
    "two corrections of one outcome": "INSERT INTO outcomes (question_id, result, occurred_on, "
    "evidence_url, recorded_at, recorded_by, supersedes_id) SELECT question_id, r, occurred_on, "
    f"evidence_url, {NOW}, 'x', id FROM outcomes, (SELECT 'yes' AS r UNION SELECT 'ambiguous') "
    "WHERE id = 1",
    "outcome changed in place": "UPDATE outcomes SET result = 'yes' WHERE id = 1",
    "outcome deleted": "DELETE FROM outcomes WHERE id = 1",
    "bad timestamp": "UPDATE questions SET created_at = 'yesterday' WHERE id = 1",
}


@pytest.mark.parametrize("name", list(BAD_WRITES))
def test_sqlite_refuses(seeded: Path, name: str) -> None:
    before = dump(seeded)
    conn = sqlite3.connect(seeded)
    conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute(BAD_WRITES[name])
        conn.commit()
    conn.rollback()
    conn.close()
    assert dump(seeded) == before


def test_a_correction_through_sql_is_accepted(seeded: Path) -> None:
    """The rules leave the legitimate path open: a new row that supersedes."""
    conn = sqlite3.connect(seeded)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(
        "INSERT INTO outcomes (question_id, result, occurred_on, evidence_url, recorded_at, "
        f"recorded_by, supersedes_id) SELECT question_id, 'ambiguous', occurred_on, evidence_url, "
        f"{NOW}, 'x', id FROM outcomes WHERE id = 1"
    )
    conn.commit()
    current = conn.execute(
        "SELECT result FROM current_outcomes WHERE question_id = "
        "(SELECT question_id FROM outcomes WHERE id = 1)"
    ).fetchall()
    assert current == [("ambiguous",)]
