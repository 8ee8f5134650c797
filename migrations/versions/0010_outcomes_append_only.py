"""Outcomes append-only for real: no REPLACE on SQLite, no TRUNCATE on PostgreSQL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29

0001's triggers refuse UPDATE and DELETE on outcomes, but SQLite's ``INSERT OR
REPLACE`` (and ``REPLACE INTO``) deletes the clashing row without firing a
DELETE trigger, so an outcome could be rewritten in place; a BEFORE INSERT
guard now refuses any insert whose id is already taken (REPLACE, and an
UPSERT, which SQLite checks before its UPDATE). PostgreSQL's TRUNCATE fires no
row trigger at all: a statement-level trigger refuses it. (The tables of 0007
and 0009 were created with both guards.)
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APPEND_ONLY = "outcomes are append-only: record a correction instead"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER outcomes_no_replace BEFORE INSERT ON outcomes "
            "WHEN EXISTS (SELECT 1 FROM outcomes WHERE id = new.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes "
            "FOR EACH STATEMENT EXECUTE FUNCTION outcomes_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_truncate ON outcomes")
