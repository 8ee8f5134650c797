"""The ``add-*`` commands: one source, speaker, question, claim or outcome at a time.

Written as SQL text over a ``Writer`` (``tracker.writes``), as the read
services are over a ``Reader``, so that on a SQLite file the commands run
straight on sqlite3 and never import SQLAlchemy, whose import alone costs
more than the write; elsewhere (PostgreSQL, a file still to be created or
upgraded) the same functions run through SQLAlchemy (``SessionWriter``).
They are the one home of these writes: the seed importer and the edits call
them through a ``SessionWriter`` too, and bulk files apply the same rules
(``tracker.services.rules``). tests/test_quick_writes.py holds the two
writers to the same rows, ledger and totals.

Values read back are given the types the models give them (dates, UTC
instants), so a refusal compares and words them as the importer does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.dates import TIMESTAMP_FORMAT, utcnow
from tracker.errors import Conflict, NotFound
from tracker.services import lookups
from tracker.services.differences import shown
from tracker.services.outcomes import chain_order, hindsight_claims, more_evidence
from tracker.services.rules import (
    CLAIM_FIELDS,
    SOURCE_FIELDS,
    SPELLING_ADDED,
    RecordedOutcome,
    TermRef,
    alias_taken,
    appearance_values,
    as_text,
    check_claim_fits,
    check_made_on,
    check_outcome_fits,
    check_quote,
    check_recorded_after,
    claim_value_shower,
    content_hash,
    load_phrase_book,
    mapping_columns,
    question_values,
    read_wording,
    refuse_other_appearance,
    refuse_other_claim,
    refuse_other_person,
    refuse_other_question,
    refuse_other_source,
    refuse_unscoring,
    source_values,
)
from tracker.services.upkeep import CLAIM_SCOPE, QUESTION_SCOPE, Upkeep
from tracker.text import alias_key, quoted, slugify

if TYPE_CHECKING:
    from tracker.records import AppearanceIn, ClaimIn, OutcomeIn, PersonIn, QuestionIn, SourceIn
    from tracker.services.rules import Reading
    from tracker.writes import Writer


def _date(value: Any) -> dt.date | None:
    """A DATE as the models read it (SQLite keeps ISO text, PostgreSQL a date)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _instant(value: str | None) -> dt.datetime | None:
    """A stored UTC instant (``tracker.types.UTCTimestamp``) as the models read it."""
    if value is None:
        return None
    return dt.datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


def _one(db: Writer, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    rows = db.rows(sql, params)
    return rows[0] if rows else None


# --- sources ----------------------------------------------------------------------------------


def require_source(db: Writer, ref: str) -> dict[str, Any]:
    """A source by slug, URL or numeric id: its id, slug, published date and text."""
    where, params = "slug = :ref OR url = :ref", {"ref": ref}
    if ref.isdigit():
        where, params = f"{where} OR id = :id", {**params, "id": int(ref)}
    found = _one(db, f"SELECT id, slug, published_on, text FROM sources WHERE {where}", params)
    if found is None:
        raise NotFound(f"no source {quoted(ref)} (add one with `tracker add-source`)")
    return {**found, "published_on": _date(found["published_on"])}


def save_source(db: Writer, rec: SourceIn) -> tuple[dict[str, Any], str]:
    """Create the source; the same record again is "unchanged", and the same
    slug with other values is refused (``tracker edit source`` changes it)."""
    row = _one(
        db,
        f"SELECT id, slug, {', '.join(SOURCE_FIELDS)} FROM sources WHERE slug = :slug",
        {"slug": rec.slug},
    )
    values = source_values(rec)
    if row is None:
        if rec.url is not None:
            other = db.value("SELECT slug FROM sources WHERE url = :url", {"url": rec.url})
            if other is not None:
                raise Conflict(f"url: {rec.url} is already the source {other}")
        new = {"slug": rec.slug, "created_at": utcnow(), "content_hash": content_hash(rec.text)}
        source_id = db.insert("sources", {**new, **values})
        return {"id": source_id, "slug": rec.slug, "title": rec.title}, "created"
    old = {field: row[field] for field in SOURCE_FIELDS}
    old.update(published_on=_date(row["published_on"]), retrieved_on=_date(row["retrieved_on"]))
    refuse_other_source(rec.slug, old, values)
    return {"id": row["id"], "slug": row["slug"], "title": row["title"]}, "unchanged"


# --- speakers ---------------------------------------------------------------------------------

_PERSON = "SELECT id, slug, name, kind, description FROM people"


def add_alias(db: Writer, person_id: int, alias: str) -> bool:
    """Give the speaker another spelling; True if it was new. A spelling that
    names someone else is refused: one spelling, one person (writers queue on
    the write lock, so two cannot both find a spelling free)."""
    key = alias_key(alias)
    existing = _one(
        db,
        "SELECT a.person_id, p.name, p.slug FROM person_aliases AS a "
        "JOIN people AS p ON p.id = a.person_id WHERE a.alias_key = :key",
        {"key": key},
    )
    if existing is not None:
        if existing["person_id"] != person_id:
            raise alias_taken(alias, existing["name"], existing["slug"])
        return False
    db.insert("person_aliases", {"person_id": person_id, "alias": alias, "alias_key": key})
    return True


def _speaker(db: Writer, person_id: int) -> dict[str, Any]:
    """What ``add-person`` shows of a speaker: the other spellings sorted."""
    person = _one(db, f"{_PERSON} WHERE id = :id", {"id": person_id})
    assert person is not None
    aliases = [
        r["alias"]
        for r in db.rows(
            "SELECT alias FROM person_aliases WHERE person_id = :id ORDER BY id", {"id": person_id}
        )
    ]
    others = sorted((a for a in aliases if a != person["name"]), key=str.casefold)
    return {
        "id": person["id"],
        "slug": person["slug"],
        "name": person["name"],
        "kind": person["kind"],
        "aliases": ", ".join(others),
    }


def save_person(
    db: Writer, rec: PersonIn, by: str, reason: str = SPELLING_ADDED
) -> tuple[dict[str, Any], str]:
    """Create the speaker, or add spellings to the one already recorded under
    this name (or slug). Nothing else about a recorded speaker changes here:
    other values are refused (``tracker edit person`` changes them), and an
    alias is never taken from its owner. A spelling added to a recorded
    speaker is written to their history (``reason``, ``by``)."""
    slug = rec.slug or slugify(rec.name)
    by_slug = _one(db, f"{_PERSON} WHERE slug = :slug", {"slug": slug})
    found = lookups.person_id(db, rec.name)
    by_name = None if found is None else _one(db, f"{_PERSON} WHERE id = :id", {"id": found})
    if by_slug is not None and by_name is not None and by_slug["id"] != by_name["id"]:
        raise Conflict(
            f"name {shown(rec.name)} is a spelling of {by_name['name']} ({by_name['slug']}), "
            f"but slug {slug} is {by_slug['name']}; nothing was changed"
        )
    person = by_name or by_slug
    if person is None:
        person_id = db.insert(
            "people",
            {
                "slug": slug,
                "name": rec.name,
                "kind": rec.kind or "person",
                "description": rec.description,
                "created_at": utcnow(),
            },
        )
        for alias in (rec.name, *rec.aliases):
            add_alias(db, person_id, alias)
        return _speaker(db, person_id), "created"
    refuse_other_person(person, rec, name_known=by_name is not None)
    added = [alias for alias in rec.aliases if add_alias(db, person["id"], alias)]
    now = utcnow()
    for alias in added:
        db.insert(
            "revisions",
            {
                "record_type": "person",
                "record_id": person["id"],
                "field": "alias",
                "old_value": None,
                "new_value": as_text(alias),
                "reason": reason,
                "revised_by": by,
                "revised_at": now,
            },
        )
    return _speaker(db, person["id"]), "updated" if added else "unchanged"


# --- questions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRow:
    """What the rules read of a recorded question (``rules.QuestionLike``)."""

    id: int
    slug: str
    question_type: str
    unit: str | None


def _question(db: Writer, question_id: int) -> QuestionRow:
    row = _one(
        db,
        "SELECT id, slug, question_type, unit FROM questions WHERE id = :id",
        {"id": question_id},
    )
    assert row is not None
    return QuestionRow(**row)


def require_question(db: Writer, ref: str) -> QuestionRow:
    """A question by slug or numeric id (see ``lookups``)."""
    return _question(db, lookups.require_question_id(db, ref))


def question_of_claim(db: Writer, claim_id: int) -> QuestionRow:
    """The question a claim is about (what ``add-outcome --claim`` resolves)."""
    row = _one(db, "SELECT question_id FROM claims WHERE id = :id", {"id": claim_id})
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    if row["question_id"] is None:
        raise NotFound(f"claim {claim_id} is an opinion with no question to resolve")
    return _question(db, row["question_id"])


def question_tags(db: Writer, question_id: int) -> list[str]:
    """A question's tags sorted by code point here, not by the database's
    collation: an edit compares them with a sorted list, and revisions and the
    ledger keep them in this order."""
    rows = db.rows(
        "SELECT t.name FROM tags AS t JOIN question_tags AS qt ON qt.tag_id = t.id "
        "WHERE qt.question_id = :q",
        {"q": question_id},
    )
    return sorted(r["name"] for r in rows)


def set_tags(db: Writer, question_id: int, tags: list[str]) -> bool:
    """Give the question exactly these tags (each made on first use); False,
    with nothing written, if it has them already."""
    wanted = sorted(set(tags))
    if question_tags(db, question_id) == wanted:
        return False
    db.run("DELETE FROM question_tags WHERE question_id = :q", {"q": question_id})
    for name in wanted:
        tag_id = db.value("SELECT id FROM tags WHERE name = :name", {"name": name})
        if tag_id is None:
            tag_id = db.insert("tags", {"name": name})
        db.run(
            "INSERT INTO question_tags (question_id, tag_id) VALUES (:q, :t)",
            {"q": question_id, "t": tag_id},
        )
    return True


def save_question(db: Writer, rec: QuestionIn, created_by: str) -> tuple[dict[str, Any], str]:
    """Create the question; the same record again is "unchanged", and the same
    slug with other values is refused (``tracker edit question`` changes it)."""
    row = _one(
        db,
        "SELECT id, slug, title, criteria, resolve_by, horizon_text, question_type, "
        "unit FROM questions WHERE slug = :slug",
        {"slug": rec.slug},
    )
    if row is not None:
        old = {
            "title": row["title"],
            "criteria": row["criteria"],
            "resolve_by": _date(row["resolve_by"]),
            "horizon": row["horizon_text"],
            "tags": question_tags(db, row["id"]),
            "type": row["question_type"],
            "unit": row["unit"],
        }
        refuse_other_question(rec.slug, old, question_values(rec))
        return {"id": row["id"], "slug": row["slug"], "title": row["title"]}, "unchanged"
    upkeep = Upkeep(db, None)  # its tags trip the triggers; no claim is about it yet
    question_id = db.insert(
        "questions",
        {
            "slug": rec.slug,
            "title": rec.title,
            "criteria": rec.criteria,
            "resolve_by": rec.resolve_by,
            "horizon_text": rec.horizon,
            "question_type": rec.type,
            "unit": rec.unit,
            "created_at": utcnow(),
            "created_by": created_by,
        },
    )
    set_tags(db, question_id, rec.tags)
    upkeep.after()
    return {"id": question_id, "slug": rec.slug, "title": rec.title}, "created"


# --- claims -----------------------------------------------------------------------------------


def find_term(db: Writer, scale_slug: str | None, term: str) -> TermRef:
    """The scale term a wording maps to, on the named scale or the default one."""
    if scale_slug is None:
        scale = _one(db, "SELECT id, slug, kind FROM scales WHERE is_default = 1", {})
        if scale is None:
            raise NotFound("no default probability scale in this database")
    else:
        scale = _one(
            db, "SELECT id, slug, kind FROM scales WHERE slug = :slug", {"slug": scale_slug}
        )
    if scale is None:
        known = ", ".join(r["slug"] for r in db.rows("SELECT slug FROM scales ORDER BY slug"))
        raise NotFound(f"no scale {quoted(scale_slug)} (known: {known})")
    wanted = " ".join(term.casefold().split())
    found = db.value(
        "SELECT id FROM scale_terms WHERE scale_id = :scale AND term = :term",
        {"scale": scale["id"], "term": wanted},
    )
    if found is None:
        terms = db.rows(
            "SELECT term FROM scale_terms WHERE scale_id = :scale ORDER BY point",
            {"scale": scale["id"]},
        )
        raise NotFound(
            f"term {quoted(term)} is not on scale {scale['slug']} "
            f"(its terms: {', '.join(r['term'] for r in terms)})"
        )
    return TermRef(found, scale["slug"], scale["kind"])


# Where a unit of work keeps the phrase book once read (``tracker.services.phrases``
# drops it when a phrase is added).
PHRASE_BOOK = "tracker.phrase_book"


def phrase_book(db: Writer) -> list[Reading]:
    """Every phrase, longest key first (so the longest match wins); read once
    per unit of work (an import reads many claims)."""
    cached = db.info.get(PHRASE_BOOK)
    if cached is None:
        cached = db.info[PHRASE_BOOK] = load_phrase_book(db)
    return cached


def read_claim_wording(db: Writer, rec: ClaimIn) -> tuple[ClaimIn, Reading | None]:
    """The claim with its probability read from its wording through the phrase
    book, when the wording is all it gives of it; and the reading used
    (``tracker.services.rules.read_wording``)."""
    return read_wording(rec, lambda: phrase_book(db))


def claim_values(db: Writer, rec: ClaimIn) -> dict[str, Any]:
    """The columns a claim record gives beside its key (what ``tracker edit
    claim`` compares with the recorded ones too)."""
    question = require_question(db, rec.question) if rec.question else None
    condition = require_question(db, rec.condition.question) if rec.condition else None
    check_claim_fits(rec, question, condition)
    term = find_term(db, rec.scale, rec.term) if rec.term is not None else None
    return {
        "question_id": question.id if question else None,
        "made_on": rec.made_on,
        "made_on_note": rec.made_on_note,
        "role": rec.role,
        "kind": rec.kind,
        "wording": rec.wording,
        "mapping_note": rec.note,
        "condition_question_id": condition.id if condition else None,
        "condition_result": rec.condition.result if rec.condition else None,
        "direction": rec.direction,
        "side": rec.side,
        **rec.estimate_columns(),
        **mapping_columns(rec, term),
    }


def _claim_shower(db: Writer) -> Callable[[str, Any], str]:
    """How a claim's stored values read in a refusal: questions by slug, terms by scale and term."""

    def question_slug(question_id: int) -> str:
        slug = db.value("SELECT slug FROM questions WHERE id = :id", {"id": question_id})
        return slug if slug is not None else str(question_id)

    def term_name(term_id: int) -> str:
        row = _one(
            db,
            "SELECT s.slug, t.term FROM scale_terms AS t JOIN scales AS s "
            "ON s.id = t.scale_id WHERE t.id = :id",
            {"id": term_id},
        )
        return f'{row["slug"]} "{row["term"]}"' if row is not None else str(term_id)

    return claim_value_shower(question_slug, term_name)


def save_claim(db: Writer, rec: ClaimIn, entered_by: str) -> tuple[dict[str, Any], str]:
    """Record a claim. The same claim again (same speaker, source and quote,
    same values) is "unchanged", though it may add later appearances (a seed
    file's); the same key with other values is refused (``tracker edit
    claim`` changes it). The quote must appear word for word in the source's
    stored text, when the source has one: that is what makes a claim
    checkable. The result says why the claim was retracted, if it was."""
    person_id = lookups.require_person_id(db, rec.speaker)
    source = require_source(db, rec.source)
    values = claim_values(db, rec)
    check_made_on(rec.made_on, source["slug"], source["published_on"])
    quote = check_quote(rec.quote, source["slug"], source["text"])
    existing = _one(
        db,
        f"SELECT id, {', '.join(CLAIM_FIELDS)}, retracted_reason FROM claims "
        "WHERE source_id = :source AND person_id = :person AND quote = :quote",
        {"source": source["id"], "person": person_id, "quote": quote},
    )
    if existing is not None:
        old = {field: existing[field] for field in CLAIM_FIELDS}
        old["made_on"] = _date(old["made_on"])
        refuse_other_claim(
            existing["id"], old, values, _claim_shower(db), existing["retracted_reason"]
        )
        recorded = _ClaimKey(existing["id"], source["id"], old["made_on"])
        added = [add_appearance(db, recorded, a) for a in rec.appearances]
        return {
            "id": existing["id"],
            "kind": existing["kind"],
            "basis": existing["mapping_basis"],
            "retracted": existing["retracted_reason"],
        }, "updated" if any(added) else "unchanged"
    upkeep = Upkeep(db, None)
    claim_id = db.insert(
        "claims",
        {
            "person_id": person_id,
            "source_id": source["id"],
            "quote": quote,
            "entered_by": entered_by,
            "entered_at": utcnow(),
            **values,
        },
    )
    upkeep.covering(CLAIM_SCOPE, upkeep_claim=claim_id).after()
    for appearance in rec.appearances:
        add_appearance(db, _ClaimKey(claim_id, source["id"], rec.made_on), appearance)
    return {
        "id": claim_id,
        "kind": values["kind"],
        "basis": values["mapping_basis"],
        "retracted": None,
    }, "created"


@dataclass(frozen=True)
class _ClaimKey:
    """What an appearance is checked against: the claim, its first source and its day."""

    id: int
    source_id: int
    made_on: dt.date


def require_claim(db: Writer, claim_id: int) -> _ClaimKey:
    """A claim by id, as ``add_appearance`` needs it."""
    row = _one(db, "SELECT id, source_id, made_on FROM claims WHERE id = :id", {"id": claim_id})
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    made_on = _date(row["made_on"])
    assert made_on is not None
    return _ClaimKey(row["id"], row["source_id"], made_on)


def add_appearance(db: Writer, claim: _ClaimKey, rec: AppearanceIn) -> bool:
    """Note that ``claim`` appears again in another source; True if it is new.

    The claim's own source stays its first appearance; the quote is checked
    against the later source's text as for the claim itself, and the same
    source again with other values is refused."""
    source = require_source(db, rec.source)
    new = appearance_values(rec, claim.source_id, claim.made_on, source["id"], source["text"])
    existing = _one(
        db,
        "SELECT id, quote, appeared_on, retracted_at FROM claim_appearances "
        "WHERE claim_id = :claim AND source_id = :source",
        {"claim": claim.id, "source": source["id"]},
    )
    if existing is not None:
        old = {"quote": existing["quote"], "appeared_on": _date(existing["appeared_on"])}
        refuse_other_appearance(claim.id, source["slug"], old, new, existing["id"],
                                existing["retracted_at"] is not None)  # fmt: skip
        return False
    db.insert("claim_appearances", {"claim_id": claim.id, "source_id": source["id"], **new})
    return True


# --- outcomes ---------------------------------------------------------------------------------


def _same(db: Writer, current: dict[str, Any], rec: OutcomeIn, source_id: int | None) -> bool:
    return (
        current["result"] == rec.result
        and current["observed_value"] == rec.value
        and _date(current["occurred_on"]) == rec.occurred_on
        and current["evidence_url"] == rec.evidence_url
        and current["evidence_source_id"] == source_id
        and current["note"] == rec.note
        and more_evidence(db, [current["id"]]).get(current["id"], ()) == rec.more_evidence
    )


def record_outcome(
    db: Writer,
    question: QuestionRow,
    rec: OutcomeIn,
    recorded_by: str,
    *,
    hindsight_ok: bool = True,
    option: str = "--on",
) -> RecordedOutcome | None:
    """Append an outcome for ``question``; it supersedes the current one, if any.

    Returns None when the current outcome already says exactly this (nothing is
    written: recording the same call twice is not a correction). An outcome
    dated on or before the day claims on the question were made turns them
    into hindsight (not scored); the result lists them, and unless
    ``hindsight_ok`` it is refused when any of them is scored now (a date
    typed wrong would quietly unscore them). Writers queue on the write lock
    before this reads the current outcome (``tracker.writes``; a
    ``SessionWriter``'s session is begun as a writer)."""
    check_outcome_fits(question, rec.result)
    evidence = require_source(db, rec.evidence_source)["id"] if rec.evidence_source else None
    current_id = db.value(
        "SELECT id FROM current_outcomes WHERE question_id = :q", {"q": question.id}
    )
    current = None
    if current_id is not None:
        current = _one(
            db,
            "SELECT id, result, observed_value, occurred_on, evidence_url, "
            "evidence_source_id, note, recorded_at FROM outcomes WHERE id = :id",
            {"id": current_id},
        )
    if current is not None and _same(db, current, rec, evidence):
        return None
    if current is not None:
        check_recorded_after(rec.recorded_at, _instant(current["recorded_at"]))
    late, scored = hindsight_claims(db, question.id, rec.occurred_on)
    if not hindsight_ok:
        refuse_unscoring(question.slug, rec.occurred_on, scored, option)
    upkeep = Upkeep(db, QUESTION_SCOPE, {"upkeep_question": question.id})
    upkeep.before()
    outcome_id = db.insert(
        "outcomes",
        {
            "question_id": question.id,
            "result": rec.result,
            "observed_value": rec.value,
            "occurred_on": rec.occurred_on,
            "evidence_url": rec.evidence_url,
            "evidence_source_id": evidence,
            "note": rec.note,
            "supersedes_id": current["id"] if current else None,
            "recorded_at": rec.recorded_at or utcnow(),
            "recorded_by": rec.recorded_by or recorded_by,
        },
    )
    upkeep.after()
    for position, url in enumerate(rec.more_evidence, start=2):
        db.insert("outcome_evidence", {"outcome_id": outcome_id, "position": position, "url": url})
    claims = db.value(
        "SELECT count(*) FROM claims WHERE (question_id = :q OR condition_question_id = :q) "
        "AND retracted_at IS NULL",
        {"q": question.id},
    )
    return RecordedOutcome(
        id=outcome_id,
        question=question.slug,
        result=rec.result,  # type: ignore[arg-type]  # "observed" when only a value is given
        occurred_on=rec.occurred_on.isoformat(),
        supersedes=current["id"] if current else None,
        previous_result=current["result"] if current else None,
        claims_resolved=claims or 0,
        hindsight=tuple(late),
        value=rec.value,
    )


def sync_outcomes(
    db: Writer,
    question: QuestionRow,
    records: list[OutcomeIn],
    recorded_by: str,
    *,
    hindsight_ok: bool = False,
) -> int:
    """Make the recorded history of ``question`` end with ``records`` (a seed
    file's list, oldest first): entries already recorded are skipped, new ones
    appended as corrections; how many were added. A file that rewrites
    recorded history is refused."""
    rows = db.rows(
        "SELECT id, supersedes_id, result, observed_value, occurred_on, evidence_url, "
        "evidence_source_id, note FROM outcomes WHERE question_id = :q",
        {"q": question.id},
    )
    history = chain_order(rows, "id", "supersedes_id")
    added = 0
    for i, rec in enumerate(records):
        source = require_source(db, rec.evidence_source)["id"] if rec.evidence_source else None
        if i < len(history):
            if not _same(db, history[i], rec, source):
                raise Conflict(
                    f"outcome {i + 1} for {question.slug} differs from the one recorded "
                    f"(#{history[i]['id']}); outcomes are append-only: add the correction "
                    "at the end of the list"
                )
            continue
        recorded = record_outcome(
            db, question, rec, recorded_by, hindsight_ok=hindsight_ok, option="occurred_on"
        )
        if recorded is not None:
            added += 1
    return added
