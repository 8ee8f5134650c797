"""Questions: the resolvable events claims are about, and their status.

A question and its tags are written by ``tracker.services.entry``
(``save_question``, ``set_tags``: the one home of those writes, for
``add-question``, seed files and edits alike); this module finds a recorded
one as a model.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker.models import Question
from tracker.reads import SessionReader
from tracker.services import entry, lookups
from tracker.services.rules import question_values as question_values
from tracker.services.rules import refuse_other_question as refuse_other_question
from tracker.writes import SessionWriter


def require_question(session: Session, ref: str) -> Question:
    """A question by slug or numeric id (see ``lookups``)."""
    question = session.get(Question, lookups.require_question_id(SessionReader(session), ref))
    assert question is not None
    return question


def question_tags(session: Session, question_id: int) -> list[str]:
    """A question's tags sorted by code point (``entry.question_tags``)."""
    return entry.question_tags(SessionWriter(session), question_id)
