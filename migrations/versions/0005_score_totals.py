"""Score totals kept current: score_groups, calibration and murphy read counts
and sums instead of scoring every claim on every read.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

``score_totals`` and ``calibration_totals`` hold what templates of the same
names in tracker.score_views (version "0005") compute; the tracker keeps them
current as it writes, and triggers flag them stale (``score_state``) when
anything else writes a table scores depend on. The views are version "0005" of
the templates: ``score_groups`` and ``calibration`` now derive their means from
the totals, and ``claim_probabilities_by_scale`` joins "recorded" in as one
more scale instead of a UNION, so a filter on claims reaches the claims table.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from tracker.score_views import create_views, drop_views, with_clause

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DIMENSIONS = ("overall", "speaker", "tag", "basis", "horizon", "speaker_horizon")
COUNTS = ("claims", "scored", "hits", "sided", "yes", "open", "pending", "partial", "void",
          "hindsight", "unscorable", "directional", "opinion")  # fmt: skip
SUMS = ("brier_sum", "brier_squared_sum", "brier_best_sum", "brier_worst_sum", "log_loss_sum")
TOTAL_COLUMNS = ("claims", "scored", "brier_sum", "brier_squared_sum", "brier_best_sum",
                 "brier_worst_sum", "log_loss_sum", "hits", "sided", "yes", "open", "pending",
                 "partial", "void", "hindsight", "unscorable", "directional", "opinion")  # fmt: skip

# What a score depends on: a write to any of these can change one.
WATCHED = {
    "claims": ("INSERT", "UPDATE", "DELETE"),
    "outcomes": ("INSERT",),  # never updated or deleted (append-only)
    "questions": ("UPDATE", "DELETE"),
    "question_tags": ("INSERT", "UPDATE", "DELETE"),
    "tags": ("UPDATE", "DELETE"),
    "people": ("UPDATE", "DELETE"),
    "scales": ("INSERT", "UPDATE", "DELETE"),
    "scale_terms": ("INSERT", "UPDATE", "DELETE"),
}
MARK_STALE = "UPDATE score_state SET stale = 1 WHERE stale = 0"


def _create_tables() -> None:
    kinds = ", ".join(f"'{d}'" for d in DIMENSIONS)
    op.create_table(
        "score_totals",
        sa.Column("scale", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        *(
            sa.Column(c, sa.Float() if c in SUMS else sa.Integer(), nullable=False)
            for c in TOTAL_COLUMNS
        ),
        sa.CheckConstraint(
            f"dimension IN ({kinds})", name=op.f("ck_score_totals_dimension_allowed")
        ),
        sa.CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in COUNTS),
            name=op.f("ck_score_totals_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "scored <= claims AND sided <= scored AND hits <= sided AND yes <= scored",
            name=op.f("ck_score_totals_counts_consistent"),
        ),
        sa.PrimaryKeyConstraint("scale", "dimension", "group_key", name=op.f("pk_score_totals")),
    )
    op.create_table(
        "calibration_totals",
        sa.Column("scale", sa.Text(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("forecast", sa.Float(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("happened", sa.Integer(), nullable=False),
        sa.Column("brier_sum", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "claims >= 0 AND happened >= 0 AND happened <= claims",
            name=op.f("ck_calibration_totals_counts_consistent"),
        ),
        sa.PrimaryKeyConstraint("scale", "term", "forecast", name=op.f("pk_calibration_totals")),
    )
    refreshed = sa.CheckConstraint(
        "refreshed_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', refreshed_at, '+0 days') "
        "IS refreshed_at",
        name=op.f("ck_score_state_refreshed_at_iso"),
    ).ddl_if(dialect="sqlite")
    op.create_table(
        "score_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.Text(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_score_state_one_row")),
        sa.CheckConstraint("stale IN (0, 1)", name=op.f("ck_score_state_stale_flag")),
        refreshed,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_state")),
    )


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for table, events in WATCHED.items():
            for event in events:
                op.execute(
                    f"CREATE TRIGGER score_totals_stale_{table}_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN {MARK_STALE}; END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION mark_score_totals_stale() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {MARK_STALE}; RETURN NULL; END $$"
        )
        for table, events in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER score_totals_stale AFTER {' OR '.join(events)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION mark_score_totals_stale()"
            )


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for table, events in WATCHED.items():
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS score_totals_stale_{table}_{event.lower()}")
    elif dialect == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS score_totals_stale ON {table}")
        op.execute("DROP FUNCTION IF EXISTS mark_score_totals_stale()")


def _fill(dialect: str) -> None:
    """Compute the totals of the data already there (as of now, every claim)."""
    params = {"as_of": "9999-12-31T23:59:59Z", "today": "2000-01-01"}
    prefix = with_clause(dialect, "1 = 1", version="0005")
    for table in ("score_totals", "calibration_totals"):
        op.get_bind().execute(
            sa.text(f"INSERT INTO {table} SELECT * FROM ({prefix} SELECT * FROM {table}) AS t"),
            params,
        )
    op.get_bind().execute(
        sa.text("INSERT INTO score_state (id, stale, refreshed_at) VALUES (1, 0, :now)"),
        {"now": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_views(op.execute, "0003")
    _create_tables()
    create_views(op.execute, dialect, "0005")
    _fill(dialect)
    _create_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    drop_views(op.execute, "0005")
    for table in ("score_state", "calibration_totals", "score_totals"):
        op.drop_table(table)
    create_views(op.execute, dialect, "0003")
