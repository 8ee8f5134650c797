"""Whether the kept score totals are current (``score_state``; see
``tracker.services.scores``). Light, so a read-only command can ask before
deciding whether it needs SQLAlchemy to rebuild them."""

from __future__ import annotations

from tracker.reads import Reader


def totals_stale(db: Reader) -> bool:
    return bool(db.value("SELECT stale FROM score_state WHERE id = 1"))
