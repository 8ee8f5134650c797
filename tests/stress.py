"""Reliability scenarios with real processes and real files.

Used at small sizes by tests/test_reliability.py (part of `make test`) and at
full size by `make stress`, which prints one table:

    scenario | operations tried | failures seen by users | rows lost | integrity

The concurrent writers run on a SQLite file and, when a PostgreSQL server
answers at $TRACKER_TEST_PG (default: the local one), on a throwaway database
there too; so do the crashes: a bulk import killed mid-way, and `tracker copy`
from a SQLite file into PostgreSQL killed mid-way, then run again with
--replace. Every temporary folder and database is removed afterwards.

Run directly:  python tests/stress.py [--full]
Workers:       python tests/stress.py writer DB INDEX COUNT   (DB: a file or a URL)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TRACKER = [sys.executable, "-m", "tracker"]
PG_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED = "shared"  # the question every writer corrects


@dataclass
class Outcome:
    scenario: str
    tried: int
    user_failures: int
    rows_lost: int
    integrity: str
    detail: str = ""


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return "ok" if check == "ok" and not broken else f"{check}; {len(broken)} broken references"


def is_server(db: Path | str) -> bool:
    return "://" in str(db)


def count(db: Path | str, table: str) -> int:
    if is_server(db):
        from sqlalchemy import create_engine, text

        engine = create_engine(str(db))
        try:
            with engine.connect() as conn:
                return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        finally:
            engine.dispose()
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def kept_current(db: Path | str, corrections: int) -> list[str]:
    """What concurrent writers must leave behind on any database: the kept
    score totals equal a fresh computation (sums to 9 decimals), and the
    shared question's ``corrections`` outcomes form one chain."""
    from sqlalchemy import create_engine, text

    from tracker.config import database_url
    from tracker.score_views import END_OF_TIME, EVERY_CLAIM, with_clause
    from tracker.services.outcomes import chain_order
    from tracker.services.scores import TABLES

    def rows(conn: Any, sql: str, params: dict[str, str] | None = None) -> list[tuple]:
        found = conn.execute(text(sql), params or {}).fetchall()
        return sorted(
            (tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in found),
            key=lambda r: tuple(map(str, r)),
        )

    engine = create_engine(database_url(str(db)))
    problems = []
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT stale FROM score_state")).scalar_one():
                problems.append("score totals left stale")
            fresh = with_clause(engine.dialect.name, EVERY_CLAIM)
            params = {"as_of": END_OF_TIME.strip("'"), "today": "2026-01-01"}
            for table in TABLES:
                if rows(conn, f"SELECT * FROM {table}") != rows(
                    conn, f"{fresh}\nSELECT * FROM {table}", params
                ):
                    problems.append(f"kept {table} differ from a fresh computation")
            outcomes = conn.execute(
                text(
                    "SELECT o.id, o.supersedes_id FROM outcomes o "
                    "JOIN questions q ON q.id = o.question_id WHERE q.slug = :slug"
                ),
                {"slug": SHARED},
            ).fetchall()
    finally:
        engine.dispose()
    chain = chain_order(outcomes, 0, 1)
    if len(chain) != len(outcomes) or len(outcomes) != corrections:
        problems.append(
            f"{SHARED}: {len(outcomes)} outcomes, {len(chain)} in its chain "
            f"({corrections} recorded)"
        )
    return problems


def env_for(db: Path | str) -> dict[str, str]:
    return {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "stress"}


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_unavailable() -> str | None:
    """Why no PostgreSQL scenario can run here, or None when a server answers."""
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        return "the PostgreSQL driver (psycopg) is not installed"
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        return f"no PostgreSQL server at {PG_ADMIN_URL}: {str(exc.orig).strip()[:200]}"
    finally:
        admin.dispose()
    return None


@contextmanager
def scratch_database(folder: Path, postgres: bool) -> Iterator[str]:
    """A new SQLite file in ``folder``, or a new PostgreSQL database, dropped afterwards."""
    if not postgres:
        yield str(folder / "t.db")
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tracker_stress_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


# --- concurrent writers --------------------------------------------------------------


def writer(db: Path | str, index: int, n: int) -> int:
    """Record ``n`` questions, each with a claim and an outcome, and as many
    corrections of the question every writer corrects, through the service
    layer, one transaction each, as the CLI does. Returns failures."""
    from tracker.config import database_url
    from tracker.db import get_engine, run_in_transaction
    from tracker.records import ClaimIn, OutcomeIn, PersonIn, QuestionIn
    from tracker.schema import ensure_schema
    from tracker.services.entry import (
        record_outcome,
        require_question,
        save_claim,
        save_person,
        save_question,
    )
    from tracker.writes import SessionWriter, Writer

    def write(work: Callable[[Writer], Any]) -> Any:
        """``work`` in one write transaction, through SQLAlchemy as the CLI falls back to."""
        return run_in_transaction(engine, lambda s: work(SessionWriter(s)), write=True)

    engine = get_engine(database_url(str(db)))
    ensure_schema(engine)
    name = f"Writer {index}"
    write(lambda w: save_person(w, PersonIn(name=name), "stress"))
    failures = 0
    for i in range(n):
        slug = f"w{index}-q{i}"
        try:
            write(
                lambda w, slug=slug: save_question(
                    w, QuestionIn(slug=slug, title=slug, criteria="c", resolve_by="2025-12-31"),
                    "stress",
                ),
            )  # fmt: skip
            claim = ClaimIn(
                speaker=name, source="stress", made_on="2025-01-01", quote=f"claim {index}-{i}",
                question=slug, probability=(i % 10) / 10,
            )  # fmt: skip
            write(lambda w, c=claim: save_claim(w, c, "stress"))
            outcome = OutcomeIn(question=slug, result="yes" if i % 2 else "no",
                                occurred_on="2025-06-01", evidence_url="https://e.x/o")  # fmt: skip
            write(
                lambda w, o=outcome, slug=slug: record_outcome(
                    w, require_question(w, slug), o, "stress"
                )
            )
            # Not the same outcome again: each correction has a note of its own.
            correction = OutcomeIn(question=SHARED, result="yes" if (index + i) % 2 else "no",
                                   occurred_on="2025-06-01", evidence_url="https://e.x/s",
                                   note=f"correction {i} by writer {index}")  # fmt: skip
            write(
                lambda w, o=correction: record_outcome(w, require_question(w, SHARED), o, "stress")
            )
        except Exception as exc:  # anything here would have reached a user
            failures += 1
            print(f"writer {index}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return failures


def concurrent_writers(writers: int, each: int, readers: int, *, postgres: bool = False) -> Outcome:
    """``writers`` processes write at once (see ``writer``) while ``readers``
    processes run the report in a loop, on a SQLite file or on PostgreSQL."""
    with (
        scratch_folder("tracker-stress-") as folder,
        scratch_database(folder, postgres) as db,
    ):
        return _concurrent_writers(folder, db, writers, each, readers, postgres)


def _concurrent_writers(
    folder: Path, db: str, writers: int, each: int, readers: int, postgres: bool
) -> Outcome:
    subprocess.run([*TRACKER, "init"], env=env_for(db), check=True, capture_output=True)
    seed = folder / "seed.yaml"
    seed.write_text(
        "sources: [{slug: stress, title: Stress source}]\n"
        "people: [{name: Shared Speaker}]\n"
        f"questions: [{{slug: {SHARED}, title: Shared, criteria: c, resolve_by: 2025-12-31}}]\n"
        "claims: [{speaker: Shared Speaker, source: stress, made_on: 2025-01-01, "
        f"quote: shared claim, question: {SHARED}, probability: 0.7}}]\n"
    )
    subprocess.run([*TRACKER, "import", str(seed)], env=env_for(db), check=True,
                   capture_output=True)  # fmt: skip
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "writer", db, str(i), str(each)],
            env=env_for(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ]
    stop = folder / "stop"
    reader_script = (
        "import subprocess, sys, pathlib\n"
        "runs = fails = 0\n"
        f"while not pathlib.Path({str(stop)!r}).exists():\n"
        f"    r = subprocess.run({TRACKER!r} + ['report', '--format', 'json'],"
        " capture_output=True, text=True)\n"
        "    runs += 1\n"
        "    if r.returncode != 0:\n"
        "        fails += 1; print(r.stderr.strip()[-300:], file=sys.stderr)\n"
        "print(runs, fails)\n"
    )
    report_loops = [
        subprocess.Popen(
            [sys.executable, "-c", reader_script],
            env=env_for(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(readers)
    ]
    failures = 0
    details = []
    for p in procs:
        out, err = p.communicate(timeout=1800)
        failures += int(out.strip().splitlines()[-1]) if out.strip() else 1
        if p.returncode != 0 or err.strip():
            details.append(err.strip()[-300:])
            failures += p.returncode != 0
    stop.write_text("")
    report_runs = 0
    for r in report_loops:
        out, err = r.communicate(timeout=600)
        runs, fails = (int(x) for x in out.split())
        report_runs += runs
        failures += fails
        if err.strip():
            details.append(err.strip()[-300:])
    expected = writers * each
    rows = {"questions": expected + 1, "claims": expected + 1, "outcomes": 2 * expected}
    lost = sum(max(0, n - count(db, t)) for t, n in rows.items())
    problems = ([] if postgres else [integrity(db)]) + kept_current(db, expected)
    problems = [p for p in problems if p != "ok"]
    return Outcome(
        f"{writers} writers x {each} questions+claims+outcomes and corrections of one "
        f"question, {readers} report loops, on {'PostgreSQL' if postgres else 'SQLite'}",
        tried=4 * expected + writers + report_runs,
        user_failures=failures,
        rows_lost=lost,
        integrity="; ".join(problems) or "ok",
        detail="; ".join(details)[:500],
    )


# --- crashes ---------------------------------------------------------------------------


def big_seed(folder: Path, n: int) -> tuple[Path, dict[str, int]]:
    """A seed file with n questions, each with a claim and an outcome."""
    data = {
        "sources": [{"slug": "crash", "title": "Crash source"}],
        "people": [{"name": f"Speaker {i}", "aliases": [f"S{i}"]} for i in range(50)],
        "questions": [
            {
                "slug": f"q{i}",
                "title": f"Question {i}",
                "criteria": "c",
                "resolve_by": "2025-12-31",
                "tags": [f"t{i % 7}"],
            }
            for i in range(n)
        ],
        "claims": [
            {
                "speaker": f"S{i % 50}",
                "source": "crash",
                "made_on": "2025-01-01",
                "quote": f"quote {i}",
                "question": f"q{i}",
                "probability": (i % 9 + 1) / 10,
            }
            for i in range(n)
        ],
        "outcomes": [
            {
                "question": f"q{i}",
                "result": "yes" if i % 3 else "no",
                "occurred_on": "2025-06-01",
                "evidence_url": "https://e.x/c",
            }
            for i in range(n)
        ],
    }
    path = folder / "big.json"
    path.write_text(json.dumps(data))
    return path, {"sources": 1, "people": 50, "questions": n, "claims": n, "outcomes": n}


def kill_at_moments(
    command: Callable[[str], list[str]],
    db: str,
    probe: str,
    kills: int,
    after: Callable[[int], list[str]],
) -> list[str]:
    """Run ``command(db)`` and SIGKILL it at ``kills`` moments spread over the
    time a whole run takes (measured first as ``command(probe)``, on a scratch
    database prepared as ``db`` was), calling ``after(k)`` once each killed
    process is gone; the problems ``after`` found."""
    start = time.monotonic()
    subprocess.run(command(probe), env=env_for(probe), check=True, capture_output=True)
    duration = time.monotonic() - start
    problems: list[str] = []
    for k in range(kills):
        proc = subprocess.Popen(command(db), env=env_for(db), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(duration * (k + 0.5) / kills * 0.95)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        problems += after(k)
    return problems


def kill_repeatedly(
    command: list[str],
    db: Path,
    expected: dict[str, int],
    kills: int,
    check: Callable[[int, dict[str, int]], list[str]],
) -> list[str]:
    """``kill_at_moments`` on a SQLite file (``command`` finds it in
    $TRACKER_DB): after each kill the file must pass its integrity checks and
    ``check``."""

    def after(k: int) -> list[str]:
        state = integrity(db)
        found = [] if state == "ok" else [f"kill {k}: {state}"]
        return found + check(k, {t: count(db, t) for t in expected})

    probe = db.with_name("probe.db")
    subprocess.run([*TRACKER, "init"], env=env_for(probe), check=True, capture_output=True)
    return kill_at_moments(lambda _: command, str(db), str(probe), kills, after)


def crashes(kills: int, n: int) -> Outcome:
    with scratch_folder("tracker-crash-") as folder:
        return _crashes(folder, kills, n)


def _crashes(folder: Path, kills: int, n: int) -> Outcome:
    db = folder / "t.db"
    seed, expected = big_seed(folder, n)
    subprocess.run([*TRACKER, "init"], env=env_for(db), check=True, capture_output=True)

    def whole(k: int, counts: dict[str, int]) -> list[str]:
        # One transaction: nothing of the import, or all of it.
        ok = counts in ({t: 0 for t in expected}, expected)
        return [] if ok else [f"kill {k}: partial import {counts}"]

    bad = kill_repeatedly([*TRACKER, "import", str(seed)], db, expected, kills, whole)
    partial = sum("partial" in b for b in bad)
    final = subprocess.run([*TRACKER, "import", str(seed)], env=env_for(db),
                           capture_output=True, text=True)  # fmt: skip
    again = subprocess.run([*TRACKER, "import", str(seed), "--json"], env=env_for(db),
                           capture_output=True, text=True)  # fmt: skip
    unchanged = again.returncode == 0 and all(
        r["created"] == r["updated"] == 0 for r in json.loads(again.stdout)
    )
    counts = {t: count(db, t) for t in expected}
    lost = sum(max(0, expected[t] - counts[t]) for t in expected)
    extra = sum(max(0, counts[t] - expected[t]) for t in expected)
    failures = (final.returncode != 0) + (not unchanged) + partial + extra
    return Outcome(
        f"import of {n} questions+claims+outcomes killed (SIGKILL) up to {kills} times",
        tried=kills + 2,
        user_failures=failures,
        rows_lost=lost,
        integrity=integrity(db) if not bad else "; ".join(bad)[:300],
        detail=final.stderr[-300:] if final.returncode else "",
    )


def bulk_crashes(kills: int, n: int) -> Outcome:
    """Bulk (JSON-lines) import killed mid-way: only whole batches may remain,
    and running it again finishes with exactly the expected rows."""
    with scratch_folder("tracker-bulk-crash-") as folder:
        return _bulk_crashes(folder, kills, n)


def _bulk_crashes(folder: Path, kills: int, n: int) -> Outcome:
    from tracker.services.bulk import BATCH_SIZE
    from tracker.synthetic import generate

    expected = generate(folder / "data", n, seed=11)
    files = [str(folder / "data" / f"{s}.jsonl") for s in expected]
    db = folder / "t.db"
    subprocess.run([*TRACKER, "init"], env=env_for(db), check=True, capture_output=True)

    def batches(k: int, counts: dict[str, int]) -> list[str]:
        return [
            f"kill {k}: {table} holds {rows} rows, not whole batches"
            for table, rows in counts.items()
            if rows != expected[table] and rows % BATCH_SIZE
        ]

    bad = kill_repeatedly([*TRACKER, "import", *files], db, expected, kills, batches)
    final = subprocess.run([*TRACKER, "import", *files], env=env_for(db), capture_output=True,
                           text=True)  # fmt: skip
    counts = {t: count(db, t) for t in expected}
    lost = sum(max(0, expected[t] - counts[t]) for t in expected)
    extra = sum(max(0, counts[t] - expected[t]) for t in expected)
    return Outcome(
        f"bulk import of {n} claims (+ sections) killed (SIGKILL) {kills} times",
        tried=kills + 1,
        user_failures=(final.returncode != 0) + extra + len(bad),
        rows_lost=lost,
        integrity=integrity(db) if not bad else "; ".join(bad)[:300],
        detail=final.stderr[-300:] if final.returncode else "",
    )


# --- crashes on PostgreSQL ----------------------------------------------------------------


def verified(db: str) -> str:
    """``tracker verify`` on ``db``, as a user runs it: "ok", or what it found.
    (Totals marked stale pass: the next report rebuilds them.)"""
    found = subprocess.run([*TRACKER, "--db", db, "verify", "--json"], capture_output=True,
                           text=True, timeout=1800)  # fmt: skip
    try:
        rows = json.loads(found.stdout)
    except json.JSONDecodeError:
        rows = []
    problems = [f"{r['check']}: {r['problem']}" for r in rows if r["result"] != "ok"]
    if found.returncode == 0 and rows and not problems:
        return "ok"
    return "; ".join(problems) or found.stderr.strip()[-200:] or f"exit {found.returncode}"


def totals_stale(db: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT stale FROM score_state")).scalar_one())
    finally:
        engine.dispose()


def pg_import_crashes(kills: int, n: int) -> Outcome:
    """The bulk import into PostgreSQL killed mid-way: each batch is a
    transaction on the server too, so only whole batches may remain, `verify`
    must pass after every kill, and running the import again finishes with
    exactly the expected rows."""
    with (
        scratch_folder("tracker-pg-crash-") as folder,
        scratch_database(folder, postgres=True) as db,
        scratch_database(folder, postgres=True) as probe,
    ):
        return _pg_import_crashes(folder, db, probe, kills, n)


def _pg_import_crashes(folder: Path, db: str, probe: str, kills: int, n: int) -> Outcome:
    from tracker.services.bulk import BATCH_SIZE
    from tracker.synthetic import generate

    expected = generate(folder / "data", n, seed=11)
    files = [str(folder / "data" / f"{s}.jsonl") for s in expected]
    for url in (db, probe):
        subprocess.run([*TRACKER, "--db", url, "init"], env=env_for(url), check=True,
                       capture_output=True)  # fmt: skip
    partial: list[str] = []
    unverified: list[str] = []
    stale = 0

    def after(k: int) -> list[str]:
        nonlocal stale
        counts = {t: count(db, t) for t in expected}
        partial.extend(
            f"kill {k}: {table} holds {rows} rows, not whole batches"
            for table, rows in counts.items()
            if rows != expected[table] and rows % BATCH_SIZE
        )
        state = verified(db)
        if state != "ok":
            unverified.append(f"kill {k}: {state}")
        stale += totals_stale(db)
        return []

    kill_at_moments(lambda url: [*TRACKER, "--db", url, "import", *files], db, probe, kills, after)
    final = subprocess.run([*TRACKER, "--db", db, "import", *files], env=env_for(db),
                           capture_output=True, text=True)  # fmt: skip
    counts = {t: count(db, t) for t in expected}
    lost = sum(max(0, expected[t] - counts[t]) for t in expected)
    extra = sum(max(0, counts[t] - expected[t]) for t in expected)
    state = verified(db)
    problems = unverified + ([] if state == "ok" else [f"after the rerun: {state}"])
    notes = [final.stderr[-300:]] if final.returncode else []
    notes += partial[:3]
    if stale:
        notes.append(f"{stale} of {kills} kills left the score totals stale (verify passes them)")
    return Outcome(
        f"bulk import of {n} claims (+ sections) killed (SIGKILL) {kills} times, on PostgreSQL",
        tried=kills + 1,
        user_failures=(final.returncode != 0) + extra + len(partial),
        rows_lost=lost,
        integrity="; ".join(problems)[:300] or "ok",
        detail="; ".join(notes)[:500],
    )


def pg_copy_crashes(kills: int, n: int) -> Outcome:
    """`tracker copy` of a SQLite file of ``n`` synthetic claims into
    PostgreSQL killed mid-way (the first kill into a new database, the others
    over a complete copy being replaced): each time, running it again with
    --replace must complete with every row count and checksum matching, and
    `verify` on the target must pass."""
    with (
        scratch_folder("tracker-pg-copy-crash-") as folder,
        scratch_database(folder, postgres=True) as db,
        scratch_database(folder, postgres=True) as probe,
    ):
        return _pg_copy_crashes(folder, db, probe, kills, n)


def _pg_copy_crashes(folder: Path, db: str, probe: str, kills: int, n: int) -> Outcome:
    from tracker.synthetic import generate

    sections = generate(folder / "data", n, seed=13)
    source = folder / "source.db"
    subprocess.run([*TRACKER, "--db", str(source), "import",
                    *(str(folder / "data" / f"{s}.jsonl") for s in sections)],
                   env=env_for(source), check=True, capture_output=True)  # fmt: skip
    failures: list[str] = []
    unverified: list[str] = []
    last: list[dict[str, Any]] = []  # the last rerun's tables, as it printed them

    def copy(url: str) -> list[str]:
        return [*TRACKER, "copy", str(source), url, "--replace", "--json"]

    def rerun(k: int) -> list[str]:
        again = subprocess.run(copy(db), capture_output=True, text=True, timeout=1800)
        last[:] = json.loads(again.stdout) if again.stdout.strip() else []
        if again.returncode or not last or any(r["result"] != "match" for r in last):
            failures.append(f"kill {k}: the rerun failed: {again.stderr.strip()[-200:]}")
        state = verified(db)
        if state != "ok":
            unverified.append(f"kill {k}: {state}")
        return []

    # Timed on a copy replacing a complete one, as every kill but the first
    # meets it (the first lands in a new database, while its schema is made
    # or its first tables are copied).
    subprocess.run(copy(probe), check=True, capture_output=True)
    kill_at_moments(copy, db, probe, kills, rerun)
    return Outcome(
        f"copy of {n} claims (+ every table) from SQLite into PostgreSQL killed (SIGKILL) "
        f"{kills} times, each rerun with --replace",
        tried=2 * kills,
        user_failures=len(failures),
        rows_lost=sum(max(0, r["source_rows"] - r["rows"]) for r in last),
        integrity="; ".join(unverified)[:300] or "ok",
        detail="; ".join(failures)[:500],
    )


def run_all(full: bool) -> list[Outcome]:
    if full:
        writers, crash, bulk = (8, 250, 2), (20, 20_000), (20, 100_000)
        pg_bulk, pg_copy = (20, 50_000), (20, 20_000)
    else:  # as in tests/test_reliability.py and tests/test_pg_crashes.py
        writers, crash, bulk = (4, 15, 1), (3, 300), (4, 12_000)
        pg_bulk, pg_copy = (3, 6_000), (2, 3_000)
    missing = postgres_unavailable()
    if missing is not None:
        print(f"PostgreSQL rows left out: {missing}", file=sys.stderr)
    on_server = missing is None
    return [
        concurrent_writers(*writers),
        *([concurrent_writers(*writers, postgres=True)] if on_server else []),
        crashes(*crash),
        bulk_crashes(*bulk),
        *([pg_import_crashes(*pg_bulk), pg_copy_crashes(*pg_copy)] if on_server else []),
    ]


def table(results: list[Outcome]) -> str:
    header = ("scenario", "operations tried", "failures seen by users", "rows lost", "integrity")
    rows = [(r.scenario, r.tried, r.user_failures, r.rows_lost, r.integrity) for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = " | ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), "-+-".join("-" * w for w in widths)]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    w = sub.add_parser("writer")
    w.add_argument("db", help="a SQLite file or a database URL")
    w.add_argument("index", type=int)
    w.add_argument("count", type=int)
    parser.add_argument("--full", action="store_true", help="full-size scenarios")
    args = parser.parse_args()
    if args.command == "writer":
        print(writer(args.db, args.index, args.count))
        return
    results = run_all(args.full)
    print(table(results))
    for r in results:
        if r.detail:
            print(f"\n{r.scenario}:\n  {r.detail}")
    failed = any(r.user_failures or r.rows_lost or r.integrity != "ok" for r in results)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
