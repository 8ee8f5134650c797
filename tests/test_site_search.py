"""The site's search takes what people type, and its numbers are rounded as the CLI's.

Searches: the quote_search stored query and the table search boxes (claims,
questions, sources) both read what was typed through the site's escape_fts.
Rounding: the stored queries call tracker_round, the CLI's own formatter.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_datasette import Site

from tracker.render_report import num
from tracker.site import metadata
from tracker.site_functions import NOTHING, cli_round, fts_query, register

pytest.importorskip("datasette.app")


@pytest.fixture
def site(seeded: Path) -> Site:
    return Site(seeded)


def quote_search(site: Site, typed: str) -> list[int]:
    """The claim ids quote_search finds for ``typed``, in the order shown."""
    rows = site.get("/DB/quote_search.json?_shape=array&q=" + urllib.parse.quote(typed))
    return [row["id"] for row in rows]


def search_box(site: Site, table: str, typed: str, key: str = "_search") -> list[Any]:
    """The ids the search box of ``table`` finds for ``typed``, sorted."""
    query = urllib.parse.urlencode({key: typed, "_shape": "array", "_size": "max"})
    return sorted(row["id"] for row in site.get(f"/DB/{table}.json?{query}"))


# What people type, and the claims of the seeds it finds (in quotes, wordings,
# roles and mapping notes). The seeds have "Russia-Ukraine", "South Korea’s"
# with a typographic apostrophe, and "Kim's" in a note; "Kil-ju" is a speaker's
# name (not in the quotes, so nothing), and no quote says "Trump-Kim".
TYPED = {
    "Russia-Ukraine": [17],
    "Korea's": [11, 12, 13],
    "Korea’s": [11, 12, 13],
    "Kim's": [8, 17],
    "Kil-ju": [],
    "Trump-Kim": [],
    "Trump Kim": [2, 4, 6, 9, 11, 19],
    '"Kim Jong Un"': [8, 9, 10],
    'Kim "Jong Un': [8, 9, 10],  # a quote with no partner is dropped
    "(Kim Jong Un)": [8, 9, 10],
    "Panmunjom:": [4],
    "NOT": [1, 5, 7, 8, 9, 10, 12, 14, 17, 20],  # operator words are words
    "Kim NOT Trump": [9],
    "AND": [2, 4, 7, 8, 9, 11, 16],
    "NEAR": [4],
    "OR": [1],  # "No scale or survey lists..."
    "NEAR(Kim Trump)": [],
    "*": [],
    "^Kim": [2, 4, 6, 7, 8, 9, 10, 11, 17, 19, 22],
    "(": [],
    "": [],
    " ": [],
    '"': [],
    '""': [],
}


@pytest.mark.parametrize("typed", list(TYPED))
def test_quote_search_takes_what_people_type(site: Site, typed: str) -> None:
    assert sorted(quote_search(site, typed)) == TYPED[typed]
    assert "Search the quotes" in site.get("/DB/quote_search?q=" + urllib.parse.quote(typed))


def test_quote_search_used_to_fail(site: Site) -> None:
    """What the issue reported: FTS5 read hyphens as column filters and
    apostrophes as syntax. Raw FTS5 syntax is still there for those who ask
    for it on a table (``_searchmode=raw``), where it may fail."""
    assert quote_search(site, "Russia-Ukraine") == [17]
    raw = "/DB/claims.json?_searchmode=raw&_search=Russia-Ukraine"
    assert "no such column: Ukraine" in site.get(raw, status=400)["error"]
    assert search_box(site, "claims", "Russia-Ukraine") == [17]


@pytest.mark.parametrize("typed", list(TYPED))
def test_the_search_box_finds_what_quote_search_finds(site: Site, typed: str) -> None:
    if fts_query(typed) == NOTHING:
        # A search with no word in it is no search: every row, not a 400.
        assert len(search_box(site, "claims", typed)) == 22
    else:
        assert search_box(site, "claims", typed) == TYPED[typed]
    assert search_box(site, "questions", typed) is not None
    assert search_box(site, "sources", typed) is not None


def test_the_search_box_on_one_column(site: Site) -> None:
    assert search_box(site, "claims", "Russia-Ukraine", "_search_quote") == [17]
    assert search_box(site, "claims", "Korea's", "_search_role") == [11, 12]
    assert len(search_box(site, "claims", " ", "_search_quote")) == 22
    # The HTML pages answer too, with what was typed in the box.
    page = site.get("/DB/claims?_search=" + urllib.parse.quote("Kim's (NOT"))
    assert "Kim&#39;s (NOT" in page
    assert len(site.get("/DB/claims.json?%5Fsearch=+&_shape=array&_size=max")) == 22


def test_fts_query() -> None:
    assert fts_query("Kil-ju") == '"Kil-ju"'
    assert fts_query("Kim's NOT (talks)") == '"Kim\'s" "NOT" "(talks)"'
    assert fts_query('say "Kim Jong Un" now') == '"say" "Kim Jong Un" "now"'
    assert fts_query('a"b c"d') == '"a" "b c" "d"'
    assert fts_query('x "y') == '"x" "y"'
    assert fts_query("a\x00b") == '"a" "b"'  # FTS5 stops reading at a NUL
    for nothing in ("", " \n\t", '"', '""', '" "', None):
        assert fts_query(nothing) == NOTHING


def fts_table(text: str) -> sqlite3.Connection:
    """An FTS5 table holding ``text``, made as the tracker makes its own
    (porter), with its vocabulary, and the site's functions."""
    conn = sqlite3.connect(":memory:")
    register(conn)
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter')")
    conn.execute("CREATE VIRTUAL TABLE words USING fts5vocab(t, 'row')")
    conn.execute("INSERT INTO t (body) VALUES (?)", (text,))
    return conn


# Text people might type: any characters, and runs of FTS5's own syntax.
SYNTAX = st.text(alphabet=st.sampled_from(list("\"'-()*:^+.,{} \n\tNOTANDRORNEAR\x00Kim")))
TYPING = st.one_of(st.text(alphabet=st.characters(exclude_categories=("Cs",))), SYNTAX)


@given(TYPING)
@settings(max_examples=500, deadline=None)
@example("Kil-ju")
@example("Kim\x00's")
def test_any_text_is_a_query_that_finds_itself(typed: str) -> None:
    """Whatever is typed, FTS5 accepts the query, and a text that says what
    was typed is found by it, unless nothing typed is a word."""
    conn = fts_table(typed)
    found = conn.execute("SELECT count(*) FROM t WHERE t MATCH escape_fts(?)", (typed,))
    has_words = conn.execute("SELECT count(*) > 0 FROM words").fetchone()[0]
    assert found.fetchone()[0] == has_words


HOSTILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(typed=TYPING)
@HOSTILE
@example(typed="Kil-ju")
@example(typed="Kim's")
@example(typed='"a\nb"')
def test_any_text_typed_into_quote_search_answers(site: Site, typed: str) -> None:
    """quote_search and the claims search box answer whatever is typed: a 200
    with rows (never a 400 or 500 with an SQL error)."""
    assert isinstance(quote_search(site, typed), list)
    assert isinstance(search_box(site, "claims", typed), list)


def test_site_rounds_as_the_cli_does(site: Site, invoke: Invoke) -> None:
    """The scoreboard shows what `tracker report` shows: 0.0625 (the mean Brier
    of "Many experts" in the seeds) is 0.062, where SQLite's round() says 0.063."""
    assert num(0.0625) == "0.062" and cli_round(0.0625, 3) == 0.062
    conn = sqlite3.connect(":memory:")
    assert conn.execute("SELECT round(0.0625, 3)").fetchone()[0] == 0.063

    report = json.loads(invoke("report", "--json").stdout)
    cli = {g["label"]: g for g in report["scoreboard"]}
    board = site.get("/DB/scoreboard.json?_shape=array")
    assert cli["Many experts (unnamed)"]["mean_brier"] == 0.0625
    for row in board:
        group = cli[row["speaker"]]
        for column, key, digits in (
            ("mean_brier", "mean_brier", 3),
            ("skill_vs_50pct", "skill_vs_even", 2),
            ("log_loss", "mean_log_loss", 3),
        ):
            shown = None if group[key] is None else float(num(group[key], digits))
            assert row[column] == shown, (row["speaker"], column)
    assert {r["speaker"]: r["mean_brier"] for r in board}["Many experts (unnamed)"] == 0.062
    # The report's text and the page's HTML print the same figure.
    assert "Many experts      1       0.062" in invoke("report").stdout
    assert ">0.062<" in site.get("/DB/scoreboard")
    # The claim itself (Brier 0.0625), as the claims_by_status query lists it.
    scored = site.get("/DB/claims_by_status.json?_shape=array&status=scored")
    assert {r["claim_id"]: r["brier"] for r in scored}[1] == 0.062


@given(
    value=st.one_of(st.floats(allow_nan=False), st.integers(-(2**63), 2**63 - 1), st.none()),
    digits=st.integers(-5, 40),
)
@settings(max_examples=300, deadline=None)
def test_tracker_round_is_the_cli_rule(value: float | int | None, digits: int) -> None:
    conn = sqlite3.connect(":memory:")
    register(conn)
    got = conn.execute("SELECT tracker_round(?, ?)", (value, digits)).fetchone()[0]
    if value is None:
        assert got is None
    else:
        assert got == float(num(value, min(max(digits, 0), 30)))


def test_visitors_sql_can_round_as_the_cli_does(site: Site) -> None:
    sql = urllib.parse.quote("select tracker_round(:x, 3) as r, tracker_round(null, 3) as n")
    assert site.get(f"/DB.json?_shape=array&sql={sql}&x=0.0625") == [{"r": 0.062, "n": None}]
    sql = urllib.parse.quote("select tracker_round('not a number', 3) as r")
    assert site.get(f"/DB.json?_shape=array&sql={sql}") == [{"r": None}]


def test_running_datasette_yourself(seeded: Path) -> None:
    """The metadata written for plain Datasette, which has not the site's
    functions, rounds with SQLite's round() and searches with Datasette's own
    escape_fts; every stored query still runs there."""
    from datasette.app import Datasette

    served = metadata(seeded.stem, site=True)["databases"][seeded.stem]["queries"]
    written = metadata(seeded.stem)["databases"][seeded.stem]["queries"]
    assert "tracker_round(" in served["scoreboard"]["sql"]
    assert not any("tracker_round" in q["sql"] for q in written.values())
    assert "escape_fts(:q)" in written["quote_search"]["sql"]
    plain = Datasette(files=[str(seeded)], metadata=metadata(seeded.stem))

    async def get(path: str) -> Any:
        return await plain.client.get(path)

    for name in ("scoreboard", "calibration", "decomposition", "quote_search"):
        answer = asyncio.run(get(f"/{seeded.stem}/{name}.json?_shape=array&q=Russia-Ukraine"))
        assert answer.status_code == 200, (name, answer.text)
    board = asyncio.run(get(f"/{seeded.stem}/scoreboard.json?_shape=array")).json()
    assert {r["speaker"]: r["mean_brier"] for r in board}["Many experts (unnamed)"] == 0.063
