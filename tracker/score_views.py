"""The scoring rules, written once as SQL.

Each template below is both a database view (created by a migration, so
Datasette and any SQL client read it) and a common table expression in
``tracker report``, which renders the same text with bound parameters for
``--as-of``, ``--speaker``, ``--tag``, ``--since``, ``--until`` and ``--strict``.
The view is the template with no filter, as of the end of time and today's
date, so the report without options and the views agree by construction (a
test checks it).

Placeholders:
  {as_of}       the instant outcomes are read at (recorded on or before it)
  {today}       the date overdue and due-soon are judged against
  {today_30}    that date plus 30 days
  {claim_scope} a condition on claims ``c`` (filters; made on or before as-of)
  {horizon_days} days from a claim (c.made_on) to its question's resolve-by (q)
  {tags_json}   a question's (q) tags as a JSON array

Templates are versioned by the migration that created them: a published
version never changes; a change is a new version and a new migration.

Definitions (see README, "How claims are scored"):
  status       scored | open | pending (condition unresolved) | partial | void
               (ambiguous, annulled, or a condition that failed) | hindsight
               (made on or after the outcome happened) | unscorable | directional | opinion
  brier        (p - o)^2, the binary form, 0 (perfect) .. 1
  log_loss     -ln p(outcome), with p clipped to 0.01..0.99
  hit          1 if p > 0.5 and YES or p < 0.5 and NO, 0 if the other side, NULL at 0.5
"""

from __future__ import annotations

from typing import Any

# How many claims of a group have each status that is not scored.
_STATUS_COUNTS = ",\n".join(
    f"    SUM(CASE WHEN b.status = '{status}' THEN 1 ELSE 0 END) AS {status}"
    for status in ("open", "pending", "partial", "void", "hindsight", "unscorable", "directional",
                   "opinion")
)  # fmt: skip

# The aggregates every score group carries (score_groups repeats them per kind
# of group, over rows ``b`` of score_inputs).
_AGGREGATES = (
    """COUNT(*) AS claims,
    SUM(CASE WHEN b.status = 'scored' THEN 1 ELSE 0 END) AS scored,
    AVG(b.brier) AS mean_brier,
    AVG(b.brier * b.brier) AS mean_brier_squared,
    AVG(b.brier_best) AS mean_brier_best,
    AVG(b.brier_worst) AS mean_brier_worst,
    AVG(b.log_loss) AS mean_log_loss,
    SUM(b.hit) AS hits,
    COUNT(b.hit) AS sided,
    AVG(CAST(b.hit AS FLOAT)) AS hit_rate,
    AVG(CAST(b.outcome_value AS FLOAT)) AS yes_rate,
"""
    + _STATUS_COUNTS
)

# The kinds of group a claim's scores count in: (dimension, key, label, joins,
# condition) over rows ``b`` of score_inputs. score_members lists the members
# and score_groups aggregates them, both from this one list.
_GROUPS = (
    ("overall", "'all'", "'all claims'", "", ""),
    ("speaker", "CAST(b.person_id AS TEXT)", "b.speaker", "", ""),
    ("tag", "t.name", "t.name",
     "JOIN question_tags AS qt ON qt.question_id = b.question_id "
     "JOIN tags AS t ON t.id = qt.tag_id", ""),
    ("basis", "b.mapping_basis", "b.mapping_basis", "", ""),
    ("horizon", "b.horizon", "b.horizon", "", "WHERE b.horizon IS NOT NULL"),
    ("speaker_horizon", "CAST(b.person_id AS TEXT) || ' ' || b.horizon",
     "b.speaker || ', ' || b.horizon", "", "WHERE b.horizon IS NOT NULL"),
)  # fmt: skip


def _group_union(select: str, detail: str | None = None, groups: tuple = _GROUPS) -> str:
    """``select`` once per kind of group, joined by UNION ALL. With ``detail``
    (SQL for a scale), every group but the overall one is limited to that scale."""

    def where(dimension: str, condition: str) -> str:
        if detail is None or dimension == "overall":
            return condition
        limit = f"b.scale = {detail}"
        return f"{condition} AND {limit}" if condition else f"WHERE {limit}"

    parts = [
        select.format(
            dimension=d, key=k, label=label, joins=j, where=where(d, w),
            group_by="" if k.startswith("'") else f", {k}",  # a constant key: one group
        )
        for d, k, label, j, w in groups
    ]  # fmt: skip
    return "\nUNION ALL\n".join(parts) + "\n"


# Literal values the views are rendered with.
END_OF_TIME = "'9999-12-31T23:59:59Z'"
END_OF_DAYS = "'9999-12-31'"
KEPT_SCALE = "'recorded'"  # the scale the kept score totals break down by group
EVERY_CLAIM = "1 = 1"

_V0003: dict[str, str] = {
    # The outcome that stands for each question: the last of its chain
    # recorded by {as_of}.
    "current_outcomes": """
SELECT o.*
FROM outcomes AS o
WHERE o.recorded_at <= {as_of}
  AND NOT EXISTS (
    SELECT 1 FROM outcomes AS later
    WHERE later.supersedes_id = o.id AND later.recorded_at <= {as_of}
  )
""",
    # Every question with its status: resolved, overdue (past resolve-by with
    # no outcome) or open, and whether it is due within 30 days.
    "question_status": """
SELECT q.id AS question_id, q.slug, q.title, q.resolve_by, q.horizon_text,
       {tags_json} AS tags,
       co.id AS outcome_id, co.result, co.occurred_on, co.recorded_at,
       CASE WHEN co.id IS NOT NULL THEN 'resolved'
            WHEN q.resolve_by < {today} THEN 'overdue'
            ELSE 'open' END AS status,
       CASE WHEN co.id IS NULL AND q.resolve_by >= {today} AND q.resolve_by <= {today_30}
            THEN 1 ELSE 0 END AS due_soon,
       (SELECT count(*) FROM claims AS c
        WHERE c.question_id = q.id OR c.condition_question_id = q.id) AS claims
FROM questions AS q
LEFT JOIN current_outcomes AS co ON co.question_id = q.id
""",
    # For every scale term and every scale, the term it is read as there: the
    # term of the same name, else the term on the same rung of the seven-step
    # ladder, else the term with the nearest point. A few hundred rows.
    "scale_term_equivalents": """
SELECT ranked.term_id, ranked.scale, ranked.equivalent_id
FROM (
    SELECT t.id AS term_id, s.slug AS scale, x.id AS equivalent_id,
           ROW_NUMBER() OVER (
               PARTITION BY t.id, s.id
               ORDER BY CASE WHEN x.term = t.term THEN 0 WHEN x.rung = t.rung THEN 1 ELSE 2 END,
                        abs(x.point - t.point), x.id
           ) AS choice
    FROM scale_terms AS t
    CROSS JOIN scales AS s
    JOIN scale_terms AS x ON x.scale_id = s.id
) AS ranked
WHERE ranked.choice = 1
""",
    # Each claim's probability as recorded, and re-read on every shipped scale
    # through scale_term_equivalents. Stated numbers and unscorable claims are
    # the same on every scale.
    "claim_probabilities_by_scale": """
SELECT cp.claim_id, 'recorded' AS scale, cp.probability, cp.prob_low, cp.prob_high,
       cp.scale_term
FROM claim_probabilities AS cp
UNION ALL
SELECT cp.claim_id, s.slug, COALESCE(x.point, cp.probability), COALESCE(x.low, cp.prob_low),
       COALESCE(x.high, cp.prob_high), x.term
FROM claims AS c
JOIN claim_probabilities AS cp ON cp.claim_id = c.id
CROSS JOIN scales AS s
LEFT JOIN scale_term_equivalents AS e ON e.term_id = c.scale_term_id AND e.scale = s.slug
LEFT JOIN scale_terms AS x ON x.id = e.equivalent_id
""",
    # One row per claim and scale: its status and, when scored, its scores.
    "claim_scores": """
SELECT b.claim_id, b.scale, b.person_id, b.speaker, b.question_id, b.question, b.made_on,
       b.kind, b.mapping_basis, b.probability, b.prob_low, b.prob_high, b.scale_term,
       b.resolve_by, b.horizon_days, b.result, b.occurred_on, b.condition_result,
       b.condition_outcome, b.status,
       CASE WHEN b.status = 'scored' THEN b.o END AS outcome_value,
       CASE WHEN b.status = 'scored' THEN (b.probability - b.o) * (b.probability - b.o)
       END AS brier,
       CASE WHEN b.status = 'scored' THEN
            CASE WHEN b.o = 1 THEN (1 - b.prob_high) * (1 - b.prob_high)
                 ELSE b.prob_low * b.prob_low END
       END AS brier_best,
       CASE WHEN b.status = 'scored' THEN
            CASE WHEN b.o = 1 THEN (1 - b.prob_low) * (1 - b.prob_low)
                 ELSE b.prob_high * b.prob_high END
       END AS brier_worst,
       CASE WHEN b.status = 'scored' THEN -ln(
            CASE WHEN b.p_outcome < 0.01 THEN 0.01
                 WHEN b.p_outcome > 0.99 THEN 0.99
                 ELSE b.p_outcome END)
       END AS log_loss,
       CASE WHEN b.status <> 'scored' OR b.probability = 0.5 THEN NULL
            WHEN (b.probability > 0.5) = (b.o = 1) THEN 1
            ELSE 0 END AS hit
FROM (
    SELECT c.id AS claim_id, ps.scale, c.person_id, p.name AS speaker, c.question_id,
           q.slug AS question, c.made_on, c.kind, c.mapping_basis,
           ps.probability, ps.prob_low, ps.prob_high, ps.scale_term,
           q.resolve_by, {horizon_days} AS horizon_days,
           qo.result, qo.occurred_on, c.condition_result, ko.result AS condition_outcome,
           CASE
               WHEN c.kind = 'opinion' THEN 'opinion'
               WHEN c.kind = 'directional' THEN 'directional'
               WHEN ps.probability IS NULL THEN 'unscorable'
               WHEN qo.result IN ('ambiguous', 'annulled') THEN 'void'
               WHEN c.kind = 'conditional' AND ko.result IS NOT NULL
                    AND ko.result <> c.condition_result THEN 'void'
               WHEN qo.result IS NULL THEN 'open'
               WHEN c.kind = 'conditional' AND ko.result IS NULL THEN 'pending'
               WHEN qo.result = 'partial' THEN 'partial'
               WHEN c.made_on >= qo.occurred_on THEN 'hindsight'
               ELSE 'scored'
           END AS status,
           CASE qo.result WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END AS o,
           CASE qo.result WHEN 'yes' THEN ps.probability
                          WHEN 'no' THEN 1 - ps.probability END AS p_outcome
    FROM claims AS c
    JOIN people AS p ON p.id = c.person_id
    JOIN claim_probabilities_by_scale AS ps ON ps.claim_id = c.id
    LEFT JOIN questions AS q ON q.id = c.question_id
    LEFT JOIN current_outcomes AS qo ON qo.question_id = c.question_id
    LEFT JOIN current_outcomes AS ko ON ko.question_id = c.condition_question_id
    WHERE {claim_scope}
) AS b
""",
    # The per-claim inputs of the group scores: claim_scores with the horizon
    # bucket (days from claim to resolve-by).
    "score_inputs": """
SELECT s.claim_id, s.scale, s.person_id, s.speaker, s.question_id, s.mapping_basis,
       s.status, s.outcome_value, s.brier, s.brier_best, s.brier_worst, s.log_loss, s.hit,
       CASE WHEN s.horizon_days IS NULL THEN NULL
            WHEN s.horizon_days <= 30 THEN '0-30 days'
            WHEN s.horizon_days <= 90 THEN '31-90 days'
            WHEN s.horizon_days <= 365 THEN '91-365 days'
            ELSE 'over 365 days' END AS horizon
FROM claim_scores AS s
""",
    # Which groups each claim counts in: overall, speaker, tag, mapping basis,
    # horizon, and speaker by horizon (the same groups as score_groups).
    "score_members": _group_union(
        "SELECT '{dimension}' AS dimension, {key} AS group_key, {label} AS label, b.* "
        "FROM score_inputs AS b {joins} {where}"
    ),
    # Aggregates per scale and group, each group kind aggregated on its own
    # (far cheaper than grouping the union of memberships). Skill scores
    # compare the mean Brier with always saying 50% (0.25) and with always
    # saying the base rate r of YES, whose Brier over a group with a share y of
    # YES is r^2 + y(1 - 2r).
    "score_groups": """
WITH inputs AS MATERIALIZED (
    SELECT * FROM score_inputs
),
rate AS (
    SELECT scale, AVG(CAST(outcome_value AS FLOAT)) AS base_rate
    FROM inputs WHERE status = 'scored' GROUP BY scale
),
grouped AS (
"""
    + _group_union(
        "SELECT b.scale, '{dimension}' AS dimension, {key} AS group_key, MIN({label}) AS label, "
        + _AGGREGATES
        + " FROM inputs AS b {joins} {where} GROUP BY b.scale{group_by}"
    )
    + """
)
SELECT g.*,
       1 - g.mean_brier / 0.25 AS skill_vs_even,
       1 - g.mean_brier / NULLIF(
           r.base_rate * r.base_rate + g.yes_rate * (1 - 2 * r.base_rate), 0
       ) AS skill_vs_base_rate
FROM grouped AS g
LEFT JOIN rate AS r ON r.scale = g.scale
""",
    # Calibration: one bin per forecast value (a step of the scale in use, or a
    # stated number), with what share happened and its part of the Murphy
    # decomposition. Steps of a named scale with no scored claim show count 0.
    "calibration": """
WITH scored AS (
    SELECT * FROM claim_scores WHERE status = 'scored'
),
totals AS (
    SELECT scale, COUNT(*) AS n, AVG(CAST(outcome_value AS FLOAT)) AS base_rate
    FROM scored GROUP BY scale
)
SELECT s.scale, COALESCE(s.scale_term, 'stated') AS term, s.probability AS forecast,
       COUNT(*) AS claims, SUM(s.outcome_value) AS happened,
       AVG(CAST(s.outcome_value AS FLOAT)) AS observed,
       SUM(s.brier) AS brier_sum,
       COUNT(*) * (s.probability - AVG(CAST(s.outcome_value AS FLOAT)))
                 * (s.probability - AVG(CAST(s.outcome_value AS FLOAT))) / t.n AS reliability_part,
       COUNT(*) * (AVG(CAST(s.outcome_value AS FLOAT)) - t.base_rate)
                 * (AVG(CAST(s.outcome_value AS FLOAT)) - t.base_rate) / t.n AS resolution_part
FROM scored AS s
JOIN totals AS t ON t.scale = s.scale
GROUP BY s.scale, s.scale_term, s.probability, t.n, t.base_rate
UNION ALL
SELECT sc.slug, st.term, st.point, 0, 0, NULL, 0, 0, 0
FROM scale_terms AS st
JOIN scales AS sc ON sc.id = st.scale_id
WHERE st.rung IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM scored AS s WHERE s.scale = sc.slug AND s.scale_term = st.term)
""",
    # The Murphy decomposition per scale: Brier = reliability - resolution +
    # uncertainty, exact because every forecast in a bin has the same value.
    "murphy": """
SELECT scale, SUM(claims) AS claims,
       CAST(SUM(happened) AS FLOAT) / SUM(claims) AS base_rate,
       SUM(brier_sum) / SUM(claims) AS brier,
       SUM(reliability_part) AS reliability,
       SUM(resolution_part) AS resolution,
       (CAST(SUM(happened) AS FLOAT) / SUM(claims))
           * (1 - CAST(SUM(happened) AS FLOAT) / SUM(claims)) AS uncertainty
FROM calibration
GROUP BY scale
HAVING SUM(claims) > 0
""",
}


# Sums per scale and group that score_groups derives its means from (over rows
# ``b`` of score_inputs). Sums, not means, so they can be kept up to date by
# adding what a claim contributes and taking away what it contributed.
_SUMS = (
    """COUNT(*) AS claims,
    SUM(CASE WHEN b.status = 'scored' THEN 1 ELSE 0 END) AS scored,
    COALESCE(SUM(b.brier), 0) AS brier_sum,
    COALESCE(SUM(b.brier * b.brier), 0) AS brier_squared_sum,
    COALESCE(SUM(b.brier_best), 0) AS brier_best_sum,
    COALESCE(SUM(b.brier_worst), 0) AS brier_worst_sum,
    COALESCE(SUM(b.log_loss), 0) AS log_loss_sum,
    COALESCE(SUM(b.hit), 0) AS hits,
    COUNT(b.hit) AS sided,
    COALESCE(SUM(b.outcome_value), 0) AS yes,
"""
    + _STATUS_COUNTS
)


# The columns of score_totals after its key, in order; each is a count or a sum.
def _sum_columns(sums: str) -> tuple[str, ...]:
    return tuple(line.strip().rsplit(" AS ", 1)[1].rstrip(",") for line in sums.splitlines()
                 if " AS " in line)  # fmt: skip


TOTAL_COLUMNS_0005 = _sum_columns(_SUMS)
CALIBRATION_COLUMNS = ("claims", "happened", "brier_sum")

_V0005: dict[str, str] = {
    name: _V0003[name] for name in ("current_outcomes", "question_status", "scale_term_equivalents")
}
_V0005.update({
    # As in 0003, without a UNION: "recorded" is one more row of the scales
    # joined in, so a filter on claims reaches the claims table (and its
    # indexes) instead of being applied after every claim is read.
    "claim_probabilities_by_scale": """
SELECT cp.claim_id, s.scale,
       COALESCE(x.point, cp.probability) AS probability,
       COALESCE(x.low, cp.prob_low) AS prob_low,
       COALESCE(x.high, cp.prob_high) AS prob_high,
       CASE WHEN s.scale = 'recorded' THEN cp.scale_term ELSE x.term END AS scale_term
FROM claims AS c
JOIN claim_probabilities AS cp ON cp.claim_id = c.id
CROSS JOIN (SELECT 'recorded' AS scale UNION ALL SELECT slug FROM scales) AS s
LEFT JOIN scale_term_equivalents AS e ON e.term_id = c.scale_term_id AND e.scale = s.scale
LEFT JOIN scale_terms AS x ON x.id = e.equivalent_id
WHERE {claim_scope}
""",
    "claim_scores": _V0003["claim_scores"],
    "score_inputs": _V0003["score_inputs"],
    "score_members": _V0003["score_members"],
    # Counts and sums per scale and group: the overall group on every scale,
    # the others (speaker, tag, ...) on the {detail_scale} only ("recorded" in
    # the database; the report asks for the scale it shows). In the database
    # this is a table kept current as claims and outcomes are written
    # (tracker.services.scores); the report computes it afresh, with its
    # filters, from this same text.
    "score_totals": """
WITH inputs AS MATERIALIZED (
    SELECT * FROM score_inputs
)
"""
    + _group_union(
        "SELECT b.scale, '{dimension}' AS dimension, {key} AS group_key, MIN({label}) AS label, "
        + _SUMS
        + " FROM inputs AS b {joins} {where} GROUP BY b.scale{group_by}",
        detail="{detail_scale}",
    ),
    # Means, interval inputs and skill per scale and group, from score_totals.
    # Skill scores compare the mean Brier with always saying 50% (0.25) and
    # with always saying the base rate r of YES (the share of YES among all
    # scored claims on the scale), whose Brier over a group with a share y of
    # YES is r^2 + y(1 - 2r).
    "score_groups": """
SELECT g.scale, g.dimension, g.group_key, g.label, g.claims, g.scored,
       g.mean_brier, g.mean_brier_squared, g.mean_brier_best, g.mean_brier_worst,
       g.mean_log_loss, g.hits, g.sided, g.hit_rate, g.yes_rate,
       g.open, g.pending, g.partial, g.void, g.hindsight, g.unscorable, g.directional,
       g.opinion,
       1 - g.mean_brier / 0.25 AS skill_vs_even,
       1 - g.mean_brier / NULLIF(r.base_rate * r.base_rate + g.yes_rate * (1 - 2 * r.base_rate), 0)
           AS skill_vs_base_rate
FROM (
    SELECT t.*,
           t.brier_sum / NULLIF(t.scored, 0) AS mean_brier,
           t.brier_squared_sum / NULLIF(t.scored, 0) AS mean_brier_squared,
           t.brier_best_sum / NULLIF(t.scored, 0) AS mean_brier_best,
           t.brier_worst_sum / NULLIF(t.scored, 0) AS mean_brier_worst,
           t.log_loss_sum / NULLIF(t.scored, 0) AS mean_log_loss,
           CAST(t.hits AS FLOAT) / NULLIF(t.sided, 0) AS hit_rate,
           CAST(t.yes AS FLOAT) / NULLIF(t.scored, 0) AS yes_rate
    FROM score_totals AS t
) AS g
LEFT JOIN (
    SELECT scale, CAST(yes AS FLOAT) / NULLIF(scored, 0) AS base_rate
    FROM score_totals WHERE dimension = 'overall'
) AS r ON r.scale = g.scale
""",
    # Scored claims per scale and forecast value (a step of the scale in use,
    # or a stated number); a table kept current like score_totals.
    "calibration_totals": """
SELECT s.scale, COALESCE(s.scale_term, 'stated') AS term, s.probability AS forecast,
       COUNT(*) AS claims, SUM(s.outcome_value) AS happened, SUM(s.brier) AS brier_sum
FROM claim_scores AS s
WHERE s.status = 'scored'
GROUP BY s.scale, s.scale_term, s.probability
""",
    # Calibration: one bin per forecast value with what share happened and
    # its part of the Murphy decomposition. Steps of a named scale with no
    # scored claim show count 0.
    "calibration": """
SELECT c.scale, c.term, c.forecast, c.claims, c.happened,
       CAST(c.happened AS FLOAT) / c.claims AS observed,
       c.brier_sum,
       c.claims * (c.forecast - CAST(c.happened AS FLOAT) / c.claims)
                * (c.forecast - CAST(c.happened AS FLOAT) / c.claims) / t.n AS reliability_part,
       c.claims * (CAST(c.happened AS FLOAT) / c.claims - t.base_rate)
                * (CAST(c.happened AS FLOAT) / c.claims - t.base_rate) / t.n AS resolution_part
FROM calibration_totals AS c
JOIN (
    SELECT scale, SUM(claims) AS n, CAST(SUM(happened) AS FLOAT) / SUM(claims) AS base_rate
    FROM calibration_totals GROUP BY scale
) AS t ON t.scale = c.scale
WHERE c.claims > 0
UNION ALL
SELECT sc.slug, st.term, st.point, 0, 0, NULL, 0, 0, 0
FROM scale_terms AS st
JOIN scales AS sc ON sc.id = st.scale_id
WHERE st.rung IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM calibration_totals AS c
    WHERE c.scale = sc.slug AND c.term = st.term AND c.claims > 0
  )
""",
    "murphy": _V0003["murphy"],
})  # fmt: skip

# 0007: a retracted claim is no longer part of the record that is scored or
# counted (it stays in the claims table, marked, with its reason).
_V0007: dict[str, str] = dict(_V0005)
_V0007["question_status"] = _V0005["question_status"].replace(
    "WHERE c.question_id = q.id OR c.condition_question_id = q.id)",
    "WHERE (c.question_id = q.id OR c.condition_question_id = q.id)\n"
    "          AND c.retracted_at IS NULL)",
)
_V0007["claim_probabilities_by_scale"] = _V0005["claim_probabilities_by_scale"].replace(
    "WHERE {claim_scope}", "WHERE c.retracted_at IS NULL AND {claim_scope}"
)
assert _V0007["question_status"] != _V0005["question_status"]
assert _V0007["claim_probabilities_by_scale"] != _V0005["claim_probabilities_by_scale"]

# 0008: two timelines for looking back.
# * The world as it stood on a date (``report --as-of``): the outcome that
#   stands today, counted only if it had happened by then ({occurred_by}).
# * What the database said at a moment (``report --as-recorded``): the
#   statement shadows ``claims`` and ``questions`` with their rows as recorded
#   then (``as_recorded_ctes``), which every template below reads, so
#   ``claim_probabilities`` becomes a template too (0002 made it a plain view).
_V0008: dict[str, str] = {}
for _name, _template in _V0007.items():
    if _name == "claim_probabilities_by_scale":
        _V0008["claim_probabilities"] = """
SELECT c.id AS claim_id, c.mapping_basis,
       COALESCE(c.probability, t.point) AS probability,
       COALESCE(c.prob_low, t.low, c.probability) AS prob_low,
       COALESCE(c.prob_high, t.high, c.probability) AS prob_high,
       s.slug AS scale, t.term AS scale_term
FROM claims AS c
LEFT JOIN scale_terms AS t ON t.id = c.scale_term_id
LEFT JOIN scales AS s ON s.id = t.scale_id
"""
    _V0008[_name] = _template
# The standing outcome as recorded by {as_of}, if it had happened by {occurred_by}.
_V0008["current_outcomes"] = _V0007["current_outcomes"] + "  AND o.occurred_on <= {occurred_by}\n"

# 0013: a claim can be about the opposite of its question (``claims.side``):
# what is scored is whether the claim's own side happened, so a claim is
# scored as it was said ("the Chiefs will win", 80%, on the question "the
# Eagles win") and calibrated by its own term and number.
_V0013 = dict(_V0008)
_V0013["claim_scores"] = _V0008["claim_scores"].replace(
    """           CASE qo.result WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END AS o,
           CASE qo.result WHEN 'yes' THEN ps.probability
                          WHEN 'no' THEN 1 - ps.probability END AS p_outcome""",
    """           CASE WHEN qo.result = 'yes' THEN CASE c.side WHEN 'no' THEN 0 ELSE 1 END
                WHEN qo.result = 'no' THEN CASE c.side WHEN 'no' THEN 1 ELSE 0 END END AS o,
           CASE WHEN qo.result = 'yes'
                THEN CASE c.side WHEN 'no' THEN 1 - ps.probability ELSE ps.probability END
                WHEN qo.result = 'no'
                THEN CASE c.side WHEN 'no' THEN ps.probability ELSE 1 - ps.probability END
           END AS p_outcome""",
)
assert _V0013["claim_scores"] != _V0008["claim_scores"]

# 0014: what real forecasts say.
# * Numbers: a claim on a numeric question gives a point, a range or a
#   threshold. A threshold claim is the yes/no event "the value ends above
#   (below) it" and is Brier-scored like any other; a point or a range has
#   status "numeric" once the value is observed, and is measured by its
#   absolute and percentage error (a point), whether it held the value and
#   its interval score (a range; Gneiting & Raftery 2007, at the range's
#   level when one was said).
# * An outcome "unresolvable" (searched for, not established) voids the
#   question's claims like ambiguous and annulled, and so does a condition
#   that is unresolvable.
# * A directional claim or an opinion may carry a condition; both stay
#   unscored.
# * The groups gain "organisation": a claim counts for each organisation its
#   speaker belonged to on the day (affiliations), and an organisation's own
#   claims for itself.
_GROUPS_0014 = (
    *_GROUPS,
    ("organisation", "CAST(a.organisation_id AS TEXT)", "o.name",
     "JOIN (SELECT person_id, organisation_id, started_on, ended_on FROM affiliations "
     "UNION ALL SELECT id, id, NULL, NULL FROM people WHERE kind = 'organisation') AS a "
     "ON a.person_id = b.person_id AND (a.started_on IS NULL OR a.started_on <= b.made_on) "
     "AND (a.ended_on IS NULL OR b.made_on <= a.ended_on) "
     "JOIN people AS o ON o.id = a.organisation_id", ""),
)  # fmt: skip

# 1 if the claim's own side happened, 0 if not, NULL while unknown.
_HAPPENED_0014 = """CASE WHEN qo.result = 'observed' AND c.threshold IS NOT NULL
                THEN CASE WHEN (c.threshold_side = 'above' AND qo.observed_value > c.threshold)
                            OR (c.threshold_side = 'below' AND qo.observed_value < c.threshold)
                          THEN 1 ELSE 0 END
                WHEN c.threshold IS NOT NULL THEN NULL
                WHEN qo.result = 'yes' THEN CASE c.side WHEN 'no' THEN 0 ELSE 1 END
                WHEN qo.result = 'no' THEN CASE c.side WHEN 'no' THEN 1 ELSE 0 END END"""


def _replaced(template: str, changes: list[tuple[str, str]]) -> str:
    """A published template with each (old, new) change made; every old text must be there."""
    for old, new in changes:
        assert template.count(old) == 1, old
        template = template.replace(old, new)
    return template


_V0014 = dict(_V0013)
# Numbers ride along the 0013 text: measures after its columns, the status
# and the outcome of a threshold claim changed in place.
_V0014["claim_scores"] = _replaced(_V0013["claim_scores"], [
    ("""            ELSE 0 END AS hit
FROM (""", """            ELSE 0 END AS hit,
       b.estimate, b.estimate_low, b.estimate_high, b.threshold, b.threshold_side,
       b.observed_value,
       CASE WHEN b.status = 'numeric' AND b.estimate IS NOT NULL
            THEN abs(b.estimate - b.observed_value) END AS abs_error,
       CASE WHEN b.status = 'numeric' AND b.estimate IS NOT NULL AND b.observed_value <> 0
            THEN abs(b.estimate - b.observed_value) / abs(b.observed_value) END AS pct_error,
       CASE WHEN b.status = 'numeric' AND b.estimate_low IS NOT NULL
            THEN CASE WHEN b.observed_value >= b.estimate_low
                       AND b.observed_value <= b.estimate_high THEN 1 ELSE 0 END
       END AS covered,
       CASE WHEN b.status = 'numeric' AND b.estimate_low IS NOT NULL
                 AND b.probability > 0 AND b.probability < 1
            THEN (b.estimate_high - b.estimate_low)
                 + CASE WHEN b.observed_value < b.estimate_low THEN
                        2 / (1 - b.probability) * (b.estimate_low - b.observed_value) ELSE 0 END
                 + CASE WHEN b.observed_value > b.estimate_high THEN
                        2 / (1 - b.probability) * (b.observed_value - b.estimate_high) ELSE 0 END
       END AS interval_score
FROM ("""),
    ("""               WHEN ps.probability IS NULL THEN 'unscorable'
               WHEN qo.result IN ('ambiguous', 'annulled') THEN 'void'""",
     """               WHEN ps.probability IS NULL AND c.estimate IS NULL AND c.estimate_low IS NULL
                    THEN 'unscorable'
               WHEN qo.result IN ('ambiguous', 'annulled', 'unresolvable') THEN 'void'"""),
    ("""               WHEN c.made_on >= qo.occurred_on THEN 'hindsight'
               ELSE 'scored'""", """               WHEN c.made_on >= qo.occurred_on THEN 'hindsight'
               WHEN c.estimate IS NOT NULL OR c.estimate_low IS NOT NULL THEN 'numeric'
               ELSE 'scored'"""),
    ("""           CASE WHEN qo.result = 'yes' THEN CASE c.side WHEN 'no' THEN 0 ELSE 1 END
                WHEN qo.result = 'no' THEN CASE c.side WHEN 'no' THEN 1 ELSE 0 END END AS o,
           CASE WHEN qo.result = 'yes'
                THEN CASE c.side WHEN 'no' THEN 1 - ps.probability ELSE ps.probability END
                WHEN qo.result = 'no'
                THEN CASE c.side WHEN 'no' THEN ps.probability ELSE 1 - ps.probability END
           END AS p_outcome""", """           """ + _HAPPENED_0014 + """ AS o,
           CASE """ + _HAPPENED_0014 + """
                WHEN 1 THEN ps.probability WHEN 0 THEN 1 - ps.probability END AS p_outcome,
           c.estimate, c.estimate_low, c.estimate_high, c.threshold, c.threshold_side,
           qo.observed_value"""),
])  # fmt: skip
# The inputs carry what the organisation groups and the numeric totals need.
_V0014["score_inputs"] = _replaced(_V0013["score_inputs"], [
    ("ELSE 'over 365 days' END AS horizon\n",
     "ELSE 'over 365 days' END AS horizon,\n       s.made_on, s.pct_error, s.covered\n"),
])  # fmt: skip
_V0014["score_members"] = _group_union(
    "SELECT '{dimension}' AS dimension, {key} AS group_key, {label} AS label, b.* "
    "FROM score_inputs AS b {joins} {where}",
    groups=_GROUPS_0014,
)
_SUMS_0014 = (
    _SUMS
    + """,
    SUM(CASE WHEN b.status = 'numeric' THEN 1 ELSE 0 END) AS estimates,
    COUNT(b.pct_error) AS points,
    COALESCE(SUM(b.pct_error), 0) AS ape_sum,
    COUNT(b.covered) AS ranges,
    COALESCE(SUM(b.covered), 0) AS covered"""
)
_V0014["score_totals"] = """
WITH inputs AS MATERIALIZED (
    SELECT * FROM score_inputs
)
""" + _group_union(
    "SELECT b.scale, '{dimension}' AS dimension, {key} AS group_key, MIN({label}) AS label, "
    + _SUMS_0014
    + " FROM inputs AS b {joins} {where} GROUP BY b.scale{group_by}",
    detail="{detail_scale}",
    groups=_GROUPS_0014,
)
_V0014["score_groups"] = (
    _V0005["score_groups"]
    .replace(
        """       g.opinion,
""",
        """       g.opinion, g.estimates, g.points, g.mean_pct_error, g.ranges, g.covered,
       g.coverage,
""",
    )
    .replace(
        """           CAST(t.yes AS FLOAT) / NULLIF(t.scored, 0) AS yes_rate
""",
        """           CAST(t.yes AS FLOAT) / NULLIF(t.scored, 0) AS yes_rate,
           t.ape_sum / NULLIF(t.points, 0) AS mean_pct_error,
           CAST(t.covered AS FLOAT) / NULLIF(t.ranges, 0) AS coverage
""",
    )
)
assert _V0014["score_groups"].count("coverage") == 2
# Every claim that gives a number, with how close it came (on the scale as recorded).
_V0014["numeric_scores"] = """
SELECT s.claim_id, s.person_id, s.speaker, s.question_id, s.question, q.unit, s.made_on,
       s.status,
       CASE WHEN s.estimate IS NOT NULL THEN 'point'
            WHEN s.estimate_low IS NOT NULL THEN 'range' ELSE 'threshold' END AS form,
       s.estimate, s.estimate_low, s.estimate_high, s.threshold, s.threshold_side,
       s.probability, s.scale_term, s.observed_value, s.abs_error, s.pct_error, s.covered,
       s.interval_score, s.brier
FROM claim_scores AS s
JOIN questions AS q ON q.id = s.question_id
WHERE s.scale = 'recorded'
  AND (s.estimate IS NOT NULL OR s.estimate_low IS NOT NULL OR s.threshold IS NOT NULL)
"""
# Calibration of ranges: per speaker (and for everyone) and level said, how
# often the ranges held the value. A range said without a level counts under
# a NULL level.
_V0014["range_coverage"] = """
SELECT n.person_id, n.speaker, n.probability AS level, COUNT(*) AS ranges,
       SUM(n.covered) AS covered, AVG(CAST(n.covered AS FLOAT)) AS coverage
FROM numeric_scores AS n
WHERE n.covered IS NOT NULL
GROUP BY n.person_id, n.speaker, n.probability
UNION ALL
SELECT NULL, 'all speakers', n.probability, COUNT(*), SUM(n.covered),
       AVG(CAST(n.covered AS FLOAT))
FROM numeric_scores AS n
WHERE n.covered IS NOT NULL
GROUP BY n.probability
"""

# 0015: the same scores, read faster.
# * A claim counts for an organisation through a join SQLite ordered badly:
#   it indexed every claim by speaker to look up the few hundred
#   affiliations, instead of looking up each claim's speaker among them
#   (3.4 s against 0.1 s of the score totals' 11 s at a million claims). The
#   unary + on the claim's side of the join keeps that side from being
#   indexed (SQLite's documented way to steer a join; a no-op on numbers, in
#   PostgreSQL too).
_ORGANISATION_JOIN_0015 = [("ON a.person_id = b.person_id", "ON a.person_id = +b.person_id")]
_GROUPS_0015 = tuple(
    (d, k, label, _replaced(j, _ORGANISATION_JOIN_0015) if d == "organisation" else j, w)
    for d, k, label, j, w in _GROUPS_0014
)
_V0015 = dict(_V0014)
for _name in ("score_members", "score_totals"):
    _V0015[_name] = _replaced(_V0014[_name], _ORGANISATION_JOIN_0015)
# * The numbers said (numeric_scores, and range_coverage over it) are read
#   from the claims on numeric questions only: the same rows (only those
#   claims can give a number), found through the index instead of scoring
#   every claim (1.5 s of the report's 3.3 s at a million claims).
_V0015["numeric_scores"] = _replaced(_V0014["numeric_scores"], [(
    "WHERE s.scale = 'recorded'\n",
    "WHERE s.scale = 'recorded'\n"
    "  AND s.question_id IN (SELECT id FROM questions WHERE question_type = 'numeric')\n",
)])  # fmt: skip

# The columns of a recorded row that a revision can take back to its value at
# a moment, and the type its text is read as.
_AS_RECORDED_COLUMNS = {
    "claims": {"person_id": "int", "question_id": "int", "condition_question_id": "int",
               "condition_result": "text", "made_on": "date", "kind": "text",
               "probability": "float", "prob_low": "float", "prob_high": "float",
               "scale_term_id": "int", "mapping_basis": "text", "side": "text",
               "estimate": "float", "estimate_low": "float", "estimate_high": "float",
               "threshold": "float", "threshold_side": "text"},
    "questions": {"resolve_by": "date"},
}  # fmt: skip
_OTHER_COLUMNS = {
    "claims": ("id", "source_id", "quote", "made_on_note", "role", "wording", "mapping_note",
               "direction", "entered_by", "entered_at"),
    "questions": ("id", "slug", "title", "criteria", "horizon_text", "created_at", "created_by",
                  "question_type", "unit"),
}  # fmt: skip
_RECORD_TYPE = {"claims": "claim", "questions": "question"}
_ENTERED = {"claims": "entered_at", "questions": "created_at"}


def as_recorded_ctes(dialect: str) -> str:
    """``claims``, ``questions`` and ``question_tags`` as the database held
    them at :as_recorded: rows entered by then (claims not yet retracted),
    each column a later revision changed taken back to the value that
    revision replaced, and each question's tags as they were. Named like the
    tables they shadow, so every template reads them unchanged."""
    base = "main." if dialect == "sqlite" else ""  # SQLite: the table, not the CTE
    casts = {
        "int": "CAST({} AS INTEGER)",
        "float": "CAST({} AS DOUBLE PRECISION)",
        "text": "{}",
        "date": "CAST({} AS DATE)" if dialect == "postgresql" else "{}",
    }
    parts = []
    for table, columns in _AS_RECORDED_COLUMNS.items():
        pivot = ",\n".join(
            f"MAX(CASE WHEN r.field = '{c}' THEN 1 ELSE 0 END) AS has_{c}, "
            f"MAX(CASE WHEN r.field = '{c}' THEN r.old_value END) AS was_{c}"
            for c in columns
        )
        chosen = ", ".join(
            [f"t.{c}" for c in _OTHER_COLUMNS[table]]
            + [f"CASE WHEN v.has_{c} = 1 THEN {casts[kind].format(f'v.was_{c}')} ELSE t.{c} END "
               f"AS {c}" for c, kind in columns.items()]
        )  # fmt: skip
        retraction = "NULL AS retracted_at, NULL AS retracted_reason, " if table == "claims" else ""
        kept = (
            " AND (t.retracted_at IS NULL OR t.retracted_at > :as_recorded)"
            if table == "claims"
            else ""
        )
        parts.append(f"""{table} AS (
SELECT {retraction}{chosen}
FROM {base}{table} AS t
LEFT JOIN (
    SELECT r.record_id, {pivot}
    FROM revisions AS r
    WHERE r.record_type = '{_RECORD_TYPE[table]}' AND r.revised_at > :as_recorded
      AND NOT EXISTS (
        SELECT 1 FROM revisions AS e
        WHERE e.record_type = r.record_type AND e.record_id = r.record_id
          AND e.field = r.field AND e.revised_at > :as_recorded
          AND (e.revised_at < r.revised_at OR (e.revised_at = r.revised_at AND e.id < r.id))
      )
    GROUP BY r.record_id
) AS v ON v.record_id = t.id
WHERE t.{_ENTERED[table]} <= :as_recorded{kept}
)""")
    # A question's tags as they stood: the list the first later revision of
    # its tags replaced (kept as a JSON array), else the tags it has now.
    elements = (
        "json_each(r.old_value) AS j"
        if dialect == "sqlite"
        else "json_array_elements_text(CAST(r.old_value AS json)) AS j(value)"
    )
    later_tags = (
        """r.record_type = 'question' AND r.field = 'tags' AND r.revised_at > :as_recorded"""
    )
    parts.append(f"""question_tags AS (
SELECT qt.question_id, qt.tag_id
FROM {base}question_tags AS qt
WHERE NOT EXISTS (SELECT 1 FROM revisions AS r WHERE r.record_id = qt.question_id AND {later_tags})
UNION ALL
SELECT r.record_id AS question_id, t.id AS tag_id
FROM revisions AS r
CROSS JOIN {elements}
JOIN tags AS t ON t.name = j.value
WHERE {later_tags}
  AND NOT EXISTS (
    SELECT 1 FROM revisions AS e
    WHERE e.record_type = 'question' AND e.record_id = r.record_id AND e.field = 'tags'
      AND e.revised_at > :as_recorded
      AND (e.revised_at < r.revised_at OR (e.revised_at = r.revised_at AND e.id < r.id))
  )
)""")
    return ",\n".join(parts)


# Templates that are tables in the database, kept current by
# tracker.services.scores; everywhere else (the report's filtered CTEs, the
# rebuild, the tests) they are computed from their text.
MAINTAINED = ("score_totals", "calibration_totals")

VERSIONS: dict[str, dict[str, str]] = {
    "0003": _V0003, "0005": _V0005, "0007": _V0007, "0008": _V0008, "0013": _V0013,
    "0014": _V0014, "0015": _V0015,
}  # fmt: skip
CURRENT = _V0015
CURRENT_SUMS = _SUMS_0014  # the sums of the current score_totals template
CURRENT_GROUPS = _GROUPS_0015  # and its kinds of group
TOTAL_COLUMNS = _sum_columns(CURRENT_SUMS)


def _dialect_sql(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        return {
            "horizon_days": "(q.resolve_by - c.made_on)",
            "tags_json": "(SELECT COALESCE(json_agg(t.name ORDER BY t.name), '[]'::json) "
            "FROM question_tags AS qt JOIN tags AS t ON t.id = qt.tag_id "
            "WHERE qt.question_id = q.id)",
            "view_today": "CURRENT_DATE",
            "view_today_30": "(CURRENT_DATE + 30)",
            "param_today": "CAST(:today AS date)",
            "param_occurred_by": "CAST(:occurred_by AS date)",
            "param_today_30": "(CAST(:today AS date) + 30)",
        }
    return {
        "horizon_days": "CAST(julianday(q.resolve_by) - julianday(c.made_on) AS INTEGER)",
        "tags_json": "(SELECT json_group_array(name) FROM (SELECT t.name FROM question_tags AS qt "
        "JOIN tags AS t ON t.id = qt.tag_id WHERE qt.question_id = q.id ORDER BY t.name))",
        "view_today": "CURRENT_DATE",
        "view_today_30": "date(CURRENT_DATE, '+30 days')",
        "param_today": ":today",
        "param_occurred_by": ":occurred_by",
        "param_today_30": "date(:today, '+30 days')",
    }


def view_sql(template: str, dialect: str) -> str:
    """A template as the body of a database view: every claim, all outcomes, today."""
    d = _dialect_sql(dialect)
    return template.format(
        as_of=END_OF_TIME,
        occurred_by=END_OF_DAYS,
        detail_scale=KEPT_SCALE,
        today=d["view_today"],
        today_30=d["view_today_30"],
        claim_scope=EVERY_CLAIM,
        horizon_days=d["horizon_days"],
        tags_json=d["tags_json"],
    )


def create_views(execute: Any, dialect: str, version: str) -> None:
    """Create the views of one template version (called by its migration);
    maintained templates are tables, created by the migration itself."""
    for name, template in VERSIONS[version].items():
        if name not in MAINTAINED:
            execute(f"CREATE VIEW {name} AS {view_sql(template, dialect)}")


def drop_views(execute: Any, version: str) -> None:
    for name in reversed(list(VERSIONS[version])):
        if name not in MAINTAINED:
            execute(f"DROP VIEW IF EXISTS {name}")


def with_clause(
    dialect: str,
    claim_scope: str,
    computed: dict[str, str] | None = None,
    *,
    maintained: bool = False,
    version: str | None = None,
    detail_scale: bool = False,
    inline: bool = False,
    world_date: bool = False,
    as_recorded: bool = False,
) -> str:
    """Every current template as a CTE, rendered with bound parameters :as_of
    and :today, and ``claim_scope`` (built from bound parameters only).

    ``world_date`` counts an outcome only if it happened by :occurred_by (the
    world as it stood on a date); ``as_recorded`` reads claims and questions
    as recorded at :as_recorded (``as_recorded_ctes``).

    ``computed`` names templates already evaluated into tables (template name
    to table name): their CTE reads the table instead of computing again.
    ``maintained`` leaves out the MAINTAINED templates, so the statement reads
    the database's kept-current tables of those names (valid only for every
    claim, as of now). ``detail_scale`` binds the scale score_totals breaks
    down by group to :detail_scale instead of "recorded". ``version`` renders
    a published version instead of the current one (for its migration).
    ``inline`` marks every CTE NOT MATERIALIZED, for a statement that reads a
    few claims: SQLite computes a CTE used twice (current_outcomes, for a
    claim's question and its condition) in full otherwise, which is right
    for every claim and slow for a few."""
    d = _dialect_sql(dialect)
    values = {
        "as_of": ":as_of",
        "occurred_by": d["param_occurred_by"] if world_date else END_OF_DAYS,
        "detail_scale": ":detail_scale" if detail_scale else KEPT_SCALE,
        "today": d["param_today"],
        "today_30": d["param_today_30"],
        "claim_scope": claim_scope,
        "horizon_days": d["horizon_days"],
        "tags_json": d["tags_json"],
    }
    computed = computed or {}
    how = "AS NOT MATERIALIZED" if inline else "AS"
    parts = [
        f"{name} AS NOT MATERIALIZED (SELECT * FROM {computed[name]})"  # a table: never copied
        if name in computed
        else f"{name} {how} ({template.format(**values)})"
        for name, template in (VERSIONS[version] if version else CURRENT).items()
        if not (maintained and name in MAINTAINED)
    ]
    if as_recorded:
        parts.insert(0, as_recorded_ctes(dialect))
    return "WITH " + ",\n".join(parts)
