"""Affiliations: a speaker's place in an organisation over a period.

``report --by organisation`` rolls each claim up to the organisations its
speaker belonged to on the day it was made (``tracker.score_views``). An
affiliation is keyed by speaker, organisation and start date: the same one
again is "unchanged", another under the same key is refused with the field
named, and periods of one speaker at one organisation may not overlap (a
claim would count twice).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import hold_write_lock
from tracker.errors import Conflict, ValidationFailed
from tracker.models import Affiliation, Person
from tracker.services.differences import differing, refuse
from tracker.services.people import require_person
from tracker.services.scores import person_upkeep
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import AffiliationIn

_FIELDS = ("role", "ended_on")


def _overlap(a_start: dt.date | None, a_end: dt.date | None,
             b_start: dt.date | None, b_end: dt.date | None) -> bool:  # fmt: skip
    lo, hi = dt.date.min, dt.date.max
    return (a_start or lo) <= (b_end or hi) and (b_start or lo) <= (a_end or hi)


def save_affiliation(
    session: Session, person: Person, rec: AffiliationIn, by: str
) -> tuple[Affiliation, str]:
    """Record that ``person`` belonged to ``rec.organisation`` (a speaker of
    kind organisation) over the period given."""
    hold_write_lock(session)
    organisation = require_person(session, rec.organisation)
    if organisation.kind != "organisation":
        raise ValidationFailed(
            f"organisation: {organisation.name} is a speaker of kind {organisation.kind}; "
            f"record the organisation with `tracker add-person … --kind organisation`"
        )
    if organisation.id == person.id:
        raise ValidationFailed(f"organisation: {person.name} cannot belong to itself")
    rows = session.scalars(
        select(Affiliation).where(
            Affiliation.person_id == person.id, Affiliation.organisation_id == organisation.id
        )
    ).all()
    same = next((a for a in rows if a.started_on == rec.started_on), None)
    if same is not None:
        old = {"role": same.role, "ended_on": same.ended_on}
        found = differing(old, {"role": rec.role, "ended_on": rec.ended_on}, _FIELDS)
        if found:
            refuse(f"the affiliation of {person.name} with {organisation.name} "
                   f"from {rec.started_on or 'an unknown date'}", found, None)  # fmt: skip
        return same, "unchanged"
    for other in rows:
        if _overlap(other.started_on, other.ended_on, rec.started_on, rec.ended_on):
            raise Conflict(
                f"{person.name} is already recorded at {organisation.name} from "
                f"{other.started_on or 'an unknown date'} to {other.ended_on or 'now'}, which "
                "overlaps this period; a claim would count twice"
            )
    affiliation = Affiliation(
        person_id=person.id,
        organisation_id=organisation.id,
        role=rec.role,
        started_on=rec.started_on,
        ended_on=rec.ended_on,
        created_at=utcnow(),
        created_by=by,
    )
    upkeep = person_upkeep(session, person.id)  # the organisation's totals gain its claims
    upkeep.before()
    session.add(affiliation)
    upkeep.after()
    return affiliation, "created"


def affiliations_of(session: Session, person_id: int) -> list[dict[str, Any]]:
    """A speaker's affiliations, earliest first."""
    rows = session.execute(
        select(Affiliation, Person)
        .join(Person, Person.id == Affiliation.organisation_id)
        .where(Affiliation.person_id == person_id)
        .order_by(Affiliation.started_on, Affiliation.id)
    )
    return [
        {
            "organisation": p.name,
            "role": a.role,
            "started_on": a.started_on.isoformat() if a.started_on else None,
            "ended_on": a.ended_on.isoformat() if a.ended_on else None,
        }
        for a, p in rows
    ]
