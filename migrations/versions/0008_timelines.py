"""Two timelines for looking back: the score views at version 0008.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

- ``current_outcomes`` takes an instant outcomes are read at (recorded by) and a
  date they must have happened by; as a view, both are the end of time.
- ``claim_probabilities`` becomes a template of the scoring rules (0002 made it
  a plain view), so a statement that reads claims as recorded at a moment
  reaches it too (``tracker.score_views.as_recorded_ctes``).

Only views change; the kept score totals hold the same counts and sums.
"""

from __future__ import annotations

from alembic import op

from tracker.score_views import VERSIONS, create_views, drop_views, view_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_views(op.execute, "0007")
    op.execute("DROP VIEW IF EXISTS claim_probabilities")
    create_views(op.execute, dialect, "0008")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_views(op.execute, "0008")
    # The same text as 0002's view, which 0007's views read.
    template = VERSIONS["0008"]["claim_probabilities"]
    op.execute(f"CREATE VIEW claim_probabilities AS {view_sql(template, dialect)}")
    create_views(op.execute, dialect, "0007")
