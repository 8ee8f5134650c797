"""Listing claims with their probability, question, status and outcome.

Read-only, so it takes a ``tracker.reads.Reader``: ``tracker list`` runs it
straight on sqlite3, ``tracker show`` inside its session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.reads import Reader
from tracker.services.lookups import require_person_id, require_question_id

# A claim's question status and outcome, read from question_status one question
# at a time (a correlated subquery uses the indexes; a join would compute the
# view for every question first).
_STATUS = "(SELECT qs.{} FROM question_status AS qs WHERE qs.question_id = c.question_id)"
_LIST_SQL = f"""
SELECT c.id, c.made_on, p.name AS speaker, c.kind, q.slug AS question, c.question_id,
       c.wording, cp.probability, cp.prob_low, cp.prob_high, c.mapping_basis AS basis,
       cp.scale, cp.scale_term, q.resolve_by, {_STATUS.format("result")} AS outcome,
       {_STATUS.format("status")} AS status, c.quote, c.retracted_reason
FROM claims AS c
JOIN people AS p ON p.id = c.person_id
JOIN claim_probabilities AS cp ON cp.claim_id = c.id
LEFT JOIN questions AS q ON q.id = c.question_id
"""


def claim_rows(
    db: Reader, where: list[str] | None = None, limit: int | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Claims matching every condition in ``where`` (SQL over claims ``c`` with
    bound ``params``; ``claim_id=`` picks one), oldest first."""
    where = list(where or [])
    if "claim_id" in params:
        where.append("c.id = :claim_id")
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY c.made_on, c.id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return db.rows(sql, params)


def list_claims(db: Reader, *, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    """Claims, oldest first, with their probability, question and outcome;
    with ``retracted``, the retracted ones instead (kept apart: not scored).

    Every filter is a bound parameter; ``speaker`` matches any alias.
    """
    where, params = _filters(db, **filters)
    rows = claim_rows(db, where, limit, **params)
    if filters.get("question") is not None:
        # A claim that merely depends on the question does not forecast it: say which.
        for row in rows:
            row["on_question"] = (
                "about it" if row["question_id"] == params["question_id"] else ("conditional on it")
            )
    return rows


def count_claims(db: Reader, *, up_to: int, **filters: Any) -> int:
    """How many claims the filters of ``list_claims`` match, counted up to
    ``up_to`` (an exact count of a large archive reads every claim)."""
    where, params = _filters(db, **filters)
    return int(
        db.value(
            f"SELECT count(*) FROM (SELECT 1 FROM claims AS c WHERE {' AND '.join(where)} "
            "LIMIT :up_to) AS found",
            {**params, "up_to": up_to},
        )
    )


def _filters(
    db: Reader,
    *,
    speaker: str | None = None,
    question: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    since: dt.date | None = None,
    retracted: bool = False,
) -> tuple[list[str], dict[str, Any]]:
    """The conditions on claims ``c`` and their bound parameters."""
    where: list[str] = [f"c.retracted_at IS {'NOT ' if retracted else ''}NULL"]
    params: dict[str, Any] = {}
    if speaker is not None:
        where.append("c.person_id = :person_id")
        params["person_id"] = require_person_id(db, speaker)
    if question is not None:
        where.append("(c.question_id = :question_id OR c.condition_question_id = :question_id)")
        params["question_id"] = require_question_id(db, question)
    if status is not None:
        where.append(f"{_STATUS.format('status')} = :status")
        params["status"] = status
    if tag is not None:
        where.append(
            "EXISTS (SELECT 1 FROM question_tags AS qt JOIN tags AS t ON t.id = qt.tag_id "
            "WHERE qt.question_id = c.question_id AND t.name = :tag)"
        )
        params["tag"] = tag
    if since is not None:
        where.append("c.made_on >= :since")
        params["since"] = since.isoformat()
    return where, params
