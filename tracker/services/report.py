"""The reckoning: who was right, how well calibrated, what is overdue.

Every score comes from the SQL templates in ``tracker.score_views`` (the same
text as the database views), rendered here with the report's filters as bound
parameters. Python adds only what SQL cannot say cleanly: confidence intervals
(Wilson for hit rates, Student's t for mean Brier scores) and the "too few to
judge" flag.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tracker.errors import NotFound
from tracker.score_views import with_clause
from tracker.services.people import require_person

SCALE_ORDER = ("recorded", "icd203", "phia", "kent1964", "survey")
MIN_TO_JUDGE = 10  # fewer scored claims than this: shown, but flagged as too few to judge
Z95 = 1.959964


@dataclass(frozen=True)
class ReportOptions:
    scale: str = "recorded"
    strict: bool = False
    speaker: str | None = None
    tag: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def wilson(hits: int, n: int) -> tuple[float, float] | tuple[None, None]:
    """95% Wilson score interval for a proportion; honest at small n."""
    if n == 0:
        return None, None
    p = hits / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def t95(df: int) -> float:
    if df <= len(_T95):
        return _T95[df - 1]
    z = Z95  # Cornish-Fisher expansion beyond the table
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_interval(
    n: int, mean: float | None, mean_square: float | None
) -> tuple[float, float] | tuple[None, None]:
    """95% Student-t interval of a mean Brier score from its n, mean and mean
    square (the aggregates score_groups keeps), clipped to 0..1.

    Honest at small n: one claim says nothing about the mean (0 to 1), a few
    say little; large samples converge on the usual normal interval.
    """
    if n == 0 or mean is None or mean_square is None:
        return None, None
    if n == 1:
        return 0.0, 1.0
    variance = max(0.0, (mean_square - mean * mean) * n / (n - 1))
    half = t95(n - 1) * math.sqrt(variance / n)
    return max(0.0, mean - half), min(1.0, mean + half)


class _Query:
    """Runs SELECTs over the scoring CTEs with the report's scope bound."""

    def __init__(self, session: Session, opts: ReportOptions) -> None:
        self.session = session
        dialect = session.get_bind().dialect.name
        scope = ["1 = 1"]
        self.params: dict[str, Any] = {}
        if opts.as_of is not None:
            self.params["as_of"] = f"{opts.as_of.isoformat()}T23:59:59Z"
            self.params["today"] = opts.as_of.isoformat()
            self.params["as_of_date"] = opts.as_of.isoformat()
            scope.append("c.made_on <= :as_of_date")
        else:
            self.params["as_of"] = "9999-12-31T23:59:59Z"
            self.params["today"] = utc_today().isoformat()
        if opts.speaker is not None:
            self.params["person_id"] = require_person(session, opts.speaker).id
            scope.append("c.person_id = :person_id")
        if opts.tag is not None:
            self.params["tag"] = opts.tag
            scope.append(
                "EXISTS (SELECT 1 FROM question_tags AS qt JOIN tags AS tg ON tg.id = qt.tag_id "
                "WHERE qt.question_id = c.question_id AND tg.name = :tag)"
            )
        if opts.since is not None:
            self.params["since"] = opts.since.isoformat()
            scope.append("c.made_on >= :since")
        if opts.until is not None:
            self.params["until"] = opts.until.isoformat()
            scope.append("c.made_on <= :until")
        if opts.strict:
            scope.append("c.mapping_basis <> 'analogy'")
        self.filtered = (
            any(v is not None for v in (opts.speaker, opts.tag, opts.since, opts.until))
            or opts.strict
        )
        # Most sections read claim_scores (and murphy reads calibration):
        # evaluate those templates once into temporary tables, then let the
        # sections read them.
        computed: dict[str, str] = {}
        for name in ("claim_scores", "calibration"):
            prefix = with_clause(dialect, " AND ".join(scope), computed)
            table = f"report_{name}"
            session.execute(text(f"DROP TABLE IF EXISTS {table}"))
            session.execute(
                text(f"CREATE TEMPORARY TABLE {table} AS {prefix}\nSELECT * FROM {name}"),
                self.params,
            )
            computed[name] = table
        self.prefix = with_clause(dialect, " AND ".join(scope), computed)

    def rows(self, select: str, **params: Any) -> list[dict[str, Any]]:
        result = self.session.execute(text(f"{self.prefix}\n{select}"), {**self.params, **params})
        return [dict(r._mapping) for r in result]


def _questions_in_scope(q: _Query, column: str) -> str:
    """A condition on a question id ``column``: all questions, or with filters
    only those the filtered claims are about (or conditional on)."""
    if not q.filtered:
        return "1 = 1"
    return (
        f"{column} IN (SELECT question_id FROM claims AS c2 WHERE c2.id IN "
        "(SELECT claim_id FROM claim_scores WHERE scale = 'recorded') "
        "UNION SELECT condition_question_id FROM claims AS c3 WHERE c3.id IN "
        "(SELECT claim_id FROM claim_scores WHERE scale = 'recorded'))"
    )


def _with_intervals(groups: list[dict[str, Any]]) -> None:
    for g in groups:
        g["hit_low"], g["hit_high"] = wilson(int(g["hits"] or 0), int(g["sided"] or 0))
        g["brier_low"], g["brier_high"] = mean_interval(
            int(g["scored"] or 0), g["mean_brier"], g["mean_brier_squared"]
        )
        g["too_few"] = int(g["scored"] or 0) < MIN_TO_JUDGE


def build_report(session: Session, opts: ReportOptions) -> dict[str, Any]:
    """Everything ``tracker report`` shows, as plain data."""
    known = {r[0] for r in session.execute(text("SELECT slug FROM scales"))} | {"recorded"}
    if opts.scale not in known:
        raise NotFound(f"no scale {opts.scale!r} (known: {', '.join(sorted(known))})")
    q = _Query(session, opts)
    status = q.rows(
        "SELECT * FROM question_status AS qs "
        f"WHERE {_questions_in_scope(q, 'qs.question_id')} ORDER BY resolve_by, slug"
    )
    claims = q.rows(
        "SELECT * FROM claim_scores WHERE scale = :scale ORDER BY made_on, claim_id",
        scale=opts.scale,
    )
    every = q.rows(
        "SELECT * FROM score_groups WHERE scale = :scale OR dimension = 'overall' "
        "ORDER BY dimension, mean_brier IS NULL, mean_brier, label",
        scale=opts.scale,
    )
    _with_intervals(every)
    groups = [g for g in every if g["scale"] == opts.scale]
    sensitivity = sorted(
        (g for g in every if g["dimension"] == "overall"),
        key=lambda r: SCALE_ORDER.index(r["scale"]) if r["scale"] in SCALE_ORDER else 99,
    )
    counts = q.rows(
        "SELECT (SELECT count(*) FROM sources) AS sources, "
        "(SELECT count(DISTINCT person_id) FROM claim_scores WHERE scale = 'recorded') "
        "AS speakers, "
        "(SELECT count(*) FROM claim_scores WHERE scale = 'recorded') AS claims"
    )[0]
    overview = {
        **counts,
        "questions": len(status),
        "resolved": sum(s["status"] == "resolved" for s in status),
        "open": sum(s["status"] == "open" for s in status),
        "overdue": sum(s["status"] == "overdue" for s in status),
        "due_soon": sum(s["due_soon"] == 1 for s in status),
        "as_of": (opts.as_of or utc_today()).isoformat(),
        "scale": opts.scale,
        "strict": opts.strict,
    }
    return {
        "overview": overview,
        "overdue": [s for s in status if s["status"] == "overdue"],
        "due_soon": [s for s in status if s["due_soon"] == 1],
        "scoreboard": [g for g in groups if g["dimension"] == "speaker"],
        "groups": [g for g in groups if g["dimension"] != "speaker"],
        "calibration": q.rows(
            "SELECT * FROM calibration WHERE scale = :scale ORDER BY forecast, term",
            scale=opts.scale,
        ),
        "murphy": next(
            iter(q.rows("SELECT * FROM murphy WHERE scale = :scale", scale=opts.scale)), None
        ),
        "sensitivity": sensitivity,
        "recent_outcomes": q.rows(
            "SELECT qs.slug AS question, co.result, co.occurred_on, co.recorded_at, "
            "co.recorded_by, co.note, co.supersedes_id AS corrects FROM current_outcomes AS co "
            "JOIN question_status AS qs ON qs.question_id = co.question_id "
            f"WHERE {_questions_in_scope(q, 'co.question_id')} "
            "ORDER BY co.recorded_at DESC, co.id DESC LIMIT 10"
        ),
        "claims": claims,
    }


def due_questions(session: Session) -> list[dict[str, Any]]:
    """Overdue questions and those due in the next 30 days, from question_status."""
    rows = session.execute(
        text(
            "SELECT slug, title, resolve_by, status, due_soon, claims FROM question_status "
            "WHERE status = 'overdue' OR due_soon = 1 ORDER BY resolve_by, slug"
        )
    )
    return [dict(r._mapping) for r in rows]
