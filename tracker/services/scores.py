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

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tracker import kept_totals
from tracker.reads import SessionReader
from tracker.score_views import with_clause
from tracker.services.score_state import totals_stale
from tracker.types import utcnow

Database = Session | Connection

TABLES = kept_totals.TABLES
_PARAMS = kept_totals.PARAMS


def _dialect(db: Database) -> str:
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name


def is_stale(db: Database) -> bool:
    return totals_stale(SessionReader(db))


def _set_fresh(db: Database) -> None:
    kept_totals.set_fresh(SessionReader(db))


def _apply(db: Database, scope: str, params: dict[str, Any], sign: int) -> None:
    kept_totals.apply(SessionReader(db), scope, params, sign)


@dataclass
class Upkeep:
    """Keeps the totals current across one write that can change the scores
    of the claims in ``scope`` (SQL over claims ``c``, with bound ``params``).

    Make it before the write; ``before()`` runs while the database still
    holds the old state, ``after()`` once the write is flushed. ``before()``
    may be skipped when no claim in scope existed before (a new claim).
    """

    db: Database
    scope: str | None  # None: the write changes no score (a new question's tags, say)
    params: dict[str, Any] = field(default_factory=dict)
    stale: bool = field(init=False)

    def __post_init__(self) -> None:
        # Read before the write: the write itself trips the stale triggers.
        self.stale = is_stale(self.db)

    def _live(self) -> bool:
        return not self.stale

    def covering(self, scope: str, **params: Any) -> Upkeep:
        """Set the scope once the write has made it known (a new row's id)."""
        self.scope, self.params = scope, params
        return self

    def before(self) -> None:
        if self._live() and self.scope is not None:
            _apply(self.db, self.scope, self.params, -1)

    def after(self) -> None:
        if isinstance(self.db, Session):
            self.db.flush()
        if self._live():
            if self.scope is not None:
                _apply(self.db, self.scope, self.params, 1)
            _set_fresh(self.db)  # our own writes tripped the triggers; the totals are current


def no_score_change(db: Database) -> Upkeep:
    """For a write to a watched table that cannot change a score (tags of a
    question no claim is about yet): the triggers flag it, this unflags it."""
    return Upkeep(db, None)


CLAIM_SCOPE = "c.id = :upkeep_claim"


def claim_upkeep(db: Database, claim_id: int) -> Upkeep:
    return Upkeep(db, CLAIM_SCOPE, {"upkeep_claim": claim_id})


def question_upkeep(db: Database, question_id: int) -> Upkeep:
    """For a write to a question or its outcomes: its claims and the claims
    conditional on it."""
    return Upkeep(
        db,
        "(c.question_id = :upkeep_question OR c.condition_question_id = :upkeep_question)",
        {"upkeep_question": question_id},
    )


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
    """The scores of a few claims as recorded now (the claim_scores template,
    read through the indexes): status, Brier and the rest, by claim id."""
    if not claim_ids:
        return {}
    scope = "c.id IN (" + ", ".join(str(int(i)) for i in claim_ids) + ")"
    prefix = with_clause(_dialect(db), scope, inline=True)
    rows = db.execute(
        text(f"{prefix}\nSELECT * FROM claim_scores WHERE scale = 'recorded'"),
        {**_PARAMS, "today": utcnow().date().isoformat()},
    )
    return {row.claim_id: dict(row._mapping) for row in rows}
