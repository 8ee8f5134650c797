"""Which schema revisions this tracker knows, from the migration scripts' file names.

Revision ids are the leading number of each file in ``migrations/versions``
(``0001_initial.py`` is revision ``0001``), so the head is known from a
directory listing: no SQLAlchemy or Alembic import, for commands that only read.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tracker.errors import SchemaError

_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")
VERSION_TABLE = "alembic_version"


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed package, else the source tree."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_migrations", package.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise SchemaError("the migration scripts are missing from this installation")


@cache
def known_revisions() -> tuple[str, ...]:
    names = (p.name for p in (migrations_dir() / "versions").iterdir())
    return tuple(sorted(m.group(1) for n in names if (m := _REVISION_FILE.match(n))))


def head_revision() -> str:
    return known_revisions()[-1]
