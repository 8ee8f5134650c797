"""Scoring views: question status, claim scores on every scale, score groups,
calibration and the Murphy decomposition.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

The view bodies are version "0003" of the templates in tracker.score_views,
which the report also renders; that version is never edited once published.
``current_outcomes`` is replaced by the template version (same meaning: the
outcome recorded last), so the report can read it as of any date.
"""

from __future__ import annotations

from alembic import op

from tracker.score_views import create_views, drop_views

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# current_outcomes as revision 0002 created it, for the downgrade.
CURRENT_OUTCOMES_0002 = """
    SELECT o.*
    FROM outcomes AS o
    WHERE NOT EXISTS (SELECT 1 FROM outcomes AS later WHERE later.supersedes_id = o.id)
"""


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS current_outcomes")
    create_views(op.execute, op.get_bind().dialect.name, "0003")


def downgrade() -> None:
    drop_views(op.execute, "0003")
    op.execute(f"CREATE VIEW current_outcomes AS {CURRENT_OUTCOMES_0002}")
