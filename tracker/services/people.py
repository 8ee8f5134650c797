"""Speakers and the spellings they go by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import hold_write_lock
from tracker.errors import Conflict
from tracker.models import Person, PersonAlias
from tracker.reads import SessionReader
from tracker.services import lookups
from tracker.services.differences import shown
from tracker.services.revisions import record_revision
from tracker.services.rules import SPELLING_ADDED, alias_taken, refuse_other_person
from tracker.text import alias_key, slugify
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import PersonIn


def find_person(session: Session, name: str) -> Person | None:
    """The person any of whose aliases matches ``name`` (see ``lookups``)."""
    found = lookups.person_id(SessionReader(session), name)
    return None if found is None else session.get(Person, found)


def require_person(session: Session, name: str) -> Person:
    person = session.get(Person, lookups.require_person_id(SessionReader(session), name))
    assert person is not None
    return person


def add_alias(session: Session, person: Person, alias: str) -> bool:
    """Give ``person`` another spelling; True if it was new. An alias that
    already names someone else is refused: one spelling, one person (writers
    queue on the write lock, so two cannot both find a spelling free)."""
    hold_write_lock(session)
    key = alias_key(alias)
    existing = session.scalar(select(PersonAlias).where(PersonAlias.alias_key == key))
    if existing is not None:
        if existing.person_id != person.id:
            raise alias_taken(alias, existing.person.name, existing.person.slug)
        return False
    session.add(PersonAlias(person=person, alias=alias, alias_key=key))
    return True


def save_person(
    session: Session, rec: PersonIn, by: str, reason: str = SPELLING_ADDED
) -> tuple[Person, str]:
    """Create the speaker, or add spellings to the one already recorded under
    this name (or slug). Nothing else about a recorded speaker changes here:
    other values are refused (``tracker edit person`` changes them), and an
    alias is never taken from its owner. A spelling added to a recorded
    speaker is written to their history (``reason``, ``by``)."""
    hold_write_lock(session)
    slug = rec.slug or slugify(rec.name)
    by_slug = session.scalar(select(Person).where(Person.slug == slug))
    by_name = find_person(session, rec.name)
    if by_slug is not None and by_name is not None and by_slug.id != by_name.id:
        raise Conflict(
            f"name {shown(rec.name)} is a spelling of {by_name.name} ({by_name.slug}), "
            f"but slug {slug} is {by_slug.name}; nothing was changed"
        )
    person = by_name or by_slug
    if person is None:
        person = Person(
            slug=slug,
            name=rec.name,
            kind=rec.kind or "person",
            description=rec.description,
            created_at=utcnow(),
        )
        session.add(person)
        for alias in (rec.name, *rec.aliases):
            add_alias(session, person, alias)
        return person, "created"
    refuse_other_person(
        {f: getattr(person, f) for f in ("name", "slug", "kind", "description")},
        rec,
        name_known=by_name is not None,
    )
    added = [alias for alias in rec.aliases if add_alias(session, person, alias)]
    # A spelling added to a recorded speaker is part of their history too.
    now = utcnow()
    for alias in added:
        record_revision(session, "person", person.id, "alias", None, alias, reason, by, now)
    return person, "updated" if added else "unchanged"


def person_aliases(person: Person) -> list[str]:
    return sorted((a.alias for a in person.aliases if a.alias != person.name), key=str.casefold)
