"""Helpers for migrations that must copy SQLite tables.

SQLite cannot alter most of a table in place, so Alembic's batch mode copies
it: the copy fails when a view references the table, and it silently loses the
table's triggers (the outcomes append-only guard, the full-text search sync
triggers). ``preserving_views_and_triggers`` wraps such work: it drops every
view first and afterwards re-creates, from the SQL saved beforehand, each view
and trigger the copy lost. Named CHECK constraints survive batch copies on
their own (see ``tracker.models.NAMING_CONVENTION``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def preserving_views_and_triggers(op: Any) -> Iterator[None]:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    saved = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master "
        "WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    for kind, name, _ in reversed(saved):
        if kind == "view":
            bind.exec_driver_sql(f'DROP VIEW "{name}"')
    yield
    present = {
        name
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger')"
        )
    }
    for _kind, name, sql in saved:
        if name not in present:
            bind.exec_driver_sql(sql)
