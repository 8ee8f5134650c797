"""Questions: the resolvable events claims are about, and their status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.models import Question, QuestionTag, Tag
from tracker.reads import SessionReader
from tracker.services import lookups
from tracker.services.scores import no_score_change, question_upkeep
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import QuestionIn


def require_question(session: Session, ref: str) -> Question:
    """A question by slug or numeric id (see ``lookups``)."""
    question = session.get(Question, lookups.require_question_id(SessionReader(session), ref))
    assert question is not None
    return question


def question_tags(session: Session, question_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Tag.name)
            .join(QuestionTag, QuestionTag.tag_id == Tag.id)
            .where(QuestionTag.question_id == question_id)
            .order_by(Tag.name)
        )
    )


def _set_tags(session: Session, question: Question, tags: list[str]) -> bool:
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


def save_question(session: Session, rec: QuestionIn, created_by: str) -> tuple[Question, str]:
    """Create the question or update the one with the same slug."""
    question = session.scalar(select(Question).where(Question.slug == rec.slug))
    values = {
        "title": rec.title,
        "criteria": rec.criteria,
        "resolve_by": rec.resolve_by,
        "horizon_text": rec.horizon,
    }
    if question is None:
        question = Question(slug=rec.slug, created_at=utcnow(), created_by=created_by, **values)
        session.add(question)
        upkeep = no_score_change(session)  # no claim is about it yet
        upkeep.before()
        _set_tags(session, question, rec.tags)
        upkeep.after()
        return question, "created"
    changes = {f: v for f, v in values.items() if getattr(question, f) != v}
    retag = question_tags(session, question.id) != sorted(set(rec.tags))
    # Scores read the resolve-by date (horizons) and the tags (groups).
    upkeep = (
        question_upkeep(session, question.id)
        if retag or "resolve_by" in changes
        else no_score_change(session)
    )
    upkeep.before()
    for field, value in changes.items():
        setattr(question, field, value)
    if retag:
        _set_tags(session, question, rec.tags)
    upkeep.after()
    return question, "updated" if changes or retag else "unchanged"
