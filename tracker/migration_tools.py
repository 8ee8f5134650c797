"""Helpers for migrations that must copy SQLite tables.

SQLite cannot alter most of a table in place, so Alembic's batch mode copies
it: the copy fails when a view references the table, and it silently loses the
table's triggers (the outcomes append-only guard, the full-text search sync
triggers). ``preserving_views_and_triggers`` wraps such work: it drops every
view and trigger first and afterwards re-creates each, from the SQL saved
beforehand. Named CHECK constraints survive batch copies on
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
    # Triggers go too: one on another table that reads the copied table
    # makes SQLite refuse the copy's rename, and none should fire on a copy.
    for kind, name, _ in reversed(saved):
        bind.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
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


def rewrite_sqlite_table(bind: Any, table: str, changes: list[tuple[str, str]]) -> None:
    """Change constraints of a SQLite table in its own CREATE TABLE text.

    SQLite's recommended way to change a CHECK: make a table from the edited
    text, copy the rows, drop the old one and rename. Unlike Alembic's batch
    copy, every other part of the definition stays word for word as it was
    (a CHECK that rides on a column stays there, so an older migration's
    downgrade that drops that column still can). Run inside
    ``preserving_views_and_triggers``; the table's indexes are re-created here.
    Each change is (old text, new text), and the old text must occur once.
    """
    import re

    (sql,) = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).one()
    for old, new in changes:
        if sql.count(old) != 1:
            raise RuntimeError(f"{table}: expected {old!r} once in its definition")
        sql = sql.replace(old, new)
    temporary = f"_rewrite_{table}"
    sql, found = re.subn(
        rf'^CREATE TABLE\s+(?:"{table}"|{table})\s*\(', f'CREATE TABLE "{temporary}" (', sql
    )
    if found != 1:
        raise RuntimeError(f"{table}: unexpected definition")
    indexes = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY rowid",
            (table,),
        )
    ]
    bind.exec_driver_sql(sql)
    bind.exec_driver_sql(f'INSERT INTO "{temporary}" SELECT * FROM "{table}"')
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for index in indexes:
        bind.exec_driver_sql(index)
