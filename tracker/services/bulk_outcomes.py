"""Outcomes of a bulk import written a batch at a time.

Each row is held to the rules of ``add-outcome`` in file order, as before:
an outcome already recorded at its place in its question's chain is
"unchanged", another one there is refused, a new one is appended as a
correction of the last (recorded after it, and not turning scored claims
into hindsight unless that is allowed). What is done set-wise is the work
around the rules: the claims a batch's corrections could turn into hindsight
are found and scored in two queries for the whole batch, and the new
outcomes are inserted with one statement per link of the chains the batch
extends (usually one), instead of a statement each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from tracker.errors import Conflict, NotFound
from tracker.models import Outcome, OutcomeEvidence
from tracker.services.importer import located
from tracker.services.outcomes import (
    check_recorded_after,
    hindsight_claims,
    hindsight_claims_of,
    refuse_unscoring,
)
from tracker.text import quoted
from tracker.types import utcnow

if TYPE_CHECKING:
    from tracker.records import OutcomeIn
    from tracker.services.bulk import _Maps


@dataclass(eq=False)
class _New:
    """An outcome of this batch not inserted yet: the chain links to it."""

    row: dict[str, Any]
    evidence: tuple[str, ...]
    previous: int | _New | None
    id: int | None = field(default=None)


def _insert(conn: Connection, pending: list[_New]) -> None:
    """Insert ``pending`` in chain order: each statement takes the outcomes
    whose predecessor has its id, so a correction links to the outcome it
    corrects even when both came in this batch."""
    while pending:
        ready = [n for n in pending if not isinstance(n.previous, _New) or n.previous.id]
        for new in ready:
            previous = new.previous
            new.row["supersedes_id"] = previous.id if isinstance(previous, _New) else previous
        ids = conn.execute(
            Outcome.__table__.insert().returning(Outcome.id, sort_by_parameter_order=True),
            [n.row for n in ready],
        ).scalars()
        for new, new_id in zip(ready, ids, strict=True):
            new.id = new_id
        evidence = [
            {"outcome_id": n.id, "position": position, "url": url}
            for n in ready
            for position, url in enumerate(n.evidence, start=2)
        ]
        if evidence:
            conn.execute(OutcomeEvidence.__table__.insert(), evidence)
        pending[:] = [n for n in pending if n.id is None]


def write_outcomes(
    conn: Connection,
    maps: _Maps,
    batch: list[tuple[str, OutcomeIn]],
    entered_by: str,
    hindsight_ok: bool,
) -> tuple[int, int, Callable[[], None]]:
    """Write a batch's outcomes; (created, unchanged, apply), where ``apply``
    records the new links in ``maps`` once the batch has committed."""
    chains = maps.load_chains(conn)
    seen = dict(maps.seen)
    local: dict[int, list[tuple[int | _New, tuple[Any, ...]]]] = {}  # chains the batch touches
    pending: list[_New] = []
    # The claims a correction of a recorded chain could turn into hindsight,
    # for every row that could be one, in one go.
    late = (
        {}
        if hindsight_ok
        else hindsight_claims_of(conn, {
            (maps.questions[r.question], r.occurred_on) for _, r in batch
            if chains.get(maps.questions.get(r.question, -1))
        })
    )  # fmt: skip
    created = 0
    for where, r in batch:
        with located(where):
            qid = maps.question(r.question)
            evidence = maps.sources.get(r.evidence_source) if r.evidence_source else None
            if r.evidence_source and evidence is None:
                raise NotFound(f"no source {quoted(r.evidence_source)}")
            key = (r.result, r.occurred_on, r.evidence_url, evidence[0] if evidence else None,
                   r.note, r.value, r.more_evidence)  # fmt: skip
            chain = local.setdefault(qid, list(chains.get(qid, [])))
            position = seen.get(qid, 0)
            seen[qid] = position + 1
            if position < len(chain):
                if chain[position][1] != key:
                    raise Conflict(
                        f"outcome {position + 1} for {r.question} differs from the one "
                        f"recorded (#{chain[position][0]}); outcomes are append-only: add "
                        "the correction at the end"
                    )
                continue
            if chain and chain[-1][1] == key:
                continue  # the same call again is not a correction
            last = chain[-1][0] if chain else None
            if last is not None:
                last_at = last.row["recorded_at"] if isinstance(last, _New) else None
                check_recorded_after(r.recorded_at, last_at or maps.recorded_at[last])
            if last is not None and not hindsight_ok:  # a correction may unscore claims
                if isinstance(last, _New):  # what it corrects came in this batch: write it
                    _insert(conn, pending)
                    _, scored = hindsight_claims(conn, qid, r.occurred_on)
                else:
                    _, scored = late[(qid, r.occurred_on)]
                refuse_unscoring(r.question, r.occurred_on, scored, "occurred_on")
            new = _New(
                row={"question_id": qid, "result": r.result, "occurred_on": r.occurred_on,
                     "evidence_url": r.evidence_url, "evidence_source_id": key[3],
                     "note": r.note, "observed_value": r.value,
                     "recorded_at": r.recorded_at or utcnow(),
                     "recorded_by": r.recorded_by or entered_by},
                evidence=r.more_evidence,
                previous=last,
            )  # fmt: skip
            pending.append(new)
            chain.append((new, key))
            created += 1
    _insert(conn, pending)
    written = {  # the batch's chains with the ids of what it inserted
        qid: [(link.id if isinstance(link, _New) else link, key) for link, key in chain]
        for qid, chain in local.items()
    }
    for chain in local.values():
        for link, _ in chain:
            if isinstance(link, _New):
                maps.recorded_at[link.id] = link.row["recorded_at"]  # type: ignore[index]

    def apply() -> None:
        chains.update(written)  # type: ignore[arg-type]
        maps.seen = seen

    return created, len(batch) - created, apply
