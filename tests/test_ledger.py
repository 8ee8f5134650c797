"""The ledger: every write seals what it wrote in a hash chain; `tracker verify`
recomputes it from the records and names a record changed behind the guards,
even under a trigger rebuilt to look untouched; a published head catches a
chain rebuilt to match. And the cheap look at the guards: a write on a
database whose guards were changed is refused in one line until `tracker db
repair` restores the definitions (never the data)."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, Invoke
from sqlalchemy import create_engine, text

from tracker.db import get_engine
from tracker.guard_definitions import SQLITE
from tracker.ledger import GENESIS, KINDS, SEALED, audit, digest, link

HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")
UPDATE_GUARD = (
    "CREATE TRIGGER outcomes_no_update BEFORE UPDATE ON outcomes BEGIN SELECT "
    "RAISE(ABORT, 'outcomes are append-only: record a correction instead'); END"
)


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def _head(invoke: Invoke) -> str:
    out = invoke("verify", "--head").output.strip()
    assert HEAD.match(out), out
    return out


@pytest.fixture
def history(seeded: Path, invoke: Invoke) -> Path:
    """The seeds with every kind of history: an edited claim and question, a
    retraction, an outcome with two links, a correction, an appearance."""
    invoke("edit", "claim", "2", "--probability", "0.7", "--reason", "the speaker said 70%")
    invoke("edit", "question", "us-nk-talks-resume", "--add-tag", "talks", "--resolve-by",
           "2026-12-31", "--reason", "the article's horizon")  # fmt: skip
    invoke("retract", "claim", "4", "--reason", "misattributed")
    invoke("add-outcome", "us-nk-talks-resume", "no", "--on", "2026-01-20", "--evidence",
           "https://example.org/a", "--evidence", "https://example.org/b")  # fmt: skip
    invoke("add-outcome", "us-nk-talks-resume", "yes", "--on", "2026-01-21", "--evidence",
           "https://example.org/c", "--note", "the first call misread the report")  # fmt: skip
    quote = sqlite3.connect(seeded).execute("SELECT quote FROM claims WHERE id = 6").fetchone()[0]
    wire = seeded.parent / "wire.txt"
    wire.write_text(f"A wire story quoting the analyst: {quote}\n", encoding="utf-8")
    invoke("add-source", "--title", "Wire copy", "--slug", "wire-copy", "--text-file", str(wire))
    invoke("add-appearance", "6", "--source", "wire-copy", "--on", "2025-10-25", "--quote", quote)
    return seeded


def test_every_write_is_sealed_and_a_clean_record_verifies(history: Path, invoke: Invoke) -> None:
    conn = sqlite3.connect(history)
    try:
        sealed = dict(
            conn.execute("SELECT record_type, count(*) FROM ledger GROUP BY 1").fetchall()
        )
        for kind in KINDS:
            rows = conn.execute(f"SELECT count(*) FROM {SEALED[kind].table}").fetchone()[0]
            assert rows and sealed[kind] == rows, kind
        numbers = [n for (n,) in conn.execute("SELECT id FROM ledger ORDER BY id")]
        assert numbers == list(range(1, len(numbers) + 1))
    finally:
        conn.close()
    head = _head(invoke)
    assert head.startswith(f"{len(numbers)}:")
    assert invoke("verify", "--published", head).exit_code == 0


def test_the_chain_is_the_documented_hashes(history: Path) -> None:
    """Anyone can recompute the head from the records with the two hashes of tracker.ledger."""
    engine = get_engine(f"sqlite:///{history}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, record_type, record_id, hash FROM ledger ORDER BY id"))
        previous = GENESIS
        for _, _kind, _record, stored in rows:
            assert len(stored) == 64
            previous = stored
        assert audit(conn).head == previous
    # The format itself: a content hash of canonical JSON, chained by the entry hash.
    assert digest("outcome", 1, ["a", None]) == digest("outcome", 1, ["a", None])
    assert digest("outcome", 1, ["a", None]) != digest("outcome", 2, ["a", None])
    assert link(GENESIS, "ab") != link(GENESIS, "ac")


def test_an_edited_outcome_under_a_rebuilt_trigger_is_found(history: Path, invoke: Invoke) -> None:
    head = _head(invoke)
    _sql(history, "DROP TRIGGER outcomes_no_update",
         "UPDATE outcomes SET result = 'yes', note = 'always knew' WHERE id = 1",
         UPDATE_GUARD)  # fmt: skip
    out = invoke("verify", ok=False).output
    assert "outcome 1 is not as it was sealed in ledger entry" in out
    assert "definitions" in out and "the trigger" not in out  # the trigger looks untouched
    out = invoke("verify", "--published", head, ok=False).output
    assert "is not what it was when that head was published" in out


def test_a_ledger_rebuilt_to_match_is_caught_by_the_published_head(
    history: Path, invoke: Invoke
) -> None:
    head = _head(invoke)
    _sql(history, "DROP TRIGGER outcomes_no_update", "DROP TRIGGER ledger_no_delete",
         "UPDATE outcomes SET result = 'yes' WHERE id = 1", "DELETE FROM ledger", UPDATE_GUARD,
         "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, "
         "'the ledger is append-only: its entries are never rewritten'); END")  # fmt: skip
    engine = get_engine(f"sqlite:///{history}")
    from tracker.ledger import seal

    with engine.begin() as conn:
        seal(conn)  # a forger with the tracker's own code
    out = invoke("verify", "--published", head, ok=False).output
    assert "ledger entry" not in out  # the chain itself is consistent…
    assert f"the record up to entry {head.split(':')[0]} is not what it was" in out  # …but not old


@pytest.mark.parametrize(
    ("statements", "words"),
    [
        (["UPDATE claims SET quote = 'I never said that' WHERE id = 1"],
         "claim 1 is not as it was sealed"),
        (["UPDATE claims SET probability = 0.9 WHERE id = 2"],
         "claim 2: its probability was changed without a revision"),
        (["UPDATE questions SET criteria = 'anything' WHERE id = 1"],
         "question 1 is not as it was sealed"),
        (["DROP TRIGGER revisions_no_delete", "DELETE FROM revisions WHERE id = 1"],
         "revision 1, sealed in ledger entry"),
        (["DROP TRIGGER ledger_no_update", "UPDATE ledger SET hash = CASE substr(hash, 1, 1) "
          "WHEN '0' THEN '1' ELSE '0' END || substr(hash, 2) WHERE id = 3"], "ledger entry 3"),
        (["DROP TRIGGER ledger_no_delete", "DELETE FROM ledger WHERE id = 5"],
         "ledger entries 5 to 5 are missing"),
        (["INSERT INTO outcome_evidence (outcome_id, position, url) "
          "VALUES (1, 9, 'https://example.org/planted')"],
         "is not in the ledger (written outside the tracker?)"),
    ],
    ids=["claim quote", "claim without revision", "question", "revision deleted",
         "entry hash", "entry deleted", "row never sealed"],
)  # fmt: skip
def test_changes_behind_the_guards_are_named(
    history: Path, invoke: Invoke, statements: list[str], words: str
) -> None:
    _sql(history, *statements)
    out = invoke("verify", ok=False).output
    assert words in out, out


def test_a_bad_published_head_is_one_line(seeded: Path, invoke: Invoke) -> None:
    err = invoke("verify", "--published", "12:xyz", ok=False).stderr
    assert "ENTRIES:HASH" in err
    out = invoke("verify", "--published", f"99999:{'a' * 64}", ok=False).output
    assert "beyond the ledger's" in out


def test_an_older_database_is_sealed_as_it_upgrades(tmp_path: Path, invoke: Invoke) -> None:
    """Migration 0011 seals what a database already holds, corrections included."""
    fixture = Path(__file__).parent / "fixtures" / "schema" / "0010.db"
    db = tmp_path / "old.db"
    db.write_bytes(fixture.read_bytes())
    invoke("--db", str(db), "list")
    assert "ledger               ok" in invoke("--db", str(db), "verify").output


# The cheap look at the guards on every command.


def test_the_expected_definitions_are_what_the_migrations_build() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from make_fixture_dbs import fresh_definitions

    assert fresh_definitions() == SQLITE, "run python tests/make_fixture_dbs.py"


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (["DROP TRIGGER outcomes_no_update"], "the trigger outcomes_no_update is missing"),
        (["DROP TRIGGER ledger_no_delete", "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON "
          "ledger WHEN 0 BEGIN SELECT 1; END"], "the trigger ledger_no_delete is not as defined"),
        (["CREATE TRIGGER quiet AFTER INSERT ON outcomes BEGIN UPDATE outcomes SET note = 'x' "
          "WHERE id = new.id; END"], "the trigger quiet is not the tracker's"),
        (["DROP VIEW murphy"], "the view murphy is missing"),
        (["DROP INDEX uq_outcomes_one_first_per_question"],
         "an index of outcomes is missing"),
    ],
    ids=["dropped trigger", "rewritten trigger", "added trigger", "dropped view", "dropped index"],
)  # fmt: skip
def test_writes_wait_for_repair_and_reads_warn(
    seeded: Path, invoke: Invoke, statements: list[str], named: str
) -> None:
    _sql(seeded, *statements)
    before = seeded.read_bytes()
    for write in (["add-person", "New Speaker"], ["import", str(SEEDS)],
                  ["add-outcome", "us-nk-talks-resume", "yes", "--on", "2026-01-20",
                   "--evidence", "https://example.org/x"]):  # fmt: skip
        err = invoke(*write, ok=False).stderr
        assert named in err and "tracker db repair" in err and "nothing was written" in err
    assert seeded.read_bytes() == before
    for read in (["list"], ["report"], ["show", "1"]):
        result = invoke(*read)
        assert "warning" in result.stderr and named in result.stderr
    assert named in invoke("db", "current").output
    repaired = invoke("db", "repair").output
    assert repaired.strip() and "nothing to repair" not in repaired
    invoke("verify")
    invoke("add-person", "New Speaker")
    assert "nothing to repair" in invoke("db", "repair").output


def test_repair_brings_back_a_dropped_table_empty_and_says_so(seeded: Path, invoke: Invoke) -> None:
    _sql(seeded, "DROP TABLE claims_fts", "DROP TABLE outcome_evidence")
    result = invoke("db", "repair", ok=False)
    assert "restored the missing table outcome_evidence" in result.output
    assert "outcome_evidence was dropped" in result.stderr and "backup" in result.stderr
    conn = sqlite3.connect(seeded)
    try:  # the search index, rebuilt from the claims
        found = conn.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'Kim'")
        assert found.fetchone()[0] > 0
    finally:
        conn.close()
    # The seed's further evidence links went with the table: sealed, so missed.
    lost = invoke("verify", ok=False).output
    assert "evidence 1, sealed in ledger entry" in lost and "is gone" in lost


def test_the_ledger_and_repair_on_postgresql(pg_seeded: str, invoke: Invoke) -> None:
    invoke("edit", "claim", "2", "--probability", "0.7", "--reason", "the speaker said 70%")
    head = _head(invoke)
    engine = create_engine(pg_seeded)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER outcomes_append_only ON outcomes"))
            conn.execute(text("DROP TRIGGER ledger_no_truncate ON ledger"))
            conn.execute(text("DROP FUNCTION ledger_append_only() CASCADE"))
            conn.execute(text("UPDATE outcomes SET result = 'yes' WHERE id = 1"))
    finally:
        engine.dispose()
    err = invoke("add-person", "New Speaker", ok=False).stderr
    assert "outcomes_append_only on outcomes is missing" in err
    out = invoke("verify", "--published", head, ok=False).output
    assert "outcome 1 is not as it was sealed" in out and "not what it was" in out
    repaired = invoke("db", "repair").output
    assert "restored the missing trigger outcomes_append_only on outcomes" in repaired
    assert "restored the missing function ledger_append_only" in repaired
    invoke("add-person", "New Speaker")
    engine = create_engine(pg_seeded)
    try:
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE ledger"))
    finally:
        engine.dispose()


def test_rows_written_outside_wait_for_a_deliberate_seal(history: Path, invoke: Invoke) -> None:
    """A row put in with SQL is not sealed by the next ordinary write (it would
    pass for the tracker's own): writes wait until `tracker db seal --yes`."""
    head = _head(invoke)
    _sql(history, "INSERT INTO outcome_evidence (outcome_id, position, url) "
                  "VALUES (1, 9, 'https://example.org/added-by-a-script')")  # fmt: skip
    err = invoke("add-person", "Someone Else", ok=False).stderr
    assert "written outside the tracker" in err and "tracker db seal" in err
    assert "is not in the ledger" in invoke("verify", ok=False).output
    listed = invoke("db", "seal", ok=False)
    assert "1 evidence row(s)" in listed.output and "--yes" in listed.stderr
    assert "sealed 1 row(s)" in invoke("db", "seal", "--yes").output
    invoke("add-person", "Someone Else")
    invoke("verify", "--published", head)  # an addition: what was published is unchanged
    assert "nothing to seal" in invoke("db", "seal").output


def test_a_forged_revision_stays_caught_once_sealed(history: Path, invoke: Invoke) -> None:
    """Sealing takes rows in as they are; a revision that rewrites a claim's past
    still breaks the chain before the published head."""
    head = _head(invoke)
    _sql(history, "INSERT INTO revisions (record_type, record_id, field, old_value, new_value, "
                  "reason, revised_by, revised_at) VALUES ('claim', 1, 'wording', NULL, 'x', "
                  "'backdated', 'editor', '2025-01-01T00:00:00Z')")  # fmt: skip
    invoke("db", "seal", "--yes")
    out = invoke("verify", "--published", head, ok=False).output
    assert "claim 1: its wording was changed without a revision" in out
    assert "not what it was when that head was published" in out


def test_a_retraction_reason_changed_behind_the_guards_is_found(
    history: Path, invoke: Invoke
) -> None:
    conn = sqlite3.connect(history)
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'claims_retracted_frozen'"
    ).fetchone()[0]
    conn.close()
    forged = "UPDATE claims SET retracted_reason = 'a forged reason' WHERE id = 4"
    _sql(history, "DROP TRIGGER claims_retracted_frozen", forged, trigger)
    assert (
        "claim 4: its retraction reason is not the one recorded"
        in invoke("verify", ok=False).output
    )
