"""Migrations are the only way the schema is built; they agree with the models."""

from __future__ import annotations

import itertools
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Invoke, dump
from sqlalchemy import text

from tracker.config import database_url
from tracker.db import get_engine, session_scope
from tracker.models import Base
from tracker.schema import (
    downgrade,
    ensure_schema,
    head_revision,
    history,
    include_name,
    known_revisions,
    migrations_dir,
    schema_state,
    upgrade,
)


def _engine(path: Path):  # type: ignore[no-untyped-def]
    return get_engine(database_url(str(path)))


def test_new_database_is_migrated_to_head_and_matches_the_models(db_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = _engine(db_path)
    ensure_schema(engine)
    assert schema_state(engine).revision == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_revisions_form_one_line_named_after_their_files() -> None:
    revisions = history()
    assert [r.revision for r in revisions] == list(known_revisions())
    assert revisions[0].down_revision is None
    for before, after in itertools.pairwise(revisions):
        assert after.down_revision == before.revision
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text()
        assert re.search(rf'^revision = "{path.name[:4]}"$', source, re.M), path.name
        assert "from tracker.models" not in source, f"{path.name} must not import live models"


@pytest.fixture
def portable(db_path: Path, invoke: Invoke) -> Path:
    """A database whose records every revision can hold: the fixture written by
    0013 (the seeds as they stood then), upgraded to head."""
    import shutil

    shutil.copy(ROOT / "tests" / "fixtures" / "schema" / "0013.db", db_path)
    invoke("list")  # upgrades it
    for backup in db_path.parent.glob("tracker.backup-*.db"):
        backup.unlink()
    return db_path


def test_down_a_step_and_up_again_keeps_the_data(portable: Path) -> None:
    engine = _engine(portable)
    before = dump(portable)
    for revision in reversed(known_revisions()[:-1]):
        downgrade(engine, revision)
        assert schema_state(engine).revision == revision
    upgrade(engine)
    assert dump(portable) == before


def test_a_downgrade_that_would_lose_records_is_refused(seeded: Path, invoke: Invoke) -> None:
    """The seeds hold an unresolvable outcome and a directional claim with a
    condition, which schema 0013 cannot: the downgrade says so and changes nothing."""
    before = dump(seeded)
    err = invoke("db", "downgrade", "0013", ok=False).stderr
    assert "schema 0013 cannot hold" in err and "1 outcomes observed or unresolvable" in err
    assert "1 directional claims or opinions with a condition" in err
    assert dump(seeded) == before
    assert schema_state(_engine(seeded)).revision == head_revision()


def test_down_to_base_and_up_again(portable: Path, invoke: Invoke) -> None:
    seeded = portable
    before = dump(seeded)
    down = invoke("db", "downgrade", "base")
    backup = Path(down.stderr.split("backup at ", 1)[1].split()[0])
    assert [t for t in dump(backup) if t[0] != "alembic_version"] == [
        t for t in before if t[0] != "alembic_version"
    ], "the data dropped with the tables is kept in the backup"
    conn = sqlite3.connect(seeded)
    names = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    }
    assert names == {"alembic_version"}
    invoke("db", "upgrade")
    assert schema_state(_engine(seeded)).revision == head_revision()
    invoke("import", str(ROOT / "seeds"))


def test_old_database_is_backed_up_then_upgraded_on_first_use(portable: Path) -> None:
    seeded = portable
    if len(known_revisions()) < 2:
        pytest.skip("only one revision")
    engine = _engine(seeded)
    old = known_revisions()[-2]
    downgrade(engine, old)
    engine.dispose()
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--db", str(seeded), "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.fullmatch(
        rf"tracker: upgrading tracker\.db from schema {old} to {head_revision()}; "
        r"backup at \S+\n",
        result.stderr,
    )
    backups = list(seeded.parent.glob("tracker.backup-*.db"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] > 0


def test_database_newer_than_the_code_is_refused(seeded: Path, invoke: Invoke) -> None:
    conn = sqlite3.connect(seeded)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    result = invoke("list", ok=False)
    assert "newer than this tracker" in result.output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (x)"), "not a tracker database"),
        (
            lambda p: p.write_bytes(b"not a database at all, just some bytes"),
            "is not a SQLite database",
        ),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: None, None),
    ],
)
def test_files_that_are_not_tracker_databases_are_refused(
    tmp_path: Path,
    invoke: Invoke,
    make,
    message,  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "other.db"
    make(target)
    command = ["list"]
    if message is None:  # a missing folder: a writing command would create the file
        target = tmp_path / "missing" / "x.db"
        message, command = "folder", ["add-person", "X"]
    result = invoke("--db", str(target), *command, ok=False)
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["list", "--json"], ["due"], ["report"]])
def test_query_commands_on_a_current_file_skip_sqlalchemy(seeded: Path, command: list[str]) -> None:
    """list, due and report read a current SQLite file straight through sqlite3
    (tracker.reads): neither SQLAlchemy nor Alembic is imported."""
    code = (
        "import sys; from tracker.cli import cli\n"
        f"code = cli({command!r}, standalone_mode=False)\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"TRACKER_DB": str(seeded), "PATH": ""},
    )
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_help_does_not_import_the_database_stack() -> None:
    code = (
        "import sys; from tracker.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'alembic', 'yaml', 'pydantic', 'matplotlib', 'datasette')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip() == "[]"


def test_writes_and_ddl_are_truly_transactional(db_path: Path) -> None:
    engine = _engine(db_path)
    ensure_schema(engine)
    with pytest.raises(RuntimeError), session_scope(engine, write=True) as session:
        session.execute(text("CREATE TABLE scratch (x)"))
        session.execute(text("INSERT INTO tags (name) VALUES ('t')"))
        raise RuntimeError
    conn = sqlite3.connect(db_path)
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'").fetchone()[0] == 0
    )
    assert conn.execute("SELECT count(*) FROM tags").fetchone()[0] == 0


def test_connections_enforce_foreign_keys_and_use_wal(db_path: Path) -> None:
    engine = _engine(db_path)
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _triggers_and_views(path: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    return set(
        conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')")
    )


def test_batch_table_copies_keep_views_triggers_and_named_checks(seeded: Path) -> None:
    """What a later migration that alters claims or outcomes will rely on."""
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from tracker.migration_tools import preserving_views_and_triggers

    before = _triggers_and_views(seeded)
    assert ("trigger", "claims_ai") in before and ("trigger", "outcomes_no_update") in before
    engine = get_engine(database_url(str(seeded)), migrating=True)

    # Without the helper, SQLite refuses the copy because views reference the table.
    with pytest.raises(sa.exc.OperationalError, match="view"), engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with op.batch_alter_table("claims", recreate="always") as batch:
            batch.add_column(sa.Column("extra", sa.Text()))

    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with preserving_views_and_triggers(op):
            for table in ("claims", "outcomes"):
                with op.batch_alter_table(table, recreate="always") as batch:
                    batch.add_column(sa.Column("extra", sa.Text()))
    engine.dispose()

    assert _triggers_and_views(seeded) == before
    conn = sqlite3.connect(seeded)
    conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError, match="ck_claims_probability_range"):
        conn.execute("UPDATE claims SET probability = 1.5, mapping_basis = 'stated_number', "
                     "scale_term_id = NULL WHERE id = 1")  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM outcomes")
    conn.execute("UPDATE claims SET quote = 'a brand new zebra quote' WHERE id = 20")
    assert conn.execute(
        "SELECT rowid FROM claims_fts WHERE claims_fts MATCH 'zebra'"
    ).fetchall() == [(20,)]
    assert conn.execute("SELECT count(*) FROM claim_scores").fetchone()[0] > 0


def test_later_migrations_that_copy_tables_keep_views_and_triggers() -> None:
    """A batch table copy drops triggers and fails on views: every migration
    after the initial one that alters a table in batch mode must do it inside
    tracker.migration_tools.preserving_views_and_triggers."""
    for path in sorted((migrations_dir() / "versions").glob("*.py"))[1:]:
        source = path.read_text()
        if "batch_alter_table" in source:
            assert "preserving_views_and_triggers" in source, path.name
