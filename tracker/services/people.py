"""Speakers and the spellings they go by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import Conflict
from tracker.models import Person, PersonAlias
from tracker.reads import SessionReader
from tracker.services import lookups
from tracker.services.scores import no_score_change, person_upkeep
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
    already names someone else is refused: one spelling, one person."""
    key = alias_key(alias)
    existing = session.scalar(select(PersonAlias).where(PersonAlias.alias_key == key))
    if existing is not None:
        if existing.person_id != person.id:
            raise Conflict(f"alias {alias!r} already belongs to {existing.person.name!r}")
        return False
    session.add(PersonAlias(person=person, alias=alias, alias_key=key))
    return True


def save_person(session: Session, rec: PersonIn) -> tuple[Person, str]:
    """Create the person, or bring an existing one (same slug, or any of the
    record's names already known) up to date. Aliases are only ever added."""
    slug = rec.slug or slugify(rec.name)
    person = session.scalar(select(Person).where(Person.slug == slug))
    if person is None:
        for name in (rec.name, *rec.aliases):
            person = find_person(session, name)
            if person is not None:
                break
    action = "unchanged"
    if person is None:
        person = Person(
            slug=slug,
            name=rec.name,
            kind=rec.kind,
            description=rec.description,
            created_at=utcnow(),
        )
        session.add(person)
        action = "created"
    else:
        changes = {
            field: value
            for field, value in (
                ("name", rec.name),
                ("kind", rec.kind),
                ("description", rec.description),
            )
            if getattr(person, field) != value
        }
        # Scores carry the speaker's name (the scoreboard's labels).
        upkeep = (
            person_upkeep(session, person.id) if "name" in changes else no_score_change(session)
        )
        upkeep.before()
        for field, value in changes.items():
            setattr(person, field, value)
        upkeep.after()
        action = "updated" if changes else action
    added = [add_alias(session, person, alias) for alias in (rec.name, *rec.aliases)]
    if any(added) and action == "unchanged":
        action = "updated"
    return person, action


def person_aliases(person: Person) -> list[str]:
    return sorted((a.alias for a in person.aliases if a.alias != person.name), key=str.casefold)
