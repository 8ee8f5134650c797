"""Writers racing each other through the real command, on SQLite and PostgreSQL.

Eight processes correct one question's outcome at once: every correction is
recorded (none fails), they form one chain after the seeds' outcome (no two
supersede the same outcome) and the kept score totals equal a fresh
computation. Eight
processes claim one spelling for eight new speakers: one gets it, the other
seven are refused in one line, and the spelling is recorded once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import SEEDS, pg_database
from sqlalchemy import create_engine, text

SCRIPT = Path(sys.executable).with_name("tracker")
QUESTION = "trump-kim-meet-during-korea-visit"  # 3 claims on it, 2 conditional on it
RESULTS = ("yes", "no", "partial", "ambiguous")
PROCESSES, EACH = 8, 5  # 40 corrections by 8 processes racing for one question
ALIAS = "Same Spelling"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the seeds: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        url = str(tmp_path / "t.db")
        assert tracker(url, "import", str(SEEDS)).returncode == 0
        yield url
        return
    with pg_database() as url:
        imported = tracker(url, "import", str(SEEDS))
        assert imported.returncode == 0, imported.stderr
        yield url


def tracker(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": db, "TRACKER_USER": "racer"}
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
    )


def url_of(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


def query(db: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url_of(db))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def correct_many(db: str, worker: int) -> list[str]:
    """``EACH`` corrections one after another; the errors they printed."""
    errors = []
    for i in range(EACH):
        n = worker * EACH + i
        result = tracker(
            db, "add-outcome", QUESTION, RESULTS[n % len(RESULTS)], "--on", "2025-10-29",
            "--evidence", f"https://example.org/{n}", "--note", f"correction {n} by {worker}",
        )  # fmt: skip
        if result.returncode != 0:
            errors.append(result.stderr.strip())
    return errors


def race_outcomes(db: str) -> list[str]:
    with ThreadPoolExecutor(PROCESSES) as pool:
        return [e for errors in pool.map(lambda w: correct_many(db, w), range(PROCESSES))
                for e in errors]  # fmt: skip


def race_aliases(db: str) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(PROCESSES) as pool:
        return list(
            pool.map(lambda i: tracker(db, "add-person", f"New Name {i}", "--alias", ALIAS),
                     range(PROCESSES))
        )  # fmt: skip


def assert_one_chain(db: str) -> None:
    rows = query(
        db,
        "SELECT o.id, o.supersedes_id FROM outcomes o JOIN questions q ON q.id = o.question_id "
        "WHERE q.slug = :slug",
        slug=QUESTION,
    )
    assert len(rows) == 1 + PROCESSES * EACH  # the seeds' outcome and every correction
    parents = [parent for _, parent in rows]
    assert parents.count(None) == 1
    assert len(set(parents)) == len(parents), "an outcome was superseded twice"
    by_parent = {parent: id_ for id_, parent in rows}
    walked, node = 0, by_parent[None]
    while node is not None:
        walked += 1
        node = by_parent.get(node)
    assert walked == len(rows)
    notes = query(db, "SELECT note FROM outcomes WHERE note LIKE 'correction %'")
    assert len({n for (n,) in notes}) == PROCESSES * EACH


def assert_totals_kept(db: str) -> None:
    assert query(db, "SELECT stale FROM score_state") == [(0,)]
    if "://" not in db:
        from test_scores import assert_totals_current

        assert_totals_current(Path(db))

    def report(*args: str) -> dict:
        result = tracker(db, "report", "--format", "json", *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    kept = report()
    afresh = report("--since", "1900-01-01")  # a filter keeping every claim computes afresh

    # Kept sums may differ in the last bits: compared within a relative 1e-9
    # (rounding both to 9 places flips a value that ends in 5 at the 10th).
    for key in ("scoreboard", "groups", "calibration", "sensitivity"):
        assert len(afresh[key]) == len(kept[key]), key
        for fresh_row, kept_row in zip(afresh[key], kept[key], strict=True):
            assert fresh_row.keys() == kept_row.keys(), key
            for name, value in kept_row.items():
                if isinstance(value, float):
                    assert fresh_row[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
                else:
                    assert fresh_row[name] == value, (key, name)


def test_concurrent_corrections_of_one_question(database: str) -> None:
    errors = race_outcomes(database)
    assert errors == [], f"{len(errors)} of {PROCESSES * EACH} failed: {errors[:3]}"
    assert_one_chain(database)
    assert_totals_kept(database)


def test_concurrent_speakers_claiming_one_spelling(database: str) -> None:
    from tracker.text import alias_key

    results = race_aliases(database)
    winners = [r for r in results if r.returncode == 0]
    losers = [r for r in results if r.returncode != 0]
    assert len(winners) == 1, [r.stderr for r in results]
    for r in losers:
        assert r.returncode == 1, r.stderr
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
        assert "already belongs to New Name " in lines[0], lines[0]
        assert "Traceback" not in r.stdout + r.stderr
    owners = query(
        database,
        "SELECT p.name FROM person_aliases a JOIN people p ON p.id = a.person_id "
        "WHERE a.alias_key = :key",
        key=alias_key(ALIAS),
    )
    assert len(owners) == 1
    (owner,) = owners[0]
    assert query(database, "SELECT name FROM people WHERE name LIKE 'New Name %'") == [(owner,)]


def test_a_spelling_taken_between_read_and_write_is_read_again() -> None:
    """A writer that does not queue on tracker's write lock (a script, an older
    tracker) takes the spelling after tracker found it free: tracker's insert
    waits for it, fails on the unique key, and the unit of work, read again,
    names the owner instead of a constraint."""
    from tracker.text import alias_key

    with pg_database() as url:
        assert tracker(url, "init").returncode == 0
        engine = create_engine(url)
        try:
            with engine.connect() as outside, engine.connect() as watch:
                person = outside.execute(
                    text(
                        "INSERT INTO people (slug, name, kind, created_at) VALUES "
                        "('outside-owner', 'Outside Owner', 'person', '2026-01-01T00:00:00Z') "
                        "RETURNING id"
                    )
                ).scalar_one()
                outside.execute(
                    text("INSERT INTO person_aliases (person_id, alias, alias_key) "
                         "VALUES (:p, :a, :k)"),
                    {"p": person, "a": ALIAS, "k": alias_key(ALIAS)},
                )  # fmt: skip
                env = {**os.environ, "TRACKER_DB": url, "TRACKER_USER": "racer"}
                late = subprocess.Popen(
                    [str(SCRIPT), "add-person", "Late Comer", "--alias", ALIAS],
                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                )  # fmt: skip
                waiting = (
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%person_aliases%'"
                )
                for _ in range(600):
                    if watch.execute(text(waiting)).scalar_one():
                        break
                    watch.rollback()
                    assert late.poll() is None, late.communicate()
                    time.sleep(0.05)
                else:
                    pytest.fail("tracker never waited for the outside writer's spelling")
                outside.commit()
            _, err = late.communicate(timeout=60)
        finally:
            engine.dispose()
        assert late.returncode == 1, err
        assert err.strip() == (
            f'Error: alias "{ALIAS}" already belongs to Outside Owner (outside-owner); one '
            "spelling names one speaker, so nothing was changed"
        )
        assert query(url, "SELECT count(*) FROM people WHERE name = 'Late Comer'") == [(0,)]


def test_serialization_failures_and_deadlocks_are_tried_again(tmp_path: Path) -> None:
    """PostgreSQL's 40001 and 40P01 retry the whole unit of work, a bounded number of times."""
    errors = pytest.importorskip("psycopg").errors
    from sqlalchemy.exc import OperationalError

    from tracker.db import BUSY_ATTEMPTS, get_engine, run_in_transaction
    from tracker.errors import Busy
    from tracker.schema import ensure_schema

    engine = get_engine(f"sqlite:///{tmp_path / 't.db'}")
    ensure_schema(engine)
    failures = [errors.SerializationFailure("could not serialize access"),
                errors.DeadlockDetected("deadlock detected")]  # fmt: skip
    calls = []

    def work(_session: object) -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise OperationalError("UPDATE score_totals …", {}, failures[len(calls) - 1])
        return "written"

    assert run_in_transaction(engine, work, write=True) == "written"
    assert len(calls) == 3

    def always(_session: object) -> None:
        calls.append(1)
        raise OperationalError("UPDATE score_totals …", {}, errors.DeadlockDetected("deadlock"))

    calls.clear()
    with pytest.raises(Busy, match="kept deadlocking with other writers: deadlock"):
        run_in_transaction(engine, always, write=True)
    assert len(calls) == BUSY_ATTEMPTS
