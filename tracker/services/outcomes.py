"""Outcomes: append-only resolutions of questions, corrected by superseding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from tracker.db import hold_write_lock
from tracker.errors import Conflict
from tracker.models import Claim, Outcome, OutcomeEvidence, Question, Source
from tracker.services.rules import RecordedOutcome, check_recorded_after, refuse_unscoring
from tracker.services.rules import check_outcome_fits as check_fits_question
from tracker.services.scores import Database, claim_scores_of, question_upkeep
from tracker.services.sources import require_source
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import OutcomeIn

T = TypeVar("T")


def current_outcome(session: Session, question_id: int) -> Outcome | None:
    """The outcome that stands, as the database's current_outcomes view says."""
    outcome_id = session.scalar(
        text("SELECT id FROM current_outcomes WHERE question_id = :q"), {"q": question_id}
    )
    return None if outcome_id is None else session.get(Outcome, outcome_id)


def more_evidence(session: Session, outcome_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each outcome's further evidence links (after its ``evidence_url``), in order."""
    links: dict[int, list[str]] = {}
    for start in range(0, len(outcome_ids), 900):
        rows = session.execute(
            select(OutcomeEvidence.outcome_id, OutcomeEvidence.url)
            .where(OutcomeEvidence.outcome_id.in_(outcome_ids[start : start + 900]))
            .order_by(OutcomeEvidence.outcome_id, OutcomeEvidence.position)
        )
        for outcome_id, url in rows:
            links.setdefault(outcome_id, []).append(url)
    return {k: tuple(v) for k, v in links.items()}


def add_more_evidence(session: Session, outcome_id: int, urls: tuple[str, ...]) -> None:
    session.add_all(
        OutcomeEvidence(outcome_id=outcome_id, position=n, url=url)
        for n, url in enumerate(urls, start=2)
    )


def _same(
    session: Session, outcome: Outcome, rec: OutcomeIn, evidence_source_id: int | None
) -> bool:
    return (
        outcome.result == rec.result
        and outcome.observed_value == rec.value
        and outcome.occurred_on == rec.occurred_on
        and outcome.evidence_url == rec.evidence_url
        and outcome.evidence_source_id == evidence_source_id
        and outcome.note == rec.note
        and more_evidence(session, [outcome.id]).get(outcome.id, ()) == rec.more_evidence
    )


def hindsight_claims(
    db: Database, question_id: int, occurred_on: Any
) -> tuple[list[int], list[int]]:
    """The claims on a question made on or after ``occurred_on`` (an outcome
    dated then makes them hindsight), and those of them scored now."""
    return hindsight_claims_of(db, [(question_id, occurred_on)])[(question_id, occurred_on)]


def hindsight_claims_of(
    db: Database, asked: Iterable[tuple[int, Any]]
) -> dict[tuple[int, Any], tuple[list[int], list[int]]]:
    """``hindsight_claims`` for many (question, day) pairs at once: two
    queries for a batch of corrections instead of two each."""
    asked = set(asked)
    made: dict[int, list[tuple[int, Any]]] = {}
    questions = sorted({q for q, _ in asked})
    for start in range(0, len(questions), 900):
        for question_id, claim_id, made_on in db.execute(
            select(Claim.question_id, Claim.id, Claim.made_on)
            .where(Claim.question_id.in_(questions[start : start + 900]),
                   Claim.retracted_at.is_(None))
            .order_by(Claim.id)
        ):  # fmt: skip
            made.setdefault(question_id, []).append((claim_id, made_on))
    late = {(q, day): [i for i, on in made.get(q, []) if on >= day] for q, day in asked}
    every = sorted({i for ids in late.values() for i in ids})
    scores: dict[int, dict[str, Any]] = {}
    for start in range(0, len(every), 5000):
        scores.update(claim_scores_of(db, every[start : start + 5000]))
    return {
        pair: (ids, [i for i in ids if scores.get(i, {}).get("status") == "scored"])
        for pair, ids in late.items()
    }


def record_outcome(
    session: Session,
    question: Question,
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
    typed wrong would quietly unscore them).

    Writers queue on the write lock before reading the current outcome: two
    that read the same one would both supersede it.
    """
    hold_write_lock(session)
    check_fits_question(question, rec.result)
    evidence_source = require_source(session, rec.evidence_source) if rec.evidence_source else None
    evidence_source_id = evidence_source.id if evidence_source else None
    current = current_outcome(session, question.id)
    if current is not None and _same(session, current, rec, evidence_source_id):
        return None
    if current is not None:
        check_recorded_after(rec.recorded_at, current.recorded_at)
    late, scored = hindsight_claims(session, question.id, rec.occurred_on)
    if not hindsight_ok:
        refuse_unscoring(question.slug, rec.occurred_on, scored, option)
    outcome = Outcome(
        question_id=question.id,
        result=rec.result,
        observed_value=rec.value,
        occurred_on=rec.occurred_on,
        evidence_url=rec.evidence_url,
        evidence_source_id=evidence_source_id,
        note=rec.note,
        supersedes_id=current.id if current else None,
        recorded_at=rec.recorded_at or utcnow(),
        recorded_by=rec.recorded_by or recorded_by,
    )
    upkeep = question_upkeep(session, question.id)
    upkeep.before()
    session.add(outcome)
    upkeep.after()
    add_more_evidence(session, outcome.id, rec.more_evidence)
    claims = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(
            or_(Claim.question_id == question.id, Claim.condition_question_id == question.id),
            Claim.retracted_at.is_(None),
        )
    )
    return RecordedOutcome(
        id=outcome.id,
        question=question.slug,
        result=outcome.result,
        occurred_on=outcome.occurred_on.isoformat(),
        supersedes=current.id if current else None,
        previous_result=current.result if current else None,
        claims_resolved=claims or 0,
        hindsight=tuple(late),
        value=outcome.observed_value,
    )


def sync_outcomes(
    session: Session,
    question: Question,
    records: list[OutcomeIn],
    recorded_by: str,
    *,
    hindsight_ok: bool = False,
) -> int:
    """Make the recorded history of ``question`` end with ``records`` (a seed
    file's list, oldest first): entries already recorded are skipped, new ones
    appended as corrections. A file that rewrites recorded history is refused."""
    history = _chain(session, question.id)
    added = 0
    for i, rec in enumerate(records):
        source = require_source(session, rec.evidence_source) if rec.evidence_source else None
        if i < len(history):
            if not _same(session, history[i], rec, source.id if source else None):
                raise Conflict(
                    f"outcome {i + 1} for {question.slug} differs from the one recorded "
                    f"(#{history[i].id}); outcomes are append-only: add the correction "
                    "at the end of the list"
                )
            continue
        recorded = record_outcome(
            session, question, rec, recorded_by, hindsight_ok=hindsight_ok, option="occurred_on"
        )
        if recorded is not None:
            added += 1
    return added


def chain_order(items: Sequence[T], id_: Any, parent: Any) -> list[T]:
    """One question's outcomes, first to current: each supersedes the one before.
    ``id_`` and ``parent`` pick an item's id and the id it supersedes (an
    attribute name or a tuple index)."""

    def get(item: T, key: Any) -> Any:
        return item[key] if isinstance(key, int) else getattr(item, key)  # type: ignore[index]

    by_parent = {get(o, parent): o for o in items}
    chain: list[T] = []
    node = by_parent.get(None)
    while node is not None:
        chain.append(node)
        node = by_parent.get(get(node, id_))
    return chain


def _chain(session: Session, question_id: int) -> list[Outcome]:
    rows = session.scalars(select(Outcome).where(Outcome.question_id == question_id)).all()
    return chain_order(rows, "id", "supersedes_id")


def outcome_history(session: Session, question_id: int) -> list[dict[str, Any]]:
    """Every outcome recorded for a question, oldest first, the current one marked."""
    chain = _chain(session, question_id)
    sources = {
        s.id: s.slug
        for s in session.scalars(
            select(Source).where(Source.id.in_([o.evidence_source_id for o in chain]))
        )
    }
    more = more_evidence(session, [o.id for o in chain])
    return [
        {
            "id": o.id,
            "result": o.result,
            "value": o.observed_value,
            "occurred_on": o.occurred_on.isoformat(),
            "evidence_url": o.evidence_url,
            "more_evidence": list(more.get(o.id, ())),
            "evidence_source": sources.get(o.evidence_source_id),
            "note": o.note,
            "recorded_at": o.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recorded_by": o.recorded_by,
            "supersedes": o.supersedes_id,
            "current": i == len(chain) - 1,
        }
        for i, o in enumerate(chain)
    ]
