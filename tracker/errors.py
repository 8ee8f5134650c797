"""Errors the service layer raises; the CLI turns each into one line and exit 1.

They carry a message written for the user: what is wrong and where.
"""

from __future__ import annotations

import re


class TrackerError(Exception):
    """Anything the user can fix: bad input, a missing row, a refused write."""


class NotFound(TrackerError):
    pass


class Conflict(TrackerError):
    pass


class ValidationFailed(TrackerError):
    pass


class Busy(TrackerError):
    """SQLite stayed locked past the busy timeout; the work can be retried."""


class SchemaError(TrackerError):
    """The database is not one this version of tracker can use as it is."""


_CONSTRAINT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"UNIQUE constraint failed: (?P<what>[\w., ]+)"), "already exists: {what}"),
    (re.compile(r"CHECK constraint failed: (?P<what>\w+)"), "breaks the rule {what}"),
    (re.compile(r"NOT NULL constraint failed: (?P<what>[\w.]+)"), "missing value: {what}"),
    (re.compile(r"FOREIGN KEY constraint failed"), "refers to a row that does not exist"),
    (re.compile(r"(?P<what>outcomes are append-only.*)"), "{what}"),
]


def describe_integrity_error(exc: BaseException) -> str:
    """A one-line reading of a database integrity error (SQLite's wording)."""
    raw = str(getattr(exc, "orig", exc)).splitlines()[0]
    for pattern, template in _CONSTRAINT_PATTERNS:
        match = pattern.search(raw)
        if match:
            return "the database refused the write: " + template.format(**match.groupdict())
    return f"the database refused the write: {raw}"
