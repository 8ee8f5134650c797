"""Sources: the documents claims appear in, with their text kept for checking quotes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.errors import Conflict, NotFound
from tracker.models import Source
from tracker.services.differences import differing, long_text, refuse, shown
from tracker.text import quoted
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import SourceIn

SOURCE_FIELDS = (
    "title",
    "url",
    "publisher",
    "author",
    "published_on",
    "published_on_note",
    "retrieved_on",
    "text",
)

# Fields whose edit option is not the field's name.
_OPTION = {"text": "text-file", "published_on": "published-on", "retrieved_on": "retrieved-on",
           "published_on_note": "published-on-note"}  # fmt: skip


def content_hash(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def require_source(session: Session, ref: str) -> Source:
    """A source by slug, URL or numeric id."""
    conditions = [Source.slug == ref, Source.url == ref]
    if ref.isdigit():
        conditions.append(Source.id == int(ref))
    source = session.scalar(select(Source).where(or_(*conditions)))
    if source is None:
        raise NotFound(f"no source {quoted(ref)} (add one with `tracker add-source`)")
    return source


def show_source_value(field: str, value: Any) -> str:
    """A source's field in a message: a text by its size, not its words."""
    return (long_text(value) or "(none)") if field == "text" else shown(value)


def source_values(rec: SourceIn) -> dict[str, Any]:
    return {field: getattr(rec, field) for field in SOURCE_FIELDS}


def refuse_other_source(slug: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The one refusal for a source slug already recorded with other values."""
    found = differing(old, new, SOURCE_FIELDS)
    if found:
        refuse(
            f"source {slug}",
            found,
            f"tracker edit source {slug} --{_OPTION.get(found[0].field, found[0].field)} … "
            '--reason "…"',
            show_source_value,
        )


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
