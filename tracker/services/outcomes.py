"""Outcomes: append-only resolutions of questions, corrected by superseding.

They are written by ``tracker.services.entry`` (``record_outcome``,
``sync_outcomes``) and bulk files (``bulk``); the hindsight rule here is the
one both apply. Nothing at module level imports SQLAlchemy: ``entry`` runs
straight on sqlite3 (``tracker.writes``) and imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tracker.reads import Reader, SessionReader, SqliteReader
from tracker.services.rules import check_recorded_after as check_recorded_after
from tracker.services.rules import refuse_unscoring as refuse_unscoring
from tracker.services.upkeep import claim_scores_of

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from tracker.models import Outcome

T = TypeVar("T")


def _reader(db: Reader | Session | Connection) -> Reader:
    """``db`` read through the ``Reader`` interface (a session or connection wrapped)."""
    if isinstance(db, SessionReader | SqliteReader):
        return db
    return SessionReader(db)  # type: ignore[arg-type]


def hindsight_claims(
    db: Reader | Session | Connection, question_id: int, occurred_on: Any
) -> tuple[list[int], list[int]]:
    """The claims on a question made on or after ``occurred_on`` (an outcome
    dated then makes them hindsight), and those of them scored now."""
    return hindsight_claims_of(db, [(question_id, occurred_on)])[(question_id, occurred_on)]


def hindsight_claims_of(
    db: Reader | Session | Connection, asked: Iterable[tuple[int, Any]]
) -> dict[tuple[int, Any], tuple[list[int], list[int]]]:
    """``hindsight_claims`` for many (question, day) pairs at once: two
    queries for a batch of corrections instead of two each. The one home of
    the rule: the claims on the question not retracted and made on or after
    the day, in id order, and those of them scored now."""
    reader = _reader(db)
    asked = set(asked)
    made: dict[int, list[tuple[int, dt.date]]] = {}
    questions = sorted({q for q, _ in asked})
    for start in range(0, len(questions), 900):
        ids = ", ".join(str(int(q)) for q in questions[start : start + 900])
        for row in reader.rows(
            f"SELECT question_id, id, made_on FROM claims WHERE question_id IN ({ids}) "
            "AND retracted_at IS NULL ORDER BY id"
        ):
            made_on = row["made_on"]  # SQLite keeps ISO text, PostgreSQL a date
            if isinstance(made_on, str):
                made_on = dt.date.fromisoformat(made_on)
            made.setdefault(row["question_id"], []).append((row["id"], made_on))
    late = {(q, day): [i for i, on in made.get(q, []) if on >= day] for q, day in asked}
    every = sorted({i for ids in late.values() for i in ids})
    scores: dict[int, dict[str, Any]] = {}
    for start in range(0, len(every), 5000):
        scores.update(claim_scores_of(reader, every[start : start + 5000]))
    return {
        pair: (ids, [i for i in ids if scores.get(i, {}).get("status") == "scored"])
        for pair, ids in late.items()
    }


def more_evidence(
    db: Reader | Session | Connection, outcome_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    """Each outcome's further evidence links (after its ``evidence_url``), in
    order: the one read of them, for an outcome's history and for comparing
    an outcome recorded again."""
    reader = _reader(db)
    links: dict[int, list[str]] = {}
    for start in range(0, len(outcome_ids), 900):
        ids = ", ".join(str(int(i)) for i in outcome_ids[start : start + 900])
        for row in reader.rows(
            f"SELECT outcome_id, url FROM outcome_evidence WHERE outcome_id IN ({ids}) "
            "ORDER BY outcome_id, position"
        ):
            links.setdefault(row["outcome_id"], []).append(row["url"])
    return {k: tuple(v) for k, v in links.items()}


def chain_order(items: Sequence[T], id_: Any, parent: Any) -> list[T]:
    """One question's outcomes, first to current: each supersedes the one before.
    ``id_`` and ``parent`` pick an item's id and the id it supersedes (an
    attribute name, a mapping's key or a tuple index)."""

    def get(item: T, key: Any) -> Any:
        if isinstance(key, int) or isinstance(item, Mapping):
            return item[key]  # type: ignore[index]
        return getattr(item, key)

    by_parent = {get(o, parent): o for o in items}
    chain: list[T] = []
    node = by_parent.get(None)
    while node is not None:
        chain.append(node)
        node = by_parent.get(get(node, id_))
    return chain


def _chain(session: Session, question_id: int) -> list[Outcome]:
    from sqlalchemy import select

    from tracker.models import Outcome

    rows = session.scalars(select(Outcome).where(Outcome.question_id == question_id)).all()
    return chain_order(rows, "id", "supersedes_id")


def outcome_history(session: Session, question_id: int) -> list[dict[str, Any]]:
    """Every outcome recorded for a question, oldest first, the current one marked."""
    from sqlalchemy import select

    from tracker.models import Source

    chain = _chain(session, question_id)
    sources = {
        s.id: s.slug
        for s in session.scalars(
            select(Source).where(Source.id.in_([o.evidence_source_id for o in chain]))
        )
    }
    more = more_evidence(session, [o.id for o in chain])
    return [
        {
            "id": o.id,
            "result": o.result,
            "value": o.observed_value,
            "occurred_on": o.occurred_on.isoformat(),
            "evidence_url": o.evidence_url,
            "more_evidence": list(more.get(o.id, ())),
            "evidence_source": sources.get(o.evidence_source_id),
            "note": o.note,
            "recorded_at": o.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recorded_by": o.recorded_by,
            "supersedes": o.supersedes_id,
            "current": i == len(chain) - 1,
        }
        for i, o in enumerate(chain)
    ]
