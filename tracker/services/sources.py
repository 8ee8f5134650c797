"""Sources: the documents claims appear in, with their text kept for checking quotes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.errors import Conflict, NotFound
from tracker.models import Source
from tracker.services.rules import SOURCE_FIELDS, content_hash, refuse_other_source, source_values
from tracker.text import quoted
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import SourceIn


def require_source(session: Session, ref: str) -> Source:
    """A source by slug, URL or numeric id."""
    conditions = [Source.slug == ref, Source.url == ref]
    if ref.isdigit():
        conditions.append(Source.id == int(ref))
    source = session.scalar(select(Source).where(or_(*conditions)))
    if source is None:
        raise NotFound(f"no source {quoted(ref)} (add one with `tracker add-source`)")
    return source


def save_source(session: Session, rec: SourceIn) -> tuple[Source, str]:
    """Create the source; the same record again is "unchanged", and the same
    slug with other values is refused (``tracker edit source`` changes it)."""
    source = session.scalar(select(Source).where(Source.slug == rec.slug))
    values = source_values(rec)
    if source is None:
        if rec.url is not None:
            other = session.scalar(select(Source.slug).where(Source.url == rec.url))
            if other is not None:
                raise Conflict(f"url: {rec.url} is already the source {other}")
        source = Source(
            slug=rec.slug, created_at=utcnow(), content_hash=content_hash(rec.text), **values
        )
        session.add(source)
        session.flush()
        return source, "created"
    refuse_other_source(rec.slug, {f: getattr(source, f) for f in SOURCE_FIELDS}, values)
    return source, "unchanged"
