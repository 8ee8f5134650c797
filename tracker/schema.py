"""Schema versions: migrate on first use, back up before an upgrade, refuse the future.

Migrations are the only way the schema is built. The head revision is known
from the scripts' file names (``tracker.revisions``), so an up-to-date
database costs one small query, never an Alembic import.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from tracker.config import sqlite_path
from tracker.db import get_engine, is_sqlite
from tracker.errors import SchemaError
from tracker.revisions import VERSION_TABLE, head_revision, known_revisions, migrations_dir
from tracker.types import utcnow


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _has_other_tables(conn: Connection) -> bool:
    return any(
        name != VERSION_TABLE and not name.startswith("sqlite_")
        for name in inspect(conn).get_table_names()
    )


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    head: str

    @property
    def status(self) -> str:
        if self.revision == self.head:
            return "up to date"
        if self.revision is None:
            return "empty"
        if self.revision in known_revisions():
            return "behind"
        return "newer than this tracker"


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        return SchemaState(current_revision(conn), head_revision())


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the code's schema, or say why not.

    A new database is migrated; an older SQLite file is copied to a backup next
    to it and upgraded (one line on stderr); a server database that is behind
    needs ``tracker db upgrade``; a newer one is refused.
    """
    with engine.connect() as conn:
        revision = current_revision(conn)
        foreign = revision is None and _has_other_tables(conn)
    head = head_revision()
    if revision == head:
        return
    if foreign:
        raise SchemaError(
            f"{_describe(engine)} holds tables but no tracker schema version; "
            "it is not a tracker database"
        )
    if revision is None:
        upgrade(engine)
        return
    if revision not in known_revisions():
        raise SchemaError(
            f"{_describe(engine)} is at schema {revision}, newer than this tracker "
            f"(knows up to {head}); upgrade tracker to use it"
        )
    path = sqlite_path(str(engine.url))
    if path is None:
        raise SchemaError(
            f"{_describe(engine)} is at schema {revision}, this tracker needs {head}; "
            "take a backup, then run `tracker db upgrade`"
        )
    backup = backup_sqlite(path, f"{path.stem}.backup-{revision}-{utcnow():%Y%m%dT%H%M%SZ}")
    print(
        f"tracker: upgrading {path.name} from schema {revision} to {head}; backup at {backup}",
        file=sys.stderr,
    )
    upgrade(engine)


def _describe(engine: Engine) -> str:
    path = sqlite_path(str(engine.url))
    return str(path) if path else engine.url.render_as_string(hide_password=True)


def backup_sqlite(path: Path, stem: str | Path) -> Path:
    """A backup next to the original named ``stem`` plus its suffix (or at
    ``stem`` when it is a path)."""
    target = path.parent / Path(stem)
    return copy_database(path, target.with_name(target.name + (path.suffix or ".db")))


def copy_database(path: Path, target: Path) -> Path:
    """A consistent copy through SQLite's online backup: committed WAL content
    included, safe while other processes write. The copy is checked before it
    is reported."""
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if status != "ok":
        raise SchemaError(f"the copy at {target} failed its integrity check: {status}")
    return target


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What Alembic compares: not SQLite's own tables, full-text search shadow
    tables or underscore-prefixed internal tables."""
    if type_ == "table" and name:
        return not (name.startswith(("sqlite_", "_")) or "_fts" in name)
    return True


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run_migration(engine: Engine, action: Callable[[Any], None]) -> None:
    """Run an Alembic command in one transaction on a foreign-keys-off connection,
    and refuse to commit if it left a dangling reference."""
    migrating = get_engine(str(engine.url), migrating=True) if is_sqlite(engine) else engine
    with migrating.begin() as conn:
        action(_alembic_config(conn))
        if is_sqlite(engine):
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise SchemaError(f"migration left broken references: {broken[:3]}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _run_migration(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    _run_migration(engine, lambda cfg: command.downgrade(cfg, revision))


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revision: str | None
    message: str


def history() -> list[Revision]:
    """Every migration, oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config())
    revisions = [
        Revision(s.revision, s.down_revision, (s.doc or "").strip())  # type: ignore[arg-type]
        for s in scripts.walk_revisions()
    ]
    return list(reversed(revisions))
