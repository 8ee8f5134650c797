"""The data model: the one place the schema is described in Python.

The migrations in ``migrations/versions`` build the real schema; a test checks
that Alembic's autogenerate finds no difference between them and these models.
Every constraint is named (see ``NAMING_CONVENTION``) so that SQLite batch
migrations keep them, and the rules that matter live in the database as CHECKs,
foreign keys and unique keys, so a write through Datasette or raw SQL is held to
them too.

Enumerations are plain text guarded by a CHECK; their allowed values come
from ``tracker.vocabulary``, which the input records and the CLI also read.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.types import UTCTimestamp
from tracker.vocabulary import (
    BINARY_RESULTS,
    CLAIM_KINDS,
    DIRECTIONS,
    LEDGER_KINDS,
    MAPPING_BASES,
    PERSON_KINDS,
    PHRASE_BASES,
    QUESTION_TYPES,
    RESULTS,
    REVISED_RECORDS,
    SCALE_KINDS,
    SCORE_DIMENSIONS,
    THRESHOLD_SIDES,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A claim that gives a number (a point, a range or a threshold): few among many.
ESTIMATED = "estimate IS NOT NULL OR estimate_low IS NOT NULL OR threshold IS NOT NULL"


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL for ``column IN ('a', 'b')``: the text of an enum CHECK."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def iso_date_check(column: str, name: str) -> CheckConstraint:
    """A CHECK that a date column holds a real ISO 8601 date (YYYY-MM-DD).

    SQLite stores dates as text; ``date(x) IS x`` is true only for a valid date
    already in canonical form, so '2025-02-30' and '24/10/2025' are refused.
    Other databases have a native DATE type and need no such check.
    """
    return CheckConstraint(
        f"{column} IS NULL OR date({column}, '+0 days') IS {column}", name=name
    ).ddl_if(dialect="sqlite")


def iso_timestamp_check(column: str, name: str) -> CheckConstraint:
    """A CHECK that a timestamp column holds ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    return CheckConstraint(
        f"{column} IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', {column}, '+0 days') IS {column}",
        name=name,
    ).ddl_if(dialect="sqlite")


def slug_check(name: str = "slug_format") -> CheckConstraint:
    """Slugs are lowercase ASCII words joined by single hyphens."""
    return CheckConstraint(
        "length(slug) BETWEEN 1 AND 200 AND slug NOT GLOB '*[^a-z0-9-]*' "
        "AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'",
        name=name,
    ).ddl_if(dialect="sqlite")


def nonblank(column: str, name: str) -> CheckConstraint:
    return CheckConstraint(f"length(trim({column})) > 0", name=name)


# A retracted row stays, marked with when and why (both or neither).
_RETRACTION_RULE = (
    "(retracted_at IS NULL) = (retracted_reason IS NULL) "
    "AND (retracted_reason IS NULL OR length(trim(retracted_reason)) > 0)"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """An article or document in which claims appear."""

    __tablename__ = "sources"
    __table_args__ = (
        slug_check(),
        nonblank("title", "title_nonblank"),
        iso_date_check("published_on", "published_on_iso"),
        iso_date_check("retrieved_on", "retrieved_on_iso"),
        iso_timestamp_check("created_at", "created_at_iso"),
        CheckConstraint("(text IS NULL) = (content_hash IS NULL)", name="hash_with_text"),
        CheckConstraint(
            "content_hash IS NULL OR length(content_hash) = 64", name="content_hash_sha256"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str | None] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    published_on_note: Mapped[str | None] = mapped_column(Text)
    retrieved_on: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)


class Person(Base):
    """A speaker: a named person, an unnamed group ("many experts") or an organisation."""

    __tablename__ = "people"
    __table_args__ = (
        slug_check(),
        nonblank("name", "name_nonblank"),
        CheckConstraint(in_list("kind", PERSON_KINDS), name="kind_allowed"),
        iso_timestamp_check("created_at", "created_at_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)

    aliases: Mapped[list[PersonAlias]] = relationship(back_populates="person")


class PersonAlias(Base):
    """Every spelling a speaker is known by, the canonical name included.

    ``alias_key`` is the normalised form (see ``tracker.text.alias_key``); it is
    unique, so one spelling always finds exactly one person.
    """

    __tablename__ = "person_aliases"
    __table_args__ = (
        nonblank("alias", "alias_nonblank"),
        nonblank("alias_key", "alias_key_nonblank"),
        Index("ix_person_aliases_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    alias: Mapped[str] = mapped_column(Text)
    alias_key: Mapped[str] = mapped_column(Text, unique=True)

    person: Mapped[Person] = relationship(back_populates="aliases")


class Affiliation(Base):
    """A speaker's place in an organisation over a period: "chief economist
    at the bank from 2019". ``report --by organisation`` rolls a claim up to
    the organisations its speaker belonged to on the day it was made.

    Either end may be unknown (NULL: open). The organisation must be a
    speaker of kind organisation (a trigger checks it, migration 0014).
    """

    __tablename__ = "affiliations"
    __table_args__ = (
        UniqueConstraint("person_id", "organisation_id", "started_on"),
        CheckConstraint("person_id <> organisation_id", name="not_self"),
        CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on",
            name="period_order",
        ),
        CheckConstraint("role IS NULL OR length(trim(role)) > 0", name="role_nonblank"),
        iso_date_check("started_on", "started_on_iso"),
        iso_date_check("ended_on", "ended_on_iso"),
        iso_timestamp_check("created_at", "created_at_iso"),
        nonblank("created_by", "created_by_nonblank"),
        Index("ix_affiliations_organisation_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str | None] = mapped_column(Text)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)
    created_by: Mapped[str] = mapped_column(Text)


class Question(Base):
    """A future event, worded so that it can be resolved; claims point at it."""

    __tablename__ = "questions"
    __table_args__ = (
        slug_check(),
        nonblank("title", "title_nonblank"),
        nonblank("criteria", "criteria_nonblank"),
        iso_date_check("resolve_by", "resolve_by_iso"),
        iso_timestamp_check("created_at", "created_at_iso"),
        Index("ix_questions_resolve_by", "resolve_by"),
        CheckConstraint(in_list("question_type", QUESTION_TYPES), name="question_type_allowed"),
        CheckConstraint(
            "(question_type = 'numeric') = (unit IS NOT NULL) "
            "AND (unit IS NULL OR length(trim(unit)) > 0)",
            name="unit_if_numeric",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    resolve_by: Mapped[dt.date] = mapped_column(Date)
    horizon_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)
    created_by: Mapped[str] = mapped_column(Text)
    # "binary" (yes or no) or "numeric": resolved by a value in ``unit``
    # ("million units", "US$ per ounce"), which claims estimate (migration 0014).
    question_type: Mapped[str] = mapped_column(Text, server_default=text("'binary'"))
    unit: Mapped[str | None] = mapped_column(Text)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint(
            "length(name) BETWEEN 1 AND 100 AND name NOT GLOB '*[^a-z0-9-]*'", name="name_format"
        ).ddl_if(dialect="sqlite"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class QuestionTag(Base):
    __tablename__ = "question_tags"
    __table_args__ = (Index("ix_question_tags_tag_id", "tag_id"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)


class Scale(Base):
    """A named mapping from words to probabilities (ICD 203, PHIA, Kent, surveys)."""

    __tablename__ = "scales"
    __table_args__ = (
        slug_check(),
        CheckConstraint(in_list("kind", SCALE_KINDS), name="kind_allowed"),
        CheckConstraint("is_default IN (0, 1)", name="is_default_bool"),
        Index(
            "uq_scales_one_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default = 1"),
            postgresql_where=text("is_default = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)
    is_default: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    description: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)


class ScaleTerm(Base):
    """One word of a scale and the probability range it stands for.

    ``rung`` places the term on the common seven-step ladder (-3 "almost no
    chance" … 0 "even" … +3 "almost certain") so a claim read on one scale can be
    re-read on another; synonyms and in-between survey phrases have no rung.
    """

    __tablename__ = "scale_terms"
    __table_args__ = (
        UniqueConstraint("scale_id", "term"),
        UniqueConstraint("scale_id", "rung"),
        nonblank("term", "term_nonblank"),
        CheckConstraint("rung IS NULL OR rung BETWEEN -3 AND 3", name="rung_range"),
        CheckConstraint(
            "0 <= low AND low <= point AND point <= high AND high <= 1", name="low_point_high"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("scales.id"))
    term: Mapped[str] = mapped_column(Text)
    rung: Mapped[int | None] = mapped_column(Integer)
    low: Mapped[float] = mapped_column(Float)
    point: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)

    scale: Mapped[Scale] = relationship()


class Claim(Base):
    """Who said what, where and when, about which question, and how likely.

    The probability is either stated (``probability`` with an optional stated
    range) or read from a scale term (``scale_term_id``); ``mapping_basis`` says
    which, and the CHECKs below keep the two from being mixed. It is the
    probability of the claim's own ``side`` of its question, as it was said.
    """

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("source_id", "person_id", "quote"),
        nonblank("quote", "quote_nonblank"),
        CheckConstraint(in_list("kind", CLAIM_KINDS), name="kind_allowed"),
        CheckConstraint(in_list("mapping_basis", MAPPING_BASES), name="mapping_basis_allowed"),
        CheckConstraint(
            f"condition_result IS NULL OR {in_list('condition_result', BINARY_RESULTS)}",
            name="condition_result_allowed",
        ),
        CheckConstraint(
            f"direction IS NULL OR {in_list('direction', DIRECTIONS)}", name="direction_allowed"
        ),
        CheckConstraint(
            "(probability IS NULL OR (probability >= 0 AND probability <= 1)) "
            "AND (prob_low IS NULL OR (prob_low >= 0 AND prob_low <= 1)) "
            "AND (prob_high IS NULL OR (prob_high >= 0 AND prob_high <= 1))",
            name="probability_range",
        ),
        CheckConstraint(
            "(prob_low IS NULL) = (prob_high IS NULL) "
            "AND (prob_low IS NULL OR (probability IS NOT NULL "
            "AND prob_low <= probability AND probability <= prob_high))",
            name="low_point_high",
        ),
        CheckConstraint(
            "(mapping_basis = 'stated_number' AND probability IS NOT NULL "
            "AND scale_term_id IS NULL) "
            "OR (mapping_basis IN ('standard_scale', 'survey_median') "
            "AND scale_term_id IS NOT NULL AND probability IS NULL) "
            "OR (mapping_basis = 'analogy' "
            "AND (scale_term_id IS NULL) <> (probability IS NULL)) "
            "OR (mapping_basis = 'unscorable' AND probability IS NULL "
            "AND scale_term_id IS NULL)",
            name="basis_fields",
        ),
        CheckConstraint("kind = 'opinion' OR question_id IS NOT NULL", name="question_required"),
        CheckConstraint(
            "kind NOT IN ('directional', 'opinion') OR mapping_basis = 'unscorable'",
            name="unscored_kinds",
        ),
        # A conditional forecast has a condition; a directional claim or an
        # opinion may carry one too ("if the won weakens, the odds of a cut
        # rise"); a plain forecast has none (it would be a conditional).
        CheckConstraint(
            "(condition_question_id IS NULL) = (condition_result IS NULL) "
            "AND (kind <> 'conditional' OR condition_question_id IS NOT NULL) "
            "AND (kind <> 'forecast' OR condition_question_id IS NULL)",
            name="condition_fields",
        ),
        CheckConstraint(
            "condition_question_id IS NULL OR condition_question_id <> question_id",
            name="condition_not_self",
        ),
        CheckConstraint(
            "(kind = 'directional') = (direction IS NOT NULL)", name="direction_fields"
        ),
        iso_date_check("made_on", "made_on_iso"),
        iso_timestamp_check("entered_at", "entered_at_iso"),
        iso_timestamp_check("retracted_at", "retracted_at_iso"),
        CheckConstraint(_RETRACTION_RULE, name="retraction_fields"),
        CheckConstraint(in_list("side", BINARY_RESULTS), name="side_allowed"),
        # Numeric estimates (a claim on a numeric question): a point, a range
        # (its probability, if any, is the range's level), or a threshold
        # (scored as the yes/no event "ends above/below it").
        CheckConstraint(
            "(estimate IS NULL OR (estimate_low IS NULL AND threshold IS NULL)) "
            "AND (estimate_low IS NULL OR threshold IS NULL)",
            name="one_estimate_form",
        ),
        CheckConstraint(
            "(estimate_low IS NULL) = (estimate_high IS NULL) "
            "AND (estimate_low IS NULL OR estimate_low <= estimate_high)",
            name="estimate_range",
        ),
        CheckConstraint(
            "(threshold IS NULL) = (threshold_side IS NULL) AND (threshold_side IS NULL OR "
            + in_list("threshold_side", THRESHOLD_SIDES)
            + ")",
            name="threshold_fields",
        ),
        CheckConstraint(
            "(estimate IS NULL AND estimate_low IS NULL AND threshold IS NULL) "
            "OR (kind IN ('forecast', 'conditional') AND side = 'yes')",
            name="estimate_kinds",
        ),
        CheckConstraint("estimate IS NULL OR mapping_basis = 'unscorable'", name="point_unscored"),
        Index("ix_claims_person_id", "person_id"),
        Index("ix_claims_question_id", "question_id"),
        Index("ix_claims_condition_question_id", "condition_question_id"),
        Index("ix_claims_scale_term_id", "scale_term_id"),
        Index("ix_claims_made_on", "made_on"),
        Index(
            "ix_claims_numeric",
            "question_id",
            sqlite_where=text(ESTIMATED),
            postgresql_where=text(ESTIMATED),
        ),
        Index(
            "ix_claims_retracted_at",
            "retracted_at",
            sqlite_where=text("retracted_at IS NOT NULL"),
            postgresql_where=text("retracted_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    quote: Mapped[str] = mapped_column(Text)
    made_on: Mapped[dt.date] = mapped_column(Date)
    made_on_note: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    wording: Mapped[str | None] = mapped_column(Text)
    probability: Mapped[float | None] = mapped_column(Float)
    prob_low: Mapped[float | None] = mapped_column(Float)
    prob_high: Mapped[float | None] = mapped_column(Float)
    scale_term_id: Mapped[int | None] = mapped_column(ForeignKey("scale_terms.id"))
    mapping_basis: Mapped[str] = mapped_column(Text)
    mapping_note: Mapped[str | None] = mapped_column(Text)
    condition_question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    condition_result: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(Text)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCTimestamp)
    retracted_reason: Mapped[str | None] = mapped_column(Text)
    # Which outcome of the question the claim is about: "no" for a claim on
    # the opposite ("the Chiefs will win" on the question "the Eagles win"),
    # whose probability is scored as 1 - p of the question (tracker.score_views).
    side: Mapped[str] = mapped_column(Text, server_default=text("'yes'"))
    # On a numeric question: a point estimate, a range, or a threshold.
    estimate: Mapped[float | None] = mapped_column(Float)
    estimate_low: Mapped[float | None] = mapped_column(Float)
    estimate_high: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    threshold_side: Mapped[str | None] = mapped_column(Text)


class ClaimAppearance(Base):
    """A later appearance of a claim in another source; the claim's own
    ``source_id`` is always its first appearance."""

    __tablename__ = "claim_appearances"
    __table_args__ = (
        UniqueConstraint("claim_id", "source_id"),
        nonblank("quote", "quote_nonblank"),
        iso_date_check("appeared_on", "appeared_on_iso"),
        iso_timestamp_check("retracted_at", "retracted_at_iso"),
        CheckConstraint(_RETRACTION_RULE, name="retraction_fields"),
        Index("ix_claim_appearances_source_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    quote: Mapped[str] = mapped_column(Text)
    appeared_on: Mapped[dt.date | None] = mapped_column(Date)
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCTimestamp)
    retracted_reason: Mapped[str | None] = mapped_column(Text)


class Outcome(Base):
    """What happened to a question. Append-only: a correction is a new row whose
    ``supersedes_id`` points at the row it replaces.

    The keys make the history a single chain per question: only one outcome per
    question supersedes nothing, each outcome is superseded at most once, and the
    composite foreign key keeps a correction on the same question. Triggers
    (created by the migrations) refuse UPDATE and DELETE.
    """

    __tablename__ = "outcomes"
    __table_args__ = (
        UniqueConstraint("question_id", "id"),
        UniqueConstraint("supersedes_id"),
        ForeignKeyConstraint(
            ["question_id", "supersedes_id"],
            ["outcomes.question_id", "outcomes.id"],
            name="fk_outcomes_supersedes_same_question",
        ),
        CheckConstraint(in_list("result", RESULTS), name="result_allowed"),
        CheckConstraint(
            "evidence_url IS NOT NULL OR evidence_source_id IS NOT NULL", name="evidence_required"
        ),
        CheckConstraint("supersedes_id IS NULL OR supersedes_id <> id", name="not_self"),
        CheckConstraint(
            "(result = 'observed') = (observed_value IS NOT NULL)", name="value_if_observed"
        ),
        iso_date_check("occurred_on", "occurred_on_iso"),
        iso_timestamp_check("recorded_at", "recorded_at_iso"),
        Index(
            "uq_outcomes_one_first_per_question",
            "question_id",
            unique=True,
            sqlite_where=text("supersedes_id IS NULL"),
            postgresql_where=text("supersedes_id IS NULL"),
        ),
        Index("ix_outcomes_evidence_source_id", "evidence_source_id"),
        # A question's current outcome from the index alone; the latest recorded first.
        Index("ix_outcomes_question_id_recorded_at", "question_id", "recorded_at"),
        Index("ix_outcomes_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    result: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    evidence_source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    note: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)
    recorded_by: Mapped[str] = mapped_column(Text)
    # The value a numeric question resolved at (result "observed").
    observed_value: Mapped[float | None] = mapped_column(Float)


class OutcomeEvidence(Base):
    """A further evidence link of an outcome (its first is ``evidence_url``),
    numbered from 2 in the order given. Append-only like outcomes."""

    __tablename__ = "outcome_evidence"
    __table_args__ = (
        UniqueConstraint("outcome_id", "position"),
        UniqueConstraint("outcome_id", "url"),
        CheckConstraint("position >= 2", name="after_the_first"),
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)


class Revision(Base):
    """One changed field of a recorded row: what, old and new value, why, who, when.

    Append-only like outcomes (triggers refuse UPDATE, DELETE and an INSERT
    that reuses an id). Values are stored as text in the column's canonical
    form (ISO dates, ids for references), so a record can be read back as it
    stood at any moment; ``tracker show`` renders them for people.
    """

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint(in_list("record_type", REVISED_RECORDS), name="record_type_allowed"),
        nonblank("field", "field_nonblank"),
        nonblank("reason", "reason_nonblank"),
        nonblank("revised_by", "revised_by_nonblank"),
        iso_timestamp_check("revised_at", "revised_at_iso"),
        Index("ix_revisions_record_type_record_id", "record_type", "record_id"),
        Index("ix_revisions_revised_at", "revised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    revised_by: Mapped[str] = mapped_column(Text)
    revised_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)


# Score totals: counts and sums kept current as claims and outcomes are written
# (tracker.services.scores), so score_groups, calibration and murphy answer at
# once however many claims there are. What each holds is defined by the
# templates of the same name in tracker.score_views; a test checks the kept
# tables equal those templates computed from scratch.

_TOTAL_COUNTS = ("claims", "scored", "hits", "sided", "yes", "open", "pending", "partial",
                 "void", "hindsight", "unscorable", "directional", "opinion", "estimates", "points",
                 "ranges", "covered")  # fmt: skip


class ScoreTotal(Base):
    """Counts and sums of claim scores per scale and group."""

    __tablename__ = "score_totals"
    __table_args__ = (
        CheckConstraint(in_list("dimension", SCORE_DIMENSIONS), name="dimension_allowed"),
        CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in _TOTAL_COUNTS), name="counts_not_negative"
        ),
        CheckConstraint(
            "scored <= claims AND sided <= scored AND hits <= sided AND yes <= scored "
            "AND estimates <= claims AND points <= estimates AND ranges <= estimates "
            "AND covered <= ranges",
            name="counts_consistent",
        ),
    )

    scale: Mapped[str] = mapped_column(Text, primary_key=True)
    dimension: Mapped[str] = mapped_column(Text, primary_key=True)
    group_key: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    claims: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    brier_sum: Mapped[float] = mapped_column(Float)
    brier_squared_sum: Mapped[float] = mapped_column(Float)
    brier_best_sum: Mapped[float] = mapped_column(Float)
    brier_worst_sum: Mapped[float] = mapped_column(Float)
    log_loss_sum: Mapped[float] = mapped_column(Float)
    hits: Mapped[int] = mapped_column(Integer)
    sided: Mapped[int] = mapped_column(Integer)
    yes: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    partial: Mapped[int] = mapped_column(Integer)
    void: Mapped[int] = mapped_column(Integer)
    hindsight: Mapped[int] = mapped_column(Integer)
    unscorable: Mapped[int] = mapped_column(Integer)
    directional: Mapped[int] = mapped_column(Integer)
    opinion: Mapped[int] = mapped_column(Integer)
    # Point and range estimates (status "numeric", migration 0014): points
    # with a percentage error, its sum, ranges and how many held the value.
    estimates: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    ape_sum: Mapped[float] = mapped_column(Float)
    ranges: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)


class CalibrationTotal(Base):
    """Scored claims per scale and forecast value: how many, how many happened."""

    __tablename__ = "calibration_totals"
    __table_args__ = (
        CheckConstraint(
            "claims >= 0 AND happened >= 0 AND happened <= claims", name="counts_consistent"
        ),
    )

    scale: Mapped[str] = mapped_column(Text, primary_key=True)
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    forecast: Mapped[float] = mapped_column(Float, primary_key=True)
    claims: Mapped[int] = mapped_column(Integer)
    happened: Mapped[int] = mapped_column(Integer)
    brier_sum: Mapped[float] = mapped_column(Float)


class ScoreState(Base):
    """One row: whether the score totals are behind the data.

    Triggers set ``stale`` on any write that can change a score, from any
    client; the tracker's own writes keep the totals current and clear it, and
    a stale database is rebuilt before its totals are read.
    """

    __tablename__ = "score_state"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("stale IN (0, 1)", name="stale_flag"),
        iso_timestamp_check("refreshed_at", "refreshed_at_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stale: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCTimestamp)


class Phrase(Base):
    """An estimative phrase of the phrase book and how the tracker reads it.

    ``add-claim --wording`` without a term, and ``tracker extract``, look the
    words up here: a scale term with its basis (standard_scale when the phrase
    is a scale's own term, survey_median when a reader survey measured it,
    analogy when the tracker chose the nearest term) and a note saying why; or
    unscorable, with ``direction`` for words that say the odds move. Shipped
    by migration 0012 from ``migrations/data/0012_phrases.yaml``; users add
    more with ``tracker add-phrase``.
    """

    __tablename__ = "phrases"
    __table_args__ = (
        CheckConstraint(in_list("basis", PHRASE_BASES), name="basis_allowed"),
        CheckConstraint(
            "(basis = 'unscorable') = (scale_term_id IS NULL)", name="term_unless_unscorable"
        ),
        CheckConstraint(
            "direction IS NULL OR ("
            + in_list("direction", DIRECTIONS)
            + " AND basis = 'unscorable')",
            name="direction_unscorable",
        ),
        nonblank("phrase", "phrase_nonblank"),
        nonblank("phrase_key", "phrase_key_nonblank"),
        nonblank("note", "note_nonblank"),
        nonblank("added_by", "added_by_nonblank"),
        iso_timestamp_check("added_at", "added_at_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phrase: Mapped[str] = mapped_column(Text)
    phrase_key: Mapped[str] = mapped_column(Text, unique=True)
    scale_term_id: Mapped[int | None] = mapped_column(ForeignKey("scale_terms.id"))
    basis: Mapped[str] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)
    phrase_group: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UTCTimestamp)

    term: Mapped[ScaleTerm | None] = relationship()


class LedgerEntry(Base):
    """One link of the hash chain over the record's history (``tracker.ledger``).

    Each history row (a question or claim as first entered, an appearance, an
    outcome, an evidence link, a revision) gets one entry when its transaction
    commits; the hash covers the row's content and the previous entry's hash.
    Append-only (triggers refuse UPDATE, DELETE, REPLACE and TRUNCATE), and
    ``tracker verify`` recomputes every link.
    """

    __tablename__ = "ledger"
    __table_args__ = (
        CheckConstraint(in_list("record_type", LEDGER_KINDS), name="record_type_allowed"),
        CheckConstraint("id >= 1", name="numbered_from_one"),
        CheckConstraint("length(hash) = 64", name="hash_length"),
        UniqueConstraint("record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_type: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(Text)
