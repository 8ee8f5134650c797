"""Nothing lost, nothing corrupted: concurrency, crashes, hostile environments,
backups, append-only history and upgrades from every schema version.

Scenario sizes here keep `make test` quick; `make stress` runs the same
scenarios at full size (tests/stress.py).
"""

from __future__ import annotations

import contextlib
import json
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import stress
from conftest import ROOT, SEEDS, Invoke, dump

from tracker.schema import head_revision, known_revisions

FIXTURES = ROOT / "tests" / "fixtures" / "schema"
SNAPSHOT = ROOT / "tests" / "fixtures" / "schema.sql"
REGENERATE = "python tests/make_fixture_dbs.py"


def tracker(*args: str, db: Path, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=stress.env_for(db), capture_output=True, text=True, timeout=300, **kwargs,
    )  # fmt: skip


def one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- concurrency and crashes -------------------------------------------------------------


def test_concurrent_writers_and_report_loops() -> None:
    result = stress.concurrent_writers(writers=4, each=15, readers=1)
    assert (result.user_failures, result.rows_lost, result.integrity) == (0, 0, "ok"), result


# The smallest sizes that still prove the property (a kill lands while rows are
# being written; a bulk import spans several batches); `make stress` runs them large.
def test_import_killed_at_any_moment_leaves_nothing_or_everything() -> None:
    result = stress.crashes(kills=3, n=300)
    assert (result.user_failures, result.rows_lost, result.integrity) == (0, 0, "ok"), result


def test_bulk_import_killed_leaves_whole_batches() -> None:
    result = stress.bulk_crashes(kills=4, n=12_000)  # claims in batches of 5,000, 5,000, 2,000
    assert (result.user_failures, result.rows_lost, result.integrity) == (0, 0, "ok"), result


def test_backup_while_others_write(seeded: Path, tmp_path: Path) -> None:
    stop = threading.Event()
    errors: list[str] = []

    def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            r = tracker("add-question", "--slug", f"bq-{i}", "--title", f"T {i}",
                        "--criteria", "c", "--resolve-by", "2026-01-01", db=seeded)  # fmt: skip
            if r.returncode:
                errors.append(r.stderr)
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        time.sleep(0.5)
        copies = []
        for n in range(3):
            target = tmp_path / f"copy{n}.db"
            result = tracker("backup", str(target), db=seeded)
            assert result.returncode == 0, result.stderr
            copies.append(target)
    finally:
        stop.set()
        writer.join()
    assert not errors
    for copy in copies:
        assert stress.integrity(copy) == "ok"
        report = tracker("report", "--format", "json", db=copy)
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["overview"]["claims"] == 22
    assert "exists; pass --force" in one_clean_line(tracker("backup", str(copies[0]), db=seeded))


# --- hostile environments ------------------------------------------------------------------


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make a file or folder read-only even for root (chattr +i)."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make files immutable here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_database_file(seeded: Path) -> None:
    tracker("list", db=seeded)  # settle the WAL into the file
    before = dump(seeded)
    for suffix in ("-wal", "-shm"):
        Path(f"{seeded}{suffix}").unlink(missing_ok=True)
    with immutable(seeded):
        line = one_clean_line(tracker("add-person", "Someone New", db=seeded))
        assert "readonly" in line or "read-only" in line or "unable to open" in line
    assert dump(seeded) == before


def test_read_only_folder(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "t.db"
    with immutable(folder):
        line = one_clean_line(tracker("init", db=db))
        assert "folder is not writable" in line
    assert not db.exists()


@contextlib.contextmanager
def small_disk(size: str = "3m") -> Iterator[Path]:
    """A tiny filesystem of its own (tmpfs), so a write can run out of space."""
    where = Path(tempfile.mkdtemp(prefix="tracker-full-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:  # fmt: skip
        shutil.rmtree(where)
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        shutil.rmtree(where, ignore_errors=True)


def huge_source(folder: Path, megabytes: int = 6) -> Path:
    """A seed file whose one source carries a text too big for the space left."""
    (folder / "huge.txt").write_text("forecast " * (megabytes * 1024 * 1024 // 9))
    seed = folder / "huge.yaml"
    seed.write_text("sources: [{slug: huge, title: Huge, text_file: huge.txt}]\n")
    return seed


def test_full_disk(tmp_path: Path) -> None:
    seed = huge_source(tmp_path)
    with small_disk() as disk:
        db = disk / "t.db"
        assert tracker("import", str(SEEDS), db=db).returncode == 0
        before = dump(db)
        line = one_clean_line(tracker("import", str(seed), db=db))
        assert "database or disk is full" in line
        assert stress.integrity(db) == "ok"
        assert dump(db) == before
        assert tracker("report", db=db).returncode == 0


def test_file_size_limit_is_reported_like_a_full_disk(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted, a file-size limit makes writes fail the same way."""
    db = tmp_path / "t.db"
    assert tracker("import", str(SEEDS), db=db).returncode == 0
    before = dump(db)
    seed = huge_source(tmp_path)
    limit = db.stat().st_size + 64 * 1024

    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    line = one_clean_line(tracker("import", str(seed), db=db, preexec_fn=cap))
    assert "database or disk is full" in line or "disk I/O error" in line
    assert stress.integrity(db) == "ok"
    assert dump(db) == before


# --- outcome history is append-only ----------------------------------------------------------


def test_history_survives_correction_reimport_and_upgrade(seeded: Path, invoke: Invoke) -> None:
    slug = "trump-kim-meet-during-korea-visit"
    invoke("add-outcome", slug, "ambiguous", "--on", "2025-10-29",
           "--evidence", "https://example.org/x", "--note", "a dissenting reading")  # fmt: skip
    history = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"]
    assert [o["result"] for o in history] == ["no", "ambiguous"]
    outcomes = [t for t in dump(seeded) if t[0] == "outcomes"]

    invoke("import", str(SEEDS))  # the seed file still says "no": that is history, not a rewrite
    assert [t for t in dump(seeded) if t[0] == "outcomes"] == outcomes


def test_history_survives_a_downgrade_and_upgrade(
    db_path: Path, invoke: Invoke, tmp_path: Path
) -> None:
    """On records every revision can hold (the fixture written at 0013, upgraded)."""
    shutil.copy(FIXTURES / "0013.db", db_path)
    slug = "trump-kim-meet-during-korea-visit"
    invoke("add-outcome", slug, "ambiguous", "--on", "2025-10-29",
           "--evidence", "https://example.org/x", "--note", "a dissenting reading")  # fmt: skip
    history = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"]
    assert [o["result"] for o in history] == ["no", "ambiguous"]
    outcomes = [t for t in dump(db_path) if t[0] == "outcomes"]
    invoke("db", "downgrade", known_revisions()[0])
    invoke("db", "upgrade")
    assert [t for t in dump(db_path) if t[0] == "outcomes"] == outcomes
    assert json.loads(invoke("show", slug, "--json").output)[0]["outcomes"] == history


def test_no_code_path_updates_or_deletes_an_outcome() -> None:
    """Outcomes are only ever added: no UPDATE or DELETE of outcomes anywhere in the code."""
    for path in (ROOT / "tracker").rglob("*.py"):
        text = path.read_text().lower()
        for forbidden in ("update outcomes", "delete from outcomes", "delete(outcome"):
            assert forbidden not in text, f"{path.name}: {forbidden}"


# --- upgrades from every schema version --------------------------------------------------


def schema_sql(db: Path) -> str:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    conn.close()
    return "\n".join(f"-- {t} {n}\n{sql};\n" for t, n, sql in rows)


def test_schema_snapshot(db_path: Path, invoke: Invoke) -> None:
    invoke("init")
    assert SNAPSHOT.read_text() == schema_sql(db_path), (
        f"the schema changed: if that is intended, run `{REGENERATE}` "
        "and commit tests/fixtures (a new revision also needs its fixture database)"
    )


def test_there_is_a_fixture_for_every_revision() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.db")) == list(known_revisions()), (
        f"run `{REGENERATE}` to add the missing fixture databases"
    )


ADDED_DEFAULTS = {"claims": ("yes",), "questions": ("binary",), "score_totals": (0,)}


@pytest.mark.parametrize("revision", known_revisions())
def test_upgrade_from_every_revision_keeps_the_data(
    revision: str, tmp_path: Path, invoke: Invoke
) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"{revision}.db", db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    conn.close()
    before = {name: rows for name, rows in dump(db) if name != "alembic_version"}

    listed = invoke("--db", str(db), "list", "--json")
    if revision != head_revision():
        assert f"from schema {revision} to {head_revision()}" in listed.stderr
        assert list(tmp_path.glob("old.backup-*.db"))
    after = {name: rows for name, rows in dump(db) if name != "alembic_version"}
    for table, rows in before.items():
        # Every row kept; columns a later revision adds (at the end) start empty,
        # or at their default (claims.side: every claim so far is on the "yes" side;
        # questions.question_type: every question so far is a yes/no one; score totals of
        # numeric estimates: none so far).
        assert len(after[table]) == len(rows), table
        kept = [row[: len(old)] for row, old in zip(after[table], rows, strict=True)]
        assert kept == rows, table
        assert all(v is None or v in ADDED_DEFAULTS.get(table, ())
                   for row, old in zip(after[table], rows, strict=True)
                   for v in row[len(old):]), table  # fmt: skip
    assert len(json.loads(listed.stdout)) == len(before["claims"])
    history = json.loads(invoke("--db", str(db), "show", "trump-kim-meet-within-months",
                                "--json").stdout)[0]["outcomes"]  # fmt: skip
    assert [o["result"] for o in history][-2:] == ["yes", "no"]  # the fixture's correction
    assert json.loads(invoke("--db", str(db), "report", "--format", "json").stdout)["murphy"]
    invoke("--db", str(db), "add-outcome", "us-nk-talks-resume", "no", "--on", "2026-01-20",
           "--evidence", "https://example.org/y")  # fmt: skip
    hits = invoke("--db", str(db), "list", "--json", "--question", "us-nk-talks-resume")
    assert json.loads(hits.stdout)[0]["outcome"] == "no"
