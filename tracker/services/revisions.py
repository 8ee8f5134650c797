"""Revisions: the history of every correction, one row per changed field.

A correction is never an overwrite without trace: each changed field of a
claim, question, speaker, source or appearance is written here with its old
and new value, the reason, who made it and when, in the same transaction as
the change. The table is append-only (the database's triggers refuse UPDATE
and DELETE), so the history itself cannot be rewritten.

Values are stored as text in the column's canonical form (ISO dates, ids for
references, tag lists as JSON), so a record can be read back as it stood at
any moment; ``display`` renders them for people.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Person, Question, Revision, ScaleTerm, Source
from tracker.revision_views import FIELD_LABELS
from tracker.services.differences import shown
from tracker.services.rules import as_text
from tracker.types import TIMESTAMP_FORMAT


def record_revision(
    session: Session,
    record_type: str,
    record_id: int,
    field: str,
    old: Any,
    new: Any,
    reason: str,
    revised_by: str,
    revised_at: dt.datetime,
) -> None:
    session.add(
        Revision(
            record_type=record_type,
            record_id=record_id,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
            reason=reason,
            revised_by=revised_by,
            revised_at=revised_at,
        )
    )


def display(session: Session, field: str, value: str | None) -> str:
    """A revision's stored value as a person reads it: a question by its slug,
    a scale term by scale and term, a long text by its size."""
    if value is None:
        return shown(None)
    if field in ("question_id", "condition_question_id"):
        question = session.get(Question, int(value))
        return question.slug if question is not None else value
    if field == "scale_term_id":
        term = session.get(ScaleTerm, int(value))
        return f'{term.scale.slug} "{term.term}"' if term is not None else value
    if field in ("person_id", "source_id"):
        row = session.get(Person if field == "person_id" else Source, int(value))
        return (row.slug if row is not None else None) or value
    if field == "text":
        return f"{len(value):,} characters"
    if field == "tags":
        return "[" + ", ".join(json.loads(value)) + "]"
    if field in _WORDS:
        return shown(value)
    return value  # dates, times, numbers, choices: as stored


# Fields whose values are words a person wrote (quoted when shown).
_WORDS = {"quote", "title", "criteria", "horizon_text", "name", "description", "alias",
          "wording", "role", "made_on_note", "mapping_note", "publisher", "author",
          "published_on_note", "url"}  # fmt: skip


def field_label(field: str) -> str:
    """A stored column's name as the user knows the field."""
    return FIELD_LABELS.get(field, field)


def revisions_of(session: Session, record_type: str, record_id: int) -> list[dict[str, Any]]:
    """A record's corrections, oldest first, ready to print."""
    rows = session.scalars(
        select(Revision)
        .where(Revision.record_type == record_type, Revision.record_id == record_id)
        .order_by(Revision.revised_at, Revision.id)
    )
    return [
        {
            "id": r.id,
            "field": field_label(r.field),
            "old": display(session, r.field, r.old_value),
            "new": display(session, r.field, r.new_value),
            "reason": r.reason,
            "revised_by": r.revised_by,
            "revised_at": r.revised_at.strftime(TIMESTAMP_FORMAT),
        }
        for r in rows
    ]
