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
from functools import cache
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
    needs ``tracker db upgrade``; a newer one is refused. A SQLite file this
    process cannot write is only read: at head it is used as it is, behind it
    is refused in one line (someone who can write it must upgrade it).
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
    from tracker.config import sqlite_read_only

    why = sqlite_read_only(path)
    if why is not None:  # nothing written: no backup, no upgrade
        raise SchemaError(
            f"{path} is at schema {revision}, this tracker needs {head}, and it is read-only "
            f"({why}): someone who can write it must upgrade it (`tracker db upgrade`)"
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
    ``stem`` when it is a path), written and checked as ``copy_database`` does.
    An existing file is never replaced: a second backup under the same name
    (the same second) gets ``-1``, ``-2``… added."""
    target = path.parent / Path(stem)
    suffix = path.suffix or ".db"
    for n in range(100):
        name = f"{target.name}-{n}{suffix}" if n else f"{target.name}{suffix}"
        try:
            return copy_database(path, target.with_name(name), replace=False)
        except FileExistsError:
            continue
    raise SchemaError(f"too many backups named {target.name}… next to {path}")


def copy_database(path: Path, target: Path, *, replace: bool = True) -> Path:
    """A consistent copy of the SQLite file ``path`` at ``target``, written so
    that it cannot hurt either file.

    Refused, nothing written: a target that is the database itself however it
    is spelled (same device and inode, a symlink or hard link to it, or its
    -wal, -shm or -journal file); a target with a -wal or -journal file of its
    own (that file would be replayed onto the copy); a database that is
    missing, empty, not SQLite or damaged; an existing target when ``replace``
    is false (``FileExistsError``).

    The copy goes through SQLite's online backup (committed WAL content
    included, safe while other processes write) into a temporary file in the
    target's folder, is made one self-contained file (journal_mode DELETE),
    must pass PRAGMA integrity_check and foreign_key_check, is flushed to disk
    and only then renamed onto the target. An existing target is replaced
    whole or not at all, and no temporary file outlives a failure.
    """
    import errno
    import os
    import stat
    import tempfile
    import time
    from contextlib import closing, suppress

    from tracker.config import BUSY_TIMEOUT_MS
    from tracker.errors import Busy

    def same_file(a: str | Path, b: str | Path) -> bool:
        try:
            return os.path.samefile(a, b)
        except OSError:
            return False

    real_target = os.path.realpath(target)
    for suffix, what in (("", "the database"), ("-wal", "the write-ahead log of the database"),
                         ("-shm", "the shared-memory file of the database"),
                         ("-journal", "the journal of the database")):  # fmt: skip
        spellings = {f"{path}{suffix}", f"{os.path.realpath(path)}{suffix}"}
        if any(same_file(target, s) or real_target == os.path.realpath(s) for s in spellings):
            raise SchemaError(f"{target} is {what} {path} itself; back up to another file")

    folder = target.parent
    if not folder.is_dir():
        raise SchemaError(f"folder {folder} does not exist")

    def taken() -> FileExistsError:
        return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))

    exists = os.path.lexists(target)
    if exists and not replace:
        raise taken()
    if exists and not (target.is_symlink() or target.is_file()):
        raise SchemaError(f"{target} is not a regular file; not replacing it")
    for suffix in ("-wal", "-journal"):
        if os.path.lexists(f"{target}{suffix}"):
            raise SchemaError(
                f"{target}{suffix} exists: {target} is open as a database or was not closed "
                "cleanly; back up to another file"
            )

    if not path.is_file():
        raise SchemaError(f"no database at {path}")
    with path.open("rb") as fh:
        header = fh.read(16)
    if not header:
        raise SchemaError(f"{path} is an empty file, not a database; nothing to back up")
    if header != b"SQLite format 3\x00":
        raise SchemaError(f"{path} is not a SQLite database; nothing to back up")

    untouched = f", {target} left as it was" if exists else ""
    seconds = BUSY_TIMEOUT_MS / 1000
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise Busy(f"{path} stayed locked for {seconds:g} s; no backup written{untouched}")

    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise SchemaError(f"cannot write in folder {folder}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            # mode=rw: the database is never created, only read.
            source = f"{path.absolute().as_uri()}?mode=rw"
            with closing(sqlite3.connect(tmp, timeout=seconds)) as dst:
                with closing(sqlite3.connect(source, uri=True, timeout=seconds)) as src:
                    src.backup(dst, progress=progress)
                mode = dst.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
                problems = [r[0] for r in dst.execute("PRAGMA integrity_check")]
                broken = dst.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise
            raise SchemaError(f"{path} is damaged ({exc}); no backup written{untouched}") from None
        if problems != ["ok"]:
            raise SchemaError(
                f"{path} is damaged (PRAGMA integrity_check reports {len(problems)} "
                f"problem{'s' if len(problems) > 1 else ''}); no backup written{untouched}"
            )
        if broken:
            raise SchemaError(
                f"{path} has {len(broken)} row{'s' if len(broken) > 1 else ''} referring to "
                f"missing rows (PRAGMA foreign_key_check, first in table {broken[0][0]}); "
                f"no backup written{untouched}"
            )
        if mode.lower() != "delete":
            raise SchemaError(f"the copy of {path} could not be made one self-contained file")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))  # as private as the database
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # never over a file that appeared meanwhile
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                if os.path.lexists(target):
                    raise taken() from None
                os.replace(tmp, target)
            tmp.unlink(missing_ok=True)
    except BaseException:
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{tmp}{leftover}").unlink(missing_ok=True)
        raise
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a crash
        finally:
            os.close(fd)
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


# The reference data the migrations ship, as verify compares it: each row by
# its key, with the values that make it what it is.
REFERENCE_QUERIES = {
    "scale": "SELECT slug, name, kind, is_default, description, citation FROM scales",
    "scale term": "SELECT s.slug || ' ' || t.term, t.rung, t.low, t.point, t.high "
    "FROM scale_terms AS t JOIN scales AS s ON s.id = t.scale_id",
    "phrase": "SELECT p.phrase_key, p.phrase, p.basis, p.direction, s.slug, t.term, p.note "
    "FROM phrases AS p LEFT JOIN scale_terms AS t ON t.id = p.scale_term_id "
    "LEFT JOIN scales AS s ON s.id = t.scale_id WHERE p.added_by = 'tracker'",
}


@dataclass(frozen=True)
class FreshBuild:
    master: list[tuple[str, str, str, str | None]]
    reference: dict[str, dict[Any, tuple]]


@cache
def fresh_build() -> FreshBuild:
    """A SQLite database this tracker's migrations just built, read once a
    process: its ``sqlite_master`` in build order (what ``tracker verify``
    compares definitions with and ``tracker db repair`` restores from) and
    its reference data (``REFERENCE_QUERIES``)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fresh.db"
        engine = get_engine(f"sqlite:///{path}")
        try:
            ensure_schema(engine)
        finally:
            engine.dispose()
        conn = sqlite3.connect(path)
        try:
            master = conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).fetchall()
            reference = {
                what: {row[0]: tuple(row[1:]) for row in conn.execute(sql)}
                for what, sql in REFERENCE_QUERIES.items()
            }
        finally:
            conn.close()
    return FreshBuild(master, reference)


def fresh_sqlite_master() -> list[tuple[str, str, str, str | None]]:
    """``(type, name, tbl_name, sql)`` of a freshly built database (``fresh_build``)."""
    return fresh_build().master
