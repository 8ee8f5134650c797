"""The reckoning: who was right, how well calibrated, what is overdue.

Every score comes from the SQL templates in ``tracker.score_views`` (the same
text as the database views), rendered here with the report's filters as bound
parameters. Python adds only what SQL cannot say cleanly: confidence intervals
(Wilson for hit rates; for mean Brier scores a Student-t interval whose variance
leans on the bound of a 0..1 score, ``mean_interval``) and the "too few to
judge" flag.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from tracker.errors import NotFound
from tracker.reads import Reader
from tracker.score_views import with_clause
from tracker.services.lookups import require_person_id
from tracker.text import quoted
from tracker.vocabulary import SCORE_DIMENSIONS

SCALE_ORDER = ("recorded", "icd203", "phia", "kent1964", "survey")
# Claims that give a number: few, found by their partial index.
NUMERIC_CLAIMS = "c.estimate IS NOT NULL OR c.estimate_low IS NOT NULL OR c.threshold IS NOT NULL"
MIN_TO_JUDGE = 10  # fewer scored claims than this: shown, but flagged as too few to judge
Z95 = 1.959964


@dataclass(frozen=True)
class ReportOptions:
    scale: str = "recorded"
    strict: bool = False
    by: str = "speaker"  # the scoreboard's rows: speaker or organisation
    speaker: str | None = None
    tag: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None  # the world as it stood on this date
    as_recorded: dt.datetime | None = None  # what the database said at this instant
    rows: int | None = None  # rows per group table (by speaker, tag, ...); None: all
    claims: int | None = 100  # the latest claims listed; None: all
    # Compute every score from the claims even where kept totals could answer
    # (they are stale, and this database cannot be written to rebuild them).
    fresh: bool = False

    @property
    def filtered(self) -> bool:
        return (
            any(v is not None for v in (self.speaker, self.tag, self.since, self.until))
            or self.strict
        )

    @property
    def reads_kept_totals(self) -> bool:
        """The kept score totals answer: every claim, as of now, groups as recorded."""
        return (
            not self.filtered
            and not self.fresh
            and self.as_of is None
            and self.as_recorded is None
            and self.scale == "recorded"
        )

    @property
    def looking_back(self) -> bool:
        return self.as_of is not None or self.as_recorded is not None


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


# How much the interval's variance leans on the largest one a score in 0..1
# with the observed mean can have: worth this many claims.
PRIOR_CLAIMS = 2


def mean_interval(
    n: int, mean: float | None, mean_square: float | None
) -> tuple[float, float] | tuple[None, None]:
    """95% interval of a mean Brier score from its n, mean and mean square (the
    aggregates score_groups keeps), clipped to 0..1.

    A Student-t interval whose variance is the observed one pooled with the
    largest variance a score bounded by 0 and 1 can have at that mean,
    mean × (1 − mean) (the Bhatia–Davis bound), weighted as PRIOR_CLAIMS
    claims. Two or five identical scores no longer give an interval of zero
    width (the plain t interval did: two lucky calls looked certain); a single
    claim gives 0 to 1; with many claims the observed spread dominates and the
    interval is the usual one.
    """
    if n == 0 or mean is None or mean_square is None:
        return None, None
    if n == 1:
        return 0.0, 1.0
    observed = max(0.0, (mean_square - mean * mean) * n / (n - 1))
    bound = max(0.0, mean * (1 - mean))
    variance = ((n - 1) * observed + PRIOR_CLAIMS * bound) / (n - 1 + PRIOR_CLAIMS)
    half = t95(n - 1) * math.sqrt(variance / n)
    return max(0.0, mean - half), min(1.0, mean + half)


class _Query:
    """Runs SELECTs over the scoring CTEs with the report's scope bound.

    Unfiltered, as of now and as recorded, the groups and calibration come
    from the kept totals (``tracker.services.scores``), so the report costs
    the same at any size. Otherwise the totals are computed afresh for the
    claims in scope, from the same templates.
    """

    def __init__(self, db: Reader, opts: ReportOptions) -> None:
        self.db = db
        self.dialect = db.dialect
        scope = ["1 = 1"]
        self.params: dict[str, Any] = {"detail_scale": opts.scale}
        # Two timelines (see README, "Looking back"): outcomes are read as
        # recorded by :as_of and counted if they happened by :occurred_by.
        self.params["as_of"] = "9999-12-31T23:59:59Z"
        self.params["today"] = utc_today().isoformat()
        if opts.as_recorded is not None:
            moment = opts.as_recorded.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.params.update(as_of=moment, as_recorded=moment, today=moment[:10])
        if opts.as_of is not None:
            self.params["occurred_by"] = self.params["today"] = opts.as_of.isoformat()
            scope.append("c.made_on <= :occurred_by")
        if opts.speaker is not None:
            self.params["person_id"] = require_person_id(db, opts.speaker)
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
        self.scope = " AND ".join(scope)
        self.world_date = opts.as_of is not None
        self.as_recorded = opts.as_recorded is not None
        # Looking back, the questions of the time are those its claims were about.
        self.filtered = opts.filtered or opts.looking_back
        self.kept = opts.reads_kept_totals
        computed: dict[str, str] = {}
        if not self.kept:
            # Most sections read these: evaluate each template once into a
            # temporary table, then let the sections read it.
            for name in ("claim_scores", "score_totals", "calibration_totals"):
                prefix = self._prefix(computed)
                table = f"report_{name}"
                db.run(f"DROP TABLE IF EXISTS {table}")
                db.run(
                    f"CREATE TEMPORARY TABLE {table} AS {prefix}\nSELECT * FROM {name}", self.params
                )
                computed[name] = table
        self.prefix = self._prefix(computed)

    def _prefix(self, computed: dict[str, str], scope: str | None = None) -> str:
        # Read from the kept totals, the per-claim templates serve a few
        # claims at a time (the latest): inlined, they use the indexes.
        return with_clause(
            self.dialect, scope or self.scope, computed,
            maintained=self.kept, detail_scale=True, inline=self.kept,
            world_date=self.world_date, as_recorded=self.as_recorded,
        )  # fmt: skip

    def rows(self, select: str, scope: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Rows of ``select`` after the CTEs; ``scope`` narrows the claims the
        per-claim templates read (the kept totals are not affected)."""
        prefix = self.prefix if scope is None else self._prefix({}, scope)
        return self.db.rows(f"{prefix}\n{select}", {**self.params, **params})


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


def with_intervals(groups: list[dict[str, Any]]) -> None:
    for g in groups:
        g["hit_low"], g["hit_high"] = wilson(int(g["hits"] or 0), int(g["sided"] or 0))
        g["brier_low"], g["brier_high"] = mean_interval(
            int(g["scored"] or 0), g["mean_brier"], g["mean_brier_squared"]
        )
        g["too_few"] = int(g["scored"] or 0) < MIN_TO_JUDGE


def _group_rows(q: _Query, scale: str, dimension: str, rows: int | None) -> list[dict[str, Any]]:
    """One kind of group, groups with enough scored claims to judge first, then
    best mean Brier first; the first ``rows`` (all if None). The judged ones are
    read on their own first: with many groups (speaker by horizon), most have
    too few, and sorting only the judged is quick."""
    found: list[dict[str, Any]] = []
    for judged in (">=", "<"):
        if rows is not None and len(found) >= rows:
            break
        found += q.rows(
            "SELECT * FROM score_groups WHERE scale = :scale AND dimension = :dimension "
            f"AND scored {judged} :min_to_judge ORDER BY mean_brier IS NULL, mean_brier, label"
            + ("" if rows is None else " LIMIT :rows"),
            scale=scale, dimension=dimension, min_to_judge=MIN_TO_JUDGE,
            rows=None if rows is None else rows - len(found),
        )  # fmt: skip
    return found


def _tags_as_lists(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A question's tags as a list whatever the backend: PostgreSQL's JSON
    arrives decoded, SQLite's as JSON text."""
    for row in rows:
        if isinstance(row.get("tags"), str):
            row["tags"] = json.loads(row["tags"])
    return rows


def build_report(db: Reader, opts: ReportOptions) -> dict[str, Any]:
    """Everything ``tracker report`` shows, as plain data.

    Group tables list speakers with enough scored claims to judge first, best
    mean Brier first; ``opts.rows`` keeps the first rows of each (the count of
    every group is in ``overview``/``group_counts``).
    """
    known = {r["slug"] for r in db.rows("SELECT slug FROM scales")} | {"recorded"}
    if opts.scale not in known:
        raise NotFound(f"no scale {quoted(opts.scale)} (known: {', '.join(sorted(known))})")
    q = _Query(db, opts)
    today_30 = (dt.date.fromisoformat(q.params["today"]) + dt.timedelta(days=30)).isoformat()
    in_scope = _questions_in_scope(q, "qs.question_id")
    counts = q.rows(
        "SELECT status, count(*) AS n, sum(due_soon) AS due_soon FROM question_status AS qs "
        f"WHERE {in_scope} GROUP BY status"
    )
    by_status = {r["status"]: int(r["n"]) for r in counts}
    limit = "" if opts.rows is None else f" LIMIT {int(opts.rows)}"
    listed = (  # both kinds resolve by 30 days from today at the latest (see due_questions)
        "SELECT * FROM question_status AS qs WHERE qs.resolve_by <= :today_30 AND "
        f"{in_scope} AND {{which}} ORDER BY resolve_by, slug{limit}"
    )
    claims_scope = (
        None
        if opts.claims is None
        else f"c.id IN (SELECT c.id FROM claims AS c WHERE {q.scope} AND c.kind <> 'opinion' "
        f"AND c.retracted_at IS NULL ORDER BY c.made_on DESC, c.id DESC LIMIT {int(opts.claims)})"
    )
    # The latest claims that say something will happen (opinions are counted, not listed).
    claims = q.rows(
        "SELECT * FROM claim_scores WHERE scale = :scale AND status <> 'opinion' "
        f"ORDER BY made_on DESC, claim_id DESC{'' if opts.claims is None else ' LIMIT :n'}",
        scope=claims_scope if q.kept else None,
        scale=opts.scale,
        n=opts.claims,
    )[::-1]
    sizes = {
        r["dimension"]: r["n"]
        for r in q.rows(
            # score_groups has a row per row of score_totals, which its key's index counts
            "SELECT dimension, count(*) AS n FROM score_totals WHERE scale = :scale "
            "GROUP BY dimension",
            scale=opts.scale,
        )
    }
    groups = []
    for dimension in SCORE_DIMENSIONS:
        for g in _group_rows(q, opts.scale, dimension, opts.rows):
            groups.append({**g, "of_groups": sizes[dimension]})
    sensitivity = q.rows("SELECT * FROM score_groups WHERE dimension = 'overall'")
    with_intervals(groups)
    with_intervals(sensitivity)
    sensitivity.sort(
        key=lambda r: SCALE_ORDER.index(r["scale"]) if r["scale"] in SCALE_ORDER else 99
    )
    # Corrections and retractions read from the tables as they are, up to the
    # moment looked back at; the claims in scope by their values today.
    in_scope = (
        f"IN (SELECT c.id FROM claims AS c WHERE {q.scope})"
        if q.scope != "1 = 1"
        else "IS NOT NULL"
    )
    recorded_by = ":as_of" if opts.as_recorded is not None else "'9999-12-31T23:59:59Z'"
    late_edits = db.rows(
        "SELECT claim_id, person_id, speaker, field_label AS field, old_shown AS old_value, "
        "new_shown AS new_value, reason, revised_by, revised_at, outcome_recorded_at "
        f"FROM late_edits WHERE claim_id {in_scope} AND revised_at <= {recorded_by} "
        "ORDER BY revised_at DESC, revision_id DESC",
        q.params,
    )
    edited: dict[str, set[int]] = {}
    for e in late_edits:
        edited.setdefault(str(e["person_id"]), set()).add(e["claim_id"])
    for g in groups:
        if g["dimension"] == "speaker":
            g["edited_after_outcome"] = len(edited.get(str(g["group_key"]), ()))
    retracted = db.rows(
        "SELECT c.id AS claim_id, p.name AS speaker, q.slug AS question, c.made_on, "
        "c.retracted_at, c.retracted_reason FROM claims AS c "
        "JOIN people AS p ON p.id = c.person_id LEFT JOIN questions AS q ON q.id = c.question_id "
        f"WHERE c.retracted_at IS NOT NULL AND c.retracted_at <= {recorded_by} "
        f"AND c.id {in_scope} "
        "ORDER BY c.retracted_at DESC, c.id DESC" + ("" if opts.rows is None else " LIMIT :rows"),
        {**q.params, "rows": opts.rows},
    )
    # Looking back, the sources entered by then (published by then, for the world).
    sources_then = " AND ".join(
        ["1 = 1"]
        + (["s.created_at <= :as_of"] if opts.as_recorded is not None else [])
        + (["(s.published_on IS NULL OR s.published_on <= :occurred_by)"] if opts.as_of else [])
    )
    overall = next((g for g in groups if g["dimension"] == "overall"), None)
    numeric_scope = f"{q.scope} AND ({NUMERIC_CLAIMS})"
    overview = {
        "sources": db.value(f"SELECT count(*) FROM sources AS s WHERE {sources_then}", q.params),
        "speakers": next((g["of_groups"] for g in groups if g["dimension"] == "speaker"), 0),
        "claims": overall["claims"] if overall else 0,
        "opinions": overall["opinion"] if overall else 0,
        "questions": sum(by_status.values()),
        "resolved": by_status.get("resolved", 0),
        "open": by_status.get("open", 0),
        "overdue": by_status.get("overdue", 0),
        "due_soon": sum(int(r["due_soon"] or 0) for r in counts),
        "as_of": q.params["today"],
        "as_recorded": q.params.get("as_recorded"),
        "world_as_of": opts.as_of.isoformat() if opts.as_of else None,
        "scale": opts.scale,
        "strict": opts.strict,
    }
    return {
        "overview": overview,
        "overdue": _tags_as_lists(
            q.rows(
                listed.format(which="qs.resolve_by < :today AND status = 'overdue'"),
                today_30=today_30,
            )
        ),
        "due_soon": _tags_as_lists(
            q.rows(
                listed.format(which="qs.resolve_by >= :today AND due_soon = 1"), today_30=today_30
            )
        ),
        "scoreboard": [g for g in groups if g["dimension"] == opts.by],
        "scoreboard_by": opts.by,
        "groups": [g for g in groups if g["dimension"] != opts.by],
        # Claims that give a number, with how close they came, and how often
        # each speaker's ranges held the value, by the level they gave.
        # The latest --claims N of them, as the claims listed (25,000 rows at
        # a million claims would be most of the report's time and length).
        "numeric": q.rows(
            "SELECT * FROM numeric_scores ORDER BY made_on DESC, claim_id DESC"
            + ("" if opts.claims is None else " LIMIT :n"),
            scope=numeric_scope,
            n=opts.claims,
        )[::-1],
        "numeric_total": q.rows("SELECT count(*) AS n FROM numeric_scores", scope=numeric_scope)[0][
            "n"
        ],
        "range_coverage": q.rows(
            # a level not said last, on every backend (each sorts NULL its own way)
            "SELECT * FROM range_coverage "
            "ORDER BY person_id IS NULL, speaker, level IS NULL, level",
            scope=numeric_scope,
        ),
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
            "JOIN questions AS qs ON qs.id = co.question_id "
            f"WHERE {_questions_in_scope(q, 'co.question_id')} "
            "ORDER BY co.recorded_at DESC, co.id DESC LIMIT 10"
        ),
        "claims": claims,
        "late_edits": late_edits,
        "retracted": retracted,
    }


# Past this many questions beyond those listed, ``due`` says "over N more":
# an exact count would read every question in the window.
COUNT_UP_TO = 1_000


def due_questions(db: Reader, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Overdue questions and those due in the next 30 days, from question_status,
    soonest first: the first ``limit`` of them (all if None) and how many there
    are, counted up to ``limit + COUNT_UP_TO`` (one more means more than that)."""
    # Both kinds resolve by 30 days from now at the latest: a condition the
    # resolve-by index can answer, so only those questions are read.
    window = "resolve_by <= :today_30 AND (status = 'overdue' OR due_soon = 1)"
    params: dict[str, Any] = {"today_30": (utc_today() + dt.timedelta(days=30)).isoformat()}
    rows = db.rows(
        "SELECT slug, title, resolve_by, status, due_soon, claims FROM question_status "
        f"WHERE {window} ORDER BY resolve_by, slug" + ("" if limit is None else " LIMIT :limit"),
        {**params, "limit": limit},
    )
    if limit is None or len(rows) < limit:
        return rows, len(rows)
    total = db.value(
        f"SELECT count(*) FROM (SELECT 1 FROM question_status WHERE {window} LIMIT :cap)",
        {**params, "cap": limit + COUNT_UP_TO + 1},
    )
    return rows, int(total)
