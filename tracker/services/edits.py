"""Corrections: edit a recorded claim, question, speaker or source; retract
a claim or an appearance.

Every change needs a reason and is written, field by field, to the append-only
``revisions`` table in the same transaction (``tracker.services.revisions``).
Nothing is deleted: a retracted claim stays, marked with its reason, is no
longer scored, and the database refuses any further change to it. The score
totals are kept current across each change like any other write.

Edits are given in the user's terms (a question's slug, a scale term) and
checked by the same records and rules as ``add-*`` (``tracker.records``,
``mapping_columns``, the quote check), so an edit cannot make a record that
``add-*`` would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.models import Claim, ClaimAppearance, Person, PersonAlias, Question, ScaleTerm, Source
from tracker.records import ClaimIn, PersonIn, QuestionIn, SourceIn, clean_text, first_error
from tracker.services import entry
from tracker.services.claims import CLAIM_FIELDS, check_made_on, check_quote, require_claim
from tracker.services.people import alias_taken, require_person
from tracker.services.questions import question_tags, require_question
from tracker.services.revisions import as_text, display, field_label, record_revision
from tracker.services.scores import claim_upkeep, no_score_change, person_upkeep, question_upkeep
from tracker.services.sources import content_hash, require_source
from tracker.text import alias_key
from tracker.types import utcnow
from tracker.writes import SessionWriter

# Options of ``edit claim`` that together say how the probability was read:
# giving any of them replaces the old reading whole.
MAPPING_OPTIONS = ("probability", "low", "high", "scale", "term", "basis")
# Options that together say what kind of claim it is.
KIND_OPTIONS = ("kind", "condition", "direction")
# Options that together give a numeric claim's number: one replaces the others.
NUMBER_OPTIONS = ("value", "range", "above", "below")


@dataclass
class Edit:
    """What a correction changed: one entry per field (old -> new, as shown)."""

    record: str  # "claim 3", "question deal-by-june"
    changes: list[dict[str, str]] = field(default_factory=list)

    @property
    def action(self) -> str:
        return "edited" if self.changes else "unchanged"


class _Writer:
    """Writes each changed field with one reason, author and time."""

    def __init__(self, session: Session, record_type: str, record_id: int, label: str,
                 reason: str, by: str) -> None:  # fmt: skip
        if not reason.strip():
            raise ValidationFailed("--reason: say why the record is corrected")
        try:
            clean_text(reason)
        except ValueError as exc:
            raise ValidationFailed(f"--reason: {exc}") from None
        self.session, self.type, self.id = session, record_type, record_id
        self.reason, self.by, self.at = reason, by, utcnow()
        self.edit = Edit(label)

    def change(self, field: str, old: Any, new: Any, target: Any | None = None) -> None:
        """Record one field's change and, with ``target``, set it there."""
        if target is not None:
            setattr(target, field, new)
        record_revision(self.session, self.type, self.id, field, old, new,
                        self.reason, self.by, self.at)  # fmt: skip
        self.edit.changes.append({
            "field": field_label(field),
            "old": display(self.session, field, as_text(old)),
            "new": display(self.session, field, as_text(new)),
        })  # fmt: skip


def _validated(model: Any, fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise ValidationFailed(first_error(exc)) from None


def claim_as_record(session: Session, claim: Claim) -> dict[str, Any]:
    """A recorded claim in the fields of ``ClaimIn`` (what ``add-claim`` takes)."""
    person = session.get(Person, claim.person_id)
    source = session.get(Source, claim.source_id)
    assert person is not None and source is not None
    term = session.get(ScaleTerm, claim.scale_term_id) if claim.scale_term_id else None
    question = session.get(Question, claim.question_id) if claim.question_id else None
    condition = (
        session.get(Question, claim.condition_question_id) if claim.condition_question_id else None
    )
    return {
        "speaker": person.name, "source": source.slug, "made_on": claim.made_on,
        "quote": claim.quote, "kind": claim.kind,
        "question": question.slug if question else None, "role": claim.role,
        "made_on_note": claim.made_on_note, "wording": claim.wording,
        "probability": claim.probability, "low": claim.prob_low, "high": claim.prob_high,
        "scale": term.scale.slug if term else None, "term": term.term if term else None,
        "basis": claim.mapping_basis, "note": claim.mapping_note,
        "condition": {"question": condition.slug, "result": claim.condition_result}
        if condition else None,
        "direction": claim.direction, "side": claim.side,
        "value": claim.estimate,
        "range": (claim.estimate_low, claim.estimate_high)
        if claim.estimate_low is not None else None,
        "above": claim.threshold if claim.threshold_side == "above" else None,
        "below": claim.threshold if claim.threshold_side == "below" else None,
    }  # fmt: skip


def _refuse_retracted(what: str, row: Any) -> None:
    if row.retracted_at is not None:
        raise Conflict(
            f"{what} was retracted ({row.retracted_reason}) and can no longer be changed"
        )


def edit_claim(
    session: Session, claim_id: int, given: dict[str, Any], reason: str, by: str
) -> Edit:
    """Correct a claim: the fields in ``given`` (``ClaimIn`` names; None for
    an option not given, ``""`` to clear an optional text) replace the
    recorded ones. Giving any of the probability options replaces the whole
    reading (probability, range, scale term, basis); likewise for the kind."""
    claim = require_claim(session, claim_id)
    _refuse_retracted(f"claim {claim_id}", claim)
    fields = claim_as_record(session, claim)
    given = {k: v for k, v in given.items() if v is not None}
    if any(k in given for k in MAPPING_OPTIONS):
        fields.update(dict.fromkeys(MAPPING_OPTIONS))
    if any(k in given for k in NUMBER_OPTIONS):
        fields.update(dict.fromkeys(NUMBER_OPTIONS))
    if any(k in given for k in KIND_OPTIONS):
        fields.update(dict.fromkeys(KIND_OPTIONS))
        if "kind" not in given and ("condition" in given or "direction" in given):
            given["kind"] = "conditional" if "condition" in given else "directional"
    fields.update({k: (None if v == "" else v) for k, v in given.items()})
    rec = _validated(ClaimIn, fields)
    person = require_person(session, rec.speaker)
    source = require_source(session, rec.source)
    check_made_on(rec.made_on, source.slug, source.published_on)
    quote = check_quote(rec.quote, source.slug, source.text)
    new = {"person_id": person.id, "source_id": source.id, "quote": quote,
           **entry.claim_values(SessionWriter(session), rec)}  # fmt: skip
    columns = ("person_id", "source_id", "quote", *CLAIM_FIELDS)
    changed = [c for c in columns if getattr(claim, c) != new[c]]
    writer = _Writer(session, "claim", claim.id, f"claim {claim.id}", reason, by)
    if not changed:
        return writer.edit
    if {"person_id", "source_id", "quote"} & set(changed):
        other = session.scalar(
            select(Claim.id).where(Claim.source_id == source.id, Claim.person_id == person.id,
                                   Claim.quote == quote, Claim.id != claim.id)
        )  # fmt: skip
        if other is not None:
            raise Conflict(f"claim {other} already has this speaker, source and quote")
    upkeep = claim_upkeep(session, claim.id)
    upkeep.before()
    # Every column first: the database checks the fields together (a basis
    # with its probability or term), so a half-changed row must not be flushed.
    old = {column: getattr(claim, column) for column in changed}
    for column in changed:
        setattr(claim, column, new[column])
    for column in changed:
        writer.change(column, old[column], new[column])
    upkeep.after()
    return writer.edit


def edit_question(
    session: Session,
    ref: str,
    given: dict[str, Any],
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    reason: str,
    by: str,
) -> Edit:
    """Correct a question's title, criteria, resolve-by date, horizon or tags."""
    question = require_question(session, ref)
    tags = question_tags(session, question.id)
    missing = [t for t in remove_tags if t not in tags]
    if missing:
        raise NotFound(f"--remove-tag: {question.slug} has no tag {missing[0]}")
    wanted = sorted((set(tags) | set(add_tags)) - set(remove_tags))
    current = {"slug": question.slug, "title": question.title, "criteria": question.criteria,
               "resolve_by": question.resolve_by, "horizon": question.horizon_text}  # fmt: skip
    fields = {**current, **{k: v for k, v in given.items() if v is not None}, "tags": wanted}
    if fields.get("horizon") == "":
        fields["horizon"] = None
    rec = _validated(QuestionIn, fields)
    columns = {"title": rec.title, "criteria": rec.criteria, "resolve_by": rec.resolve_by,
               "horizon_text": rec.horizon}  # fmt: skip
    changed = [c for c, v in columns.items() if getattr(question, c) != v]
    writer = _Writer(session, "question", question.id, f"question {question.slug}", reason, by)
    retag = wanted != tags
    # Scores read the resolve-by date (horizons) and the tags (groups).
    scored = retag or "resolve_by" in changed
    upkeep = question_upkeep(session, question.id) if scored else no_score_change(session)
    upkeep.before()
    for column in changed:
        writer.change(column, getattr(question, column), columns[column], question)
    if retag:
        session.flush()  # the question's changed columns first, as they were set
        entry.set_tags(SessionWriter(session), question.id, wanted)
        writer.change("tags", tags, wanted)
    upkeep.after()
    return writer.edit


def edit_person(
    session: Session,
    ref: str,
    given: dict[str, Any],
    add_aliases: tuple[str, ...],
    remove_aliases: tuple[str, ...],
    reason: str,
    by: str,
) -> Edit:
    """Correct a speaker's name, kind or description, or their spellings.

    A new name keeps the old one as a spelling (the speaker is still found by
    it), unless it is removed too; a spelling that names someone else is
    refused, and the spelling of the name itself cannot be removed."""
    person = require_person(session, ref)
    fields = {"name": person.name, "kind": person.kind, "description": person.description}
    fields.update({k: v for k, v in given.items() if v is not None})
    if fields.get("description") == "":
        fields["description"] = None
    rec = _validated(PersonIn, fields)
    writer = _Writer(session, "person", person.id, f"speaker {person.slug}", reason, by)
    changed = [f for f in ("name", "kind", "description") if getattr(person, f) != getattr(rec, f)]
    aliases = {a.alias_key: a for a in person.aliases}
    for alias in remove_aliases:
        if alias_key(alias) not in aliases:
            raise NotFound(f"--remove-alias: {alias} is not a spelling of {person.name}")
        if alias_key(alias) == alias_key(rec.name):
            raise ValidationFailed(f"--remove-alias: {alias} is the speaker's name")
    if "name" in changed:
        owner = session.scalar(
            select(PersonAlias).where(PersonAlias.alias_key == alias_key(rec.name))
        )
        if owner is not None and owner.person_id != person.id:
            raise alias_taken(rec.name, owner.person.name, owner.person.slug)
    # Scores carry the speaker's name (the scoreboard's labels).
    upkeep = person_upkeep(session, person.id) if "name" in changed else no_score_change(session)
    upkeep.before()
    for f in changed:
        writer.change(f, getattr(person, f), getattr(rec, f), person)
    for alias in (rec.name, *add_aliases):
        session.flush()  # what was set so far first, as it was set
        added = entry.add_alias(SessionWriter(session), person.id, alias)
        if added and (alias != rec.name or "name" not in changed):
            writer.change("alias", None, alias)
    for alias in remove_aliases:
        row = aliases[alias_key(alias)]
        session.delete(row)
        session.flush()
        writer.change("alias", row.alias, None)
    upkeep.after()
    session.expire(person, ["aliases"])
    return writer.edit


_SOURCE_FIELDS = ("title", "url", "publisher", "author", "published_on", "published_on_note",
                  "retrieved_on")  # fmt: skip


def edit_source(
    session: Session, ref: str, given: dict[str, Any], text: str | None, reason: str, by: str
) -> Edit:
    """Correct a source's details or its text. A new text is refused while any
    quote recorded from it (claims and appearances) would no longer be found
    in it; the revision keeps the old text and both SHA-256 digests."""
    source = require_source(session, ref)
    fields = {"slug": source.slug, "text": source.text if text is None else text,
              **{f: getattr(source, f) for f in _SOURCE_FIELDS}}  # fmt: skip
    fields.update({k: (None if v == "" else v) for k, v in given.items() if v is not None})
    rec = _validated(SourceIn, fields)
    if rec.url is not None and rec.url != source.url:
        other = session.scalar(select(Source.slug).where(Source.url == rec.url))
        if other is not None:
            raise Conflict(f"--url: {rec.url} is already the source {other}")
    writer = _Writer(session, "source", source.id, f"source {source.slug}", reason, by)
    changed = [f for f in _SOURCE_FIELDS if getattr(source, f) != getattr(rec, f)]
    if "published_on" in changed and rec.published_on is not None:
        later = list(
            session.scalars(
                select(Claim.id).where(Claim.source_id == source.id,
                                       Claim.made_on > rec.published_on,
                                       Claim.retracted_at.is_(None)).order_by(Claim.id)
            )
        )  # fmt: skip
        if later:
            raise ValidationFailed(
                f"--published-on: claim(s) {', '.join(map(str, later))} of {source.slug} were "
                f"made after {rec.published_on}; a source can only quote what was already said"
            )
    for f in changed:
        writer.change(f, getattr(source, f), getattr(rec, f), source)
    if rec.text != source.text:
        if rec.text is not None:
            _quotes_still_found(session, source, rec.text)
        old_hash = source.content_hash
        writer.change("text", source.text, rec.text, source)
        writer.change("content_hash", old_hash, content_hash(rec.text), source)
    return writer.edit


def _quotes_still_found(session: Session, source: Source, text: str) -> None:
    # Retracted claims and appearances are not checked: they are kept as they
    # were, and the revision keeps the text they were found in.
    claims = session.execute(
        select(Claim.id, Claim.quote).where(
            Claim.source_id == source.id, Claim.retracted_at.is_(None)
        )
    )
    appearances = session.execute(
        select(ClaimAppearance.claim_id, ClaimAppearance.quote).where(
            ClaimAppearance.source_id == source.id, ClaimAppearance.retracted_at.is_(None)
        )
    )
    lost = sorted({claim_id for claim_id, quote in [*claims, *appearances] if quote not in text})
    if lost:
        ids = ", ".join(str(i) for i in lost[:10]) + (" …" if len(lost) > 10 else "")
        raise ValidationFailed(
            f"--text-file: the quotes of claim(s) {ids} would no longer be found in the text "
            f"of {source.slug}; correct those claims first"
        )


def retract_claim(session: Session, claim_id: int, reason: str, by: str) -> Edit:
    """Retract a claim: it stays, marked with why, and is no longer scored."""
    claim = require_claim(session, claim_id)
    _refuse_retracted(f"claim {claim_id}", claim)
    writer = _Writer(session, "claim", claim.id, f"claim {claim.id}", reason, by)
    upkeep = claim_upkeep(session, claim.id)
    upkeep.before()
    claim.retracted_reason = reason
    writer.change("retracted_at", None, writer.at, claim)
    upkeep.after()
    return writer.edit


def retract_appearance(session: Session, appearance_id: int, reason: str, by: str) -> Edit:
    """Retract a later appearance of a claim (it stays, marked with why)."""
    appearance = session.get(ClaimAppearance, appearance_id)
    if appearance is None:
        raise NotFound(f"no appearance {appearance_id}")
    _refuse_retracted(f"appearance {appearance_id}", appearance)
    writer = _Writer(session, "appearance", appearance.id, f"appearance {appearance.id}",
                     reason, by)  # fmt: skip
    appearance.retracted_reason = reason
    writer.change("retracted_at", None, writer.at, appearance)
    return writer.edit
