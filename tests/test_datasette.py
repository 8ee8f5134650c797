"""The Datasette site, through Datasette's own test client on the seed database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Invoke

from tracker import site_functions
from tracker.config import DISTRIBUTION
from tracker.site import app, metadata

pytest.importorskip("datasette.app")


class Site:
    def __init__(self, db: Path) -> None:
        self.name = db.stem
        self.ds = app(db)

    def get(self, path: str, status: int = 200) -> Any:
        async def fetch() -> Any:
            return await self.ds.client.get(path.replace("/DB", f"/{self.name}"))

        response = asyncio.run(fetch())
        assert response.status_code == status, f"{path}: {response.status_code}"
        return response.json() if path.split("?")[0].endswith(".json") else response.text


@pytest.fixture
def site(seeded: Path) -> Site:
    return Site(seeded)


def test_every_table_and_view_answers(site: Site) -> None:
    tables = metadata()["databases"]["tracker"]["tables"]
    for table in tables:
        rows = site.get(f"/DB/{table}.json?_shape=array&_size=5")
        assert isinstance(rows, list), table
        site.get(f"/DB/{table}")  # the HTML page too
    assert site.get("/-/metadata.json")["title"] == "Forecast tracker"


def test_every_table_and_column_is_described(site: Site) -> None:
    import sqlite3

    described = metadata()["databases"]["tracker"]["tables"]
    conn = sqlite3.connect(site.ds.databases[site.name].path)
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%_fts%' AND name <> 'alembic_version'"
    ):
        assert described[table].get("description"), table
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        assert set(columns) <= set(described[table]["columns"]), table


def test_internal_tables_are_hidden(site: Site) -> None:
    tables = {t["name"]: t for t in site.get("/DB.json")["tables"]}
    for name in ("alembic_version", "claims_fts", "claims_fts_data", "sources_fts_idx"):
        assert tables[name]["hidden"], name
    assert not tables["claims"]["hidden"]


# The views with a row per claim (and scale), computed when read: too many rows
# to count or facet within the site's 1 s limit on a large archive, so hidden,
# and read through stored queries for the claims asked for.
PER_CLAIM_VIEWS = (
    "claim_probabilities_by_scale", "claim_scores", "score_inputs", "score_members",
    "numeric_scores", "range_coverage",
)  # fmt: skip
PER_CLAIM_QUERIES = (
    "claim_on_every_scale", "claim_groups", "question_scores", "claims_by_status",
    "numeric_forecasts", "range_calibration",
)  # fmt: skip
STATUSES = (
    "scored", "numeric", "open", "pending", "partial", "void", "hindsight", "unscorable",
    "directional", "opinion",
)  # fmt: skip


def test_per_claim_views_are_hidden(site: Site) -> None:
    described = metadata()["databases"]["tracker"]["tables"]
    database = site.get("/DB.json")
    listed = {v["name"] for v in database["views"]}
    assert {"question_status", "score_groups", "claim_probabilities"} <= listed
    page, index = site.get("/DB"), site.get("/")
    assert f'href="/{site.name}/question_status"' in page  # views are linked so
    for view in PER_CLAIM_VIEWS:
        assert described[view]["hidden"] and "facets" not in described[view], view
        assert view not in listed, view
        link = f'href="/{site.name}/{view}"'
        assert link not in page and link not in index, view
        # Reached by its address, the page still answers, with no count and no
        # facet, even when asked for one.
        first = site.get(f"/DB/{view}.json")
        assert first["filtered_table_rows_count"] is None and first["facet_results"] == {}, view
        asked = site.get(f"/DB/{view}.json?_nocount=&_facet={first['columns'][0]}")
        assert asked["filtered_table_rows_count"] is None and asked["facet_results"] == {}, view
        assert asked["rows"] == first["rows"], view
        assert "row" in site.get(f"/DB/{view}")  # the HTML page too
    # What people browse them for is offered as stored queries instead.
    assert set(PER_CLAIM_QUERIES) <= {q["name"] for q in database["queries"]}
    # Tables and views that are not hidden keep their count and facets.
    claims = site.get("/DB/claims.json?_facet=kind")
    assert claims["filtered_table_rows_count"] == 22 and "kind" in claims["facet_results"]
    status = site.get("/DB/question_status.json")
    assert status["filtered_table_rows_count"] == 15 and "status" in status["facet_results"]


def test_canned_queries(site: Site) -> None:
    board = site.get("/DB/scoreboard.json?_shape=array")
    by_speaker = {r["speaker"]: r for r in board}
    assert by_speaker["Kim Tae-hyung"]["mean_brier"] == 0.016
    assert by_speaker["Many experts (unnamed)"]["scored"] == 1
    assert by_speaker["Koh Yu-hwan"]["void"] == 1
    assert board[0]["scored"] > 0  # scored speakers first
    overall = site.get("/DB/score_groups.json?_shape=array&dimension=overall")
    assert {r["scale"] for r in overall} == {"recorded", "icd203", "phia", "kent1964", "survey"}

    calibration = site.get("/DB/calibration.json?_shape=array")
    assert {r["term"] for r in calibration if r["claims"]} == {
        "very unlikely", "probably not", "unlikely", "likely",
    }  # fmt: skip
    murphy = {r["scale"]: r for r in site.get("/DB/decomposition.json?_shape=array")}
    assert murphy["recorded"]["claims"] == 4

    # Both questions past their date have an outcome: one found, one recorded unresolvable.
    assert site.get("/DB/overdue.json?_shape=array") == []

    ban = site.get("/DB/speaker_track_record.json?_shape=array&speaker=Pan+Kil")
    assert len(ban) == 2 and {r["speaker"] for r in ban} == {"Ban Kil-joo"}

    question = site.get(
        "/DB/question_claims.json?_shape=array&question=trump-kim-meet-during-korea-visit"
    )
    entries = [r["entry"] for r in question]
    # The claims conditional on the question are labelled, not mixed in as forecasts of it.
    assert entries.count("outcome") == 1 and entries.count("claim") == 3
    assert entries.count("conditional on it") == 2
    assert next(r for r in question if r["entry"] == "outcome")["result"] == "no"

    found = site.get("/DB/quote_search.json?_shape=array&q=Panmunjom")
    assert [r["speaker"] for r in found] == ["Chung Dong-young"]


def test_search_box_facets_and_labels(site: Site) -> None:
    hits = site.get("/DB/claims.json?_search=Panmunjom&_shape=array")
    assert len(hits) == 1 and "Panmunjom" in hits[0]["quote"]
    assert site.get("/DB/sources.json?_search=Panmunjom&_shape=array")
    assert 'name="_search"' in site.get("/DB/claims")

    facets = site.get("/DB/claims.json?_facet=kind")["facet_results"]["kind"]["results"]
    assert {f["value"]: f["count"] for f in facets}["opinion"] == 6
    tag_facet = site.get("/DB/question_status.json?_facet_array=tags")["facet_results"]["tags"]
    assert {f["value"] for f in tag_facet["results"]} >= {"north-korea", "wpk-congress"}

    labelled = site.get("/DB/claims.json?_labels=on&_shape=array&_size=1&_sort=id")[0]
    assert labelled["person_id"]["label"] == "Many experts (unnamed)"
    assert labelled["question_id"]["label"].startswith("Trump and Kim Jong Un meet")


def test_visitors_cannot_write(site: Site) -> None:
    site.get("/DB.json?sql=delete+from+outcomes", status=400)
    site.get("/DB.json?sql=update+claims+set+quote+%3D+%27x%27", status=400)


def test_datasette_metadata_command(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "meta.yaml"
    invoke("datasette-metadata", "-o", str(target))
    data = yaml.safe_load(target.read_text())
    assert list(data["databases"]) == ["tracker"]
    assert "/tracker/scoreboard" in data["description_html"]
    as_json = tmp_path / "meta.json"
    invoke("--db", str(tmp_path / "forecasts.db"), "datasette-metadata", "-o", str(as_json))
    assert '"forecasts"' in as_json.read_text()
    assert "queries:" in invoke("datasette-metadata").output


def test_serve_says_how_to_install_datasette(
    seeded: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "datasette" else real(name, *a),
    )
    result = invoke("serve", ok=False)
    assert f"pip install '{DISTRIBUTION}[datasette]'" in result.output


def test_corrections_are_shown_with_their_reasons(seeded: Path, invoke: Invoke) -> None:
    invoke("edit", "claim", "1", "--wording", "not bright at all", "--reason", "typo in wording")
    invoke("edit", "question", "trump-kim-meet-within-months", "--add-tag", "summits",
           "--reason", "tag the summit questions")  # fmt: skip
    invoke("retract", "claim", "2", "--reason", "entered twice")
    site = Site(seeded)
    recent = site.get("/DB/recent_corrections.json?_shape=array")
    assert [(r["record_type"], r["field"], r["reason"]) for r in recent] == [
        ("claim", "retracted", "entered twice"),
        ("question", "tags", "tag the summit questions"),
        ("claim", "wording", "typo in wording"),
    ]
    assert recent[2]["new_value"] == "not bright at all"
    assert recent[1]["record"] == "trump-kim-meet-within-months"
    retracted = site.get("/DB/retracted_claims.json?_shape=array")
    assert [(r["id"], r["retracted_reason"]) for r in retracted] == [(2, "entered twice")]
    revisions = site.get("/DB/revisions.json?_shape=array")
    assert len(revisions) == 3
    # The page of the table carries its description, and visitors cannot write.
    assert "Every correction" in site.get("/DB/revisions")
    site.get("/DB/-/query.json?sql=delete+from+revisions", status=400)


def view_rows(db: Path, sql: str, *params: object) -> list[dict[str, Any]]:
    """Rows read straight from the database's views, as dicts, with the site's
    SQL functions (tracker_round rounds as the CLI does)."""
    conn = sqlite3.connect(db)
    site_functions.register(conn)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def _id(result: Any) -> int:
    return int(json.loads(result.stdout)[0]["id"])


@pytest.fixture
def every_status(seeded: Path, invoke: Invoke) -> dict[str, int]:
    """The seeds plus a claim of each status they lack: hindsight, pending, and
    numeric (a point, two ranges and a threshold on a question whose value was
    observed). Returns the new claims' ids."""
    invoke("add-source", "--slug", "later", "--title", "Later", "--published-on", "2026-03-01")

    def claim(question: str, quote: str, *options: str) -> int:
        said = ("--speaker", "Ban Kil-joo", "--source", "later", "--quote", quote)
        return _id(invoke("add-claim", *said, "--question", question, *options, "--json"))

    resolved = "us-nk-diplomacy-resumes-quickly"  # resolved NO on 2025-12-31
    ids = {
        "hindsight": claim(resolved, "talks, 20%", "--made-on", "2026-02-01",
                           "--probability", "0.2"),
        "pending": claim(resolved, "if talks resume, 60%", "--made-on", "2025-10-20",
                         "--kind", "conditional", "--condition", "us-nk-talks-resume",
                         "--condition-result", "yes", "--probability", "0.6"),
    }  # fmt: skip
    invoke("add-question", "--slug", "gold", "--title", "Gold at the end of February 2026",
           "--unit", "US$ per ounce", "--criteria", "The LBMA PM price on 27 February 2026",
           "--resolve-by", "2026-02-28")  # fmt: skip
    for form, options in (
        ("point", ("--value", "4000")),
        ("held", ("--range", "3800", "4200", "--probability", "0.8")),
        ("missed", ("--range", "4200", "4500", "--probability", "0.9")),
        ("threshold", ("--above", "3900", "--probability", "0.7")),
    ):
        ids[form] = claim("gold", f"gold: {form}", "--made-on", "2026-01-15", *options)
    invoke("add-outcome", "gold", "4120", "--on", "2026-02-27",
           "--evidence", "https://example.org/lbma")  # fmt: skip
    return ids


def test_claim_on_every_scale(seeded: Path, every_status: dict[str, int]) -> None:
    site = Site(seeded)
    for claim in (1, 9, every_status["held"], every_status["hindsight"]):  # scored, open...
        rows = site.get(f"/DB/claim_on_every_scale.json?_shape=array&claim={claim}")
        want = view_rows(
            seeded,
            "SELECT s.scale, s.status, s.result, tracker_round(s.brier, 4) AS brier, "
            "tracker_round(s.log_loss, 4) AS log_loss, s.hit, i.horizon, s.covered, "
            "tracker_round(s.interval_score, 4) AS interval_score "
            "FROM claim_scores AS s JOIN score_inputs AS i "
            "ON i.claim_id = s.claim_id AND i.scale = s.scale WHERE s.claim_id = ?",
            claim,
        )
        read = view_rows(
            seeded,
            "SELECT scale, scale_term AS term, tracker_round(probability, 3) AS probability, "
            "tracker_round(prob_low, 3) AS low, tracker_round(prob_high, 3) AS high "
            "FROM claim_probabilities_by_scale WHERE claim_id = ?",
            claim,
        )
        assert rows[0]["scale"] == "recorded" and len(rows) == 5, claim
        by_scale = {r["scale"]: r for r in rows}
        for expected in (*want, *read):
            got = by_scale[expected["scale"]]
            assert {k: got[k] for k in expected} == expected, (claim, expected["scale"])
    assert site.get("/DB/claim_on_every_scale.json?_shape=array&claim=") == []


def test_claim_groups(site: Site, seeded: Path) -> None:
    for claim in (1, 7, 9):
        rows = site.get(f"/DB/claim_groups.json?_shape=array&claim={claim}")
        want = view_rows(
            seeded,
            "SELECT m.dimension, m.group_key, m.label, g.claims, g.scored, "
            "tracker_round(g.mean_brier, 3) AS mean_brier FROM score_members AS m "
            "JOIN score_groups AS g ON g.scale = m.scale AND g.dimension = m.dimension "
            "AND g.group_key = m.group_key WHERE m.claim_id = ? AND m.scale = 'recorded' "
            "ORDER BY m.dimension, m.label",
            claim,
        )
        assert {r["dimension"] for r in want} >= {"overall", "speaker", "tag", "basis"}
        assert [{k: r[k] for k in want[0]} for r in rows] == want, claim


def test_question_scores(seeded: Path, every_status: dict[str, int]) -> None:
    site = Site(seeded)
    for question, scale in (
        ("trump-kim-meet-during-korea-visit", ""),
        ("trump-kim-meet-during-korea-visit", "phia"),
        ("apec-meeting-produces-results", "survey"),
        ("gold", ""),
    ):
        rows = site.get(f"/DB/question_scores.json?_shape=array&question={question}&scale={scale}")
        want = view_rows(
            seeded,
            "SELECT claim_id, scale, scale_term AS term, "
            "tracker_round(probability, 3) AS probability, "
            "status, result, tracker_round(brier, 4) AS brier, observed_value, "
            "tracker_round(pct_error, 4) AS pct_error, covered FROM claim_scores "
            "WHERE question = ? AND scale = ? ORDER BY made_on, claim_id",
            question,
            scale or "recorded",
        )
        assert want, question
        assert [{k: r[k] for k in want[0]} for r in rows] == want, (question, scale)
    assert site.get("/DB/question_scores.json?_shape=array&question=no-such-question") == []


def test_claims_by_status(seeded: Path, invoke: Invoke, every_status: dict[str, int]) -> None:
    invoke("retract", "claim", "3", "--reason", "entered twice")  # never listed again
    site = Site(seeded)

    def listed(status: str, after: str = "") -> list[dict[str, Any]]:
        return site.get(f"/DB/claims_by_status.json?_shape=array&status={status}&after={after}")

    for status in STATUSES:
        want = view_rows(
            seeded,
            "SELECT claim_id, status, result, condition_result, condition_outcome, "
            "tracker_round(brier, 3) AS brier FROM claim_scores "
            "WHERE scale = 'recorded' AND status = ? ORDER BY claim_id",
            status,
        )
        assert want, status  # the seeds and the fixture have every status
        rows = listed(status)
        assert [{k: r[k] for k in want[0]} for r in rows] == want, status
        # The next page starts after the last claim id shown.
        assert listed(status, str(want[0]["claim_id"])) == rows[1:], status
    scored = [r["claim_id"] for r in listed("scored")]
    assert 3 not in scored and every_status["threshold"] in scored
    assert [r["claim_id"] for r in listed("hindsight")] == [every_status["hindsight"]]
    assert [r["claim_id"] for r in listed("pending")] == [every_status["pending"]]
    numeric = {every_status[k] for k in ("point", "held", "missed")}
    assert {r["claim_id"] for r in listed("numeric")} == numeric
    # Why each void claim is void shows on its row.
    for row in listed("void"):
        assert row["result"] in {"ambiguous", "annulled", "unresolvable"} or (
            row["condition_outcome"] is not None
            and row["condition_outcome"] != row["condition_result"]
        )
    assert listed("") == [] and listed("nonsense") == []


def test_numeric_forecasts_and_range_calibration(
    seeded: Path, every_status: dict[str, int]
) -> None:
    site = Site(seeded)
    columns = (
        "SELECT claim_id, form, status, estimate, estimate_low, estimate_high, threshold, "
        "observed_value, abs_error, tracker_round(pct_error, 4) AS pct_error, covered, "
        "tracker_round(interval_score, 4) AS interval_score, tracker_round(brier, 4) AS brier "
        "FROM numeric_scores"
    )
    want = view_rows(seeded, columns + " ORDER BY made_on, claim_id")
    assert len(want) == 4
    for question in ("", "gold"):
        rows = site.get(f"/DB/numeric_forecasts.json?_shape=array&question={question}")
        assert [{k: r[k] for k in want[0]} for r in rows] == want, question
    by_id = {r["claim_id"]: r for r in want}
    assert by_id[every_status["held"]]["covered"] == 1
    assert by_id[every_status["missed"]]["covered"] == 0
    assert (
        site.get("/DB/numeric_forecasts.json?_shape=array&question=trump-kim-fourth-summit") == []
    )

    coverage = view_rows(
        seeded,
        "SELECT speaker, level, ranges, covered, tracker_round(coverage, 3) AS coverage "
        "FROM range_coverage ORDER BY person_id IS NOT NULL, speaker, level",
    )
    assert len(coverage) == 4  # everyone and Ban Kil-joo, at 80% and at 90%
    assert site.get("/DB/range_calibration.json?_shape=array&speaker=") == coverage
    # Any spelling of a name; the rows for everyone always come first.
    assert site.get("/DB/range_calibration.json?_shape=array&speaker=Pan+Kil") == coverage
    nobody = site.get("/DB/range_calibration.json?_shape=array&speaker=Nobody+Atall")
    assert nobody == [r for r in coverage if r["speaker"] == "all speakers"]
