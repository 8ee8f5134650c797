"""The kept score totals computed set-wise, from the templates that define them.

``score_totals`` and ``calibration_totals`` are defined by the templates of
those names in ``tracker.score_views``. Evaluated as written, they score every
claim on every scale (five rows a claim, names and all) and group the lot
once per kind of group: at a million claims that is most of a rebuild's
time. The statements here give the same totals from the same templates with
a fraction of the work, resting on two properties of the templates:

* **A claim's status is the same on every scale.** A re-read changes only the
  probability of a claim said in words; every scale term has a point (the
  schema requires it), so whether a claim has a probability, the one input of
  the status a scale could change, does not depend on the scale.
* **A scored claim's scores on any scale depend only on its signature**: its
  scale term, its probability, low and high as recorded, and whether its own
  side happened (the outcome value).

So the claims are scored once, as recorded, into a narrow temporary table,
and the groups (every kind, on the recorded scale) are the templates read
over it; a claim that is not scored counts the same on every other scale
(kept there in the overall group only), so that part is summed once; and the
scored claims are scored on the other scales once per signature, by running
the same templates on one claim standing for each signature, its sums
weighted by how many claims it stands for. A million claims have a few
thousand signatures.

No rule of scoring is written here: statuses and scores come from the
templates, and the weighted sums are the templates' own sums rewritten
mechanically (``weighted``). The tests compare the kept tables with the
templates evaluated as written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from tracker.score_views import (
    CALIBRATION_COLUMNS,
    CURRENT,
    CURRENT_GROUPS,
    CURRENT_SUMS,
    END_OF_TIME,
    EVERY_CLAIM,
    TOTAL_COLUMNS,
    with_clause,
)

if TYPE_CHECKING:
    from tracker.reads import Reader

# Each kept table: its key columns and the counted/summed columns after them.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "score_totals": (("scale", "dimension", "group_key"), ("label", *TOTAL_COLUMNS)),
    "calibration_totals": (("scale", "term", "forecast"), CALIBRATION_COLUMNS),
}
PARAMS = {"as_of": END_OF_TIME.strip("'"), "today": "2000-01-01"}  # today: unused by totals

# The temporary tables the statements leave for the caller.
DELTAS = {"score_totals": "score_totals_delta", "calibration_totals": "calibration_totals_delta"}
_RECORDED = "totals_recorded"  # every claim in scope, scored as recorded
_SIGNATURES = "totals_signatures"  # scored claims by signature, one claim standing for each
_REREAD = "totals_reread"  # that claim scored on every other scale, with its weight

_AGGREGATE = re.compile(r"\b(SUM|COUNT)\(", re.IGNORECASE)


def _closing(sql: str, start: int) -> int:
    """The index of the parenthesis closing the one opened just before ``start``."""
    depth = 1
    for i in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return i
    raise ValueError(f"unbalanced parentheses in {sql!r}")


def weighted(sums: str, weight: str) -> str:
    """The aggregate list ``sums`` over rows each standing for ``weight`` rows:
    ``COUNT(*)`` becomes ``SUM(weight)``, ``SUM(x)`` ``SUM((x) * weight)`` and
    ``COUNT(x)`` the weight of the rows where x is not NULL. Only sums and
    counts have a weighted form; a template with any other aggregate is refused."""
    if re.search(r"\b(AVG|MIN|MAX|TOTAL|GROUP_CONCAT)\(", sums, re.IGNORECASE):
        raise ValueError("only SUM and COUNT can be weighted")
    out, position = [], 0
    for match in _AGGREGATE.finditer(sums):
        if match.start() < position:
            continue  # inside an aggregate already rewritten (aggregates do not nest)
        end = _closing(sums, match.end())
        inner = sums[match.end() : end]
        if match.group(1).upper() == "COUNT":
            rewritten = (
                f"SUM({weight})"
                if inner.strip() == "*"
                else f"SUM(CASE WHEN ({inner}) IS NOT NULL THEN {weight} ELSE 0 END)"
            )
        else:
            rewritten = f"SUM(({inner}) * {weight})"
        out += [sums[position : match.start()], rewritten]
        position = end + 1
    return "".join([*out, sums[position:]])


def _reading(sql: str, old: str, new: str) -> str:
    """A template reading ``new`` where it reads ``old`` (which it must, once)."""
    if sql.count(old) != 1:
        raise ValueError(f"the template does not read {old} once")
    return sql.replace(old, new)


def statements(dialect: str, scope: str, inline: bool) -> list[str]:
    """SQL statements that leave, in the temporary tables named in ``DELTAS``,
    what the claims in ``scope`` (SQL over claims ``c``, bound parameters
    only) contribute to each kept table: the rows of the templates
    ``score_totals`` and ``calibration_totals`` evaluated over just those
    claims. Bound parameters: :as_of and :today, as for ``with_clause``."""

    def prefix(claims: str, few: bool = inline, **computed: str) -> str:
        # Over a computed table every template is inlined: each reads it once.
        return with_clause(dialect, claims, computed or None, inline=few or bool(computed))

    overall = CURRENT_GROUPS[0]  # (dimension, key, label, joins, condition)
    assert overall[0] == "overall" and not overall[3] and not overall[4], overall
    summed = ", ".join(f"SUM({v}) AS {v}" for v in TOTAL_COLUMNS)
    temporary = [_RECORDED, _SIGNATURES, _REREAD, *DELTAS.values()]
    calibration_columns = ", ".join(("scale", "term", "forecast", *CALIBRATION_COLUMNS))
    # The re-read scales: those of claim_probabilities_by_scale other than the one recorded.
    other_scales = "SELECT slug AS scale FROM scales WHERE slug <> 'recorded'"
    return [
        *(f"DROP TABLE IF EXISTS {name}" for name in temporary),
        # 1. Every claim in scope, scored as recorded: one row each.
        f"CREATE TEMPORARY TABLE {_RECORDED} AS {prefix(scope)}\n"
        "SELECT * FROM claim_scores WHERE scale = 'recorded'",
        # 2. The scored ones by signature, with a claim standing for each.
        f"CREATE TEMPORARY TABLE {_SIGNATURES} AS "
        "SELECT MIN(r.claim_id) AS claim_id, COUNT(*) AS weight "
        f"FROM {_RECORDED} AS r JOIN claims AS c ON c.id = r.claim_id "
        "WHERE r.status = 'scored' "
        "GROUP BY c.scale_term_id, r.probability, r.prob_low, r.prob_high, r.outcome_value",
        # 3. Those claims scored on every other scale.
        f"CREATE TEMPORARY TABLE {_REREAD} AS "
        f"{prefix(f'c.id IN (SELECT claim_id FROM {_SIGNATURES})', few=True)}\n"
        f"SELECT s.*, g.weight FROM claim_scores AS s "
        f"JOIN {_SIGNATURES} AS g ON g.claim_id = s.claim_id WHERE s.scale <> 'recorded'",
        # 4. The totals: every group on the recorded scale, read over (1) by
        # the template; the overall group on every other scale, from the
        # claims not scored (the same on every scale) and the weighted
        # signatures.
        f"CREATE TEMPORARY TABLE {DELTAS['score_totals']} AS "
        f"{prefix(scope, claim_scores=_RECORDED)}\n"
        "SELECT * FROM score_totals\n"
        "UNION ALL\n"
        f"SELECT scale, '{overall[0]}', {overall[1]}, {overall[2]}, {summed} FROM (\n"
        f"    SELECT o.scale, u.* FROM (\n"
        f"        SELECT {CURRENT_SUMS} FROM {_RECORDED} AS b\n"
        f"        WHERE b.status <> 'scored' HAVING COUNT(*) > 0\n"
        f"    ) AS u CROSS JOIN ({other_scales}) AS o\n"
        "    UNION ALL\n"
        f"    SELECT b.scale, {weighted(CURRENT_SUMS, 'b.weight')}\n"
        f"    FROM {_REREAD} AS b GROUP BY b.scale\n"
        ") AS parts GROUP BY scale",
        # 5. Calibration: the template over (1) on the recorded scale, and
        # weighted over the signatures on the others.
        f"CREATE TEMPORARY TABLE {DELTAS['calibration_totals']} AS "
        f"{prefix(scope, claim_scores=_RECORDED)}\n"
        f"SELECT {calibration_columns} FROM calibration_totals",
        f"INSERT INTO {DELTAS['calibration_totals']} ({calibration_columns}) "
        + _reading(
            weighted(CURRENT["calibration_totals"], "s.weight"),
            "claim_scores AS s",
            f"{_REREAD} AS s",
        ),
        *(f"DROP TABLE {name}" for name in (_RECORDED, _SIGNATURES, _REREAD)),
    ]


def compute_deltas(db: Reader, scope: str, params: dict[str, Any]) -> None:
    """Evaluate the kept templates over the claims in ``scope`` into the
    temporary tables ``<table>_delta``. A write's scope is a few claims: the
    templates are inlined so they read them through the indexes."""
    for statement in statements(db.dialect, scope, inline=scope != EVERY_CLAIM):
        db.run(statement, {**PARAMS, **params})


def apply(db: Reader, scope: str, params: dict[str, Any], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) what the claims in ``scope``
    contribute to every kept table."""
    compute_deltas(db, scope, params)
    for table, (key, values) in TABLES.items():
        keys = ", ".join(key)
        counted = [v for v in values if v != "label"]
        if sign > 0:
            updates = ", ".join(
                ["label = excluded.label"] * ("label" in values)
                + [f"{v} = {table}.{v} + excluded.{v}" for v in counted]
            )
            db.run(
                f"INSERT INTO {table} ({keys}, {', '.join(values)}) "
                f"SELECT {keys}, {', '.join(values)} FROM {table}_delta WHERE 1 = 1 "
                f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
            )
        else:  # an UPDATE, not an upsert: SQLite checks an upsert's row before the conflict
            updates = ", ".join(f"{v} = {table}.{v} - d.{v}" for v in counted)
            match = " AND ".join(f"{table}.{k} = d.{k}" for k in key)
            db.run(f"UPDATE {table} SET {updates} FROM {table}_delta AS d WHERE {match}")
            # A group none of whose claims are left is not a group any more.
            db.run(
                f"DELETE FROM {table} WHERE claims = 0 AND ({keys}) IN "
                f"(SELECT {keys} FROM {table}_delta)"
            )
        db.run(f"DROP TABLE {table}_delta")


def set_fresh(db: Reader) -> None:
    """Mark the totals current (the tracker's own writes tripped the stale triggers)."""
    db.run(
        "UPDATE score_state SET stale = 0, refreshed_at = :now WHERE id = 1",
        {"now": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )


def rebuild(db: Reader) -> None:
    """Recompute every total from scratch."""
    compute_deltas(db, EVERY_CLAIM, {})
    for table, (key, values) in TABLES.items():
        columns = ", ".join([*key, *values])
        db.run(f"DELETE FROM {table}")
        db.run(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_delta")
        db.run(f"DROP TABLE {table}_delta")
    set_fresh(db)
