"""A write the database refuses reads as one plain sentence, rule by rule.

Every named rule of the schema (CHECK, UNIQUE and unique index, primary key,
FOREIGN KEY, NOT NULL column) has a sentence in ``tracker.constraint_messages``; each is
broken for real on a SQLite database at the current schema (and a handful on
PostgreSQL) and the error is read back through ``describe_integrity_error``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import pg_database
from sqlalchemy import (
    CheckConstraint,
    Engine,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from tracker.constraint_messages import (
    CONSTRAINT_SENTENCES,
    REFERENCE_SENTENCES,
    REFUSED,
    TABLE_WORDS,
    TRIGGER_SENTENCES,
    describe_integrity_error,
    unique_constraint_for,
)
from tracker.db import get_engine
from tracker.models import Base
from tracker.schema import ensure_schema

NOW = "2026-01-01T00:00:00Z"
TABLES = Base.metadata.tables


# --- what the schema holds ----------------------------------------------------------------------


def named_rules() -> dict[str, tuple[str, str]]:
    """Every named constraint and unique index of the models: name -> (kind, table)."""
    kinds = {
        CheckConstraint: "check",
        UniqueConstraint: "unique",
        PrimaryKeyConstraint: "primary key",
        ForeignKeyConstraint: "foreign key",
    }
    rules = {}
    for table in TABLES.values():
        for constraint in table.constraints:
            assert isinstance(constraint.name, str), (table.name, constraint)
            rules[constraint.name] = (kinds[type(constraint)], table.name)
        for index in table.indexes:
            if index.unique:
                rules[str(index.name)] = ("unique", table.name)
    return rules


def not_null_columns() -> list[tuple[str, str]]:
    return [(t.name, c.name) for t in TABLES.values() for c in t.columns if not c.nullable]


def is_rowid(table: str, column: str) -> bool:
    """SQLite fills an INTEGER PRIMARY KEY given NULL instead of refusing it."""
    pk = [c.name for c in TABLES[table].primary_key.columns]
    return pk == [column] == ["id"]


# --- one plain line -----------------------------------------------------------------------------

RULE_NAME = re.compile(r"\b(ck|uq|fk|ix|pk)_")
DOTTED = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*")
QUOTED = re.compile(r"'[^'\s]+'")


def assert_plain(message: str) -> None:
    assert "\n" not in message, message
    assert message.startswith(REFUSED), message
    assert not RULE_NAME.search(message), message
    assert "_" not in message, message
    assert not DOTTED.search(message), message
    for fragment in ("Traceback", "('", '("', "[SQL", "<class", " object at 0x", '"'):
        assert fragment not in message, message
    assert not QUOTED.search(message), message


# --- SQLite: each rule broken for real ----------------------------------------------------------

# Rows that a fresh database accepts (the ``valid`` test proves it); a case
# changes a few fields of one so that exactly one rule is broken.
VALID: dict[str, dict[str, Any]] = {
    "sources": {"id": 500, "slug": "s500", "title": "S500", "created_at": NOW},
    "people": {"id": 500, "slug": "p500", "name": "P Five", "kind": "person", "created_at": NOW},
    "person_aliases": {"id": 500, "person_id": 1, "alias": "P Uno", "alias_key": "p uno"},
    "questions": {
        "id": 500,
        "slug": "q500",
        "title": "Q500",
        "criteria": "C",
        "resolve_by": "2026-06-30",
        "created_at": NOW,
        "created_by": "x",
    },
    "tags": {"id": 500, "name": "t500"},
    "question_tags": {"question_id": 2, "tag_id": 1},
    "scales": {
        "id": 500,
        "slug": "mine",
        "name": "Mine",
        "kind": "standard",
        "is_default": 0,
        "description": "d",
        "citation": "c",
    },
    "scale_terms": {
        "id": 500,
        "scale_id": 1,
        "term": "new term",
        "rung": None,
        "low": 0.1,
        "point": 0.2,
        "high": 0.3,
    },
    "claims": {
        "id": 500,
        "person_id": 1,
        "source_id": 2,
        "question_id": 1,
        "quote": "Another",
        "made_on": "2025-01-01",
        "kind": "forecast",
        "probability": 0.5,
        "mapping_basis": "stated_number",
        "entered_by": "x",
        "entered_at": NOW,
    },
    "claim_appearances": {"id": 500, "claim_id": 1, "source_id": 1, "quote": "Q"},
    "affiliations": {
        "id": 500,
        "person_id": 2,
        "organisation_id": 3,
        "started_on": "2021-01-01",
        "created_at": NOW,
        "created_by": "x",
    },
    "outcomes": {
        "id": 500,
        "question_id": 2,
        "result": "yes",
        "occurred_on": "2026-01-01",
        "evidence_url": "https://example.org/e",
        "recorded_at": NOW,
        "recorded_by": "x",
    },
    "outcome_evidence": {"id": 500, "outcome_id": 1, "position": 3, "url": "https://e.org/3"},
    "revisions": {
        "id": 500,
        "record_type": "claim",
        "record_id": 1,
        "field": "quote",
        "old_value": "a",
        "new_value": "b",
        "reason": "a typo",
        "revised_by": "x",
        "revised_at": NOW,
    },
    "ledger": {"id": 500, "record_type": "claim", "record_id": 500, "hash": "a" * 64},
    "phrases": {
        "id": 5000,
        "phrase": "zz test phrase",
        "phrase_key": "zz test phrase",
        "scale_term_id": 1,
        "basis": "analogy",
        "note": "a note",
        "added_by": "x",
        "added_at": NOW,
    },
    "score_totals": {
        "scale": "icd203",
        "dimension": "overall",
        "group_key": "g2",
        "label": "all",
        **{
            c.name: 0
            for c in TABLES["score_totals"].columns
            if c.name not in ("scale", "dimension", "group_key", "label")
        },
    },
    "calibration_totals": {
        "scale": "icd203",
        "term": "likely",
        "forecast": 0.2,
        "claims": 1,
        "happened": 0,
        "brier_sum": 0.0,
    },
}


@dataclass(frozen=True)
class Write:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


def insert(table: str, **changes: Any) -> Write:
    row = {**VALID[table], **changes}
    columns = ", ".join(row)
    binds = ", ".join(f":{c}" for c in row)
    return Write(f"INSERT INTO {table} ({columns}) VALUES ({binds})", row)


def row(table: str, **values: Any) -> Write:
    columns = ", ".join(values)
    binds = ", ".join(f":{c}" for c in values)
    return Write(f"INSERT INTO {table} ({columns}) VALUES ({binds})", values)


# Parent rows every case can lean on.
BASE = [
    row("sources", id=1, slug="s1", title="S1", url="https://example.org/1", created_at=NOW),
    row("sources", id=2, slug="s2", title="S2", created_at=NOW),
    row("people", id=1, slug="p1", name="P One", kind="person", created_at=NOW),
    row("people", id=2, slug="p2", name="P Two", kind="person", created_at=NOW),
    row("people", id=3, slug="p3", name="Org Three", kind="organisation", created_at=NOW),
    row("person_aliases", id=1, person_id=1, alias="P One", alias_key="p one"),
    *(
        row(
            "questions",
            id=i,
            slug=f"q{i}",
            title=f"Q{i}",
            criteria="C",
            resolve_by="2026-06-30",
            created_at=NOW,
            created_by="x",
        )
        for i in (1, 2)
    ),
    row(
        "questions",
        id=3,
        slug="q3",
        title="Q3",
        criteria="C",
        resolve_by="2026-06-30",
        created_at=NOW,
        created_by="x",
        question_type="numeric",
        unit="units",
    ),
    insert("affiliations", id=1, person_id=1, started_on="2020-01-01"),
    row("tags", id=1, name="t1"),
    row("question_tags", question_id=1, tag_id=1),
    insert("claims", id=1, source_id=1, quote="Q"),
    insert(
        "claims",
        id=2,
        person_id=2,
        source_id=1,
        quote="R",
        retracted_at=NOW,
        retracted_reason="misquoted",
    ),
    row("claim_appearances", id=1, claim_id=1, source_id=2, quote="Q"),
    row(
        "claim_appearances",
        id=2,
        claim_id=2,
        source_id=2,
        quote="R",
        retracted_at=NOW,
        retracted_reason="wrong source",
    ),
    insert("revisions", id=1),
    insert("outcomes", id=1, question_id=1),
    insert("outcomes", id=2, question_id=1, result="no", supersedes_id=1),
    insert("outcome_evidence", id=1, position=2, url="https://e.org/2"),
    insert("ledger", id=1, record_id=1),
    insert("phrases", id=4000, phrase="base phrase", phrase_key="base phrase"),
    insert("score_totals", group_key="g1"),
    insert("calibration_totals", forecast=0.1),
]


@dataclass(frozen=True)
class Case:
    rule: str  # the constraint's name, or "table.column" for NOT NULL
    write: Write
    words: tuple[str, ...]  # what the sentence must say
    sentence: str | None = None  # when it is not the rule's own (SQLite names no foreign key)


def case(rule: str, write: Write, *words: str, sentence: str | None = None) -> Case:
    return Case(rule, write, words, sentence)


def fk(rule: str, write: Write, *words: str) -> Case:
    """SQLite reports a failed foreign key without its name: the sentence is the
    one for the table written to (each name's own sentence is checked by
    ``test_postgresql_messages_name_each_rule``)."""
    table = write.sql.split()[2]
    return case(rule, write, *words, sentence=REFERENCE_SENTENCES[table])


def raw(sql: str) -> Write:
    return Write(sql)


CASES = [
    # sources
    case("pk_sources", insert("sources", id=1), "source", "taken"),
    case("uq_sources_slug", insert("sources", slug="s1"), "slug"),
    case("uq_sources_url", insert("sources", url="https://example.org/1"), "URL"),
    case("ck_sources_slug_format", insert("sources", slug="Bad Slug"), "slug", "lowercase"),
    case("ck_sources_title_nonblank", insert("sources", title="   "), "title", "blank"),
    case("ck_sources_published_on_iso", insert("sources", published_on="2025-02-30"), "YYYY"),
    case("ck_sources_retrieved_on_iso", insert("sources", retrieved_on="24/10/2025"), "YYYY"),
    case("ck_sources_created_at_iso", insert("sources", created_at="yesterday"), "UTC"),
    case("ck_sources_hash_with_text", insert("sources", text="body"), "text", "hash"),
    case(
        "ck_sources_content_hash_sha256",
        insert("sources", text="body", content_hash="abc"),
        "64 hex digits",
    ),
    # questions' types
    case(
        "ck_questions_question_type_allowed",
        insert("questions", question_type="date"),
        "binary or numeric",
    ),
    case("ck_questions_unit_if_numeric", insert("questions", question_type="numeric"), "unit"),
    # affiliations
    case("pk_affiliations", insert("affiliations", id=1), "affiliation", "taken"),
    case(
        "uq_affiliations_person_id_organisation_id_started_on",
        insert("affiliations", person_id=1, started_on="2020-01-01"),
        "already has an affiliation",
    ),
    case("ck_affiliations_not_self", insert("affiliations", person_id=3), "itself"),
    case("ck_affiliations_period_order", insert("affiliations", ended_on="2020-12-31"), "end"),
    case("ck_affiliations_role_nonblank", insert("affiliations", role=" "), "role"),
    case("ck_affiliations_started_on_iso", insert("affiliations", started_on="2021-1-1"), "YYYY"),
    case("ck_affiliations_ended_on_iso", insert("affiliations", ended_on="soon"), "YYYY"),
    case("ck_affiliations_created_at_iso", insert("affiliations", created_at="2026-01-01"), "UTC"),
    case("ck_affiliations_created_by_nonblank", insert("affiliations", created_by=" "), "name"),
    fk("fk_affiliations_person_id_people", insert("affiliations", person_id=99), "speaker"),
    fk(
        "fk_affiliations_organisation_id_people",
        insert("affiliations", organisation_id=99),
        "organisation",
    ),
    # people
    case("pk_people", insert("people", id=1), "speaker", "taken"),
    case("uq_people_slug", insert("people", slug="p1"), "speaker", "slug"),
    case("uq_people_name", insert("people", name="P One"), "speaker", "name"),
    case("ck_people_slug_format", insert("people", slug="-p"), "slug"),
    case("ck_people_name_nonblank", insert("people", name=" "), "name", "blank"),
    case("ck_people_kind_allowed", insert("people", kind="robot"), "person, group or organisation"),
    case("ck_people_created_at_iso", insert("people", created_at="2026-01-01"), "UTC"),
    # person_aliases
    case("pk_person_aliases", insert("person_aliases", id=1), "spelling", "taken"),
    case(
        "uq_person_aliases_alias_key",
        insert("person_aliases", alias="p-one", alias_key="p one"),
        "spelling already belongs to another speaker",
    ),
    case("ck_person_aliases_alias_nonblank", insert("person_aliases", alias=" "), "spelling"),
    case(
        "ck_person_aliases_alias_key_nonblank",
        insert("person_aliases", alias_key=" "),
        "letter or digit",
    ),
    fk("fk_person_aliases_person_id_people", insert("person_aliases", person_id=99), "speaker"),
    # questions
    case("pk_questions", insert("questions", id=1), "question", "taken"),
    case("uq_questions_slug", insert("questions", slug="q1"), "question", "slug"),
    case("ck_questions_slug_format", insert("questions", slug="q--1"), "slug"),
    case("ck_questions_title_nonblank", insert("questions", title=" "), "title"),
    case("ck_questions_criteria_nonblank", insert("questions", criteria=" "), "criteria"),
    case("ck_questions_resolve_by_iso", insert("questions", resolve_by="2026-13-01"), "resolve"),
    case("ck_questions_created_at_iso", insert("questions", created_at="noon"), "UTC"),
    # tags
    case("pk_tags", insert("tags", id=1), "tag", "taken"),
    case("uq_tags_name", insert("tags", name="t1"), "tag already exists"),
    case("ck_tags_name_format", insert("tags", name="Bad Tag"), "tag", "lowercase"),
    case("pk_question_tags", insert("question_tags", question_id=1), "question already has"),
    fk(
        "fk_question_tags_question_id_questions",
        insert("question_tags", question_id=99),
        "question",
    ),
    fk("fk_question_tags_tag_id_tags", insert("question_tags", tag_id=99), "tag"),
    # scales
    case("pk_scales", insert("scales", id=1), "scale", "taken"),
    case("uq_scales_slug", insert("scales", slug="icd203"), "scale", "slug"),
    case("uq_scales_name", insert("scales", name="ICD 203"), "scale", "name"),
    case("uq_scales_one_default", insert("scales", is_default=1), "one scale", "default"),
    case("ck_scales_slug_format", insert("scales", slug="my scale"), "slug"),
    case("ck_scales_kind_allowed", insert("scales", kind="other"), "standard or survey"),
    case("ck_scales_is_default_bool", insert("scales", is_default=2), "default", "0 or 1"),
    case("pk_scale_terms", insert("scale_terms", id=1), "scale term", "taken"),
    case("uq_scale_terms_scale_id_term", insert("scale_terms", term="likely"), "term"),
    case("uq_scale_terms_scale_id_rung", insert("scale_terms", rung=1), "rung"),
    case("ck_scale_terms_term_nonblank", insert("scale_terms", term=" "), "term", "blank"),
    case("ck_scale_terms_rung_range", insert("scale_terms", rung=4), "-3 and 3"),
    case("ck_scale_terms_low_point_high", insert("scale_terms", low=0.5), "low <= point"),
    fk("fk_scale_terms_scale_id_scales", insert("scale_terms", scale_id=99), "scale"),
    # claims
    case("pk_claims", insert("claims", id=1), "claim", "taken"),
    case(
        "uq_claims_source_id_person_id_quote",
        insert("claims", source_id=1, quote="Q"),
        "speaker already has a claim with that quote in that source",
    ),
    case("ck_claims_quote_nonblank", insert("claims", quote="  "), "quote", "blank"),
    case(
        "ck_claims_kind_allowed",
        insert("claims", kind="prophecy"),
        "forecast, conditional, directional or opinion",
    ),
    # ck_claims_mapping_basis_allowed cannot be broken alone: any basis outside
    # the list also breaks ck_claims_basis_fields (see SYNTHETIC).
    case(
        "ck_claims_condition_result_allowed",
        insert("claims", kind="conditional", condition_question_id=2, condition_result="maybe"),
        "yes or no",
    ),
    case("ck_claims_side_allowed", insert("claims", side="maybe"), "side", "yes or no"),
    case(
        "ck_claims_direction_allowed",
        insert(
            "claims",
            kind="directional",
            direction="sideways",
            probability=None,
            mapping_basis="unscorable",
        ),
        "increase or decrease",
    ),
    case("ck_claims_probability_range", insert("claims", probability=1.5), "between 0 and 1"),
    case(
        "ck_claims_low_point_high",
        insert("claims", probability=0.3, prob_low=0.5, prob_high=0.6),
        "--low and --high",
    ),
    case(
        "ck_claims_basis_fields",
        insert("claims", probability=None),
        "--probability",
        "--term",
        "basis",
    ),
    case("ck_claims_question_required", insert("claims", question_id=None), "question"),
    case("ck_claims_unscored_kinds", insert("claims", kind="opinion"), "opinions", "unscorable"),
    case("ck_claims_condition_fields", insert("claims", kind="conditional"), "condition"),
    case(
        "ck_claims_condition_not_self",
        insert("claims", kind="conditional", condition_question_id=1, condition_result="yes"),
        "own question",
    ),
    case(
        "ck_claims_direction_fields",
        insert("claims", kind="directional", probability=None, mapping_basis="unscorable"),
        "direction",
    ),
    case("ck_claims_made_on_iso", insert("claims", made_on="2025-02-30"), "made", "YYYY"),
    case("ck_claims_entered_at_iso", insert("claims", entered_at="2026-01-01 00:00"), "UTC"),
    case(
        "ck_claims_retracted_at_iso",
        insert("claims", retracted_at="yesterday", retracted_reason="wrong"),
        "retraction time",
    ),
    case(
        "ck_claims_retraction_fields",
        insert("claims", retracted_at=NOW),
        "retracted claim",
        "reason",
    ),
    fk("fk_claims_person_id_people", insert("claims", person_id=99), "speaker"),
    fk("fk_claims_source_id_sources", insert("claims", source_id=99), "source"),
    fk("fk_claims_question_id_questions", insert("claims", question_id=99), "question"),
    fk(
        "fk_claims_condition_question_id_questions",
        insert("claims", kind="conditional", condition_question_id=99, condition_result="yes"),
        "question",
    ),
    fk(
        "fk_claims_scale_term_id_scale_terms",
        insert("claims", mapping_basis="standard_scale", probability=None, scale_term_id=9999),
        "scale term",
    ),
    case(
        "ck_claims_one_estimate_form",
        insert(
            "claims",
            question_id=3,
            probability=None,
            mapping_basis="unscorable",
            estimate=1.0,
            threshold=2.0,
            threshold_side="above",
        ),
        "one number form",
    ),
    case(
        "ck_claims_estimate_range",
        insert(
            "claims",
            question_id=3,
            probability=None,
            mapping_basis="unscorable",
            estimate_low=5.0,
            estimate_high=4.0,
        ),
        "range",
        "low end",
    ),
    case("ck_claims_threshold_fields", insert("claims", question_id=3, threshold=5.0), "above"),
    case(
        "ck_claims_estimate_kinds",
        insert(
            "claims",
            question_id=3,
            probability=None,
            mapping_basis="unscorable",
            kind="directional",
            direction="increase",
            estimate=5.0,
        ),
        "only a forecast",
    ),
    case(
        "ck_claims_point_unscored",
        insert("claims", question_id=3, estimate=5.0),
        "no probability",
    ),
    # claim_appearances
    case("pk_claim_appearances", insert("claim_appearances", id=1), "appearance", "taken"),
    case(
        "uq_claim_appearances_claim_id_source_id",
        insert("claim_appearances", source_id=2),
        "claim already has an appearance in that source",
    ),
    case("ck_claim_appearances_quote_nonblank", insert("claim_appearances", quote=""), "quote"),
    case(
        "ck_claim_appearances_appeared_on_iso",
        insert("claim_appearances", appeared_on="2025-1-1"),
        "appearance",
        "YYYY",
    ),
    case(
        "ck_claim_appearances_retracted_at_iso",
        insert("claim_appearances", retracted_at="2026-01-01", retracted_reason="wrong"),
        "retraction time",
    ),
    case(
        "ck_claim_appearances_retraction_fields",
        insert("claim_appearances", retracted_reason="wrong"),
        "retracted appearance",
        "reason",
    ),
    fk("fk_claim_appearances_claim_id_claims", insert("claim_appearances", claim_id=99), "claim"),
    fk(
        "fk_claim_appearances_source_id_sources",
        insert("claim_appearances", source_id=99),
        "source",
    ),
    # outcomes
    # pk_outcomes: on SQLite a trigger refuses a reused id before the key does (SYNTHETIC).
    # uq_outcomes_question_id_id cannot be broken alone: id is the primary key,
    # so a repeated (question, id) pair repeats the id first (see SYNTHETIC).
    case(
        "uq_outcomes_supersedes_id",
        insert("outcomes", question_id=1, supersedes_id=1),
        "already been corrected",
    ),
    case(
        "uq_outcomes_one_first_per_question",
        insert("outcomes", question_id=1),
        "question already has an outcome",
        "correction",
    ),
    case(
        "ck_outcomes_result_allowed",
        insert("outcomes", result="maybe"),
        "yes, no, partial, ambiguous, annulled, observed or unresolvable",
    ),
    case(
        "ck_outcomes_evidence_required",
        insert("outcomes", evidence_url=None),
        "evidence",
        "--evidence-source",
    ),
    case("ck_outcomes_not_self", insert("outcomes", supersedes_id=500), "itself"),
    case(
        "ck_outcomes_value_if_observed",
        insert("outcomes", question_id=3, result="observed"),
        "value observed",
    ),
    case("ck_outcomes_occurred_on_iso", insert("outcomes", occurred_on="soon"), "YYYY"),
    case("ck_outcomes_recorded_at_iso", insert("outcomes", recorded_at="2026"), "UTC"),
    fk("fk_outcomes_question_id_questions", insert("outcomes", question_id=99), "question"),
    fk(
        "fk_outcomes_evidence_source_id_sources",
        insert("outcomes", evidence_source_id=99),
        "evidence source",
    ),
    fk(
        "fk_outcomes_supersedes_same_question",
        insert("outcomes", question_id=2, supersedes_id=2),
        "same question",
    ),
    # further evidence of outcomes
    # pk_outcome_evidence: on SQLite a trigger refuses a reused id before the key does.
    case("ck_outcome_evidence_after_the_first", insert("outcome_evidence", position=1), "from 2"),
    case("ck_outcome_evidence_url_http", insert("outcome_evidence", url="ftp://x"), "http(s)"),
    fk(
        "fk_outcome_evidence_outcome_id_outcomes",
        insert("outcome_evidence", outcome_id=99),
        "existing outcome",
    ),
    case(
        "uq_outcome_evidence_outcome_id_position",
        insert("outcome_evidence", position=2),
        "in that place",
    ),
    case(
        "uq_outcome_evidence_outcome_id_url",
        insert("outcome_evidence", url="https://e.org/2"),
        "already has that evidence link",
    ),
    # revisions
    # pk_revisions: on SQLite a trigger refuses a reused id before the key does
    # (see test_append_only_triggers_read_as_sentences and SYNTHETIC).
    case(
        "ck_revisions_record_type_allowed",
        insert("revisions", record_type="outcome"),
        "claim, question, person, source or appearance",
    ),
    case("ck_revisions_field_nonblank", insert("revisions", field=" "), "field"),
    case("ck_revisions_reason_nonblank", insert("revisions", reason=""), "reason"),
    case("ck_revisions_revised_by_nonblank", insert("revisions", revised_by=" "), "whoever"),
    case(
        "ck_revisions_revised_at_iso", insert("revisions", revised_at="2026-01-01T25:00:00Z"), "UTC"
    ),
    # the phrase book
    case("pk_phrases", insert("phrases", id=4000), "phrase number", "taken"),
    case("uq_phrases_phrase_key", insert("phrases", phrase_key="base phrase"), "already has"),
    case("ck_phrases_basis_allowed", insert("phrases", basis="stated_number"), "analogy"),
    case("ck_phrases_term_unless_unscorable", insert("phrases", basis="unscorable"), "no term"),
    case("ck_phrases_direction_unscorable", insert("phrases", direction="increase"), "direction"),
    case("ck_phrases_phrase_nonblank", insert("phrases", phrase=" "), "blank"),
    case("ck_phrases_phrase_key_nonblank", insert("phrases", phrase_key=" "), "punctuation"),
    case("ck_phrases_note_nonblank", insert("phrases", note=""), "note"),
    case("ck_phrases_added_by_nonblank", insert("phrases", added_by=" "), "whoever"),
    case("ck_phrases_added_at_iso", insert("phrases", added_at="2026-01-01T25:00:00Z"), "UTC"),
    fk("fk_phrases_scale_term_id_scale_terms", insert("phrases", scale_term_id=9999), "scale term"),
    # the ledger
    # pk_ledger: on SQLite a trigger refuses a reused id before the key does (SYNTHETIC).
    case(
        "ck_ledger_record_type_allowed",
        insert("ledger", record_type="person"),
        "question, claim, appearance, outcome, evidence or revision",
    ),
    case("ck_ledger_numbered_from_one", insert("ledger", id=0), "from 1"),
    case("ck_ledger_hash_length", insert("ledger", hash="ab"), "64 hexadecimal"),
    case("uq_ledger_record_type_record_id", insert("ledger", record_id=1), "already sealed"),
    # kept score totals
    case("pk_score_totals", insert("score_totals", group_key="g1"), "score totals", "group"),
    case(
        "ck_score_totals_dimension_allowed",
        insert("score_totals", dimension="planet"),
        "overall, speaker, tag, basis, horizon, speaker horizon or organisation",
    ),
    case("ck_score_totals_counts_not_negative", insert("score_totals", open=-1), "negative"),
    case("ck_score_totals_counts_consistent", insert("score_totals", scored=1), "counts"),
    case(
        "pk_calibration_totals",
        insert("calibration_totals", forecast=0.1),
        "calibration totals",
    ),
    case(
        "ck_calibration_totals_counts_consistent",
        insert("calibration_totals", happened=2),
        "happened",
    ),
    case("pk_score_state", row("score_state", id=1, stale=0), "score state", "one row"),
    case("ck_score_state_one_row", row("score_state", id=2, stale=0), "single row"),
    case("ck_score_state_stale_flag", raw("UPDATE score_state SET stale = 2"), "0 or 1"),
    case(
        "ck_score_state_refreshed_at_iso",
        raw("UPDATE score_state SET refreshed_at = 'today'"),
        "UTC",
    ),
]


def _not_null_case(table: str, column: str) -> Case:
    if table == "score_state":
        write = raw(f"UPDATE score_state SET {column} = NULL")
    else:
        write = insert(table, **{column: None})
    return case(f"{table}.{column}", write, "needs")


# (A table without a VALID row has no cases: test_every_rule_is_broken_by_a_case says so.)
NOT_NULL_CASES = [
    _not_null_case(t, c)
    for t, c in not_null_columns()
    if not is_rowid(t, c) and (t in VALID or t == "score_state")
]

# Deleting what others point at: SQLite names neither the key nor the table
# pointing, so the sentence says what is still in use.
STILL_USED = [
    case("people", raw("DELETE FROM people WHERE id = 1"), "speaker is still in use"),
    case("sources", raw("DELETE FROM sources WHERE id = 2"), "source is still in use"),
    case("tags", raw("DELETE FROM tags WHERE id = 1"), "tag is still in use"),
]

# Rules no single write on SQLite breaks alone, read from the message each
# would give. NOT NULL on an INTEGER PRIMARY KEY: SQLite numbers the row
# instead (PostgreSQL refuses it, see test_postgresql_refusals).
SYNTHETIC = {
    "ck_claims_mapping_basis_allowed": "CHECK constraint failed: ck_claims_mapping_basis_allowed",
    "uq_outcomes_question_id_id": "UNIQUE constraint failed: outcomes.question_id, outcomes.id",
    "pk_revisions": "UNIQUE constraint failed: revisions.id",
    "pk_outcomes": "UNIQUE constraint failed: outcomes.id",
    "pk_outcome_evidence": "UNIQUE constraint failed: outcome_evidence.id",
    "pk_ledger": "UNIQUE constraint failed: ledger.id",
    **{
        f"{t}.{c}": f"NOT NULL constraint failed: {t}.{c}"
        for t, c in not_null_columns()
        if is_rowid(t, c)
    },
}


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("constraints") / "tracker.db"
    engine = get_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    with engine.begin() as conn:
        for write in BASE:
            conn.execute(text(write.sql), write.params)
    yield engine
    engine.dispose()


def refuse(engine: Engine, write: Write, error: type[Exception] = IntegrityError) -> str:
    """Run a write that must fail (nothing is kept) and read its error."""
    with pytest.raises(error) as info, engine.begin() as conn:
        conn.execute(text(write.sql), write.params)
    return describe_integrity_error(info.value)


def _id(case: Case) -> str:
    return case.rule


def test_every_rule_has_a_sentence() -> None:
    """A constraint, unique index or NOT NULL column added without a sentence fails here."""
    missing = sorted(set(named_rules()) - set(CONSTRAINT_SENTENCES))
    missing += [f"{t}.{c}" for t, c in not_null_columns() if f"{t}.{c}" not in CONSTRAINT_SENTENCES]
    assert not missing, (
        f"no sentence in tracker.constraint_messages.CONSTRAINT_SENTENCES for {missing}"
    )


def test_every_table_has_words_and_every_reference_a_sentence() -> None:
    assert set(TABLES) <= set(TABLE_WORDS)
    pointing = {t.name for t in TABLES.values() if t.foreign_key_constraints}
    assert pointing <= set(REFERENCE_SENTENCES)


def test_unique_keys_are_found_from_the_columns_sqlite_names() -> None:
    """SQLite reports a failed unique key by its columns, not its name."""
    for table in TABLES.values():
        keys = [
            c for c in table.constraints if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
        ]
        keys += [i for i in table.indexes if i.unique]
        for key in keys:
            columns = [c.name for c in key.columns]
            assert unique_constraint_for(table.name, columns) == key.name, (table.name, columns)


def test_sentences_are_short_plain_clauses() -> None:
    sentences = {**CONSTRAINT_SENTENCES, **TRIGGER_SENTENCES, **REFERENCE_SENTENCES}
    for key, sentence in sentences.items():
        assert sentence[0].islower() or sentence[0] == "-", (key, sentence)
        assert not sentence.endswith((".", " ")), (key, sentence)
        assert_plain(REFUSED + sentence)
        assert len(sentence) <= 150, (key, sentence)


def test_every_rule_is_broken_by_a_case() -> None:
    """Each rule is provoked on SQLite below, or read from a synthetic message."""
    covered = {c.rule for c in CASES + NOT_NULL_CASES} | set(SYNTHETIC)
    rules = set(named_rules()) | {f"{t}.{c}" for t, c in not_null_columns()}
    assert not sorted(rules - covered)
    assert len(CASES) == len({c.rule for c in CASES})


@pytest.mark.parametrize("table", sorted(VALID))
def test_the_valid_rows_are_accepted(sqlite_db: Engine, table: str) -> None:
    """The rows the cases start from break nothing, so each case breaks only its rule."""
    write = insert(table)
    with sqlite_db.connect() as conn, conn.begin() as transaction:
        conn.execute(text(write.sql), write.params)
        transaction.rollback()


@pytest.mark.parametrize("case", CASES + NOT_NULL_CASES, ids=_id)
def test_sqlite_refusal_reads_as_a_sentence(sqlite_db: Engine, case: Case) -> None:
    message = refuse(sqlite_db, case.write)
    assert_plain(message)
    assert message == REFUSED + (case.sentence or CONSTRAINT_SENTENCES[case.rule])
    for words in case.words:
        assert words in message, (words, message)


@pytest.mark.parametrize("case", STILL_USED, ids=_id)
def test_sqlite_delete_of_a_row_in_use(sqlite_db: Engine, case: Case) -> None:
    message = refuse(sqlite_db, case.write)
    assert_plain(message)
    for words in case.words:
        assert words in message, (words, message)


@pytest.mark.parametrize("rule", sorted(SYNTHETIC))
def test_rules_sqlite_cannot_break_alone(rule: str) -> None:
    error = IntegrityError("INSERT INTO t VALUES (?)", (1,), Exception(SYNTHETIC[rule]))
    message = describe_integrity_error(error)
    assert_plain(message)
    assert message == REFUSED + CONSTRAINT_SENTENCES[rule]


_CLAIM = ("INSERT INTO claims (id, person_id, source_id, question_id, quote, made_on, kind, "
          "mapping_basis, entered_by, entered_at, estimate, condition_question_id, "
          "condition_result) VALUES ")  # fmt: skip
# The rules that read another row: a claim, a condition and an outcome fit
# their question's type, which then stays; an organisation stays one.
NUMERIC_TRIGGERS = [
    (_CLAIM + f"(600, 1, 2, 3, 'no number', '2025-01-01', 'forecast', 'unscorable', 'x', "
     f"'{NOW}', NULL, NULL, NULL)", "a claim must fit its question"),
    (_CLAIM + f"(601, 1, 2, 1, 'a number', '2025-01-01', 'forecast', 'unscorable', 'x', "
     f"'{NOW}', 5.0, NULL, NULL)", "a claim must fit its question"),
    (_CLAIM + f"(602, 1, 2, 1, 'on a number', '2025-01-01', 'conditional', 'unscorable', 'x', "
     f"'{NOW}', NULL, 3, 'yes')", "a condition must be a yes or no question"),
    ("UPDATE questions SET question_type = 'numeric', unit = 'x' WHERE id = 1",
     "a question's type cannot change"),
    ("INSERT INTO outcomes (id, question_id, result, occurred_on, evidence_url, recorded_at, "
     f"recorded_by) VALUES (600, 3, 'yes', '2026-01-01', 'https://e.org', '{NOW}', 'x')",
     "an outcome must fit its question"),
    ("INSERT INTO affiliations (id, person_id, organisation_id, created_at, created_by) "
     f"VALUES (600, 1, 2, '{NOW}', 'x')", "an affiliation's organisation must be"),
    ("UPDATE people SET kind = 'group' WHERE id = 3",
     "a speaker with affiliations as an organisation"),
]  # fmt: skip

TRIGGERS = [
    ("UPDATE outcomes SET note = 'x' WHERE id = 1", "outcomes are append-only"),
    ("DELETE FROM outcomes WHERE id = 2", "outcomes are append-only"),
    ("UPDATE revisions SET reason = 'x' WHERE id = 1", "revisions are append-only"),
    ("DELETE FROM revisions WHERE id = 1", "revisions are append-only"),
    ("REPLACE INTO revisions (id, record_type, record_id, field, reason, revised_by, revised_at) "
     f"VALUES (1, 'claim', 1, 'quote', 'r', 'x', '{NOW}')", "revisions are append-only"),
    ("UPDATE outcome_evidence SET url = 'https://x.org' WHERE id = 1",
     "outcome evidence is append-only"),
    ("DELETE FROM outcome_evidence WHERE id = 1", "outcome evidence is append-only"),
    ("UPDATE ledger SET hash = hash WHERE id = 1", "the ledger is append-only"),
    ("DELETE FROM ledger", "the ledger is append-only"),
    (f"REPLACE INTO ledger (id, record_type, record_id, hash) VALUES (1, 'claim', 9, '{'b' * 64}')",
     "the ledger is append-only"),
    ("UPDATE claims SET role = 'x' WHERE id = 2", "a retracted claim cannot be changed"),
    ("UPDATE claim_appearances SET quote = 'x' WHERE id = 2",
     "a retracted appearance cannot be changed"),
    *NUMERIC_TRIGGERS,
]  # fmt: skip


@pytest.mark.parametrize(("sql", "trigger"), TRIGGERS)
def test_triggers_read_as_sentences(sqlite_db: Engine, sql: str, trigger: str) -> None:
    message = refuse(sqlite_db, Write(sql))
    assert_plain(message)
    assert message == REFUSED + TRIGGER_SENTENCES[trigger]


def test_outcomes_append_only_says_what_to_do(sqlite_db: Engine) -> None:
    message = refuse(sqlite_db, Write("DELETE FROM outcomes WHERE id = 1"))
    assert message.endswith("record a correction instead")


# --- PostgreSQL's wording, every name -----------------------------------------------------------


def _postgres_message(name: str, kind: str, table: str) -> str:
    return {
        "check": f'new row for relation "{table}" violates check constraint "{name}"\n'
        "DETAIL:  Failing row contains (1, x).",
        "unique": f'duplicate key value violates unique constraint "{name}"\n'
        "DETAIL:  Key (slug)=(x) already exists.",
        "primary key": f'duplicate key value violates unique constraint "{name}"',
        "foreign key": f'insert or update on table "{table}" violates foreign key constraint '
        f'"{name}"\nDETAIL:  Key (x)=(99) is not present in table "y".',
    }[kind]


@pytest.mark.parametrize("name", sorted(named_rules()))
def test_postgresql_messages_name_each_rule(name: str) -> None:
    kind, table = named_rules()[name]
    orig = Exception(_postgres_message(name, kind, table))
    message = describe_integrity_error(IntegrityError("INSERT", {}, orig))
    assert_plain(message)
    assert message == REFUSED + CONSTRAINT_SENTENCES[name]


@pytest.mark.parametrize(("table", "column"), not_null_columns())
def test_postgresql_not_null_messages(table: str, column: str) -> None:
    orig = Exception(
        f'null value in column "{column}" of relation "{table}" violates not-null constraint\n'
        "DETAIL:  Failing row contains (null)."
    )
    message = describe_integrity_error(IntegrityError("INSERT", {}, orig))
    assert message == REFUSED + CONSTRAINT_SENTENCES[f"{table}.{column}"]


def test_psycopg_diag_constraint_name_is_preferred() -> None:
    orig = Exception('new row for relation "claims" violates check constraint "truncated_nam"')
    orig.diag = SimpleNamespace(  # type: ignore[attr-defined]
        constraint_name="ck_claims_basis_fields", table_name="claims", column_name=None
    )
    message = describe_integrity_error(IntegrityError("INSERT", {}, orig))
    assert message == REFUSED + CONSTRAINT_SENTENCES["ck_claims_basis_fields"]


# --- rules without a sentence still do not leak -------------------------------------------------

UNKNOWN = [
    ("CHECK constraint failed: ck_notes_reason_nonblank", "INSERT INTO notes (x) VALUES (?)",
     "a value in notes breaks one of its rules"),
    ("CHECK constraint failed: ck_claims_retracted_reason_nonblank", "UPDATE claims SET x = ?",
     "a value in claims breaks one of its rules"),
    ("CHECK constraint failed: length(trim(x)) > 0", "UPDATE claim_appearances SET x = ?",
     "a value in appearances of claims breaks one of its rules"),
    ("UNIQUE constraint failed: notes.claim_id, notes.number", "INSERT INTO notes",
     "another row of notes already has the same claim and number"),
    ("UNIQUE constraint failed: index 'uq_claims_weird'", "INSERT INTO claims",
     "another claim already has those values"),
    ("NOT NULL constraint failed: claims.retracted_reason", "UPDATE claims SET x = ?",
     "a claim needs a retracted reason"),
    ("FOREIGN KEY constraint failed", "INSERT INTO notes (claim_id) VALUES (?)",
     "a row of notes refers to something that does not exist"),
    ("FOREIGN KEY constraint failed", "DELETE FROM claims WHERE id = ?",
     "that claim is still in use: other records refer to it"),
    ("FOREIGN KEY constraint failed", None,
     "it refers to something that does not exist, or removes something still in use"),
    ('new row for relation "notes" violates check constraint "ck_notes_x"', "INSERT",
     "a value in notes breaks one of its rules"),
    ('duplicate key value violates unique constraint "notes_pkey"', "INSERT INTO notes",
     "another row of notes already has those values"),
    ('insert or update on table "notes" violates foreign key constraint "notes_fk"', "",
     "a row of notes refers to something that does not exist"),
    ('update or delete on table "people" violates foreign key constraint "fk_claims_person_id_'
     'people" on table "claims"', "DELETE FROM people",
     "that speaker is still in use: claims refer to it"),
    ('null value in column "retracted_at" of relation "claim_appearances" violates not-null '
     "constraint", "UPDATE", "an appearance of a claim needs a retracted time"),
    ("Something odd happened in (somewhere, 'x') at my_table.my_column", "INSERT INTO my_table",
     "a value in my table breaks one of its rules"),
    ("notes are append-only: add a new one", "UPDATE notes",
     "notes are append-only: add a new one"),
]  # fmt: skip


@pytest.mark.parametrize(("database_says", "statement", "sentence"), UNKNOWN)
def test_unknown_rules_are_described_by_their_table(
    database_says: str, statement: str | None, sentence: str
) -> None:
    message = describe_integrity_error(IntegrityError(statement, None, Exception(database_says)))
    assert_plain(message)
    assert message == REFUSED + sentence


def test_a_bare_exception_is_read_too() -> None:
    message = describe_integrity_error(Exception("NOT NULL constraint failed: claims.quote"))
    assert message == REFUSED + CONSTRAINT_SENTENCES["claims.quote"]


# --- PostgreSQL: a handful broken for real ------------------------------------------------------


@pytest.fixture(scope="module")
def pg_db() -> Iterator[Engine]:
    with pg_database() as url:
        engine = get_engine(url)
        ensure_schema(engine)
        with engine.begin() as conn:
            for write in BASE:
                conn.execute(text(write.sql), write.params)
        yield engine


PG_CASES = [
    next(c for c in CASES if c.rule == "ck_claims_basis_fields"),
    next(c for c in CASES if c.rule == "ck_claims_condition_fields"),
    next(c for c in CASES if c.rule == "uq_people_slug"),
    next(c for c in CASES if c.rule == "uq_person_aliases_alias_key"),
    next(c for c in CASES if c.rule == "uq_scales_one_default"),
    next(c for c in CASES if c.rule == "pk_question_tags"),
    case("fk_claims_question_id_questions", insert("claims", question_id=99), "question"),
    case(
        "fk_outcomes_supersedes_same_question",
        insert("outcomes", question_id=2, supersedes_id=2),
        "same question",
    ),
    case("claims.quote", insert("claims", quote=None), "quote"),
    case("claims.id", insert("claims", id=None), "number"),
]


@pytest.mark.parametrize("case", PG_CASES, ids=_id)
def test_postgresql_refusals(pg_db: Engine, case: Case) -> None:
    message = refuse(pg_db, case.write)
    assert_plain(message)
    assert message == REFUSED + CONSTRAINT_SENTENCES[case.rule]
    for words in case.words:
        assert words in message, (words, message)


def test_postgresql_delete_of_a_row_in_use(pg_db: Engine) -> None:
    message = refuse(pg_db, raw("DELETE FROM questions WHERE id = 1"))
    assert_plain(message)
    assert message in {
        REFUSED + "that question is still in use: claims refer to it",
        REFUSED + "that question is still in use: outcomes refer to it",
    }


PG_TRIGGERS = [
    ("UPDATE outcomes SET note = 'x' WHERE id = 1", "outcomes are append-only"),
    ("DELETE FROM revisions WHERE id = 1", "revisions are append-only"),
    (
        "UPDATE outcome_evidence SET url = 'https://x.org' WHERE id = 1",
        "outcome evidence is append-only",
    ),
    ("DELETE FROM outcome_evidence WHERE id = 1", "outcome evidence is append-only"),
    ("UPDATE claims SET role = 'x' WHERE id = 2", "a retracted claim cannot be changed"),
    *NUMERIC_TRIGGERS,
]


@pytest.mark.parametrize(("sql", "trigger"), PG_TRIGGERS)
def test_postgresql_triggers(pg_db: Engine, sql: str, trigger: str) -> None:
    # plpgsql's RAISE EXCEPTION is not an integrity error to psycopg
    message = refuse(pg_db, Write(sql), DBAPIError)
    assert_plain(message)
    assert message == REFUSED + TRIGGER_SENTENCES[trigger]


def test_constraint_messages_module_is_light() -> None:
    """tracker.constraint_messages is read on CLI start-up: no SQLAlchemy at import."""
    import subprocess
    import sys

    code = "import sys, tracker.constraint_messages; print('sqlalchemy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "False"
