"""Questions: the resolvable events claims are about, and their status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.models import Question, QuestionTag, Tag
from tracker.reads import SessionReader
from tracker.services import lookups
from tracker.services.rules import question_values, refuse_other_question
from tracker.services.scores import no_score_change
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import QuestionIn


def require_question(session: Session, ref: str) -> Question:
    """A question by slug or numeric id (see ``lookups``)."""
    question = session.get(Question, lookups.require_question_id(SessionReader(session), ref))
    assert question is not None
    return question


def question_tags(session: Session, question_id: int) -> list[str]:
    """A question's tags sorted by code point here, not by the database's
    collation: an edit compares them with a sorted list, and revisions and the
    ledger keep them in this order."""
    return sorted(
        session.scalars(
            select(Tag.name)
            .join(QuestionTag, QuestionTag.tag_id == Tag.id)
            .where(QuestionTag.question_id == question_id)
        )
    )


def set_tags(session: Session, question: Question, tags: list[str]) -> bool:
    wanted = sorted(set(tags))
    if question.id is not None and question_tags(session, question.id) == wanted:
        return False
    session.flush()
    session.execute(delete(QuestionTag).where(QuestionTag.question_id == question.id))
    for name in wanted:
        tag = session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        session.add(QuestionTag(question_id=question.id, tag_id=tag.id))
    return True


def recorded_question(session: Session, question: Question) -> dict[str, Any]:
    return {"title": question.title, "criteria": question.criteria,
            "resolve_by": question.resolve_by, "horizon": question.horizon_text,
            "tags": question_tags(session, question.id), "type": question.question_type,
            "unit": question.unit}  # fmt: skip


def save_question(session: Session, rec: QuestionIn, created_by: str) -> tuple[Question, str]:
    """Create the question; the same record again is "unchanged", and the same
    slug with other values is refused (``tracker edit question`` changes it)."""
    question = session.scalar(select(Question).where(Question.slug == rec.slug))
    if question is not None:
        refuse_other_question(rec.slug, recorded_question(session, question), question_values(rec))
        return question, "unchanged"
    question = Question(
        slug=rec.slug,
        title=rec.title,
        criteria=rec.criteria,
        resolve_by=rec.resolve_by,
        horizon_text=rec.horizon,
        question_type=rec.type,
        unit=rec.unit,
        created_at=utcnow(),
        created_by=created_by,
    )
    session.add(question)
    upkeep = no_score_change(session)  # no claim is about it yet
    upkeep.before()
    set_tags(session, question, rec.tags)
    upkeep.after()
    return question, "created"
