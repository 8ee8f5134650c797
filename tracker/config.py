"""Where the database is: ``--db`` beats ``$TRACKER_DB`` beats ``./tracker.db``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "tracker.db"
# The name the package index knows this project by ("tracker" there is someone
# else's); it installs the ``tracker`` command and the ``tracker`` package.
DISTRIBUTION = "forecast-claim-tracker"
ENV_VAR = "TRACKER_DB"
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite connection waits for another's lock
BUSY_ATTEMPTS = 5  # how many times a unit of work is tried while the database stays busy


def database_url(value: str | None = None) -> str:
    """Turn a path or SQLAlchemy URL into a URL; a bare path means SQLite."""
    value = value or os.environ.get(ENV_VAR) or DEFAULT_DB
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for servers and in-memory databases."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return Path(path)


def sqlite_read_only(path: Path) -> str | None:
    """Why this process cannot write the SQLite database at ``path``, in words,
    or None when it can.

    A writer needs the file and, for its journal (``-journal``, or ``-wal`` and
    ``-shm``), the folder: SQLite creates and deletes those next to the file.
    The one exception is a WAL database whose ``-wal`` and ``-shm`` exist and
    are writable. ``os.access`` counts the permission bits, ACLs, read-only
    mounts and root's privilege alike.
    """
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    for suffix in ("-wal", "-shm"):  # left by a reader that could not remove them
        log = Path(f"{path}{suffix}")
        if log.exists() and not os.access(log, os.W_OK):
            return f"its {log.name} is not writable"
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        logs = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
        if not all(log.is_file() and os.access(log, os.W_OK) for log in logs):
            return f"its folder {folder} is not writable"
    return None


Stamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> Stamp:
    """What changes when a file is written: device, inode, size, mtime."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def sqlite_read_uri(path: Path) -> tuple[str, Stamp | None]:
    """How to read the SQLite file at ``path`` that this process cannot write
    (``sqlite_read_only``) without writing anything: a ``file:`` URI for
    ``sqlite3.connect(..., uri=True)``, and, when that URI is ``immutable``,
    the file's stamp to compare once the read is done.

    ``mode=ro``: the connection can write nothing, whatever SQL it runs.

    A database in WAL mode is the catch (https://www.sqlite.org/wal.html,
    "Read-Only Databases"): since SQLite 3.22 a read-only connection opens one
    only if its ``-shm`` and ``-wal`` exist or it can create them, or if it is
    opened ``immutable``. When the ``-wal`` exists, a writer may be at work and
    its log holds committed transactions: plain ``mode=ro``, which reads
    through it under SQLite's locks. When there is no ``-wal``, every committed
    transaction is in the file itself (the last connection to close a WAL
    database checkpoints the log into the file and deletes it), and plain
    ``mode=ro`` would either fail (a folder this process cannot write) or
    create a ``-wal`` and ``-shm`` it cannot remove, with the file's own
    permission bits: a read-only ``-shm`` left behind then stops the owner's
    writes once the file is writable again ("attempt to write a readonly
    database"). So the file is opened ``immutable=1``: SQLite reads it as it
    is, creating nothing and taking no locks.

    That is safe only while nobody writes the file. A writer would first create
    the ``-wal`` and would change the file only when it checkpoints, so the
    file's stamp is taken here, before looking for the ``-wal``, and the caller
    compares it when the read ends: an unchanged file was read as one
    consistent snapshot (the record as of that look); a changed one must be
    read again, and the next look finds the writer's ``-wal`` and reads
    through it with locks. (A snapshot nobody can write, such as a file or
    folder without any write permission, never changes.)
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    stamp = file_stamp(path)
    with path.open("rb") as fh:
        header = fh.read(20)
    wal_mode = header[18:20] == b"\x02\x02"  # the file format's read and write versions
    if wal_mode and not os.path.lexists(f"{path}-wal"):
        return f"{uri}&immutable=1", stamp
    return uri, None
