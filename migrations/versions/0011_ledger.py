"""A tamper-evident record: the ``ledger`` hash chain over the history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

One entry per history row (questions and claims as first entered,
appearances, outcomes, evidence links, revisions), each hash covering the
row's content and the previous entry's hash (``tracker.ledger``). Append-only
like the rows it seals: triggers refuse UPDATE, DELETE and an INSERT that
reuses an id on SQLite, and UPDATE, DELETE and TRUNCATE on PostgreSQL. The
records already in the database are sealed here, in the ledger's order.

Frozen: the table is stated here as it was at 0011, not read from the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.ledger import seal

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KINDS = ("question", "claim", "appearance", "outcome", "evidence", "revision")
APPEND_ONLY = "the ledger is append-only: its entries are never rewritten"


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_type", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "record_type IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")",
            name=op.f("ck_ledger_record_type_allowed"),
        ),
        sa.CheckConstraint("id >= 1", name=op.f("ck_ledger_numbered_from_one")),
        sa.CheckConstraint("length(hash) = 64", name=op.f("ck_ledger_hash_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger")),
        sa.UniqueConstraint(
            "record_type", "record_id", name=op.f("uq_ledger_record_type_record_id")
        ),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_no_{event.lower()} BEFORE {event} "
                f"ON ledger BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        op.execute(
            "CREATE TRIGGER ledger_no_replace BEFORE INSERT ON ledger "
            "WHEN EXISTS (SELECT 1 FROM ledger WHERE id = new.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE "
            "ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
        op.execute(
            "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
        )
    seal(op.get_bind())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS ledger_no_{name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_append_only ON ledger")
        op.execute("DROP TRIGGER IF EXISTS ledger_no_truncate ON ledger")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
    op.drop_table("ledger")
