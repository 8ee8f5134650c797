"""Score totals kept current across one ``add-*`` write, over a ``Reader``.

``tracker.services.scores`` says when the totals are kept for the importer
and the edits, on SQLAlchemy; this is the same for the single-record writes
(``tracker.services.entry``), which run straight on sqlite3 (``tracker.writes``)
without importing SQLAlchemy. Both run the statements of
``tracker.kept_totals``: what the claims a write can affect contributed is
taken away before it, what they contribute after it is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker import kept_totals
from tracker.dates import utcnow
from tracker.reads import Reader
from tracker.score_views import with_clause
from tracker.services.score_state import totals_stale

CLAIM_SCOPE = "c.id = :upkeep_claim"
# A question's claims and the claims conditional on it (what its outcome scores).
QUESTION_SCOPE = "(c.question_id = :upkeep_question OR c.condition_question_id = :upkeep_question)"


@dataclass
class Upkeep:
    """Keeps the totals current across one write that can change the scores
    of the claims in ``scope`` (SQL over claims ``c``, with bound ``params``);
    None for a write that changes no score but trips the stale triggers (a
    new question's tags). Made before the write (it reads whether the totals
    are stale first: the write itself trips the triggers); ``before()`` while
    the database holds the old state, ``after()`` once the write is done.
    Stale totals are left for a rebuild."""

    db: Reader
    scope: str | None
    params: dict[str, Any] = field(default_factory=dict)
    stale: bool = field(init=False)

    def __post_init__(self) -> None:
        self.stale = totals_stale(self.db)

    def covering(self, scope: str, **params: Any) -> Upkeep:
        """Set the scope once the write has made it known (a new row's id)."""
        self.scope, self.params = scope, params
        return self

    def before(self) -> None:
        if not self.stale and self.scope is not None:
            kept_totals.apply(self.db, self.scope, self.params, -1)

    def after(self) -> None:
        if self.stale:
            return
        if self.scope is not None:
            kept_totals.apply(self.db, self.scope, self.params, 1)
        kept_totals.set_fresh(self.db)  # our own writes tripped the triggers


def claim_scores_of(db: Reader, claim_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The scores of a few claims as recorded now (the claim_scores template,
    read through the indexes): status, Brier and the rest, by claim id, as
    ``tracker.services.scores.claim_scores_of`` reads them."""
    if not claim_ids:
        return {}
    scope = "c.id IN (" + ", ".join(str(int(i)) for i in claim_ids) + ")"
    prefix = with_clause(db.dialect, scope, inline=True)
    rows = db.rows(
        f"{prefix}\nSELECT * FROM claim_scores WHERE scale = 'recorded'",
        {**kept_totals.PARAMS, "today": utcnow().date().isoformat()},
    )
    return {row["claim_id"]: row for row in rows}
