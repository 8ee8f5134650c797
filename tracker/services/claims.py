"""Claims: recording them and showing one (listing them: ``tracker.services.listing``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import NotFound, ValidationFailed
from tracker.models import Claim, ClaimAppearance, Person, Question, Scale, ScaleTerm, Source
from tracker.reads import SessionReader
from tracker.services.differences import differing, refuse
from tracker.services.listing import claim_rows, list_claims
from tracker.services.outcomes import outcome_history
from tracker.services.people import person_aliases, require_person
from tracker.services.questions import question_tags, require_question
from tracker.services.revisions import revisions_of
from tracker.services.rules import (
    CLAIM_FIELDS,
    TermRef,
    check_claim_fits,
    check_made_on,
    check_quote,
    claim_value_shower,
    mapping_columns,
    refuse_other_claim,
)
from tracker.services.scores import CLAIM_SCOPE, claim_scores_of, no_score_change
from tracker.services.sources import require_source
from tracker.text import quoted
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import AppearanceIn, ClaimIn


def default_scale(session: Session) -> Scale:
    scale = session.scalar(select(Scale).where(Scale.is_default == 1))
    if scale is None:
        raise NotFound("no default probability scale in this database")
    return scale


def find_term(session: Session, scale_slug: str | None, term: str) -> ScaleTerm:
    """The scale term a wording maps to, on the named scale or the default one."""
    scale = (
        default_scale(session)
        if scale_slug is None
        else session.scalar(select(Scale).where(Scale.slug == scale_slug))
    )
    if scale is None:
        known = ", ".join(session.scalars(select(Scale.slug).order_by(Scale.slug)))
        raise NotFound(f"no scale {quoted(scale_slug)} (known: {known})")
    wanted = " ".join(term.casefold().split())
    found = session.scalar(
        select(ScaleTerm).where(ScaleTerm.scale_id == scale.id, ScaleTerm.term == wanted)
    )
    if found is None:
        terms = session.scalars(
            select(ScaleTerm.term).where(ScaleTerm.scale_id == scale.id).order_by(ScaleTerm.point)
        )
        raise NotFound(
            f"term {quoted(term)} is not on scale {scale.slug} (its terms: {', '.join(terms)})"
        )
    return found


def _mapping(session: Session, rec: ClaimIn) -> dict[str, Any]:
    if rec.term is None:
        return mapping_columns(rec, None)
    term = find_term(session, rec.scale, rec.term)
    return mapping_columns(rec, TermRef(term.id, term.scale.slug, term.scale.kind))


def session_claim_shower(session: Session) -> Callable[[str, Any], str]:
    def question_slug(question_id: int) -> str:
        question = session.get(Question, question_id)
        return question.slug if question is not None else str(question_id)

    def term_name(term_id: int) -> str:
        term = session.get(ScaleTerm, term_id)
        return f'{term.scale.slug} "{term.term}"' if term is not None else str(term_id)

    return claim_value_shower(question_slug, term_name)


def claim_values(session: Session, rec: ClaimIn) -> dict[str, Any]:
    """The columns a claim record gives beside its key."""
    question = require_question(session, rec.question) if rec.question else None
    condition = require_question(session, rec.condition.question) if rec.condition else None
    check_claim_fits(rec, question, condition)
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
        **_mapping(session, rec),
    }


def save_claim(session: Session, rec: ClaimIn, entered_by: str) -> tuple[Claim, str]:
    """Record a claim. The same claim again (same speaker, source and quote,
    same values) is "unchanged", though it may add later appearances; the same
    key with other values is refused (``tracker edit claim`` changes it).

    The quote must appear word for word in the source's stored text, when the
    source has one: that is what makes a claim checkable.
    """
    person = require_person(session, rec.speaker)
    source = require_source(session, rec.source)
    values = claim_values(session, rec)
    check_made_on(rec.made_on, source.slug, source.published_on)
    quote = check_quote(rec.quote, source.slug, source.text)
    claim = session.scalar(
        select(Claim).where(
            Claim.source_id == source.id, Claim.person_id == person.id, Claim.quote == quote
        )
    )
    if claim is not None:
        refuse_other_claim(
            claim.id,
            {f: getattr(claim, f) for f in CLAIM_FIELDS},
            values,
            session_claim_shower(session),
            claim.retracted_reason,
        )
        added = [add_appearance(session, claim, a) for a in rec.appearances]
        return claim, "updated" if any(added) else "unchanged"
    claim = Claim(
        person_id=person.id,
        source_id=source.id,
        quote=quote,
        entered_by=entered_by,
        entered_at=utcnow(),
        **values,
    )
    upkeep = no_score_change(session)
    session.add(claim)
    session.flush()
    upkeep.covering(CLAIM_SCOPE, upkeep_claim=claim.id).after()
    for appearance in rec.appearances:
        add_appearance(session, claim, appearance)
    return claim, "created"


def require_claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


def question_of_claim(session: Session, claim_id: int) -> Question:
    """The question a claim is about (what ``add-outcome --claim`` resolves)."""
    claim = require_claim(session, claim_id)
    if claim.question_id is None:
        raise NotFound(f"claim {claim_id} is an opinion with no question to resolve")
    question = session.get(Question, claim.question_id)
    assert question is not None
    return question


def appearance_values(
    rec: AppearanceIn, claim_source_id: int, claim_made_on: dt.date,
    source_id: int, source_text: str | None,
) -> dict[str, Any]:  # fmt: skip
    """An appearance's columns, held to its rules: not the claim's own source,
    the quote found in the later source's text (stored as that text has it),
    not dated before the claim. Messages name the field, as a seed file has it."""
    if source_id == claim_source_id:
        raise ValidationFailed(f"appearances: {rec.source} is already the claim's first source")
    try:
        quote = check_quote(rec.quote, rec.source, source_text)
    except ValidationFailed as exc:
        raise ValidationFailed(f"appearances: {exc}") from None
    if rec.appeared_on is not None and rec.appeared_on < claim_made_on:
        raise ValidationFailed(
            f"appearances: {rec.appeared_on} is before the claim was made ({claim_made_on}); "
            "record the earliest source as the claim's own"
        )
    return {"quote": quote, "appeared_on": rec.appeared_on}


def refuse_other_appearance(
    claim_id: int, source_slug: str, old: dict[str, Any], new: dict[str, Any],
    appearance_id: int, retracted: bool,
) -> None:  # fmt: skip
    """The one refusal for an appearance already recorded with other values."""
    found = differing(old, new)
    if found:
        refuse(
            f"the appearance of claim {claim_id} in {source_slug}",
            found,
            None if retracted else f'tracker retract appearance {appearance_id} --reason "…"',
        )


def add_appearance(session: Session, claim: Claim, rec: AppearanceIn) -> bool:
    """Note that ``claim`` appears again in another source; True if it is new.

    The claim's own source stays its first appearance; the quote is checked
    against the later source's text as for the claim itself.
    """
    source = require_source(session, rec.source)
    new = appearance_values(rec, claim.source_id, claim.made_on, source.id, source.text)
    existing = session.scalar(
        select(ClaimAppearance).where(
            ClaimAppearance.claim_id == claim.id, ClaimAppearance.source_id == source.id
        )
    )
    if existing is not None:
        old = {"quote": existing.quote, "appeared_on": existing.appeared_on}
        refuse_other_appearance(claim.id, source.slug, old, new, existing.id,
                                existing.retracted_at is not None)  # fmt: skip
        return False
    session.add(ClaimAppearance(claim_id=claim.id, source_id=source.id, **new))
    session.flush()
    return True


def claim_appearances(session: Session, claim_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ClaimAppearance, Source)
        .join(Source, Source.id == ClaimAppearance.source_id)
        .where(ClaimAppearance.claim_id == claim_id)
        .order_by(ClaimAppearance.appeared_on, ClaimAppearance.id)
    )
    return [
        {
            "id": a.id,
            "source": s.slug,
            "title": s.title,
            "url": s.url,
            "quote": a.quote,
            "appeared_on": a.appeared_on.isoformat() if a.appeared_on else None,
            "retracted_reason": a.retracted_reason,
            "revisions": revisions_of(session, "appearance", a.id),
        }
        for a, s in rows
    ]


def _question_brief(session: Session, question_id: int | None) -> dict[str, Any] | None:
    if question_id is None:
        return None
    q = session.get(Question, question_id)
    assert q is not None
    return {
        "id": q.id,
        "slug": q.slug,
        "title": q.title,
        "resolve_by": q.resolve_by.isoformat(),
        "outcomes": outcome_history(session, q.id),
    }


def show_claim(session: Session, claim_id: int) -> dict[str, Any]:
    """One claim with its speaker, source, question and full outcome history."""
    claim = require_claim(session, claim_id)
    row = _claim_row(session, claim_id)
    person = session.get(Person, claim.person_id)
    source = session.get(Source, claim.source_id)
    assert person is not None and source is not None
    return {
        **row,
        "speaker_kind": person.kind,
        "speaker_aliases": person_aliases(person),
        "role": claim.role,
        "made_on_note": claim.made_on_note,
        "mapping_note": claim.mapping_note,
        "direction": claim.direction,
        "side": claim.side,
        "estimate": _estimate(claim),
        "condition": (
            {
                **(_question_brief(session, claim.condition_question_id) or {}),
                "required_result": claim.condition_result,
            }
            if claim.condition_question_id
            else None
        ),
        "source": {
            "slug": source.slug,
            "title": source.title,
            "url": source.url,
            "publisher": source.publisher,
            "published_on": source.published_on.isoformat() if source.published_on else None,
            "published_on_note": source.published_on_note,
        },
        "appearances": claim_appearances(session, claim.id),
        "question_detail": _question_brief(session, claim.question_id),
        "entered_by": claim.entered_by,
        "entered_at": claim.entered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "retracted": _retraction(claim),
        "revisions": revisions_of(session, "claim", claim.id),
        "score": _score(session, claim.id),
    }


def _estimate(claim: Claim) -> dict[str, Any] | None:
    """A numeric claim's number: a point, a range, or a threshold and its side."""
    found = {"value": claim.estimate, "low": claim.estimate_low, "high": claim.estimate_high,
             "threshold": claim.threshold, "side": claim.threshold_side}  # fmt: skip
    return found if any(v is not None for v in found.values()) else None


def _score(session: Session, claim_id: int) -> dict[str, Any] | None:
    """The claim's score as recorded: status, Brier (with best and worst over
    its range) and log loss; None for a retracted claim (never scored)."""
    row = claim_scores_of(session, [claim_id]).get(claim_id)
    if row is None:
        return None
    keys = ("status", "brier", "brier_best", "brier_worst", "log_loss", "observed_value",
            "abs_error", "pct_error", "covered", "interval_score")  # fmt: skip
    return {k: row[k] for k in keys}


def _retraction(claim: Claim) -> dict[str, Any] | None:
    if claim.retracted_at is None:
        return None
    return {
        "at": claim.retracted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": claim.retracted_reason,
    }


def _claim_row(session: Session, claim_id: int) -> dict[str, Any]:
    return claim_rows(SessionReader(session), claim_id=claim_id)[0]


def show_question(session: Session, ref: str) -> dict[str, Any]:
    """One question with its tags, every claim about it and its outcome history."""
    question = require_question(session, ref)
    brief = _question_brief(session, question.id)
    assert brief is not None
    return {
        **brief,
        "criteria": question.criteria,
        "horizon": question.horizon_text,
        "type": question.question_type,
        "unit": question.unit,
        "tags": question_tags(session, question.id),
        "claims": list_claims(SessionReader(session), question=question.slug),
        "retracted_claims": list_claims(
            SessionReader(session), question=question.slug, retracted=True
        ),
        "revisions": revisions_of(session, "question", question.id),
    }
