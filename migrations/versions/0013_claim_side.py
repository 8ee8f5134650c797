"""A claim about the opposite of its question: ``claims.side``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29

"The Chiefs will win" on the question "the Eagles win" is a claim on the
question's "no" side: ``side`` is "yes" (the default, every claim so far) or
"no". The score views at version 0013 (``tracker.score_views``) score whether
the claim's own side happened, so its probability and term stay as said; and
``late_edits`` counts a change of side after the outcome as a late edit
(``tracker.revision_views``). No score changes: every recorded claim is "yes".

Frozen: the column is stated here as it was at 0013, not read from the models.
"""

from __future__ import annotations

from alembic import op

from tracker.revision_views import LATE_EDITS_0007, LATE_EDITS_0013
from tracker.score_views import create_views, drop_views

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_views(op.execute, "0008")
    op.execute("DROP VIEW late_edits")
    op.execute(
        "ALTER TABLE claims ADD COLUMN side TEXT DEFAULT 'yes' NOT NULL "
        "CONSTRAINT ck_claims_side_allowed CHECK (side IN ('yes', 'no'))"
    )
    create_views(op.execute, dialect, "0013")
    op.execute(f"CREATE VIEW late_edits AS {LATE_EDITS_0013}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_views(op.execute, "0013")
    op.execute("DROP VIEW late_edits")
    if dialect != "sqlite":  # SQLite drops a column with its own CHECK
        op.drop_constraint(op.f("ck_claims_side_allowed"), "claims", type_="check")
    op.drop_column("claims", "side")
    create_views(op.execute, dialect, "0008")
    op.execute(f"CREATE VIEW late_edits AS {LATE_EDITS_0007}")
