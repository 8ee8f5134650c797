"""Base views: the current outcome of each question and each claim's probability.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Views are defined here once so the CLI, Datasette and any SQL client read the
same answer. Frozen: later changes to a view belong in a new revision.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VIEWS = {
    # The outcome that stands for each question: the last of its chain.
    "current_outcomes": """
        SELECT o.*
        FROM outcomes AS o
        WHERE NOT EXISTS (SELECT 1 FROM outcomes AS later WHERE later.supersedes_id = o.id)
    """,
    # The probability each claim gives its question's YES, whichever way it was
    # stated: a number (with its range, if one was given) or a scale term.
    "claim_probabilities": """
        SELECT c.id AS claim_id,
               c.mapping_basis,
               COALESCE(c.probability, t.point) AS probability,
               COALESCE(c.prob_low, t.low, c.probability) AS prob_low,
               COALESCE(c.prob_high, t.high, c.probability) AS prob_high,
               s.slug AS scale,
               t.term AS scale_term
        FROM claims AS c
        LEFT JOIN scale_terms AS t ON t.id = c.scale_term_id
        LEFT JOIN scales AS s ON s.id = t.scale_id
    """,
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
