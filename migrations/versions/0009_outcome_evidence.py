"""Several evidence links per outcome: the ``outcome_evidence`` table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

An outcome's first link stays its ``evidence_url``; further links are rows
here, numbered from 2 in the order given. Append-only like the outcome they
belong to: triggers refuse UPDATE, DELETE and an INSERT that reuses an id on
SQLite, and UPDATE, DELETE and TRUNCATE on PostgreSQL.

Frozen: the table is stated here as it was at 0009, not read from the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPEND_ONLY = "outcome evidence is append-only: record a correction instead"


def upgrade() -> None:
    op.create_table(
        "outcome_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.CheckConstraint("position >= 2", name=op.f("ck_outcome_evidence_after_the_first")),
        sa.CheckConstraint(
            "url LIKE 'http://%' OR url LIKE 'https://%'", name=op.f("ck_outcome_evidence_url_http")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_outcome_evidence_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_evidence")),
        sa.UniqueConstraint(
            "outcome_id", "position", name=op.f("uq_outcome_evidence_outcome_id_position")
        ),
        sa.UniqueConstraint("outcome_id", "url", name=op.f("uq_outcome_evidence_outcome_id_url")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER outcome_evidence_no_{event.lower()} BEFORE {event} "
                f"ON outcome_evidence BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        op.execute(
            "CREATE TRIGGER outcome_evidence_no_replace BEFORE INSERT ON outcome_evidence "
            "WHEN EXISTS (SELECT 1 FROM outcome_evidence WHERE id = new.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION outcome_evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER outcome_evidence_append_only BEFORE UPDATE OR DELETE "
            "ON outcome_evidence FOR EACH ROW EXECUTE FUNCTION outcome_evidence_append_only()"
        )
        op.execute(
            "CREATE TRIGGER outcome_evidence_no_truncate BEFORE TRUNCATE ON outcome_evidence "
            "FOR EACH STATEMENT EXECUTE FUNCTION outcome_evidence_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS outcome_evidence_no_{name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outcome_evidence_append_only ON outcome_evidence")
        op.execute("DROP TRIGGER IF EXISTS outcome_evidence_no_truncate ON outcome_evidence")
        op.execute("DROP FUNCTION IF EXISTS outcome_evidence_append_only()")
    op.drop_table("outcome_evidence")
