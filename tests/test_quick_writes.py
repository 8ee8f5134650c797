"""The add-* commands on a current SQLite file run straight on sqlite3
(tracker.writes): no SQLAlchemy or Alembic is imported, every guard still
holds, and what they write is what the same services write through SQLAlchemy."""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from conftest import ROOT, dump

from tracker.cli import cli

NOW = "2026-01-15T10:00:00Z"
HEAVY = ("alembic", "sqlalchemy")  # sorted, as the child prints them
SOURCE = "trump-kim-holds-the-cards"
EVIDENCE = ("--evidence", "https://example.org/a")

# Each write command, as run against the seeds: every path of the five.
WRITES = {
    "add-person": ["add-person", "Quinn Quick", "--alias", "Q. Quick"],
    "add-person, a spelling added": ["add-person", "Ban Kil-joo", "--alias", "Ban K."],
    "add-source": ["add-source", "--title", "A quick source", "--published-on", "2025-10-20"],
    "add-question": ["add-question", "--title", "A deal by spring", "--criteria", "YES if signed",
                     "--resolve-by", "2026-03-31", "--tag", "north-korea", "--tag", "quick"],
    "add-claim": ["add-claim", "--speaker", "Ban", "--source", SOURCE, "--quote", "North Korea",
                  "--question", "us-nk-talks-resume", "--wording", "unlikely"],
    "add-claim, a new question": ["add-claim", "--speaker", "Ban", "--source", SOURCE,
                                  "--quote", "surprise trip", "--new-question", "Talks by June",
                                  "--criteria", "YES if held", "--resolve-by", "2026-06-30",
                                  "--probability", "0.3"],
    "add-outcome": ["add-outcome", "us-nk-talks-resume", "no", "--on", "2026-01-02", *EVIDENCE,
                    "--evidence", "https://example.org/b"],
    "add-outcome, a correction": ["add-outcome", "trump-kim-meet-during-korea-visit", "yes",
                                  "--on", "2025-10-30", *EVIDENCE],
}  # fmt: skip


def _run(db: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own; the heavy modules it imported on stderr's last line."""
    code = (
        "import sys; from tracker.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='tracker')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
        "sys.exit(code)"
    )
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def _imported(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("args", list(WRITES.values()), ids=list(WRITES))
def test_write_commands_on_a_current_file_skip_sqlalchemy(seeded: Path, args: list[str]) -> None:
    result = _run(seeded, args)
    assert result.returncode == 0, result.stderr
    assert _imported(result) == "[]"
    verified = subprocess.run(
        [sys.executable, "-m", "tracker", "--db", str(seeded), "verify"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("DROP TRIGGER outcomes_no_update", "the trigger outcomes_no_update is missing"),
        ("INSERT INTO outcome_evidence (outcome_id, position, url) "
         "VALUES (1, 9, 'https://example.org/by-a-script')", "written outside the tracker"),
    ],
    ids=["guards altered", "rows written outside"],
)  # fmt: skip
def test_the_quick_path_refuses_an_altered_database(
    seeded: Path, statement: str, said: str
) -> None:
    """A database another tool changed is refused as before, nothing written,
    and without SQLAlchemy: the check is the quick path's own."""
    conn = sqlite3.connect(seeded)
    conn.execute(statement)
    conn.commit()
    conn.close()
    before = seeded.read_bytes()
    for args in WRITES.values():
        result = _run(seeded, args)
        assert result.returncode == 1
        assert said in result.stderr and "nothing was written" in result.stderr
        assert _imported(result) == "[]"
    assert seeded.read_bytes() == before


def test_a_file_the_quick_path_leaves_alone_goes_through_sqlalchemy(tmp_path: Path) -> None:
    """A new file is created, an older one upgraded (with its backup), by
    SQLAlchemy and Alembic as before; the write itself is the same."""
    new = tmp_path / "new" / "tracker.db"
    new.parent.mkdir()
    result = _run(new, WRITES["add-person"])
    assert result.returncode == 0, result.stderr
    assert "created a new database" in result.stderr
    assert _imported(result) == str(list(HEAVY))
    assert _imported(_run(new, WRITES["add-source"])) == "[]"  # now current: the quick path

    old = tmp_path / "old" / "tracker.db"
    old.parent.mkdir()
    shutil.copyfile(ROOT / "tests" / "fixtures" / "schema" / "0013.db", old)
    result = _run(old, WRITES["add-person"])
    assert result.returncode == 0, result.stderr
    assert "upgrading tracker.db from schema 0013" in result.stderr
    assert _imported(result) == str(list(HEAVY))


def _same_rows(a: Path, b: Path) -> None:
    """Every table alike; kept sums of floats equal to 1e-9 relative."""
    for (table, rows), (other, others) in zip(dump(a), dump(b), strict=True):
        assert table == other
        assert len(rows) == len(others), table
        for row, theirs in zip(rows, others, strict=True):
            for x, y in zip(row, theirs, strict=True):
                if isinstance(x, float) and isinstance(y, float):
                    assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (table, row, theirs)
                else:
                    assert x == y, (table, row, theirs)


def test_the_quick_path_and_sqlalchemys_write_the_same(
    seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same commands through sqlite3 and, with the quick path turned off,
    through SQLAlchemy: the same output, messages and rows."""
    slow = tmp_path / "slow.db"
    shutil.copyfile(seeded, slow)
    commands = [*WRITES.values(), WRITES["add-person"], WRITES["add-outcome"],
                ["add-person", "Quinn Quick", "--description", "changed"],
                ["add-claim", "--speaker", "Ban", "--source", SOURCE, "--quote", "North Korea",
                 "--question", "us-nk-talks-resume", "--probability", "0.9"],
                ["add-outcome", "us-nk-talks-resume", "yes", "--on", "2025-01-01",
                 *EVIDENCE]]  # fmt: skip
    outputs = {}
    with time_machine.travel(NOW, tick=False):
        for db in (seeded, slow):
            if db == slow:
                monkeypatch.setattr("tracker.writes.sqlite_write", lambda url, work: None)
            results = [CliRunner().invoke(cli, ["--db", str(db), *args]) for args in commands]
            outputs[db] = [(r.exit_code, r.stdout, r.stderr) for r in results]
    assert outputs[seeded] == outputs[slow]
    assert [code for code, _, _ in outputs[seeded]] == [0] * len(WRITES) + [0, 0, 1, 1, 1]
    _same_rows(seeded, slow)


TEXT = "Officials say a deal is unlikely before spring, at 4.5 units."

# The same records through the add-* services (tracker.services.entry) straight
# on sqlite3 and through SQLAlchemy (a SessionWriter, as the importer and
# PostgreSQL run them): accepted, refused and written alike. (kind, record,
# question for an outcome, hindsight allowed)
RECORDS: list[tuple[str, dict[str, Any], str | None, bool]] = [
    ("source", {"slug": "quick", "title": "Quick", "url": "https://example.org/q",
                "published_on": "2025-10-20", "text": TEXT}, None, True),
    ("source", {"slug": "quick", "title": "Quick", "url": "https://example.org/q",
                "published_on": "2025-10-20", "text": TEXT}, None, True),
    ("source", {"slug": "quick", "title": "Another"}, None, True),
    ("source", {"slug": "other", "title": "Other", "url": "https://example.org/q"}, None, True),
    ("person", {"name": "Quinn Quick", "aliases": ["Q. Quick"]}, None, True),
    ("person", {"name": "Quinn Quick", "aliases": ["Quinny", "Q. Quick"]}, None, True),
    ("person", {"name": "Quinn Quick", "description": "changed"}, None, True),
    ("person", {"name": "Someone Else", "aliases": ["Quinny"]}, None, True),
    ("person", {"name": "Quinny", "slug": "ban-kil-joo"}, None, True),
    ("question", {"slug": "deal", "title": "A deal", "criteria": "YES if signed",
                  "resolve_by": "2026-03-31", "tags": ["quick", "north-korea"]}, None, True),
    ("question", {"slug": "deal", "title": "A deal", "criteria": "YES if signed soon",
                  "resolve_by": "2026-03-31"}, None, True),
    ("question", {"slug": "units", "title": "Units", "criteria": "The count",
                  "resolve_by": "2026-01-10", "type": "numeric", "unit": "units"}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "a deal is unlikely", "question": "deal", "wording": "unlikely"}, None,
     True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "a deal is unlikely", "question": "deal", "wording": "unlikely"}, None,
     True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "a deal is unlikely", "question": "deal", "probability": 0.3}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "no such words", "question": "deal", "probability": 0.3}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-21",
               "quote": "before spring", "question": "deal", "probability": 0.3}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "before spring", "question": "units", "probability": 0.3}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "at 4.5 units", "question": "units", "value": 4.5}, None, True),
    ("claim", {"speaker": "Q. Quick", "source": "quick", "made_on": "2025-10-19",
               "quote": "before spring", "question": "deal", "term": "likely",
               "scale": "no-such-scale"}, None, True),
    ("claim", {"speaker": "Ban", "source": "quick", "made_on": "2025-10-19",
               "quote": "Officials say", "question": "deal", "kind": "conditional",
               "condition": {"question": "us-nk-talks-resume", "result": "yes"},
               "term": "likely"}, None, True),
    ("outcome", {"result": "no", "occurred_on": "2025-12-01",
                 "evidence_url": "https://example.org/a",
                 "more_evidence": ["https://example.org/b"]}, "deal", False),
    ("outcome", {"result": "no", "occurred_on": "2025-12-01",
                 "evidence_url": "https://example.org/a",
                 "more_evidence": ["https://example.org/b"]}, "deal", False),
    ("outcome", {"result": "yes", "occurred_on": "2025-10-01",
                 "evidence_url": "https://example.org/c"}, "deal", False),
    ("outcome", {"result": "yes", "occurred_on": "2025-12-02",
                 "evidence_url": "https://example.org/c"}, "deal", False),
    ("outcome", {"result": "yes", "occurred_on": "2026-01-10",
                 "evidence_url": "https://example.org/d"}, "units", False),
    ("outcome", {"value": 4.7, "occurred_on": "2026-01-10",
                 "evidence_url": "https://example.org/d"}, "units", False),
    ("outcome", {"result": "yes", "occurred_on": "2025-11-01",
                 "evidence_source": "quick"}, "us-nk-talks-resume", True),
]  # fmt: skip


def _work(kind: str, fields: dict[str, Any], question: str | None,
          hindsight_ok: bool) -> Any:  # fmt: skip
    """One record written through the add-* services on a ``Writer``."""
    from tracker import records
    from tracker.services import entry

    def work(w: Any) -> Any:
        if kind == "source":
            return entry.save_source(w, records.SourceIn(**fields))[1]
        if kind == "person":
            return entry.save_person(w, records.PersonIn(**fields), "tester")[1]
        if kind == "question":
            return entry.save_question(w, records.QuestionIn(**fields), "tester")[1]
        if kind == "claim":
            rec = entry.read_claim_wording(w, records.ClaimIn(**fields))[0]
            return entry.save_claim(w, rec, "tester")[1]
        assert question is not None
        found = entry.require_question(w, question)
        rec = records.OutcomeIn(question=found.slug, **fields)
        done = entry.record_outcome(w, found, rec, "tester", hindsight_ok=hindsight_ok)
        return done and dataclasses.asdict(done)

    return work


def _record_through_entry(db: Path, kind: str, fields: dict[str, Any], question: str | None,
                          hindsight_ok: bool) -> Any:  # fmt: skip
    from tracker.writes import sqlite_write

    done = sqlite_write(f"sqlite:///{db}", _work(kind, fields, question, hindsight_ok))
    assert done is not None
    return done[0]


def _record_through_importer(db: Path, kind: str, fields: dict[str, Any], question: str | None,
                             hindsight_ok: bool) -> Any:  # fmt: skip
    from tracker.db import get_engine, run_in_transaction
    from tracker.writes import SessionWriter

    work = _work(kind, fields, question, hindsight_ok)
    return run_in_transaction(
        get_engine(f"sqlite:///{db}"), lambda s: work(SessionWriter(s)), write=True
    )


def test_the_add_services_write_what_the_importers_write(seeded: Path, tmp_path: Path) -> None:
    from tracker.errors import TrackerError

    orm = tmp_path / "orm.db"
    shutil.copyfile(seeded, orm)
    results: dict[Path, list[Any]] = {seeded: [], orm: []}
    with time_machine.travel(NOW, tick=False):
        for kind, fields, question, hindsight_ok in RECORDS:
            for db, record in ((seeded, _record_through_entry), (orm, _record_through_importer)):
                try:
                    results[db].append(record(db, kind, fields, question, hindsight_ok))
                except TrackerError as exc:
                    results[db].append((type(exc).__name__, str(exc)))
    assert results[seeded] == results[orm]
    refused = [r for r in results[seeded] if isinstance(r, tuple)]
    assert len(refused) == 13, refused  # every kind of refusal above, each once
    _same_rows(seeded, orm)


def test_the_ledgers_column_cache_is_never_another_transactions(seeded: Path) -> None:
    """What the ledger caches of a table's columns lasts one transaction, even
    on a connection that outlives it (a PostgreSQL pool's): the next one, which
    Python may give the same id(), sees a column added in between. (A claim on
    the "no" side was once sealed as if it were on "yes" after migration 0013.)"""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from tracker.ledger import _present

    engine = create_engine(f"sqlite:///{seeded}", poolclass=StaticPool)
    try:
        with engine.connect() as conn:
            with conn.begin():
                assert "extra" not in _present(conn, "claims")
            with conn.begin():
                conn.exec_driver_sql("ALTER TABLE claims ADD COLUMN extra TEXT")
            with conn.begin():
                assert "extra" in _present(conn, "claims")
    finally:
        engine.dispose()
