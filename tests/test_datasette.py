"""The Datasette site, through Datasette's own test client on the seed database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Invoke

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
    assert "pip install 'tracker[datasette]'" in result.output


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
