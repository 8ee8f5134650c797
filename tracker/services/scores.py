"""Score totals kept current, so scores read at once at any size.

``score_totals`` and ``calibration_totals`` hold counts and sums per scale and
group; ``score_groups``, ``calibration`` and ``murphy`` derive everything else
from them. What the totals hold is defined once, by the templates of the same
names in ``tracker.score_views``; ``tracker.kept_totals`` evaluates those
templates, set-wise, over the claims a write can affect, and this module
says which claims and when:

* before the write, what those claims contributed is taken away;
* after it, what they contribute now is added.

Counts are exact; sums of floats may differ from a from-scratch computation
in the last bits, which a test bounds.

Writes from anything else (Datasette plugins, the sqlite3 shell) are caught by
triggers that flag the totals stale (``score_state``); the tracker's own writes
leave the flag as they found it. Stale totals are never patched, only rebuilt
from scratch: ``refresh`` does that, and the report calls it before reading.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tracker import kept_totals
from tracker.reads import SessionReader
from tracker.services import upkeep
from tracker.services.score_state import totals_stale

Database = Session | Connection

TABLES = kept_totals.TABLES
_PARAMS = kept_totals.PARAMS


def is_stale(db: Database) -> bool:
    return totals_stale(SessionReader(db))


class Upkeep(upkeep.Upkeep):
    """``tracker.services.upkeep.Upkeep`` on a SQLAlchemy session or
    connection (the importer, the edits, bulk files): the same statements,
    with the session's pending rows flushed before the totals read them."""

    def __init__(
        self, db: Database, scope: str | None, params: dict[str, Any] | None = None
    ) -> None:
        self.session = db
        super().__init__(SessionReader(db), scope, params or {})

    def after(self) -> None:
        if isinstance(self.session, Session):
            self.session.flush()
        super().after()


def no_score_change(db: Database) -> Upkeep:
    """For a write to a watched table that cannot change a score (tags of a
    question no claim is about yet): the triggers flag it, this unflags it."""
    return Upkeep(db, None)


CLAIM_SCOPE = upkeep.CLAIM_SCOPE


def claim_upkeep(db: Database, claim_id: int) -> Upkeep:
    return Upkeep(db, CLAIM_SCOPE, {"upkeep_claim": claim_id})


def question_upkeep(db: Database, question_id: int) -> Upkeep:
    """For a write to a question or its outcomes: its claims and the claims
    conditional on it."""
    return Upkeep(db, upkeep.QUESTION_SCOPE, {"upkeep_question": question_id})


def person_upkeep(db: Database, person_id: int) -> Upkeep:
    return Upkeep(db, "c.person_id = :upkeep_person", {"upkeep_person": person_id})


def rebuild(db: Database) -> None:
    """Recompute every total from scratch."""
    kept_totals.rebuild(SessionReader(db))


# Keeping the totals current costs about 25 ms of CPU a write; rebuilding them
# about 16 us a claim (both measured at 1,000,000 claims with outcomes). So
# past one write per 1,500 claims in the database, one rebuild is cheaper.
CLAIMS_PER_WRITE_FOR_UPKEEP = 1500


def defer_upkeep(db: Database, writes: int) -> bool:
    """Before a unit of work that makes ``writes`` writes which can change
    scores: if one rebuild at its end is cheaper than upkeep write by write,
    mark the totals stale now (every ``Upkeep`` then stands aside) and return
    True; the caller then calls ``refresh`` before it commits."""
    claims = db.execute(text("SELECT count(*) FROM claims")).scalar_one()
    if writes * CLAIMS_PER_WRITE_FOR_UPKEEP <= claims:
        return False
    db.execute(text("UPDATE score_state SET stale = 1 WHERE id = 1"))
    return True


def refresh(db: Database) -> bool:
    """Rebuild the totals if they are stale; True if they were."""
    if not is_stale(db):
        return False
    rebuild(db)
    return True


def claim_scores_of(db: Database, claim_ids: list[int]) -> dict[int, dict[str, Any]]:
    """``tracker.services.upkeep.claim_scores_of`` on a session or connection."""
    return upkeep.claim_scores_of(SessionReader(db), claim_ids)
