"""The database's rules in the user's words.

When the database refuses a write, ``describe_integrity_error`` reads SQLite's
or PostgreSQL's message, finds the rule that was broken and says it in the
user's words (``CONSTRAINT_SENTENCES``): never a constraint name, a
``table.column``, a traceback or a Python repr. Kept free of heavy imports:
the CLI's start-up path reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracker.vocabulary import (
    BINARY_RESULTS,
    CLAIM_KINDS,
    DIRECTIONS,
    LEDGER_KINDS,
    MAPPING_BASES,
    PERSON_KINDS,
    PHRASE_BASES,
    RESULTS,
    REVISED_RECORDS,
    SCALE_KINDS,
    SCORE_DIMENSIONS,
)

# --- the rules, in words ------------------------------------------------------------------------

REFUSED = "the database refused the write: "

DATE = "a real date written YYYY-MM-DD"
TIMESTAMP = "a UTC time written YYYY-MM-DDTHH:MM:SSZ"
SLUG = "lowercase letters, digits and single hyphens, not starting or ending with a hyphen"


def _words(value: str) -> str:
    """An identifier as words: 'stated_number' -> 'stated number'."""
    return value.replace("_", " ")


def _one_of(values: Iterable[str]) -> str:
    """'a, b or c'."""
    items = [_words(v) for v in values]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


# Each table as the user knows its rows: (one, many).
TABLE_WORDS: dict[str, tuple[str, str]] = {
    "sources": ("source", "sources"),
    "people": ("speaker", "speakers"),
    "person_aliases": ("spelling of a speaker's name", "spellings of speakers' names"),
    "questions": ("question", "questions"),
    "affiliations": ("affiliation", "affiliations"),
    "tags": ("tag", "tags"),
    "question_tags": ("tag of a question", "tags of questions"),
    "scales": ("scale", "scales"),
    "scale_terms": ("scale term", "scale terms"),
    "claims": ("claim", "claims"),
    "claim_appearances": ("appearance of a claim", "appearances of claims"),
    "outcomes": ("outcome", "outcomes"),
    "outcome_evidence": ("further evidence link", "further evidence links"),
    "revisions": ("revision", "revisions"),
    "ledger": ("ledger entry", "ledger entries"),
    "phrases": ("phrase of the phrase book", "phrases of the phrase book"),
    "score_totals": ("score total", "score totals"),
    "calibration_totals": ("calibration total", "calibration totals"),
    "score_state": ("score state", "score states"),
}

# NOT NULL columns: what each table's rows cannot be without. Keyed in
# CONSTRAINT_SENTENCES as "table.column" (the form SQLite reports).
_REQUIRED: dict[str, dict[str, str]] = {
    "sources": {
        "id": "a number",
        "slug": "a slug",
        "title": "a title",
        "created_at": "the time it was recorded",
    },
    "people": {
        "id": "a number",
        "slug": "a slug",
        "name": "a name",
        "kind": f"a kind ({_one_of(PERSON_KINDS)})",
        "created_at": "the time it was recorded",
    },
    "person_aliases": {
        "id": "a number",
        "person_id": "the speaker it belongs to",
        "alias": "the spelling itself",
        "alias_key": "the folded form it is looked up by",
    },
    "questions": {
        "id": "a number",
        "slug": "a slug",
        "title": "a title",
        "criteria": "resolution criteria (--criteria)",
        "resolve_by": "a date to resolve by (--resolve-by)",
        "created_at": "the time it was recorded",
        "created_by": "the name of whoever recorded it",
        "question_type": "a type (binary or numeric)",
    },
    "affiliations": {
        "id": "a number",
        "person_id": "the speaker who belongs (--person)",
        "organisation_id": "the organisation (--organisation)",
        "created_at": "the time it was recorded",
        "created_by": "the name of whoever recorded it",
    },
    "tags": {"id": "a number", "name": "a name"},
    "question_tags": {"question_id": "its question", "tag_id": "its tag"},
    "scales": {
        "id": "a number",
        "slug": "a slug",
        "name": "a name",
        "kind": f"a kind ({_one_of(SCALE_KINDS)})",
        "is_default": "a default flag (0 or 1)",
        "description": "a description",
        "citation": "a citation",
    },
    "scale_terms": {
        "id": "a number",
        "scale_id": "the scale it belongs to",
        "term": "the term itself",
        "low": "a low end",
        "point": "a point value",
        "high": "a high end",
    },
    "claims": {
        "id": "a number",
        "person_id": "a speaker (--speaker)",
        "source_id": "a source (--source)",
        "quote": "a quote (--quote)",
        "made_on": "the date it was made (--made-on)",
        "kind": f"a kind ({_one_of(CLAIM_KINDS)})",
        "mapping_basis": "a mapping basis (--basis)",
        "entered_by": "the name of whoever entered it",
        "entered_at": "the time it was entered",
        "side": "the side of its question it is about (--side yes or no)",
    },
    "claim_appearances": {
        "id": "a number",
        "claim_id": "the claim it is an appearance of",
        "source_id": "a source (--source)",
        "quote": "a quote (--quote)",
    },
    "outcomes": {
        "id": "a number",
        "question_id": "a question",
        "result": f"a result ({_one_of(RESULTS)})",
        "occurred_on": "the date it happened (--on)",
        "recorded_at": "the time it was recorded",
        "recorded_by": "the name of whoever recorded it",
    },
    "outcome_evidence": {
        "id": "a number",
        "outcome_id": "the outcome it supports",
        "position": "its place in the outcome's list of links",
        "url": "a URL (--evidence)",
    },
    "revisions": {
        "id": "a number",
        "record_type": "the kind of record it changes",
        "record_id": "the number of the record it changes",
        "field": "the field it changes",
        "reason": "a reason",
        "revised_by": "the name of whoever made it",
        "revised_at": "the time it was made",
    },
    "phrases": {
        "id": "a number",
        "phrase": "its words",
        "phrase_key": "the form it is looked up by",
        "basis": "a basis",
        "note": "a note saying why it reads so",
        "added_by": "the name of whoever added it",
        "added_at": "the time it was added",
    },
    "ledger": {
        "id": "its place in the ledger",
        "record_type": "the kind of record it seals",
        "record_id": "the number of the record it seals",
        "hash": "its hash",
    },
    "score_totals": {
        "scale": "its scale",
        "dimension": "its kind of group",
        "group_key": "its group",
        "label": "a label",
        "claims": "its count of claims",
        "scored": "its count of scored claims",
        "brier_sum": "its sum of Brier scores",
        "brier_squared_sum": "its sum of squared Brier scores",
        "brier_best_sum": "its sum of best Brier scores",
        "brier_worst_sum": "its sum of worst Brier scores",
        "log_loss_sum": "its sum of log losses",
        "hits": "its count of hits",
        "sided": "its count of claims that took a side",
        "yes": "its count of yes results",
        "open": "its count of open questions",
        "pending": "its count of pending questions",
        "partial": "its count of partial results",
        "void": "its count of void results",
        "hindsight": "its count of claims made in hindsight",
        "unscorable": "its count of unscorable claims",
        "directional": "its count of directional claims",
        "opinion": "its count of opinions",
        "estimates": "its count of measured numeric estimates",
        "points": "its count of point estimates with a percentage error",
        "ape_sum": "its sum of percentage errors",
        "ranges": "its count of measured ranges",
        "covered": "its count of ranges that held the value",
    },
    "calibration_totals": {
        "scale": "its scale",
        "term": "its term",
        "forecast": "its forecast value",
        "claims": "its count of claims",
        "happened": "its count of claims whose event happened",
        "brier_sum": "its sum of Brier scores",
    },
    "score_state": {"id": "a number", "stale": "a stale flag (0 or 1)"},
}


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _required_sentences() -> dict[str, str]:
    return {
        f"{table}.{column}": f"{_a(TABLE_WORDS[table][0])} needs {words}"
        for table, columns in _REQUIRED.items()
        for column, words in columns.items()
    }


# Every named rule of the schema: CHECK, UNIQUE (unique indexes and primary
# keys included) and FOREIGN KEY constraints by name, NOT NULL columns as
# "table.column". One short sentence each, in the user's words.
CONSTRAINT_SENTENCES: dict[str, str] = {
    # sources
    "pk_sources": "that source number is already taken",
    "uq_sources_slug": "another source already has that slug",
    "uq_sources_url": "another source already has that URL",
    "ck_sources_slug_format": f"a source's slug must be {SLUG}",
    "ck_sources_title_nonblank": "a source's title must not be blank",
    "ck_sources_published_on_iso": f"a source's publication date must be {DATE}",
    "ck_sources_retrieved_on_iso": f"a source's retrieval date must be {DATE}",
    "ck_sources_created_at_iso": f"a source's recording time must be {TIMESTAMP}",
    "ck_sources_hash_with_text": "a source's stored text and its content hash go together: "
    "both or neither",
    "ck_sources_content_hash_sha256": "a source's content hash must be a SHA-256 digest "
    "of 64 hex digits",
    # people
    "pk_people": "that speaker number is already taken",
    "uq_people_slug": "another speaker already has that slug",
    "uq_people_name": "another speaker already has that name",
    "ck_people_slug_format": f"a speaker's slug must be {SLUG}",
    "ck_people_name_nonblank": "a speaker's name must not be blank",
    "ck_people_kind_allowed": f"a speaker's kind must be {_one_of(PERSON_KINDS)}",
    "ck_people_created_at_iso": f"a speaker's recording time must be {TIMESTAMP}",
    # person_aliases
    "pk_person_aliases": "that spelling number is already taken",
    "uq_person_aliases_alias_key": "that spelling already belongs to another speaker",
    "ck_person_aliases_alias_nonblank": "a speaker's spelling must not be blank",
    "ck_person_aliases_alias_key_nonblank": "a speaker's spelling needs at least one letter "
    "or digit",
    "fk_person_aliases_person_id_people": "a spelling must belong to an existing speaker",
    # questions
    "pk_questions": "that question number is already taken",
    "uq_questions_slug": "another question already has that slug",
    "ck_questions_slug_format": f"a question's slug must be {SLUG}",
    "ck_questions_title_nonblank": "a question's title must not be blank",
    "ck_questions_criteria_nonblank": "a question's resolution criteria must not be blank",
    "ck_questions_resolve_by_iso": f"a question's resolve-by date must be {DATE}",
    "ck_questions_created_at_iso": f"a question's recording time must be {TIMESTAMP}",
    "ck_questions_question_type_allowed": "a question's type must be binary or numeric",
    "ck_questions_unit_if_numeric": "a numeric question needs a unit (--unit), and only a "
    "numeric question has one",
    # affiliations
    "pk_affiliations": "that affiliation number is already taken",
    "uq_affiliations_person_id_organisation_id_started_on": "that speaker already has an "
    "affiliation with that organisation starting that day",
    "ck_affiliations_not_self": "a speaker cannot be affiliated with itself",
    "ck_affiliations_period_order": "an affiliation cannot end before it starts",
    "ck_affiliations_role_nonblank": "an affiliation's role must not be blank",
    "ck_affiliations_started_on_iso": f"an affiliation's start must be {DATE}",
    "ck_affiliations_ended_on_iso": f"an affiliation's end must be {DATE}",
    "ck_affiliations_created_at_iso": f"an affiliation's recording time must be {TIMESTAMP}",
    "ck_affiliations_created_by_nonblank": "an affiliation needs the name of whoever recorded it",
    "fk_affiliations_person_id_people": "an affiliation's speaker must be an existing speaker",
    "fk_affiliations_organisation_id_people": "an affiliation's organisation must be an "
    "existing speaker",
    # tags
    "pk_tags": "that tag number is already taken",
    "uq_tags_name": "that tag already exists",
    "ck_tags_name_format": "a tag must be 1 to 100 lowercase letters, digits and hyphens",
    "pk_question_tags": "that question already has that tag",
    "fk_question_tags_question_id_questions": "a tag can only be given to an existing question",
    "fk_question_tags_tag_id_tags": "a question can only be given an existing tag",
    # scales
    "pk_scales": "that scale number is already taken",
    "uq_scales_slug": "another scale already has that slug",
    "uq_scales_name": "another scale already has that name",
    "uq_scales_one_default": "only one scale can be the default",
    "ck_scales_slug_format": f"a scale's slug must be {SLUG}",
    "ck_scales_kind_allowed": f"a scale's kind must be {_one_of(SCALE_KINDS)}",
    "ck_scales_is_default_bool": "a scale's default flag must be 0 or 1",
    "pk_scale_terms": "that scale term number is already taken",
    "uq_scale_terms_scale_id_term": "that scale already has that term",
    "uq_scale_terms_scale_id_rung": "that scale already has a term on that rung",
    "ck_scale_terms_term_nonblank": "a scale term must not be blank",
    "ck_scale_terms_rung_range": "a scale term's rung must be between -3 and 3",
    "ck_scale_terms_low_point_high": "a scale term needs 0 <= low <= point <= high <= 1",
    "fk_scale_terms_scale_id_scales": "a scale term must belong to an existing scale",
    # claims
    "pk_claims": "that claim number is already taken",
    "uq_claims_source_id_person_id_quote": "that speaker already has a claim with that quote "
    "in that source",
    "ck_claims_quote_nonblank": "a claim's quote must not be blank",
    "ck_claims_kind_allowed": f"a claim's kind must be {_one_of(CLAIM_KINDS)}",
    "ck_claims_mapping_basis_allowed": f"a claim's basis must be {_one_of(MAPPING_BASES)}",
    "ck_claims_condition_result_allowed": "the result a conditional claim needs must be "
    f"{_one_of(BINARY_RESULTS)}",
    "ck_claims_side_allowed": "a claim's side of its question must be yes or no",
    "ck_claims_direction_allowed": f"a directional claim's direction must be {_one_of(DIRECTIONS)}",
    "ck_claims_probability_range": "a claim's probability, --low and --high must lie "
    "between 0 and 1",
    "ck_claims_low_point_high": "a claim's stated range needs both --low and --high, "
    "with its --probability between them",
    "ck_claims_basis_fields": "a claim's probability fields must fit its mapping basis: "
    "a stated number needs --probability, a scale reading needs --term, unscorable needs neither",
    "ck_claims_question_required": "a claim needs a question unless it is an opinion",
    "ck_claims_unscored_kinds": "directional claims and opinions carry no probability: "
    "their basis must be unscorable",
    "ck_claims_condition_fields": "a condition needs its question and the result it needs; "
    "a conditional claim has one, and a forecast with one is a conditional claim",
    "ck_claims_one_estimate_form": "a claim gives one number form: a value, a range, or a "
    "threshold (above or below)",
    "ck_claims_estimate_range": "a claim's range needs both ends, the low end not above "
    "the high end",
    "ck_claims_threshold_fields": "a threshold claim needs the threshold and whether the value "
    "ends above or below it",
    "ck_claims_estimate_kinds": "only a forecast or a conditional forecast gives a number, "
    "and it is about the question's own value (side yes)",
    "ck_claims_point_unscored": "a point estimate carries no probability: give a range with "
    "its level, or a threshold with its probability",
    "ck_claims_condition_not_self": "a conditional claim cannot depend on its own question",
    "ck_claims_direction_fields": "a directional claim needs a direction, and only a "
    "directional claim has one",
    "ck_claims_made_on_iso": f"the date a claim was made must be {DATE}",
    "ck_claims_entered_at_iso": f"a claim's entry time must be {TIMESTAMP}",
    "ck_claims_retracted_at_iso": f"a claim's retraction time must be {TIMESTAMP}",
    "ck_claims_retraction_fields": "a retracted claim needs both the time and a reason that "
    "is not blank, and only a retracted claim has them",
    "fk_claims_person_id_people": "a claim's speaker must be an existing speaker",
    "fk_claims_source_id_sources": "a claim's source must be an existing source",
    "fk_claims_question_id_questions": "a claim's question must be an existing question",
    "fk_claims_condition_question_id_questions": "a conditional claim's condition must be "
    "an existing question",
    "fk_claims_scale_term_id_scale_terms": "a claim's scale term must be an existing term",
    # claim_appearances
    "pk_claim_appearances": "that appearance number is already taken",
    "uq_claim_appearances_claim_id_source_id": "that claim already has an appearance in "
    "that source",
    "ck_claim_appearances_quote_nonblank": "the quote of a claim's appearance must not be blank",
    "ck_claim_appearances_appeared_on_iso": f"the date of a claim's appearance must be {DATE}",
    "ck_claim_appearances_retracted_at_iso": "the retraction time of a claim's appearance "
    f"must be {TIMESTAMP}",
    "ck_claim_appearances_retraction_fields": "a retracted appearance needs both the time and "
    "a reason that is not blank, and only a retracted appearance has them",
    "fk_claim_appearances_claim_id_claims": "an appearance must be of an existing claim",
    "fk_claim_appearances_source_id_sources": "an appearance's source must be an existing source",
    # outcomes
    "pk_outcomes": "that outcome number is already taken",
    "uq_outcomes_question_id_id": "that outcome number is already taken for that question",
    "uq_outcomes_supersedes_id": "that outcome has already been corrected: correct the "
    "latest outcome instead",
    "uq_outcomes_one_first_per_question": "that question already has an outcome: record a "
    "correction of it instead",
    "ck_outcomes_result_allowed": f"an outcome's result must be {_one_of(RESULTS)}",
    "ck_outcomes_evidence_required": "an outcome needs evidence: a URL (--evidence) or a "
    "recorded source (--evidence-source)",
    "ck_outcomes_not_self": "an outcome cannot correct itself",
    "ck_outcomes_value_if_observed": "an observed outcome needs the value observed, and only "
    "an observed outcome has one",
    "ck_outcomes_occurred_on_iso": f"the date an outcome happened must be {DATE}",
    "ck_outcomes_recorded_at_iso": f"an outcome's recording time must be {TIMESTAMP}",
    "fk_outcomes_question_id_questions": "an outcome must be about an existing question",
    "fk_outcomes_evidence_source_id_sources": "an outcome's evidence source must be an "
    "existing source",
    "fk_outcomes_supersedes_same_question": "a correction must replace an earlier outcome "
    "of the same question",
    # further evidence of outcomes
    "pk_outcome_evidence": "that evidence link number is already taken",
    "ck_outcome_evidence_after_the_first": "further evidence links are numbered from 2: the "
    "first is the outcome's own evidence URL",
    "ck_outcome_evidence_url_http": "an evidence link must be an http(s) URL",
    "fk_outcome_evidence_outcome_id_outcomes": "an evidence link must belong to an existing "
    "outcome",
    "uq_outcome_evidence_outcome_id_position": "an outcome already has an evidence link in "
    "that place",
    "uq_outcome_evidence_outcome_id_url": "an outcome already has that evidence link",
    # revisions
    "pk_revisions": "that revision number is already taken",
    "ck_revisions_record_type_allowed": "a revision's kind of record must be "
    f"{_one_of(REVISED_RECORDS)}",
    "ck_revisions_field_nonblank": "a revision must name the field it changes",
    "ck_revisions_reason_nonblank": "a revision needs a reason that is not blank",
    "ck_revisions_revised_by_nonblank": "a revision needs the name of whoever made it",
    "ck_revisions_revised_at_iso": f"a revision's time must be {TIMESTAMP}",
    # the phrase book
    "pk_phrases": "that phrase number is already taken",
    "uq_phrases_phrase_key": "the phrase book already has that phrase (case, accents and "
    "punctuation aside)",
    "ck_phrases_basis_allowed": f"a phrase's basis must be {_one_of(PHRASE_BASES)}",
    "ck_phrases_term_unless_unscorable": "a phrase reads as a scale term unless it is "
    "unscorable, and an unscorable one has no term",
    "ck_phrases_direction_unscorable": "a phrase's direction is increase or decrease, and only "
    "an unscorable phrase has one",
    "ck_phrases_phrase_nonblank": "a phrase cannot be blank",
    "ck_phrases_phrase_key_nonblank": "a phrase needs words, not only punctuation",
    "ck_phrases_note_nonblank": "a phrase needs a note saying why it reads so",
    "ck_phrases_added_by_nonblank": "a phrase needs the name of whoever added it",
    "ck_phrases_added_at_iso": f"the time a phrase was added must be {TIMESTAMP}",
    "fk_phrases_scale_term_id_scale_terms": "a phrase must read as an existing scale term",
    # the ledger (tracker.ledger)
    "pk_ledger": "that ledger entry number is already taken",
    "ck_ledger_record_type_allowed": "a ledger entry's kind of record must be "
    f"{_one_of(LEDGER_KINDS)}",
    "ck_ledger_numbered_from_one": "ledger entries are numbered from 1",
    "ck_ledger_hash_length": "a ledger entry's hash must be 64 hexadecimal digits",
    "uq_ledger_record_type_record_id": "that record is already sealed in the ledger",
    # kept score totals
    "pk_score_totals": "the score totals already hold that scale and group",
    "ck_score_totals_dimension_allowed": "a score total's kind of group must be "
    f"{_one_of(SCORE_DIMENSIONS)}",
    "ck_score_totals_counts_not_negative": "a score total's counts cannot be negative",
    "ck_score_totals_counts_consistent": "a score total's counts must nest: hits within "
    "sided, sided and yes within scored, scored within claims, covered within ranges",
    "pk_calibration_totals": "the calibration totals already hold that scale, term and forecast",
    "ck_calibration_totals_counts_consistent": "a calibration total's counts cannot be "
    "negative, nor count more events that happened than claims",
    "pk_score_state": "the score state already has its one row",
    "ck_score_state_one_row": "the score state is a single row, number 1",
    "ck_score_state_stale_flag": "the score state's stale flag must be 0 or 1",
    "ck_score_state_refreshed_at_iso": f"the score state's refresh time must be {TIMESTAMP}",
    **_required_sentences(),
}

# What triggers raise, by the start of their message.
TRIGGER_SENTENCES: dict[str, str] = {
    "outcomes are append-only": "outcomes are append-only: a recorded outcome is never "
    "changed or deleted, record a correction instead",
    "outcome evidence is append-only": "an outcome's evidence is append-only: a link is never "
    "changed or removed, record a correction instead",
    "revisions are append-only": "revisions are append-only: the history of a record is "
    "never rewritten",
    "the ledger is append-only": "the ledger is append-only: its entries are never rewritten",
    "a retracted claim cannot be changed": "a retracted claim cannot be changed",
    "a retracted appearance cannot be changed": "a retracted appearance cannot be changed",
    "a claim must fit its question": "a claim on a numeric question gives a number (--value, "
    "--range, --above or --below), and only a claim on a numeric question does",
    "a condition must be a yes or no question": "a condition must be a yes-or-no question, "
    "not a numeric one",
    "an outcome must fit its question": "a numeric question is resolved by the value observed, "
    "a yes-or-no question by yes, no or partial",
    "a question's type cannot change": "a question's type cannot change once claims or "
    "outcomes refer to it",
    "an affiliation's organisation must be": "an affiliation's organisation must be a speaker "
    "of kind organisation",
    "a speaker with affiliations as an organisation": "a speaker others are affiliated with "
    "must stay an organisation",
}

# SQLite names no foreign key when one fails: what a table's rows must point at.
REFERENCE_SENTENCES: dict[str, str] = {
    "person_aliases": "a spelling must belong to an existing speaker",
    "question_tags": "a tag can only be an existing tag given to an existing question",
    "scale_terms": "a scale term must belong to an existing scale",
    "claims": "a claim's speaker, source, questions and scale term must all exist",
    "claim_appearances": "an appearance must be of an existing claim in an existing source",
    "outcomes": "an outcome's question and evidence source must exist, and a correction must "
    "replace an earlier outcome of the same question",
    "outcome_evidence": "an evidence link must belong to an existing outcome",
    "phrases": "a phrase must read as an existing scale term",
    "affiliations": "an affiliation's speaker and organisation must both exist",
}

# Unique indexes not named by the convention (uq_<table>_<columns>), by the
# columns SQLite reports for them; and primary keys that are not ("id",).
_UNIQUE_INDEXES: dict[tuple[str, tuple[str, ...]], str] = {
    ("scales", ("is_default",)): "uq_scales_one_default",
    ("outcomes", ("question_id",)): "uq_outcomes_one_first_per_question",
}
_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "question_tags": ("question_id", "tag_id"),
    "score_totals": ("scale", "dimension", "group_key"),
    "calibration_totals": ("scale", "term", "forecast"),
}


def unique_constraint_for(table: str, columns: Iterable[str]) -> str | None:
    """The unique constraint, unique index or primary key of ``table`` on
    ``columns`` (what SQLite names when one fails), if it has a sentence."""
    cols = tuple(columns)
    for name in (
        f"uq_{table}_{'_'.join(cols)}",
        _UNIQUE_INDEXES.get((table, cols)),
        f"pk_{table}" if cols == _PRIMARY_KEYS.get(table, ("id",)) else None,
    ):
        if name in CONSTRAINT_SENTENCES:
            return name
    for (known_table, known_cols), name in _UNIQUE_INDEXES.items():
        if known_table == table and set(known_cols) == set(cols):
            return name
    return None


# --- reading the database's message ----------------------------------------------------------

_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>.+)$")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>\w+\.\w+(?:, \w+\.\w+)*)")
_SQLITE_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '(?P<name>\w+)'")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: (?P<table>\w+)\.(?P<column>\w+)")
_SQLITE_FOREIGN_KEY = re.compile(r"FOREIGN KEY constraint failed")
_PG_CHECK = re.compile(
    r'new row for relation "(?P<table>[^"]+)" violates check constraint "(?P<name>[^"]+)"'
)
_PG_UNIQUE = re.compile(r'duplicate key value violates unique constraint "(?P<name>[^"]+)"')
_PG_FK_CHILD = re.compile(
    r'insert or update on table "(?P<table>[^"]+)" violates foreign key constraint '
    r'"(?P<name>[^"]+)"'
)
_PG_FK_PARENT = re.compile(
    r'update or delete on table "(?P<parent>[^"]+)" violates foreign key constraint '
    r'"(?P<name>[^"]+)" on table "(?P<table>[^"]+)"'
)
_PG_NOT_NULL = re.compile(
    r'null value in column "(?P<column>[^"]+)"(?: of relation "(?P<table>[^"]+)")? '
    r"violates not-null constraint"
)
_STATEMENT = re.compile(
    r"\b(?P<verb>INSERT|REPLACE|UPDATE|DELETE)\b(?:\s+OR\s+\w+)?(?:\s+INTO|\s+FROM)?\s+"
    r'"?(?P<table>\w+)"?',
    re.IGNORECASE,
)
# A message a trigger wrote for people: lowercase words and light punctuation only.
_PLAIN_SENTENCE = re.compile(r"[a-z][a-z ,;:-]*")


def _table_words(table: str | None) -> tuple[str, str] | None:
    if not table:
        return None
    return TABLE_WORDS.get(table, (f"row of {_words(table)}", _words(table)))


def _column_words(column: str) -> str:
    """A column as words: 'person_id' -> 'person', 'retracted_at' -> 'retracted time'."""
    for suffix, noun in (("_id", ""), ("_at", " time"), ("_on", " date")):
        if column.endswith(suffix) and len(column) > len(suffix):
            return _words(column.removesuffix(suffix)) + noun
    return _words(column)


def _statement_target(exc: BaseException) -> tuple[str, str | None]:
    """The verb and table of the statement that failed, from SQLAlchemy's error."""
    statement = getattr(exc, "statement", None)
    match = _STATEMENT.search(statement) if isinstance(statement, str) else None
    if not match:
        return "", None
    return match["verb"].upper(), match["table"]


def _table_of(name: str) -> str | None:
    """The table a conventionally named constraint belongs to, if it is a known one."""
    prefix, _, rest = name.partition("_")
    if prefix not in ("ck", "uq", "fk", "pk", "ix") or not rest:
        return None
    tables = [t for t in TABLE_WORDS if rest == t or rest.startswith(t + "_")]
    return max(tables, key=len) if tables else None


def _broken_rule(table: str | None) -> str:
    words = _table_words(table)
    if words is None:
        return "a value breaks one of the database's rules"
    return f"a value in {words[1]} breaks one of its rules"


def _taken(table: str | None, columns: Iterable[str] = ()) -> str:
    words = _table_words(table)
    fields = " and ".join(_column_words(c) for c in columns)
    if words is None:
        return "that value is already taken"
    if fields:
        return f"another {words[0]} already has the same {fields}"
    return f"another {words[0]} already has those values"


def _missing(table: str | None, column: str | None) -> str:
    words = _table_words(table)
    field = _column_words(column) if column else "value"
    if words is None:
        return f"a required {field} is missing"
    return f"{_a(words[0])} needs a {field}"


def _points_nowhere(table: str | None) -> str:
    if table in REFERENCE_SENTENCES:
        return REFERENCE_SENTENCES[table]
    words = _table_words(table)
    if words is None:
        return "it refers to something that does not exist, or removes something still in use"
    return f"{_a(words[0])} refers to something that does not exist"


def _still_used(parent: str | None, child: str | None = None) -> str:
    parent_words = _table_words(parent)
    child_words = _table_words(child)
    if parent_words is None:
        return "it removes something that is still in use"
    users = child_words[1] if child_words else "other records"
    return f"that {parent_words[0]} is still in use: {users} refer to it"


def _known(name: str | None) -> str | None:
    return CONSTRAINT_SENTENCES.get(name) if name else None


def _sentence(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    first = lines[0].strip() if lines else ""
    verb, statement_table = _statement_target(exc)
    diag = getattr(orig, "diag", None)

    for start, sentence in TRIGGER_SENTENCES.items():
        if start in first:
            return sentence

    # PostgreSQL (psycopg): the constraint's name, table and column come as fields.
    diag_name = getattr(diag, "constraint_name", None)
    diag_table = getattr(diag, "table_name", None)
    diag_column = getattr(diag, "column_name", None)

    if match := _PG_FK_PARENT.search(first):
        return _still_used(match["parent"], match["table"])
    if match := _PG_FK_CHILD.search(first):
        name = diag_name or match["name"]
        return _known(name) or _points_nowhere(match["table"])
    if match := _PG_CHECK.search(first):
        name = diag_name or match["name"]
        return _known(name) or _broken_rule(match["table"])
    if match := _PG_UNIQUE.search(first):
        name = diag_name or match["name"]
        return _known(name) or _taken(diag_table or _table_of(name) or statement_table)
    if match := _PG_NOT_NULL.search(first):
        table = diag_table or match["table"] or statement_table
        column = diag_column or match["column"]
        return _known(f"{table}.{column}") or _missing(table, column)
    if sentence := _known(diag_name):
        return sentence

    # SQLite
    if match := _SQLITE_CHECK.search(first):
        name = match["name"].strip()
        return _known(name) or _broken_rule(_table_of(name) or statement_table)
    if match := _SQLITE_UNIQUE_INDEX.search(first):
        return _known(match["name"]) or _taken(_table_of(match["name"]) or statement_table)
    if match := _SQLITE_UNIQUE.search(first):
        pairs = [part.split(".", 1) for part in match["cols"].split(", ")]
        table = pairs[0][0]
        columns = [column for _, column in pairs]
        return _known(unique_constraint_for(table, columns)) or _taken(table, columns)
    if match := _SQLITE_NOT_NULL.search(first):
        table, column = match["table"], match["column"]
        return _known(f"{table}.{column}") or _missing(table, column)
    if _SQLITE_FOREIGN_KEY.search(first):
        if verb == "DELETE":
            return _still_used(statement_table)
        return _points_nowhere(statement_table)

    if _PLAIN_SENTENCE.fullmatch(first):
        return first  # a trigger's own sentence
    return _broken_rule(diag_table or statement_table)


def describe_integrity_error(exc: BaseException) -> str:
    """One line for a write the database refused, in the user's words.

    Reads SQLite's messages and PostgreSQL's (psycopg's ``diag`` fields when
    present). Never shows a constraint name, a ``table.column`` or the raw
    message: a rule without a sentence is described by its table, in words.
    """
    return REFUSED + _sentence(exc)


def refused_by_rule(exc: BaseException) -> bool:
    """Whether the database refused a write by one of its own rules: a
    constraint (an integrity error) or a trigger's refusal. SQLite's
    RAISE(ABORT) arrives as an integrity error; PostgreSQL's RAISE EXCEPTION
    has SQLSTATE P0001, whatever class the driver gives it (psycopg 3: a
    programming error). Duck-typed, so this module imports no driver."""
    if type(exc).__name__ == "IntegrityError":
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "P0001"
