"""`tracker verify` notices tampering that the database's own guards cannot stop
(a dropped trigger, writes with foreign keys off, edited totals), names it in
words and exits non-zero; a clean database passes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke
from sqlalchemy import create_engine, text

TAMPERING = {
    "a dropped trigger": (
        ["DROP TRIGGER outcomes_no_update"],
        "the trigger outcomes_no_update is missing",
    ),
    "an altered view": (
        ["DROP VIEW murphy", "CREATE VIEW murphy AS SELECT 'recorded' AS scale, 1 AS claims"],
        "the view murphy is not as defined",
    ),
    "a trigger someone added": (
        ["CREATE TRIGGER quiet AFTER INSERT ON claims BEGIN SELECT 1; END"],
        "the trigger quiet is not the tracker's",
    ),
    "a question deleted under its claims": (
        ["PRAGMA foreign_keys = OFF", "DELETE FROM question_tags WHERE question_id = 3",
         "DELETE FROM questions WHERE id = 3"],
        "claim 2 refers to a question that does not exist",
    ),
    "an outcome correcting one that does not exist": (
        ["PRAGMA foreign_keys = OFF", "DROP TRIGGER outcomes_no_replace",
         "INSERT INTO outcomes (question_id, result, occurred_on, evidence_url, supersedes_id, "
         "recorded_at, recorded_by) VALUES (1, 'yes', '2025-10-30', 'https://e.org', 999, "
         "'2026-01-01T00:00:00Z', 'x')"],
        "corrects outcome 999, which does not exist",
    ),
    "edited score totals": (
        ["UPDATE score_totals SET brier_sum = brier_sum + 0.5 WHERE dimension = 'overall'",
         "UPDATE score_state SET stale = 0"],
        "the kept score totals differ from the claims",
    ),
    "a scale term moved": (
        ["UPDATE scale_terms SET point = 0.79 WHERE term = 'likely' AND scale_id = "
         "(SELECT id FROM scales WHERE slug = 'icd203')"],
        "the scale term icd203 likely is not as shipped",
    ),
    "a shipped phrase reread": (
        ["UPDATE phrases SET basis = 'unscorable', scale_term_id = NULL "
         "WHERE phrase_key = 'widely expected'"],
        "the phrase widely expected is not as shipped",
    ),
    "a dropped table": (
        ["DROP TABLE outcome_evidence"],
        "the table outcome_evidence is missing",
    ),
}  # fmt: skip


def test_a_clean_database_passes(seeded: Path, invoke: Invoke) -> None:
    out = invoke("verify").output
    assert out.count(" ok") == 6 and "problem" not in out.splitlines()[2]


@pytest.mark.parametrize("what", list(TAMPERING))
def test_tampering_is_found_and_named(seeded: Path, invoke: Invoke, what: str) -> None:
    statements, words = TAMPERING[what]
    conn = sqlite3.connect(seeded, isolation_level=None)
    for sql in statements:
        conn.execute(sql)
    conn.close()
    result = invoke("verify", ok=False)
    assert words in result.output, result.output
    assert "problem(s) found" in result.stderr


def test_show_after_a_delete_with_foreign_keys_off_is_one_line(
    seeded: Path, invoke: Invoke
) -> None:
    conn = sqlite3.connect(seeded, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM question_tags WHERE question_id = 3")
    conn.execute("DELETE FROM questions WHERE id = 3")
    conn.close()
    assert "run `tracker verify`" in invoke("show", "2", ok=False).output


def test_verify_on_postgresql(pg_seeded: str, invoke: Invoke) -> None:
    assert "problem" not in invoke("verify").output.splitlines()[2]
    engine = create_engine(pg_seeded)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER outcomes_append_only ON outcomes"))
        conn.execute(text("UPDATE score_totals SET brier_sum = brier_sum + 1"))
    engine.dispose()
    out = invoke("verify", ok=False).output
    assert "the trigger outcomes_append_only on outcomes is missing" in out
    assert "the kept score totals differ from the claims" in out
