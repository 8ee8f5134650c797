"""Corrections with history: the revisions table, retraction, late edits.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

- ``revisions``: one row per changed field of a claim, question, speaker,
  source or appearance (old value, new value, reason, who, when). Append-only
  like outcomes: triggers refuse UPDATE and DELETE, and on SQLite an INSERT
  that reuses an id (``INSERT OR REPLACE``, ``REPLACE``), which would delete
  the old row without firing the DELETE trigger; on PostgreSQL a TRUNCATE.
- ``claims`` and ``claim_appearances`` gain ``retracted_at`` and
  ``retracted_reason``: a retracted row stays, marked, and the database
  refuses any further change to it; a partial index finds the retracted claims.
- The score views at version 0007: a retracted claim is not scored or counted.
- ``revision_log`` (every revision, its values as people read them) and
  ``late_edits`` (changes to a claim's scoring fields made after an outcome of
  its question was recorded), from ``tracker.revision_views``.

Frozen: the table is stated here as it was at 0007, not read from the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.revision_views import VIEWS
from tracker.score_views import create_views, drop_views

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RECORD_TYPES = ("claim", "question", "person", "source", "appearance")
APPEND_ONLY = "revisions are append-only: the history of a record is never rewritten"
RETRACTED = {
    "claims": "a retracted claim cannot be changed",
    "claim_appearances": "a retracted appearance cannot be changed",
}
TIMESTAMP_RULE = "strftime('%Y-%m-%dT%H:%M:%SZ', {c}, '+0 days') IS {c}"


def _create_revisions() -> None:
    kinds = ", ".join(f"'{k}'" for k in RECORD_TYPES)
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revised_by", sa.Text(), nullable=False),
        sa.Column("revised_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            f"record_type IN ({kinds})", name=op.f("ck_revisions_record_type_allowed")
        ),
        sa.CheckConstraint("length(trim(field)) > 0", name=op.f("ck_revisions_field_nonblank")),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_revisions_reason_nonblank")),
        sa.CheckConstraint(
            "length(trim(revised_by)) > 0", name=op.f("ck_revisions_revised_by_nonblank")
        ),
        sa.CheckConstraint(
            TIMESTAMP_RULE.format(c="revised_at"), name=op.f("ck_revisions_revised_at_iso")
        ).ddl_if(dialect="sqlite"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
    )
    op.create_index("ix_revisions_record_type_record_id", "revisions", ["record_type", "record_id"])
    op.create_index("ix_revisions_revised_at", "revisions", ["revised_at"])


def _add_retraction(table: str) -> None:
    """Two columns and their CHECK, added in place: a batch copy of the table
    would drop its triggers (full-text sync, score upkeep)."""
    name = f"ck_{table}_retraction_fields"
    rule = "(retracted_at IS NULL) = (retracted_reason IS NULL)"
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column's own CHECK in place; the rule spans both
        # columns, so it rides on the second.
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN retracted_at TEXT "
            f"CONSTRAINT ck_{table}_retracted_at_iso CHECK "
            f"(retracted_at IS NULL OR {TIMESTAMP_RULE.format(c='retracted_at')})"
        )
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN retracted_reason TEXT "
            f"CONSTRAINT {name} CHECK ({rule} AND "
            "(retracted_reason IS NULL OR length(trim(retracted_reason)) > 0))"
        )
    else:
        op.add_column(table, sa.Column("retracted_at", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("retracted_reason", sa.Text(), nullable=True))
        op.create_check_constraint(
            name,
            table,
            f"{rule} AND (retracted_reason IS NULL OR length(trim(retracted_reason)) > 0)",
        )


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER revisions_no_{event.lower()} BEFORE {event} ON revisions "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        op.execute(
            "CREATE TRIGGER revisions_no_replace BEFORE INSERT ON revisions "
            "WHEN EXISTS (SELECT 1 FROM revisions WHERE id = new.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        for table, message in RETRACTED.items():
            op.execute(
                f"CREATE TRIGGER {table}_retracted_frozen BEFORE UPDATE ON {table} "
                f"WHEN old.retracted_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER revisions_append_only BEFORE UPDATE OR DELETE ON revisions "
            "FOR EACH ROW EXECUTE FUNCTION revisions_append_only()"
        )
        op.execute(
            "CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON revisions "
            "FOR EACH STATEMENT EXECUTE FUNCTION revisions_append_only()"
        )
        for table, message in RETRACTED.items():
            op.execute(
                f"CREATE FUNCTION {table}_retracted_frozen() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN IF OLD.retracted_at IS NOT NULL THEN RAISE EXCEPTION '{message}'; "
                "END IF; RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_retracted_frozen BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_retracted_frozen()"
            )


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("revisions_no_update", "revisions_no_delete", "revisions_no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in RETRACTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_retracted_frozen")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS revisions_append_only ON revisions")
        op.execute("DROP TRIGGER IF EXISTS revisions_no_truncate ON revisions")
        op.execute("DROP FUNCTION IF EXISTS revisions_append_only()")
        for table in RETRACTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_retracted_frozen ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_retracted_frozen()")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _create_revisions()
    for table in RETRACTED:
        _add_retraction(table)
    # The few retracted claims, listed apart, found without reading every claim.
    op.create_index(
        "ix_claims_retracted_at",
        "claims",
        ["retracted_at"],
        sqlite_where=sa.text("retracted_at IS NOT NULL"),
        postgresql_where=sa.text("retracted_at IS NOT NULL"),
    )
    drop_views(op.execute, "0005")
    create_views(op.execute, dialect, "0007")
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")
    _create_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    drop_views(op.execute, "0007")
    create_views(op.execute, dialect, "0005")
    op.drop_index("ix_claims_retracted_at", table_name="claims")
    for table in RETRACTED:
        if dialect != "sqlite":
            op.drop_constraint(f"ck_{table}_retraction_fields", table, type_="check")
        op.drop_column(table, "retracted_reason")
        op.drop_column(table, "retracted_at")
    op.drop_table("revisions")
