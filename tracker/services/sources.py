"""Sources: the documents claims appear in, with their text kept for checking quotes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.errors import NotFound
from tracker.models import Source
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import SourceIn

_FIELDS = (
    "title",
    "url",
    "publisher",
    "author",
    "published_on",
    "published_on_note",
    "retrieved_on",
    "text",
)


def content_hash(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def require_source(session: Session, ref: str) -> Source:
    """A source by slug, URL or numeric id."""
    conditions = [Source.slug == ref, Source.url == ref]
    if ref.isdigit():
        conditions.append(Source.id == int(ref))
    source = session.scalar(select(Source).where(or_(*conditions)))
    if source is None:
        raise NotFound(f"no source {ref!r} (add one with `tracker add-source`)")
    return source


def save_source(session: Session, rec: SourceIn) -> tuple[Source, str]:
    """Create the source or update the one with the same slug."""
    source = session.scalar(select(Source).where(Source.slug == rec.slug))
    values = {field: getattr(rec, field) for field in _FIELDS}
    values["content_hash"] = content_hash(rec.text)
    if source is None:
        source = Source(slug=rec.slug, created_at=utcnow(), **values)
        session.add(source)
        session.flush()
        return source, "created"
    changed = False
    for field, value in values.items():
        if getattr(source, field) != value:
            setattr(source, field, value)
            changed = True
    return source, "updated" if changed else "unchanged"
