"""A speaker's scorecard on the served site, at ``/-/speakers/<slug>``.

What a reader weighs about a pundit, on one page: who they are and the roles
they spoke in, how good their forecasts were (mean Brier with its interval,
skill, calibration), every claim with the outcome and its evidence, what could
not be scored, and every correction touching their record.

Nothing is scored here. The scores are the scoring templates of
``tracker.score_views`` with the claims narrowed to the speaker's, as
``tracker report --speaker`` narrows them, so the page and that report agree;
the intervals come from the report service's own code; every figure is printed
by the CLI's formatters (``render_report.num`` and ``pct``). This module reads
the speaker's rows in one snapshot, lays them out, and draws the calibration
chart as inline SVG on the server: the page needs no script and no network.

The reading needs only sqlite3; the page functions at the end import Datasette
when the site calls them (``tracker.site`` registers them for its site only).
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import sqlite3
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from tracker.reads import SqliteReader
from tracker.render_report import interval, num, pct
from tracker.score_views import with_clause
from tracker.services.lookups import person_id
from tracker.services.report import MIN_TO_JUDGE, utc_today, with_intervals

TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE = "tracker_scorecard.html"
PREFIX = "/-/speakers/"
ROUTE = r"^/-/speakers/(?P<speaker>[^/]+)$"

# The latest claims listed, and the latest corrections: enough for any pundit's
# page, bounded for an archive of millions (speaker_track_record lists more).
TRACK_RECORD_ROWS = 500
CORRECTION_ROWS = 200
QUOTE_CHARS = 300  # a longer quote is cut on the page; the claim's row has it whole

# As the report reads the record today: every outcome recorded so far counts.
_NOW = "9999-12-31T23:59:59Z"
_SCOPE = "c.person_id = :person_id"
_LATEST = (
    "c.id IN (SELECT c.id FROM claims AS c WHERE c.person_id = :person_id "
    "AND c.retracted_at IS NULL ORDER BY c.made_on DESC, c.id DESC LIMIT :rows)"
)

# What each count of claims means, in the order the scoreboard lists them.
STATUSES = (
    ("open", "open", "its question has no outcome yet"),
    ("pending", "pending", "conditional, and the condition is not settled"),
    ("partial", "partial", "the question resolved partly: not scored"),
    ("void", "void", "ambiguous, annulled or unresolvable, or a condition that failed"),
    ("hindsight", "hindsight", "made on or after the outcome happened: not scored"),
    ("unscorable", "unscorable", "no probability to score (the words give none)"),
    ("directional", "directional", "a change with no level: tracked, not scored"),
    ("opinion", "opinion", "an opinion: tracked, never scored"),
    ("estimates", "numeric", "a point or range measured against the value observed"),
)


# ---------------------------------------------------------------------------
# Reading


def find_speaker(conn: sqlite3.Connection, ref: str) -> dict[str, Any] | None:
    """The speaker ``ref`` names: their slug first (the page's address), else
    any spelling of their name by the CLI's own rule (``--speaker``)."""
    reader = SqliteReader(conn)
    sql = "SELECT id, slug, name, kind, description FROM people WHERE "
    found = reader.rows(sql + "slug = :ref", {"ref": ref})
    if not found:
        pid = person_id(reader, ref)
        found = [] if pid is None else reader.rows(sql + "id = :id", {"id": pid})
    return found[0] if found else None


def _score_rows(reader: SqliteReader, scope: str, select: str, **params: Any) -> list[dict]:
    """``select`` over the scoring templates, with the claims narrowed to
    ``scope`` and every CTE inlined: SQLite then reads the speaker's claims
    through their index instead of scoring every claim."""
    prefix = with_clause(reader.dialect, scope, inline=True)
    bound = {"as_of": _NOW, "today": utc_today().isoformat(), **params}
    return reader.rows(f"{prefix}\n{select}", bound)


def read_scorecard(conn: sqlite3.Connection, pid: int) -> dict[str, Any]:
    """Everything the page shows of speaker ``pid``, as plain rows."""
    db = SqliteReader(conn)
    me = {"person_id": pid}
    group = _score_rows(
        db, _SCOPE,
        "SELECT * FROM score_groups WHERE scale = 'recorded' AND dimension = 'speaker'",
        **me,
    )  # fmt: skip
    with_intervals(group)  # the report's intervals and "too few to judge", as it computes them
    calibration = _score_rows(
        db, _SCOPE,
        "SELECT term, forecast, claims, happened, observed FROM calibration "
        "WHERE scale = 'recorded' AND claims > 0 ORDER BY forecast, term",
        **me,
    )  # fmt: skip
    scores = _score_rows(
        db, _LATEST, "SELECT * FROM claim_scores WHERE scale = 'recorded'",
        rows=TRACK_RECORD_ROWS, **me,
    )  # fmt: skip
    scores.sort(key=lambda s: (s["made_on"], s["claim_id"]), reverse=True)
    ids = json.dumps([s["claim_id"] for s in scores])
    details = {
        r["id"]: r
        for r in db.rows(
            "SELECT c.id, c.quote, c.wording, c.role, c.side, c.condition_result, "
            "c.source_id, s.title AS source_title, s.url AS source_url, "
            "q.title AS question_title, cq.slug AS condition "
            "FROM claims AS c LEFT JOIN sources AS s ON s.id = c.source_id "
            "LEFT JOIN questions AS q ON q.id = c.question_id "
            "LEFT JOIN questions AS cq ON cq.id = c.condition_question_id "
            "WHERE c.id IN (SELECT value FROM json_each(:ids))",
            {"ids": ids},
        )
    }
    # Every outcome of the questions their claims are about or depend on, its
    # corrections included; current_outcomes says which one stands.
    outcomes = db.rows(
        "WITH asked AS (SELECT question_id AS id FROM claims WHERE person_id = :person_id "
        "AND retracted_at IS NULL UNION SELECT condition_question_id FROM claims "
        "WHERE person_id = :person_id AND retracted_at IS NULL) "
        "SELECT o.id, o.question_id, q.slug AS question, o.result, o.observed_value, "
        "o.occurred_on, o.evidence_url, es.url AS evidence_source_url, "
        "es.title AS evidence_source_title, o.evidence_source_id, o.note, o.supersedes_id, "
        "o.recorded_at, o.recorded_by, co.id IS NOT NULL AS current "
        "FROM outcomes AS o JOIN questions AS q ON q.id = o.question_id "
        "LEFT JOIN sources AS es ON es.id = o.evidence_source_id "
        "LEFT JOIN current_outcomes AS co ON co.id = o.id "
        "WHERE o.question_id IN (SELECT id FROM asked) "
        "ORDER BY o.recorded_at DESC, o.id DESC",
        me,
    )
    evidence = db.rows(
        "SELECT outcome_id, url FROM outcome_evidence "
        "WHERE outcome_id IN (SELECT value FROM json_each(:ids)) ORDER BY outcome_id, position",
        {"ids": json.dumps([o["id"] for o in outcomes if o["current"]])},
    )
    claim_ids = "SELECT id FROM claims WHERE person_id = :person_id"
    columns = (
        "SELECT id, revised_at, revised_by, record_type, record_id, record, field_label, "
        "old_shown, new_shown, reason FROM revision_log "
    )
    revisions = db.rows(
        f"SELECT * FROM ({columns} WHERE record_type = 'claim' AND record_id IN ({claim_ids}) "
        f"UNION ALL {columns} WHERE record_type = 'person' AND record_id = :person_id) "
        "ORDER BY revised_at DESC, id DESC LIMIT :rows",
        {**me, "rows": CORRECTION_ROWS},
    )
    return {
        "group": group[0] if group else None,
        "calibration": calibration,
        "scores": scores,
        "details": details,
        "outcomes": outcomes,
        "evidence": evidence,
        "revisions": revisions,
        "late": db.rows(
            "SELECT revision_id, claim_id FROM late_edits WHERE person_id = :person_id", me
        ),
        "retracted": db.rows(
            "SELECT c.id, c.made_on, c.retracted_at, c.retracted_reason, q.slug AS question, "
            "c.quote FROM claims AS c LEFT JOIN questions AS q ON q.id = c.question_id "
            "WHERE c.person_id = :person_id AND c.retracted_at IS NOT NULL "
            "ORDER BY c.retracted_at DESC, c.id DESC LIMIT :rows",
            {**me, "rows": CORRECTION_ROWS},
        ),
        "aliases": [
            r["alias"]
            for r in db.rows(
                "SELECT a.alias FROM person_aliases AS a JOIN people AS p ON p.id = a.person_id "
                "WHERE a.person_id = :person_id AND a.alias <> p.name ORDER BY a.alias",
                me,
            )
        ],
        "affiliations": db.rows(
            "SELECT o.name, o.slug, a.role, a.started_on, a.ended_on FROM affiliations AS a "
            "JOIN people AS o ON o.id = a.organisation_id WHERE a.person_id = :person_id "
            "ORDER BY a.started_on IS NOT NULL, a.started_on, o.name",
            me,
        ),
        "members": db.rows(
            "SELECT m.name, m.slug, a.role, a.started_on, a.ended_on FROM affiliations AS a "
            "JOIN people AS m ON m.id = a.person_id WHERE a.organisation_id = :person_id "
            "ORDER BY a.started_on IS NOT NULL, a.started_on, m.name",
            me,
        ),
        "stated_roles": db.rows(
            "SELECT role, count(*) AS claims, min(made_on) AS first, max(made_on) AS last "
            "FROM claims WHERE person_id = :person_id AND retracted_at IS NULL "
            "AND role IS NOT NULL AND trim(role) <> '' GROUP BY role ORDER BY first, role",
            me,
        ),
    }


# ---------------------------------------------------------------------------
# Laying out


def web_link(url: str | None) -> str | None:
    """``url`` if a browser may follow it from the page (http or https), else
    None: a stored URL is whatever was typed, and ``javascript:`` is not a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _link_label(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def period(start: str | None, end: str | None) -> str:
    """A stretch of dates as people say it: 2019 to 2023, since 2019, until 2021."""
    if start and end:
        return start if start == end else f"{start} to {end}"
    if start:
        return f"since {start}"
    return f"until {end}" if end else "dates not known"


def _stats(group: dict[str, Any] | None) -> list[dict[str, str]]:
    """The headline figures, each rounded as ``tracker report`` prints it."""
    g = group or {}
    scored, sided = int(g.get("scored") or 0), int(g.get("sided") or 0)
    low, high = g.get("brier_low"), g.get("brier_high")
    return [
        {"key": "scored", "label": "scored claims",
         "value": f"{scored}", "note": f"of {int(g.get('claims') or 0)} claims in all"},
        {"key": "mean_brier", "label": "mean Brier", "value": num(g.get("mean_brier")),
         "note": "0 is perfect; always saying 50% earns 0.25"},
        {"key": "brier_interval", "label": "95% interval",
         "value": interval(low, high, lambda v: num(v, 2)) or "–",
         "note": "of the mean Brier; wide when claims are few"},
        {"key": "skill_vs_even", "label": "skill vs 50%", "value": num(g.get("skill_vs_even"), 2),
         "note": "1 perfect, 0 no better than always saying 50%"},
        {"key": "skill_vs_base_rate", "label": "skill vs base rate",
         "value": num(g.get("skill_vs_base_rate"), 2),
         "note": "against always saying how often their questions came true"},
        {"key": "log_loss", "label": "log loss", "value": num(g.get("mean_log_loss")),
         "note": "lower is better"},
        {"key": "right_side", "label": "right side of 50%",
         "value": f"{g.get('hits')}/{sided}" if sided else "–",
         "note": f"95% interval {pct(g.get('hit_low'))}–{pct(g.get('hit_high'))}"
         if sided else "no scored claim away from 50%"},
    ]  # fmt: skip


def _warnings(group: dict[str, Any] | None, late: int) -> list[str]:
    """What to keep in mind before reading the figures, as the report notes it."""
    g = group or {}
    scored = int(g.get("scored") or 0)
    notes = []
    if g.get("too_few") and scored:
        notes.append(
            f"Too few to judge: {scored} scored claim{'s' * (scored != 1)}; the scoreboard "
            f"judges speakers from {MIN_TO_JUDGE} up."
        )
    if late:
        notes.append(
            f"{late} claim{'s were' if late != 1 else ' was'} edited after the outcome was "
            "recorded (marked below)."
        )
    return notes


def _statuses(group: dict[str, Any] | None) -> list[dict[str, Any]]:
    g = group or {}
    return [
        {"key": key, "label": label, "count": int(g.get(key) or 0), "meaning": meaning}
        for key, label, meaning in STATUSES
    ]


def _evidence(outcome: dict[str, Any], extra: dict[int, list[str]]) -> list[dict[str, str]]:
    """An outcome's evidence links, in its order: its URL, its recorded source,
    then its further links; each once."""
    links: list[dict[str, str]] = []
    for url, label in (
        (outcome["evidence_url"], None),
        (outcome["evidence_source_url"], outcome["evidence_source_title"]),
        *((u, None) for u in extra.get(outcome["id"], [])),
    ):
        href = web_link(url)
        if href and all(link["href"] != href for link in links):
            links.append({"href": href, "label": label or _link_label(href)})
    return links


def _said(s: dict[str, Any]) -> str:
    if s["probability"] is None:
        return s["scale_term"] or "–"
    said = num(s["probability"])
    return f"{s['scale_term']} ({said})" if s["scale_term"] else said


def _outcome_text(o: dict[str, Any] | None) -> str:
    if o is None:
        return "–"
    value = "" if o["observed_value"] is None else f" {o['observed_value']:g}"
    return f"{o['result']}{value}, {o['occurred_on']}"


def track_record(card: dict[str, Any], urls: Any, database: str) -> list[dict[str, Any]]:
    """One row a claim, newest first: what was said, about what, what happened
    and the evidence, and its score."""
    current = {o["question_id"]: o for o in card["outcomes"] if o["current"]}
    extra: dict[int, list[str]] = {}
    for e in card["evidence"]:
        extra.setdefault(e["outcome_id"], []).append(e["url"])
    late = {r["claim_id"] for r in card["late"]}
    rows = []
    for s in card["scores"]:
        d = card["details"].get(s["claim_id"], {})
        outcome = current.get(s["question_id"])
        quote_text = d.get("quote") or ""
        if len(quote_text) > QUOTE_CHARS:
            quote_text = quote_text[: QUOTE_CHARS - 1].rstrip() + "…"
        rows.append({
            "id": s["claim_id"],
            "href": urls.row(database, "claims", str(s["claim_id"])),
            "made_on": s["made_on"],
            "role": d.get("role") or "",
            "question": s["question"],
            "question_title": d.get("question_title") or "",
            "question_href": (urls.table(database, "question_claims") + "?question="
                              + quote(s["question"])) if s["question"] else None,
            "condition": (f"if {d['condition']} resolves {d.get('condition_result') or 'yes'}"
                          if d.get("condition") else ""),
            "side": "against (the NO side)" if d.get("side") == "no" else "",
            "quote": quote_text,
            "source": d.get("source_title") or "",
            "source_href": web_link(d.get("source_url"))
            or (urls.row(database, "sources", str(d["source_id"])) if d.get("source_id") else None),
            "said": _said(s),
            "status": s["status"],
            "outcome": _outcome_text(outcome),
            "evidence": _evidence(outcome, extra) if outcome else [],
            "brier": num(s["brier"]) if s["brier"] is not None else "",
            "late": s["claim_id"] in late,
        })  # fmt: skip
    return rows


def corrections(card: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Outcome corrections on their questions, revisions of their claims and of
    their entry, and retracted claims."""
    by_id = {o["id"]: o for o in card["outcomes"]}
    outcome_changes = [
        {
            "question": o["question"],
            "recorded_at": o["recorded_at"],
            "recorded_by": o["recorded_by"],
            "was": _outcome_text(by_id.get(o["supersedes_id"])),
            "now": _outcome_text(o),
            "note": o["note"] or "",
            "current": bool(o["current"]),
        }
        for o in card["outcomes"]
        if o["supersedes_id"] is not None
    ]
    late = {r["revision_id"] for r in card["late"]}
    revisions = [
        {**r, "late": r["id"] in late, "record": r["record"] or f"#{r['record_id']}"}
        for r in card["revisions"]
    ]
    return {"outcomes": outcome_changes, "revisions": revisions, "retracted": card["retracted"]}


# ---------------------------------------------------------------------------
# The calibration chart

# Geometry, in SVG units (pixels at the size drawn): a square plot with room
# for the tick labels and axis titles, and for the largest point at an edge.
_PLOT = 360
_LEFT, _TOP, _RIGHT, _BOTTOM = 84, 34, 34, 76
WIDTH, HEIGHT = _LEFT + _PLOT + _RIGHT, _TOP + _PLOT + _BOTTOM
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
FONT = 14  # px: every label at least this size


def point_radius(claims: int) -> float:
    """A point's radius grows with the square root of its claims (its area with
    the count), from 10 (room for its number) to 30."""
    return min(30.0, max(10.0, 5 + 3 * math.sqrt(claims)))


def _x(value: float) -> float:
    return round(_LEFT + value * _PLOT, 1)


def _y(value: float) -> float:
    return round(_TOP + (1 - value) * _PLOT, 1)


def calibration_svg(bins: Sequence[dict[str, Any]], speaker: str) -> str:
    """The speaker's calibration as an SVG document fragment: for each forecast
    value, the share of its claims that happened, a point sized and labelled by
    its count, against the diagonal of perfect calibration. ``bins`` are rows
    of the calibration view; the page's table gives the same numbers."""
    e = html.escape
    scored = sum(int(b["claims"]) for b in bins)
    title = f"Calibration of {speaker}"
    desc = (
        f"{len(bins)} forecast values over {scored} scored claims. Across: the probability "
        "given; up: the share of those claims that happened; each point's size and number: "
        "how many claims. On the dashed diagonal a forecast came true as often as it said. "
        "The table after the chart gives the same numbers."
        if bins
        else "No scored claims yet, so nothing to plot. The table after the chart is empty."
    )
    out = [
        f'<svg class="calibration-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="calibration-title calibration-desc" font-size="{FONT}" '
        'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">',
        f'<title id="calibration-title">{e(title)}</title>',
        f'<desc id="calibration-desc">{e(desc)}</desc>',
        f'<rect class="plot-area" x="{_LEFT}" y="{_TOP}" width="{_PLOT}" height="{_PLOT}" '
        'fill="#fafafa" stroke="#888"/>',
    ]
    for t in TICKS:
        label = pct(t)
        out.append(
            f'<line class="grid" x1="{_x(t)}" y1="{_TOP}" x2="{_x(t)}" y2="{_TOP + _PLOT}" '
            f'stroke="#ddd"/><line class="grid" x1="{_LEFT}" y1="{_y(t)}" '
            f'x2="{_LEFT + _PLOT}" y2="{_y(t)}" stroke="#ddd"/>'
            f'<text class="tick x-tick" x="{_x(t)}" y="{_TOP + _PLOT + 28}" '
            f'text-anchor="middle" fill="#333">{label}</text>'
            f'<text class="tick y-tick" x="{_LEFT - 14}" y="{_y(t) + 5}" text-anchor="end" '
            f'fill="#333">{label}</text>'
        )
    out.append(
        f'<line class="diagonal" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" '
        'stroke="#777" stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<text class="diagonal-label" x="{_x(0.62)}" y="{_y(0.62) - 8}" fill="#555" '
        f'transform="rotate(-45 {_x(0.62)} {_y(0.62) - 8})" text-anchor="middle">'
        "perfectly calibrated</text>"
        f'<text class="axis-label x-label" x="{_x(0.5)}" y="{HEIGHT - 16}" '
        'text-anchor="middle" font-weight="600" fill="#222">Forecast: probability given</text>'
        f'<text class="axis-label y-label" x="{_LEFT - 58}" y="{_y(0.5)}" '
        f'transform="rotate(-90 {_LEFT - 58} {_y(0.5)})" text-anchor="middle" '
        'font-weight="600" fill="#222">Share that happened</text>'
    )
    if not bins:
        out.append(
            f'<text class="empty" x="{_x(0.3)}" y="{_y(0.78)}" text-anchor="middle" '
            'fill="#444">No scored claims yet</text>'
        )
    # The largest first, so a small point is never hidden behind a large one.
    for b in sorted(bins, key=lambda b: -int(b["claims"])):
        n, happened = int(b["claims"]), int(b["happened"] or 0)
        observed = b["observed"] if b["observed"] is not None else happened / n
        cx, cy, r = _x(float(b["forecast"])), _y(float(observed)), point_radius(n)
        tip = (
            f"{b['term']}: forecast {num(b['forecast'])}; {n} claim{'s' * (n != 1)}, "
            f"{happened} happened ({pct(observed)})"
        )
        out.append(
            f'<g class="bin" data-claims="{n}"><title>{e(tip)}</title>'
            f'<circle cx="{cx}" cy="{cy}" r="{r:g}" fill="#2563eb" fill-opacity="0.78" '
            'stroke="#1e3a8a" stroke-width="1.5"/>'
            f'<text class="count" x="{cx}" y="{cy + 4.5}" text-anchor="middle" '
            f'font-weight="700" fill="#fff">{n}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def calibration_table(bins: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart's numbers as ``tracker report`` prints its calibration table."""
    return [
        {"term": b["term"], "forecast": num(b["forecast"]), "claims": b["claims"],
         "happened": b["happened"], "observed": pct(b["observed"])}
        for b in bins
    ]  # fmt: skip


# ---------------------------------------------------------------------------
# The page and the links to it (Datasette, imported when the site calls)


def scorecard_path(urls: Any, slug: str) -> str:
    return urls.path(PREFIX + quote(slug, safe=""))


def _context(datasette: Any, database: str, person: dict[str, Any], card: dict[str, Any]) -> dict:
    urls = datasette.urls
    group = card["group"]
    late_claims = len({r["claim_id"] for r in card["late"]})

    def speaker_link(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "href": scorecard_path(urls, row["slug"]),
                "period": period(row["started_on"], row["ended_on"])}  # fmt: skip

    by_name = "?speaker=" + quote(person["name"])
    for_organisation = "?organisation=" + quote(person["name"])
    return {
        "database": database,
        "person": person,
        "aliases": card["aliases"],
        "affiliations": [speaker_link(r) for r in card["affiliations"]],
        "members": [speaker_link(r) for r in card["members"]],
        "stated_roles": [
            {**r, "period": period(r["first"], r["last"])} for r in card["stated_roles"]
        ],
        "stats": _stats(group),
        "warnings": _warnings(group, late_claims),
        "statuses": _statuses(group),
        "claims_total": int((group or {}).get("claims") or 0),
        "chart": calibration_svg(card["calibration"], person["name"]),
        "calibration": calibration_table(card["calibration"]),
        "track_record": track_record(card, urls, database),
        "corrections": corrections(card),
        "links": {
            "people_row": urls.row(database, "people", str(person["id"])),
            "track_record": urls.table(database, "speaker_track_record") + by_name,
            "scoreboard": urls.table(database, "scoreboard"),
            "organisation": urls.table(database, "organisation_track_record") + for_organisation,
        },
    }


async def page(datasette: Any, request: Any) -> Any:
    """``/-/speakers/<slug>``: the scorecard; any other spelling of a speaker
    redirects to their slug's page; a name nobody goes by is a 404 in words."""
    from datasette.utils import sqlite_timelimit
    from datasette.utils.asgi import Response
    from datasette.views.base import DatasetteError
    from markupsafe import Markup

    ref = unquote(request.url_vars["speaker"])
    db = datasette.get_database()
    limit = datasette.setting("sql_time_limit_ms")

    def read(conn: sqlite3.Connection) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        # One snapshot for the whole page, within the site's time limit.
        with sqlite_timelimit(conn, limit):
            conn.execute("BEGIN")
            try:
                person = find_speaker(conn, ref)
                if person is None or person["slug"] != ref:
                    return person, None
                return person, read_scorecard(conn, int(person["id"]))
            finally:
                conn.execute("ROLLBACK")

    try:
        person, card = await db.execute_fn(read)
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        raise DatasetteError(
            f"The scorecard of {ref} took longer than the site's limit of {limit} ms to read. "
            "`tracker report --speaker` prints the same scores.",
            status=500,
            title="Scorecard too slow",
        ) from None
    if person is None:
        # Answered here rather than raised: Datasette answers a NotFound on an
        # address holding a %-escape with a redirect to its own ~-escaped form.
        board = html.escape(datasette.urls.table(db.name, "scoreboard"))
        people = html.escape(datasette.urls.table(db.name, "people"))
        message = Markup(
            f"No speaker is called “{html.escape(ref)}”, by name, by any other spelling or "
            f'by slug. Every speaker is on the <a href="{board}">scoreboard</a> and in the '
            f'<a href="{people}">people</a> table.'
        )
        context = {"ok": False, "error": message, "status": 404, "title": "No such speaker"}
        body = await datasette.render_template("error.html", context, request=request)
        return Response.html(body, status=404)
    if card is None:
        return Response.redirect(scorecard_path(datasette.urls, person["slug"]))
    context = _context(datasette, db.name, person, card)
    # The chart is built from escaped text only (calibration_svg); the
    # metadata gives the footer its licence and source, as on every page.
    context.update(chart=Markup(context["chart"]), metadata=datasette.metadata())
    body = await datasette.render_template(
        TEMPLATE, context, request=request, view_name="tracker-scorecard"
    )
    return Response.html(body)


# Speakers' names found per request: a page lists the same names many times,
# and each is looked up once (people.name is unique and indexed).
_FOUND: weakref.WeakKeyDictionary[asyncio.Task, dict[str, str | None]]
_FOUND = weakref.WeakKeyDictionary()
# The cells that hold a speaker's name: in stored queries and SQL (no table),
# and in the tables and views that name them.
QUERY_COLUMNS = frozenset({"speaker", "organisation"})
GROUP_TABLES = frozenset({"score_groups", "score_totals"})
NAME_COLUMNS = QUERY_COLUMNS | {"name", "label"}  # any of them may hold a name


async def _slug_for(datasette: Any, database: str, name: str) -> str | None:
    task = asyncio.current_task()
    found = _FOUND.setdefault(task, {}) if task is not None else {}
    if name not in found:
        result = await datasette.get_database(database).execute(
            "SELECT slug FROM people WHERE name = :name", {"name": name}
        )
        row = result.first()
        found[name] = row[0] if row else None
    return found[name]


def _value(row: Any, column: str) -> Any:
    try:
        return row[column]
    except (IndexError, KeyError, TypeError):
        return None


def speaker_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """A speaker's name in a cell, as a link to their scorecard; None (the
    cell as Datasette shows it) for every other cell. Called for every cell
    of every page, so it decides from the column before reading anything."""
    if not isinstance(value, str) or not value.strip():
        return None
    if table is None:
        wanted = column in QUERY_COLUMNS
    elif table == "people":
        wanted = column == "name"
    else:
        wanted = (
            table in GROUP_TABLES
            and column == "label"
            and _value(row, "dimension") in ("speaker", "organisation")
        )
    if not wanted:
        return None

    async def link() -> Any:
        from markupsafe import Markup, escape

        slug = _value(row, "slug") if table == "people" else None
        slug = slug or await _slug_for(datasette, database, value)
        if slug is None:
            return None
        href = scorecard_path(datasette.urls, slug)
        return Markup(
            f'<a href="{escape(href)}" title="Scorecard of {escape(value)}">{escape(value)}</a>'
        )

    return link()
