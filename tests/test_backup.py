"""`tracker backup` cannot hurt: never the database itself, never a damaged copy,
never an existing backup lost to a failed one, never a temporary file left behind.

Real files throughout. A backup onto the database itself used to truncate it and
hang, so those cases run in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import SEEDS, Invoke, assert_plain_error, dump

from tracker.schema import backup_sqlite

SCRIPT = Path(sys.executable).with_name("tracker")


def lines(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def leftovers(folder: Path) -> list[str]:
    """Temporary copies (``.NAME.*.tmp``) and their journals."""
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def tracker(*args: str, db: Path | str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "tester"}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=60)  # fmt: skip


def damage_pages(path: Path) -> None:
    """Overwrite the file from its second page on with garbage (page 1, the
    header and schema, stays readable)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page : page * 3] = b"\xa5" * (page * 2)
    path.write_bytes(bytes(data))


def damage_index(path: Path) -> None:
    """An index that no longer matches its table: integrity_check lists
    missing rows, though every page reads."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_claims_made_on "
                     "ON claims (id)' WHERE name = 'ix_claims_made_on'")  # fmt: skip


def break_reference(path: Path) -> None:
    """A row pointing at a person who does not exist (foreign keys off)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("UPDATE person_aliases SET person_id = 99999 "
                     "WHERE rowid = (SELECT min(rowid) FROM person_aliases)")  # fmt: skip


def still_damaged(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(path)) as conn:
            checks = conn.execute("PRAGMA integrity_check").fetchall()
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError:
        return True
    return checks != [("ok",)] or bool(broken)


# --- the target is the database itself -------------------------------------------------


SPELLINGS = ["absolute", "relative", "dot-dot", "symlink", "hard link", "-wal", "-shm"]


def spell(db: Path, how: str) -> str:
    folder = db.parent
    if how == "absolute":
        return str(db)
    if how == "relative":
        return db.name
    if how == "dot-dot":
        (folder / "x").mkdir()
        return f"./x/../{db.name}"
    if how == "symlink":
        (folder / "link.db").symlink_to(db)
        return "link.db"
    if how == "hard link":
        os.link(db, folder / "hard.db")
        return "hard.db"
    return f"{db.name}{how}"  # the database's own -wal / -shm, present or not


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
@pytest.mark.parametrize("how", SPELLINGS)
def test_backup_onto_the_database_itself_is_refused(seeded: Path, how: str, force: bool) -> None:
    folder = seeded.parent
    before, size = lines(seeded), seeded.stat().st_size
    target = spell(seeded, how)
    # --db spelled relatively too: the check must not depend on matching strings.
    result = tracker("backup", target, *(["--force"] if force else []), db=seeded.name, cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert_plain_error(result.stderr)
    assert "itself" in result.stderr and "back up to another file" in result.stderr
    assert seeded.stat().st_size == size
    assert lines(seeded) == before
    assert integrity(seeded) == "ok"
    assert leftovers(folder) == []
    if how in ("-wal", "-shm"):
        assert not (folder / target).exists(), "nothing written"


def test_the_reported_case_self_db_force(tmp_path: Path) -> None:
    """`tracker --db self.db backup self.db --force`: truncated the database, then hung."""
    made = tracker("import", str(SEEDS), db="self.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    db = tmp_path / "self.db"
    before, size = lines(db), db.stat().st_size
    result = tracker("--db", "self.db", "backup", "self.db", "--force", db="other.db", cwd=tmp_path)
    assert result.returncode == 1
    assert_plain_error(result.stderr)
    assert (db.stat().st_size, lines(db)) == (size, before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["self.db"]


# --- a damaged database never replaces a good backup ----------------------------------------


DAMAGE = {
    "pages overwritten": damage_pages,
    "index out of step": damage_index,
    "broken reference": break_reference,
    "empty file": lambda p: p.write_bytes(b""),
    "not SQLite": lambda p: p.write_text("name,date\nKim,2026-01-01\n"),
    "header only": lambda p: p.write_bytes(p.read_bytes()[:100]),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_backup_from_a_damaged_database_leaves_the_good_backup(
    invoke: Invoke, seeded: Path, tmp_path: Path, damage: str
) -> None:
    good = tmp_path / "good-backup.db"
    invoke("backup", str(good))
    kept = good.read_bytes()
    bad = tmp_path / "bad.db"
    shutil.copyfile(seeded, bad)
    DAMAGE[damage](bad)
    if bad.stat().st_size >= 512:
        assert still_damaged(bad), "the damage took"
    result = invoke("--db", str(bad), "backup", str(good), "--force", ok=False)
    assert result.exit_code == 1
    assert str(bad) in result.stderr, "the line names the damaged file"
    assert "no backup written" in result.stderr or "nothing to back up" in result.stderr
    assert good.read_bytes() == kept
    assert integrity(good) == "ok"
    assert leftovers(tmp_path) == []
    fresh = tmp_path / "fresh.db"
    invoke("--db", str(bad), "backup", str(fresh), ok=False)
    assert not fresh.exists(), "no new file either"
    assert leftovers(tmp_path) == []


# --- replacing a backup -----------------------------------------------------------------------


def test_force_replaces_a_good_backup_with_a_checked_copy(
    invoke: Invoke, seeded: Path, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "tracker.db"
    target.parent.mkdir()
    invoke("backup", str(target))
    old = target.read_bytes()
    line = invoke("backup", str(target), ok=False).stderr
    assert "exists; pass --force" in line and target.read_bytes() == old

    invoke("add-question", "--slug", "after-backup", "--title", "Added after the first backup",
           "--criteria", "c", "--resolve-by", "2026-01-01")  # fmt: skip
    done = invoke("backup", str(target), "--force")
    assert "integrity and foreign keys ok" in done.stderr
    assert target.read_bytes() != old
    assert integrity(target) == "ok"
    assert dump(target) == dump(seeded), "the same rows as the live database"
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in target.parent.iterdir()) == ["tracker.db"], "one file"
    assert leftovers(tmp_path) == []


def test_a_target_with_its_own_journal_is_refused(
    invoke: Invoke, seeded: Path, tmp_path: Path
) -> None:
    """A -wal left next to the target would be replayed onto the new copy."""
    target = tmp_path / "in-use.db"
    invoke("backup", str(target))
    kept = target.read_bytes()
    Path(f"{target}-wal").write_bytes(b"stale")
    line = invoke("backup", str(target), "--force", ok=False).stderr
    assert "in-use.db-wal exists" in line
    assert target.read_bytes() == kept
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_good_backup(invoke: Invoke, seeded: Path) -> None:
    from test_reliability import small_disk

    with small_disk("2m") as disk:
        target = disk / "tracker.db"
        shutil.copyfile(seeded, disk / "other.db")
        invoke("--db", str(disk / "other.db"), "backup", str(target))
        kept = target.read_bytes()
        invoke("add-question", "--slug", "bigger", "--title", "x" * 200, "--criteria", "c",
               "--resolve-by", "2026-01-01")  # fmt: skip
        with (disk / "filler").open("wb") as fh:  # leave less room than a copy needs
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            fh.write(b"\0" * max(0, free - len(kept) // 2))
        line = invoke("backup", str(target), "--force", ok=False).stderr
        assert "full" in line or "space" in line, line
        assert target.read_bytes() == kept
        assert leftovers(disk) == []


def test_missing_folder_and_server_urls_are_refused(
    invoke: Invoke, seeded: Path, tmp_path: Path
) -> None:
    line = invoke("backup", str(tmp_path / "nowhere" / "b.db"), ok=False).stderr
    assert "does not exist" in line
    target = tmp_path / "b.db"
    url = "postgresql+psycopg://someone@127.0.0.1:1/tracker"
    line = invoke("--db", url, "backup", str(target), ok=False).stderr
    assert "pg_dump" in line and "own tools" in line
    assert not target.exists()


# --- the backups taken before upgrades and downgrades ----------------------------------------


def test_upgrade_backups_never_overwrite_each_other(seeded: Path, tmp_path: Path) -> None:
    first = backup_sqlite(seeded, "tracker.backup-0001-20260101T000000Z")
    second = backup_sqlite(seeded, "tracker.backup-0001-20260101T000000Z")
    assert first.name == "tracker.backup-0001-20260101T000000Z.db"
    assert second.name == "tracker.backup-0001-20260101T000000Z-1.db"
    for copy in (first, second):
        assert integrity(copy) == "ok" and dump(copy) == dump(seeded)
    assert leftovers(seeded.parent) == []
