"""Score views at version 0015: the same rows, read in the order the indexes allow.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29

``score_members`` (and the ``score_totals`` template the report evaluates)
join a claim to the organisations its speaker belonged to. SQLite chose to
index every claim by speaker to look up the few affiliations, rather than
look up each claim's speaker among them: at a million claims that one group
took a third of the score totals' time. Version 0015 (``tracker.score_views``)
writes the join so SQLite looks up the affiliations; the rows are the same,
so no kept total changes and nothing is rebuilt.

``numeric_scores`` (and ``range_coverage``, which reads it) scored every
claim to keep those that give a number; at 0015 it reads the claims on
numeric questions only (the only ones that can give a number), through the
index: the same rows, in milliseconds instead of seconds at a million claims.
"""

from __future__ import annotations

from alembic import op

from tracker.score_views import create_views, drop_views

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_views(op.execute, "0014")
    create_views(op.execute, op.get_bind().dialect.name, "0015")


def downgrade() -> None:
    drop_views(op.execute, "0015")
    create_views(op.execute, op.get_bind().dialect.name, "0014")
