"""Where the database is: ``--db`` beats ``$TRACKER_DB`` beats ``./tracker.db``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "tracker.db"
ENV_VAR = "TRACKER_DB"
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite connection waits for another's lock


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
