"""Errors the service layer raises; the CLI turns each into one line and exit 1.

They carry a message written for the user: what is wrong and where. When the
database itself refuses a write, ``tracker.constraint_messages`` says which
rule was broken in the user's words.
"""

from __future__ import annotations


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


class GuardsAltered(TrackerError):
    """The database's triggers, tables or views are not as the migrations made
    them (``tracker.guards``): no write until verify passes or repair restores them."""
