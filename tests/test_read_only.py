"""A database this user can read but not write: a published snapshot (file
0444 in a folder 0555), a file made read-only, another user's database.

Reads work and print what they printed before the file was made read-only,
without creating anything next to it; a write fails in one line saying the
database is read-only. Permission bits do not bind root, so as root the CLI
runs under ``setpriv`` without the capabilities that override them (the
tests are skipped where that is not possible).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, assert_plain_error
from sqlalchemy import text

from tracker.db import _STAMP, ReadOnly, get_engine, run_in_transaction, session_scope

READS = [("list",), ("report",), ("show", "1"), ("verify",)]
DROP_CAPS = "-dac_override,-dac_read_search"


@pytest.fixture(scope="module")
def as_user(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command prefix under which permission bits bind: none for a user;
    for root, setpriv without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, whom permission bits do not stop, and no setpriv")
    prefix = [setpriv, "--bounding-set", DROP_CAPS, "--inh-caps", DROP_CAPS]
    folder = tmp_path_factory.mktemp("probe")
    folder.chmod(0o555)
    try:
        probe = subprocess.run([*prefix, "touch", str(folder / "x")], capture_output=True)
    finally:
        folder.chmod(0o755)
    if probe.returncode == 0:
        pytest.skip("running as root, and setpriv could not drop the right to ignore permissions")
    return prefix


def tracker(prefix: list[str], db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_USER": "tester"}
    env.pop("TRACKER_DB", None)
    cmd = [*prefix, sys.executable, "-m", "tracker", "--db", str(db), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False
    )


def close_cleanly(db: Path) -> None:
    """Leave the file alone in its folder, as the last writer closing it does
    (checkpointed, -wal and -shm removed)."""
    conn = sqlite3.connect(db)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    assert sorted(os.listdir(db.parent)) == [db.name]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published(tmp_path: Path, as_user: list[str]) -> tuple[Path, dict[tuple[str, ...], str]]:
    """A seeded database alone in its folder, and what each read printed."""
    db = tmp_path / "published" / "tracker.db"
    db.parent.mkdir()
    assert tracker(as_user, db, "import", str(SEEDS)).returncode == 0
    outputs = {}
    for args in READS:
        result = tracker(as_user, db, *args)
        assert result.returncode == 0, result.stderr
        outputs[args] = result.stdout
    close_cleanly(db)
    return db, outputs


@contextmanager
def modes(*pairs: tuple[Path, int]) -> Iterator[None]:
    """Files and folders with these modes, restored afterwards (so pytest can
    remove them)."""
    before = [(path, stat.S_IMODE(path.stat().st_mode)) for path, _ in pairs]
    try:
        for path, mode in pairs:
            path.chmod(mode)
        yield
    finally:
        for path, mode in reversed(before):
            path.chmod(mode)


def check_reads_and_refused_write(
    as_user: list[str], db: Path, outputs: dict[tuple[str, ...], str]
) -> None:
    for args in READS:
        result = tracker(as_user, db, *args)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        assert result.stdout == outputs[args], args
    result = tracker(as_user, db, "add-person", "X")
    assert result.returncode == 1, result.stdout
    assert_plain_error(result.stderr)
    assert "read-only" in result.stderr and "not writable" in result.stderr, result.stderr


@pytest.mark.parametrize("logs", [False, True], ids=["alone", "with-wal-and-shm"])
def test_published_snapshot_in_a_read_only_folder(
    published: tuple[Path, dict[tuple[str, ...], str]], as_user: list[str], logs: bool
) -> None:
    db, outputs = published
    extra: list[tuple[Path, int]] = []
    if logs:  # left by a reader of the writable file, as another user's writer leaves them
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM claims").fetchone()
        conn.close()
        extra = [(Path(f"{db}{suffix}"), 0o444) for suffix in ("-wal", "-shm")]
    files = sorted(os.listdir(db.parent))
    before = digest(db)
    with modes((db, 0o444), *extra, (db.parent, 0o555)):
        check_reads_and_refused_write(as_user, db, outputs)
        result = tracker(as_user, db, "import", str(SEEDS))
        assert result.returncode == 1
        assert_plain_error(result.stderr)
        assert "read-only" in result.stderr
        assert sorted(os.listdir(db.parent)) == files
    assert digest(db) == before


def test_only_the_file_read_only(
    published: tuple[Path, dict[tuple[str, ...], str]], as_user: list[str]
) -> None:
    db, outputs = published
    before = digest(db)
    with modes((db, 0o444)):
        check_reads_and_refused_write(as_user, db, outputs)
    assert digest(db) == before


def test_reads_through_sqlalchemy_leave_nothing_that_stops_later_writes(
    published: tuple[Path, dict[tuple[str, ...], str]], as_user: list[str]
) -> None:
    """Plain mode=ro on a WAL file in a writable folder would create a -wal and
    a -shm with the file's mode 0444 and leave them there; once the owner made
    the file writable again, the read-only -shm would refuse every write."""
    db, outputs = published
    with modes((db, 0o444)):
        for args in [("show", "1"), ("verify",)]:
            result = tracker(as_user, db, *args)
            assert result.returncode == 0, result.stderr
            assert result.stdout == outputs[args]
        assert sorted(os.listdir(db.parent)) == [db.name]
    result = tracker(as_user, db, "add-person", "X")
    assert result.returncode == 0, result.stderr


def test_quick_reads_leave_nothing_that_stops_later_writes(
    published: tuple[Path, dict[tuple[str, ...], str]], as_user: list[str]
) -> None:
    db, outputs = published
    with modes((db, 0o444)):
        result = tracker(as_user, db, "list")
        assert result.returncode == 0, result.stderr
        assert result.stdout == outputs[("list",)]
    result = tracker(as_user, db, "add-person", "X")
    assert result.returncode == 0, result.stderr


def test_read_only_database_behind_the_code_is_refused_in_one_line(
    tmp_path: Path, as_user: list[str]
) -> None:
    db = tmp_path / "old" / "tracker.db"
    db.parent.mkdir()
    shutil.copyfile(ROOT / "tests" / "fixtures" / "schema" / "0007.db", db)
    for folder_mode in (0o755, 0o555):  # no backup either, even where one could be written
        with modes((db, 0o444), (db.parent, folder_mode)):
            for args in [("list",), ("show", "1"), ("add-person", "X")]:
                result = tracker(as_user, db, *args)
                assert result.returncode == 1, result.stdout
                assert_plain_error(result.stderr)
                assert "read-only" in result.stderr, result.stderr
            assert "must upgrade it" in tracker(as_user, db, "list").stderr
            assert sorted(os.listdir(db.parent)) == [db.name]


def test_no_database_is_created_in_a_read_only_folder(tmp_path: Path, as_user: list[str]) -> None:
    folder = tmp_path / "shelf"
    folder.mkdir()
    with modes((folder, 0o555)):
        result = tracker(as_user, folder / "tracker.db", "add-person", "X")
        assert result.returncode == 1
        assert_plain_error(result.stderr)
        assert "folder is not writable" in result.stderr
        assert os.listdir(folder) == []


# In-process, with the permission check replaced: these run as any user.


@pytest.fixture
def unwritable(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the seeded WAL database (alone in its folder) that the engine
    takes for one this process cannot write."""
    close_cleanly(seeded)
    db = tmp_path / "copy" / "tracker.db"
    db.parent.mkdir()
    shutil.copyfile(seeded, db)
    monkeypatch.setattr("tracker.config.sqlite_read_only", lambda path: "the file is not writable")
    return db


def test_immutable_read_is_done_again_when_the_file_changes(unwritable: Path) -> None:
    engine = get_engine(f"sqlite:///{unwritable}")
    stamps = []
    reader = sqlite3.connect(f"file:{unwritable}?immutable=1", uri=True)  # leaves no files
    claims = reader.execute("SELECT count(*) FROM claims").fetchone()[0]
    reader.close()

    def work(session: object) -> int:
        conn = session.connection()  # type: ignore[attr-defined]
        stamps.append(conn.info.get(_STAMP))
        count = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
        if len(stamps) == 1:  # a writer checkpoints into the file while this reads
            st = unwritable.stat()
            os.utime(unwritable, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        return count

    assert run_in_transaction(engine, work) == claims
    assert len(stamps) == 2 and all(stamps)
    assert sorted(os.listdir(unwritable.parent)) == [unwritable.name]
    with pytest.raises(ReadOnly, match="read-only"), session_scope(engine, write=True) as s:
        s.execute(text("SELECT 1"))


def test_read_only_reads_through_a_writers_wal(unwritable: Path) -> None:
    writer = sqlite3.connect(unwritable, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE people SET name = 'Renamed' WHERE id = 1")
        engine = get_engine(f"sqlite:///{unwritable}")
        with session_scope(engine) as session:
            conn = session.connection()
            assert _STAMP not in conn.info  # the -wal exists: read under SQLite's locks
            name = conn.execute(text("SELECT name FROM people WHERE id = 1")).scalar_one()
        assert name == "Renamed"
    finally:
        writer.close()


def test_report_on_a_stale_read_only_database_computes_from_the_claims(
    published: tuple[Path, dict[tuple[str, ...], str]], as_user: list[str]
) -> None:
    """Kept totals marked stale cannot be rebuilt in a file nobody may write:
    the report computes every score from the claims instead, the same figures."""
    db, outputs = published
    conn = sqlite3.connect(db)
    conn.execute("UPDATE score_state SET stale = 1")
    conn.commit()
    conn.close()
    close_cleanly(db)
    with modes((db, 0o444), (db.parent, 0o555)):
        result = tracker(as_user, db, "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout == outputs[("report",)]
