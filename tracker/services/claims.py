"""Claims: showing one (listing them: ``tracker.services.listing``).

A claim and its appearances are written by ``tracker.services.entry``
(``save_claim``, ``add_appearance``: the one home of those writes, for
``add-claim``, ``add-appearance`` and seed files alike).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import NotFound
from tracker.models import Claim, ClaimAppearance, Person, Question, Source
from tracker.reads import SessionReader
from tracker.services.listing import claim_rows, list_claims
from tracker.services.outcomes import outcome_history
from tracker.services.people import person_aliases
from tracker.services.questions import question_tags, require_question
from tracker.services.revisions import revisions_of
from tracker.services.rules import CLAIM_FIELDS as CLAIM_FIELDS
from tracker.services.rules import TermRef as TermRef
from tracker.services.rules import appearance_values as appearance_values
from tracker.services.rules import check_made_on as check_made_on
from tracker.services.rules import check_quote as check_quote
from tracker.services.rules import claim_value_shower as claim_value_shower
from tracker.services.rules import mapping_columns as mapping_columns
from tracker.services.rules import refuse_other_appearance as refuse_other_appearance
from tracker.services.rules import refuse_other_claim as refuse_other_claim
from tracker.services.scores import claim_scores_of


def require_claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


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
