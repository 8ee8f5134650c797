"""Initial schema: sources, people and aliases, questions and tags, scales,
claims and their appearances, append-only outcomes; the probability scales
shipped as data.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Frozen: this file must not import the live models; it states the schema of
revision 0001 as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SLUG_RULE = (
    "length(slug) BETWEEN 1 AND 200 AND slug NOT GLOB '*[^a-z0-9-]*' "
    "AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'"
)
APPEND_ONLY = "outcomes are append-only: record a correction instead"


def sqlite_only(constraint: sa.CheckConstraint) -> sa.CheckConstraint:
    """Checks written in SQLite's dialect (dates as text, GLOB); other databases
    have native types for these."""
    return constraint.ddl_if(dialect="sqlite")


def create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER outcomes_no_{event.lower()} BEFORE {event} ON outcomes "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION outcomes_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER outcomes_append_only BEFORE UPDATE OR DELETE ON outcomes "
            "FOR EACH ROW EXECUTE FUNCTION outcomes_append_only()"
        )


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_update")
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_delete")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outcomes_append_only ON outcomes")
        op.execute("DROP FUNCTION IF EXISTS outcomes_append_only()")


# The probability scales, shipped as data. Each term: (term, rung on the common
# seven-step ladder or None, low, point, high, note). Sources are cited per scale;
# see shared/reference/probability-and-scoring.md, section 1.
SCALES = [
    {
        "slug": "icd203",
        "name": "ICD 203",
        "kind": "standard",
        "is_default": 1,
        "description": "US ODNI Intelligence Community Directive 203, Analytic Standards "
        "(rev. 2015): seven likelihood ranges, each with two synonym rows. Point = midpoint.",
        "citation": "ODNI ICD 203 (fas.org/irp/dni/icd/icd-203.pdf)",
        "terms": [
            ("almost no chance", -3, 0.01, 0.03, 0.05, None),
            ("remote", None, 0.01, 0.03, 0.05, "synonym of 'almost no chance'"),
            ("very unlikely", -2, 0.05, 0.125, 0.20, None),
            ("highly improbable", None, 0.05, 0.125, 0.20, "synonym of 'very unlikely'"),
            ("unlikely", -1, 0.20, 0.325, 0.45, None),
            ("improbable", None, 0.20, 0.325, 0.45, "synonym of 'unlikely'"),
            ("roughly even chance", 0, 0.45, 0.50, 0.55, None),
            ("roughly even odds", None, 0.45, 0.50, 0.55, "synonym of 'roughly even chance'"),
            ("likely", 1, 0.55, 0.675, 0.80, None),
            ("probable", None, 0.55, 0.675, 0.80, "synonym of 'likely'"),
            ("very likely", 2, 0.80, 0.875, 0.95, None),
            ("highly probable", None, 0.80, 0.875, 0.95, "synonym of 'very likely'"),
            ("almost certain", 3, 0.95, 0.97, 0.99, None),
            ("nearly certain", None, 0.95, 0.97, 0.99, "synonym of 'almost certain'"),
        ],
    },
    {
        "slug": "phia",
        "name": "UK PHIA Probability Yardstick",
        "kind": "standard",
        "is_default": 0,
        "description": "UK Professional Head of Intelligence Assessment yardstick: seven "
        "ranges with deliberate gaps between them. Point = midpoint.",
        "citation": "gov.uk, Explaining Uncertainty in UK Intelligence Assessment (2025); "
        "numbers from adamkucharski/CAPphrase data/yardstick_uk.csv",
        "terms": [
            ("remote chance", -3, 0.0, 0.025, 0.05, None),
            ("highly unlikely", -2, 0.10, 0.15, 0.20, None),
            ("unlikely", -1, 0.25, 0.30, 0.35, None),
            ("realistic possibility", 0, 0.40, 0.45, 0.50, None),
            ("likely", 1, 0.55, 0.65, 0.75, None),
            ("probably", None, 0.55, 0.65, 0.75, "synonym of 'likely'"),
            ("highly likely", 2, 0.80, 0.85, 0.90, None),
            ("almost certain", 3, 0.95, 0.975, 1.0, None),
        ],
    },
    {
        "slug": "kent1964",
        "name": "Kent 1964",
        "kind": "standard",
        "is_default": 0,
        "description": "Sherman Kent, Words of Estimative Probability (1964): a central "
        "value with its spread; no steps between 'probable' and 'almost certain'.",
        "citation": "Kent, Studies in Intelligence, Fall 1964",
        "terms": [
            ("certain", None, 1.0, 1.0, 1.0, None),
            ("almost certain", 3, 0.87, 0.93, 0.99, "93 +/- about 6"),
            ("probable", 1, 0.63, 0.75, 0.87, "75 +/- about 12"),
            ("chances about even", 0, 0.40, 0.50, 0.60, "50 +/- about 10"),
            ("probably not", -1, 0.20, 0.30, 0.40, "30 +/- about 10"),
            ("almost certainly not", -3, 0.02, 0.07, 0.12, "7 +/- about 5"),
            ("impossible", None, 0.0, 0.0, 0.0, None),
        ],
    },
    {
        "slug": "survey",
        "name": "Reader survey medians",
        "kind": "survey",
        "is_default": 0,
        "description": "What readers take phrases to mean: median with the interquartile "
        "range. From CAPphrase (C, n=5,174) where it asked the phrase, otherwise "
        "Fagen-Ulmschneider (W, n=123) or Mauboussin & Mauboussin (M, n~1,860 per phrase).",
        "citation": "adamkucharski/CAPphrase absolute_judgements.csv @f12d355; "
        "wadefagen/datasets Perception-of-Probability-Words @d588d8f; "
        "amauboussin/probability-survey @6eaae61",
        "terms": [
            ("almost no chance", -3, 0.01, 0.02, 0.05, "C"),
            ("remote chance", None, 0.03, 0.05, 0.10, "C"),
            ("highly unlikely", -2, 0.05, 0.05, 0.10, "C"),
            ("little chance", None, 0.05, 0.10, 0.15, "C"),
            ("chances are slight", None, 0.05, 0.10, 0.15, "C"),
            ("improbable", None, 0.05, 0.10, 0.20, "C"),
            ("unlikely", -1, 0.10, 0.20, 0.25, "C"),
            ("we doubt", None, 0.10, 0.20, 0.30, "W"),
            ("probably not", None, 0.15, 0.25, 0.30, "W"),
            ("might happen", None, 0.25, 0.40, 0.50, "C"),
            ("could happen", None, 0.25, 0.40, 0.50, "C"),
            ("may happen", None, 0.30, 0.40, 0.51, "C"),
            ("possibly", None, 0.25, 0.45, 0.50, "M"),
            ("about even", 0, 0.50, 0.50, 0.50, "C"),
            ("better than even", None, 0.55, 0.60, 0.60, "C"),
            ("realistic possibility", None, 0.40, 0.60, 0.75, "C"),
            ("probably", None, 0.60, 0.70, 0.75, "M"),
            ("we believe", None, 0.65, 0.75, 0.85, "W"),
            ("probable", None, 0.65, 0.75, 0.80, "C"),
            ("likely", 1, 0.67, 0.75, 0.80, "C"),
            ("very good chance", None, 0.75, 0.80, 0.85, "C"),
            ("highly likely", 2, 0.80, 0.90, 0.90, "C"),
            ("almost certain", 3, 0.90, 0.95, 0.98, "C"),
        ],
    },
]


def insert_scales() -> None:
    scales = sa.table(
        "scales",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.Text),
        sa.column("name", sa.Text),
        sa.column("kind", sa.Text),
        sa.column("is_default", sa.Integer),
        sa.column("description", sa.Text),
        sa.column("citation", sa.Text),
    )
    terms = sa.table(
        "scale_terms",
        sa.column("scale_id", sa.Integer),
        sa.column("term", sa.Text),
        sa.column("rung", sa.Integer),
        sa.column("low", sa.Float),
        sa.column("point", sa.Float),
        sa.column("high", sa.Float),
        sa.column("note", sa.Text),
    )
    for scale_id, scale in enumerate(SCALES, start=1):
        row = {k: v for k, v in scale.items() if k != "terms"}
        op.bulk_insert(scales, [{"id": scale_id, **row}])
        op.bulk_insert(
            terms,
            [
                dict(
                    zip(("term", "rung", "low", "point", "high", "note"), t, strict=True),
                    scale_id=scale_id,
                )
                for t in scale["terms"]
            ],
        )


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sqlite_only(
            sa.CheckConstraint(
                "created_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days') IS created_at",
                name=op.f("ck_people_created_at_iso"),
            )
        ),
        sa.CheckConstraint(
            "kind IN ('person', 'group', 'organisation')", name=op.f("ck_people_kind_allowed")
        ),
        sqlite_only(
            sa.CheckConstraint(
                SLUG_RULE,
                name=op.f("ck_people_slug_format"),
            )
        ),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_people_name_nonblank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("name", name=op.f("uq_people_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_people_slug")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("resolve_by", sa.Date(), nullable=False),
        sa.Column("horizon_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sqlite_only(
            sa.CheckConstraint(
                "created_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days') IS created_at",
                name=op.f("ck_questions_created_at_iso"),
            )
        ),
        sqlite_only(
            sa.CheckConstraint(
                SLUG_RULE,
                name=op.f("ck_questions_slug_format"),
            )
        ),
        sa.CheckConstraint(
            "length(trim(criteria)) > 0", name=op.f("ck_questions_criteria_nonblank")
        ),
        sa.CheckConstraint("length(trim(title)) > 0", name=op.f("ck_questions_title_nonblank")),
        sqlite_only(
            sa.CheckConstraint(
                "resolve_by IS NULL OR date(resolve_by, '+0 days') IS resolve_by",
                name=op.f("ck_questions_resolve_by_iso"),
            )
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("slug", name=op.f("uq_questions_slug")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index("ix_questions_resolve_by", ["resolve_by"], unique=False)

    op.create_table(
        "scales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('standard', 'survey')", name=op.f("ck_scales_kind_allowed")),
        sqlite_only(
            sa.CheckConstraint(
                SLUG_RULE,
                name=op.f("ck_scales_slug_format"),
            )
        ),
        sa.CheckConstraint("is_default IN (0, 1)", name=op.f("ck_scales_is_default_bool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scales")),
        sa.UniqueConstraint("name", name=op.f("uq_scales_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_scales_slug")),
    )
    with op.batch_alter_table("scales", schema=None) as batch_op:
        batch_op.create_index(
            "uq_scales_one_default",
            ["is_default"],
            unique=True,
            sqlite_where=sa.text("is_default = 1"),
            postgresql_where=sa.text("is_default = 1"),
        )

    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("published_on_note", sa.Text(), nullable=True),
        sa.Column("retrieved_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sqlite_only(
            sa.CheckConstraint(
                "created_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days') IS created_at",
                name=op.f("ck_sources_created_at_iso"),
            )
        ),
        sqlite_only(
            sa.CheckConstraint(
                SLUG_RULE,
                name=op.f("ck_sources_slug_format"),
            )
        ),
        sa.CheckConstraint(
            "(text IS NULL) = (content_hash IS NULL)", name=op.f("ck_sources_hash_with_text")
        ),
        sa.CheckConstraint(
            "content_hash IS NULL OR length(content_hash) = 64",
            name=op.f("ck_sources_content_hash_sha256"),
        ),
        sa.CheckConstraint("length(trim(title)) > 0", name=op.f("ck_sources_title_nonblank")),
        sqlite_only(
            sa.CheckConstraint(
                "published_on IS NULL OR date(published_on, '+0 days') IS published_on",
                name=op.f("ck_sources_published_on_iso"),
            )
        ),
        sqlite_only(
            sa.CheckConstraint(
                "retrieved_on IS NULL OR date(retrieved_on, '+0 days') IS retrieved_on",
                name=op.f("ck_sources_retrieved_on_iso"),
            )
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("slug", name=op.f("uq_sources_slug")),
        sa.UniqueConstraint("url", name=op.f("uq_sources_url")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sqlite_only(
            sa.CheckConstraint(
                "length(name) BETWEEN 1 AND 100 AND name NOT GLOB '*[^a-z0-9-]*'",
                name=op.f("ck_tags_name_format"),
            )
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("evidence_source_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sqlite_only(
            sa.CheckConstraint(
                "recorded_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', recorded_at, '+0 days') IS recorded_at",
                name=op.f("ck_outcomes_recorded_at_iso"),
            )
        ),
        sa.CheckConstraint(
            "result IN ('yes', 'no', 'partial', 'ambiguous', 'annulled')",
            name=op.f("ck_outcomes_result_allowed"),
        ),
        sa.CheckConstraint(
            "evidence_url IS NOT NULL OR evidence_source_id IS NOT NULL",
            name=op.f("ck_outcomes_evidence_required"),
        ),
        sqlite_only(
            sa.CheckConstraint(
                "occurred_on IS NULL OR date(occurred_on, '+0 days') IS occurred_on",
                name=op.f("ck_outcomes_occurred_on_iso"),
            )
        ),
        sa.CheckConstraint(
            "supersedes_id IS NULL OR supersedes_id <> id", name=op.f("ck_outcomes_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_source_id"],
            ["sources.id"],
            name=op.f("fk_outcomes_evidence_source_id_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id", "supersedes_id"],
            ["outcomes.question_id", "outcomes.id"],
            name="fk_outcomes_supersedes_same_question",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_outcomes_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("question_id", "id", name=op.f("uq_outcomes_question_id_id")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_outcomes_supersedes_id")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outcomes_evidence_source_id", ["evidence_source_id"], unique=False
        )
        batch_op.create_index(
            "uq_outcomes_one_first_per_question",
            ["question_id"],
            unique=True,
            sqlite_where=sa.text("supersedes_id IS NULL"),
            postgresql_where=sa.text("supersedes_id IS NULL"),
        )

    op.create_table(
        "person_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("alias_key", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "length(trim(alias)) > 0", name=op.f("ck_person_aliases_alias_nonblank")
        ),
        sa.CheckConstraint(
            "length(trim(alias_key)) > 0", name=op.f("ck_person_aliases_alias_key_nonblank")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_aliases_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_aliases")),
        sa.UniqueConstraint("alias_key", name=op.f("uq_person_aliases_alias_key")),
    )
    with op.batch_alter_table("person_aliases", schema=None) as batch_op:
        batch_op.create_index("ix_person_aliases_person_id", ["person_id"], unique=False)

    op.create_table(
        "question_tags",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_tags_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_question_tags_tag_id_tags")),
        sa.PrimaryKeyConstraint("question_id", "tag_id", name=op.f("pk_question_tags")),
    )
    with op.batch_alter_table("question_tags", schema=None) as batch_op:
        batch_op.create_index("ix_question_tags_tag_id", ["tag_id"], unique=False)

    op.create_table(
        "scale_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=True),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("point", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "0 <= low AND low <= point AND point <= high AND high <= 1",
            name=op.f("ck_scale_terms_low_point_high"),
        ),
        sa.CheckConstraint("length(trim(term)) > 0", name=op.f("ck_scale_terms_term_nonblank")),
        sa.CheckConstraint(
            "rung IS NULL OR rung BETWEEN -3 AND 3", name=op.f("ck_scale_terms_rung_range")
        ),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scales.id"], name=op.f("fk_scale_terms_scale_id_scales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_terms")),
        sa.UniqueConstraint("scale_id", "rung", name=op.f("uq_scale_terms_scale_id_rung")),
        sa.UniqueConstraint("scale_id", "term", name=op.f("uq_scale_terms_scale_id_term")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("made_on_note", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("prob_low", sa.Float(), nullable=True),
        sa.Column("prob_high", sa.Float(), nullable=True),
        sa.Column("scale_term_id", sa.Integer(), nullable=True),
        sa.Column("mapping_basis", sa.Text(), nullable=False),
        sa.Column("mapping_note", sa.Text(), nullable=True),
        sa.Column("condition_question_id", sa.Integer(), nullable=True),
        sa.Column("condition_result", sa.Text(), nullable=True),
        sa.Column("direction", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'conditional') = (condition_question_id IS NOT NULL) AND (condition_question_id IS NULL) = (condition_result IS NULL)",
            name=op.f("ck_claims_condition_fields"),
        ),
        sa.CheckConstraint(
            "(kind = 'directional') = (direction IS NOT NULL)",
            name=op.f("ck_claims_direction_fields"),
        ),
        sa.CheckConstraint(
            "(mapping_basis = 'stated_number' AND probability IS NOT NULL AND scale_term_id IS NULL) OR (mapping_basis IN ('standard_scale', 'survey_median') AND scale_term_id IS NOT NULL AND probability IS NULL) OR (mapping_basis = 'analogy' AND (scale_term_id IS NULL) <> (probability IS NULL)) OR (mapping_basis = 'unscorable' AND probability IS NULL AND scale_term_id IS NULL)",
            name=op.f("ck_claims_basis_fields"),
        ),
        sa.CheckConstraint(
            "condition_result IS NULL OR condition_result IN ('yes', 'no')",
            name=op.f("ck_claims_condition_result_allowed"),
        ),
        sa.CheckConstraint(
            "direction IS NULL OR direction IN ('increase', 'decrease')",
            name=op.f("ck_claims_direction_allowed"),
        ),
        sqlite_only(
            sa.CheckConstraint(
                "entered_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', entered_at, '+0 days') IS entered_at",
                name=op.f("ck_claims_entered_at_iso"),
            )
        ),
        sa.CheckConstraint(
            "kind = 'opinion' OR question_id IS NOT NULL", name=op.f("ck_claims_question_required")
        ),
        sa.CheckConstraint(
            "kind IN ('forecast', 'conditional', 'directional', 'opinion')",
            name=op.f("ck_claims_kind_allowed"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('directional', 'opinion') OR mapping_basis = 'unscorable'",
            name=op.f("ck_claims_unscored_kinds"),
        ),
        sa.CheckConstraint(
            "mapping_basis IN ('stated_number', 'standard_scale', 'survey_median', 'analogy', 'unscorable')",
            name=op.f("ck_claims_mapping_basis_allowed"),
        ),
        sa.CheckConstraint(
            "(prob_low IS NULL) = (prob_high IS NULL) AND (prob_low IS NULL OR (probability IS NOT NULL AND prob_low <= probability AND probability <= prob_high))",
            name=op.f("ck_claims_low_point_high"),
        ),
        sa.CheckConstraint(
            "(probability IS NULL OR (probability >= 0 AND probability <= 1)) AND (prob_low IS NULL OR (prob_low >= 0 AND prob_low <= 1)) AND (prob_high IS NULL OR (prob_high >= 0 AND prob_high <= 1))",
            name=op.f("ck_claims_probability_range"),
        ),
        sa.CheckConstraint(
            "condition_question_id IS NULL OR condition_question_id <> question_id",
            name=op.f("ck_claims_condition_not_self"),
        ),
        sa.CheckConstraint("length(trim(quote)) > 0", name=op.f("ck_claims_quote_nonblank")),
        sqlite_only(
            sa.CheckConstraint(
                "made_on IS NULL OR date(made_on, '+0 days') IS made_on",
                name=op.f("ck_claims_made_on_iso"),
            )
        ),
        sa.ForeignKeyConstraint(
            ["condition_question_id"],
            ["questions.id"],
            name=op.f("fk_claims_condition_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_claims_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_claims_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["scale_term_id"], ["scale_terms.id"], name=op.f("fk_claims_scale_term_id_scale_terms")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_claims_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint(
            "source_id", "person_id", "quote", name=op.f("uq_claims_source_id_person_id_quote")
        ),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claims_condition_question_id", ["condition_question_id"], unique=False
        )
        batch_op.create_index("ix_claims_made_on", ["made_on"], unique=False)
        batch_op.create_index("ix_claims_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_claims_question_id", ["question_id"], unique=False)
        batch_op.create_index("ix_claims_scale_term_id", ["scale_term_id"], unique=False)

    op.create_table(
        "claim_appearances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("appeared_on", sa.Date(), nullable=True),
        sqlite_only(
            sa.CheckConstraint(
                "appeared_on IS NULL OR date(appeared_on, '+0 days') IS appeared_on",
                name=op.f("ck_claim_appearances_appeared_on_iso"),
            )
        ),
        sa.CheckConstraint(
            "length(trim(quote)) > 0", name=op.f("ck_claim_appearances_quote_nonblank")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_appearances_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_claim_appearances_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_appearances")),
        sa.UniqueConstraint(
            "claim_id", "source_id", name=op.f("uq_claim_appearances_claim_id_source_id")
        ),
    )
    with op.batch_alter_table("claim_appearances", schema=None) as batch_op:
        batch_op.create_index("ix_claim_appearances_source_id", ["source_id"], unique=False)
    create_append_only_triggers()
    insert_scales()


def downgrade() -> None:
    drop_append_only_triggers()
    with op.batch_alter_table("claim_appearances", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_appearances_source_id")

    op.drop_table("claim_appearances")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_scale_term_id")
        batch_op.drop_index("ix_claims_question_id")
        batch_op.drop_index("ix_claims_person_id")
        batch_op.drop_index("ix_claims_made_on")
        batch_op.drop_index("ix_claims_condition_question_id")

    op.drop_table("claims")
    op.drop_table("scale_terms")
    with op.batch_alter_table("question_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_question_tags_tag_id")

    op.drop_table("question_tags")
    with op.batch_alter_table("person_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_person_aliases_person_id")

    op.drop_table("person_aliases")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_outcomes_one_first_per_question",
            sqlite_where=sa.text("supersedes_id IS NULL"),
            postgresql_where=sa.text("supersedes_id IS NULL"),
        )
        batch_op.drop_index("ix_outcomes_evidence_source_id")

    op.drop_table("outcomes")
    op.drop_table("tags")
    op.drop_table("sources")
    with op.batch_alter_table("scales", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_scales_one_default",
            sqlite_where=sa.text("is_default = 1"),
            postgresql_where=sa.text("is_default = 1"),
        )

    op.drop_table("scales")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_resolve_by")

    op.drop_table("questions")
    op.drop_table("people")
