"""Full-text search over claims, questions and sources (SQLite FTS5).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Built with sqlite-utils' ``enable_fts``: external-content FTS5 tables named
``<table>_fts`` with ``<table>_ai/_ad/_au`` triggers that keep them current as
rows are written, which is the layout Datasette detects for its search box.
Other databases have their own full-text search; nothing is created there.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FTS = {
    "claims": ["quote", "wording", "role", "mapping_note"],
    "questions": ["title", "criteria", "horizon_text"],
    "sources": ["title", "text"],
}


def _database():  # type: ignore[no-untyped-def]
    import sqlite_utils

    return sqlite_utils.Database(op.get_bind().connection.dbapi_connection)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    db = _database()
    for table, columns in FTS.items():
        db[table].enable_fts(columns, fts_version="FTS5", create_triggers=True, tokenize="porter")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    db = _database()
    for table in FTS:
        db[table].disable_fts()
