"""The phrase book: estimative phrases and how the tracker reads them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

``phrases``: each phrase (and its folded key, the form it is looked up by), the
scale term it is read as, the basis (standard_scale, survey_median, analogy,
unscorable), the direction for words that say the odds move, a group and a
note saying why. Filled from ``migrations/data/0012_phrases.yaml``, which is
part of this migration: a later change to the shipped phrases is a new
migration with data of its own.

Frozen: the table is stated here as it was at 0012, not read from the models.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

from tracker.text import fold

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parent.parent / "data" / "0012_phrases.yaml"
BASES = ("standard_scale", "survey_median", "analogy", "unscorable")
ADDED_AT = "2026-11-29T00:00:00Z"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    iso = (
        [
            sa.CheckConstraint(
                "added_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', added_at, '+0 days') "
                "IS added_at",
                name=op.f("ck_phrases_added_at_iso"),
            )
        ]
        if sqlite
        else []
    )
    op.create_table(
        "phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("phrase_key", sa.Text(), nullable=False),
        sa.Column("scale_term_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=True),
        sa.Column("phrase_group", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "basis IN (" + ", ".join(f"'{b}'" for b in BASES) + ")",
            name=op.f("ck_phrases_basis_allowed"),
        ),
        sa.CheckConstraint(
            "(basis = 'unscorable') = (scale_term_id IS NULL)",
            name=op.f("ck_phrases_term_unless_unscorable"),
        ),
        sa.CheckConstraint(
            "direction IS NULL OR (direction IN ('increase', 'decrease') AND basis = 'unscorable')",
            name=op.f("ck_phrases_direction_unscorable"),
        ),
        sa.CheckConstraint("length(trim(phrase)) > 0", name=op.f("ck_phrases_phrase_nonblank")),
        sa.CheckConstraint(
            "length(trim(phrase_key)) > 0", name=op.f("ck_phrases_phrase_key_nonblank")
        ),
        sa.CheckConstraint("length(trim(note)) > 0", name=op.f("ck_phrases_note_nonblank")),
        sa.CheckConstraint("length(trim(added_by)) > 0", name=op.f("ck_phrases_added_by_nonblank")),
        *iso,
        sa.ForeignKeyConstraint(
            ["scale_term_id"],
            ["scale_terms.id"],
            name=op.f("fk_phrases_scale_term_id_scale_terms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrases")),
        sa.UniqueConstraint("phrase_key", name=op.f("uq_phrases_phrase_key")),
    )
    bind = op.get_bind()
    terms = {
        (scale, term): term_id
        for term_id, scale, term in bind.execute(
            sa.text(
                "SELECT t.id, s.slug, t.term FROM scale_terms AS t "
                "JOIN scales AS s ON s.id = t.scale_id"
            )
        )
    }
    rows = []
    for entry in yaml.safe_load(DATA.read_text(encoding="utf-8")):
        term_id = None
        if entry["term"] is not None:
            term_id = terms[(entry["scale"], entry["term"])]
        rows.append(
            {
                "phrase": entry["phrase"],
                "phrase_key": fold(entry["phrase"]),
                "scale_term_id": term_id,
                "basis": entry["basis"],
                "direction": entry["direction"],
                "phrase_group": entry["group"],
                "note": " ".join(entry["note"].split()),
                "added_by": "tracker",
                "added_at": ADDED_AT,
            }
        )
    table = sa.table("phrases", *(sa.column(c) for c in rows[0]))
    op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("phrases")
