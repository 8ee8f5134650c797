"""Speakers and the spellings they go by.

A speaker and their spellings are written by ``tracker.services.entry``
(``save_person``, ``add_alias``: the one home of those writes, for
``add-person``, seed files and edits alike); this module finds a recorded
one as a model.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker.models import Person
from tracker.reads import SessionReader
from tracker.services import lookups
from tracker.services.rules import SPELLING_ADDED as SPELLING_ADDED
from tracker.services.rules import alias_taken as alias_taken
from tracker.services.rules import refuse_other_person as refuse_other_person


def require_person(session: Session, name: str) -> Person:
    """The person any of whose spellings matches ``name`` (see ``lookups``)."""
    person = session.get(Person, lookups.require_person_id(SessionReader(session), name))
    assert person is not None
    return person


def person_aliases(person: Person) -> list[str]:
    return sorted((a.alias for a in person.aliases if a.alias != person.name), key=str.casefold)
