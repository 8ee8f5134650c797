"""SQLite snapshots of the record, from any backend: to publish, and to serve.

Datasette reads SQLite files only. A record kept in PostgreSQL is published
or browsed through a snapshot made with ``tracker copy``'s machinery
(``tracker.services.transfer``): the same rows, ids and ledger, checked table
by table, in one self-contained file (no ``-wal`` beside it) that a static
host or ``datasette publish`` can take as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from types import FrameType

from tracker.services.transfer import CopyError, CopyResult, Progress, copy_record, describe


def take(url: str, path: Path, progress: Progress | None = None) -> CopyResult:
    """Copy the record at ``url`` into a new SQLite file at ``path`` and make
    it one self-contained file; refused (``CopyError``) unless every table
    matches."""
    from tracker.db import get_engine
    from tracker.services.transfer import endpoints

    source, target = endpoints(url, str(path))
    result = copy_record(source, target, progress=progress)
    if result.mismatched:
        names = ", ".join(t.table for t in result.mismatched)
        raise CopyError(f"the snapshot of {describe(source)} does not match it ({names})")
    for migrating in (False, True):  # no connection may keep the file open
        get_engine(target, migrating=migrating).dispose()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # the -wal folded in and removed
    return result


def metadata_path(out: Path) -> Path:
    """Where ``publish`` writes the metadata by default: beside the file,
    ``site.db`` → ``site.metadata.yaml``."""
    return out.with_name(f"{out.stem}.metadata.yaml")


def publish(
    url: str,
    out: Path,
    metadata: Path | None = None,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> tuple[CopyResult, Path]:
    """Write a snapshot of the record at ``url`` to ``out`` and the Datasette
    metadata for it beside it; the result and the metadata's path.

    The snapshot is made in a temporary folder next to ``out`` and renamed
    onto it only once it matched the record, so a failed or killed publish
    leaves an existing ``out`` as it was."""
    from tracker.services.transfer import endpoints
    from tracker.site import write_metadata

    metadata = metadata or metadata_path(out)
    if not out.parent.is_dir():
        raise CopyError(f"folder {out.parent} does not exist")
    if os.path.lexists(out) and not replace:
        raise CopyError(f"{out} exists; pass --force to replace it")
    if os.path.lexists(out) and not out.is_file():
        raise CopyError(f"{out} is not a regular file; not replacing it")
    endpoints(url, str(out))  # refuses publishing a database onto itself
    folder = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        result = take(url, folder / out.name, progress)
        os.replace(folder / out.name, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_metadata(metadata, out.stem)
    return result, metadata


class _Stopped(BaseException):
    """SIGTERM or SIGINT while a snapshot is served: unwind, remove it, then stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into an exception, so ``finally`` blocks run
    (SIGTERM's default ends the process at once), and once everything is
    cleaned up, end the process as that signal would have."""
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, _stop) for sig in handled}
    try:
        yield
    except _Stopped as stop:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.signal(stop.signum, signal.SIG_DFL)
        signal.raise_signal(stop.signum)
        raise SystemExit(128 + stop.signum) from None  # if the signal is ignored
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _database_name(url: str) -> str:
    """The name Datasette shows (the file's stem): the server database's own
    name when it is a plain word, else ``tracker``."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else "tracker"


def serve(url: str, port: int, say: Callable[[str], None]) -> None:
    """Serve a fresh snapshot of the server database at ``url`` with the
    tracker's site until stopped, and remove it then.

    ``tracker serve`` on a SQLite file replaces its process with the site
    (``tracker.site.serve``); here the site runs in this process instead, so
    the snapshot's temporary folder is removed when it stops, whether by
    Ctrl-C, SIGTERM or an error."""
    from tracker.site import run

    with _stopped_by_signals(), tempfile.TemporaryDirectory(prefix="tracker-serve-") as folder:
        path = Path(folder) / f"{_database_name(url)}.db"
        result = take(url, path)
        say(
            f"serving a snapshot of {describe(url)} taken now ({result.rows} rows, every table "
            f"checked) from a temporary file, removed when serve stops; later changes show "
            "after a restart"
        )
        run(path, port)
