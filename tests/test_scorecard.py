"""The speakers' scorecards on the site (tracker.scorecard), through Datasette's
own test client on the seed database: the numbers `tracker report --speaker`
prints, the chart, the links that reach the pages, and the pages that are not."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import Invoke
from markupsafe import escape
from test_datasette import Site

from tracker import scorecard
from tracker.render_report import num, pct

pytest.importorskip("datasette.app")

STATUS_KEYS = ("open", "pending", "partial", "void", "hindsight", "unscorable", "directional",
               "opinion", "estimates")  # fmt: skip


def people(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT slug, name FROM people ORDER BY id").fetchall()
    finally:
        conn.close()


def fetch(site: Site, path: str) -> Any:
    """The raw response: status, headers and text, redirects not followed."""

    async def get() -> Any:
        return await site.ds.client.get(path.replace("/DB", f"/{site.name}"))

    return asyncio.run(get())


def shown(page: str) -> dict[str, str]:
    """The headline figures of a scorecard, by key, as the page prints them."""
    return dict(re.findall(r'data-stat="(\w+)">([^<]*)<', page))


def counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def calibration_rows(page: str) -> list[list[str]]:
    table = page.split('id="calibration-table"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]


def expected(group: dict[str, Any]) -> dict[str, str]:
    """What the page must print for a scoreboard row of `tracker report --json`,
    by the CLI's own formatters."""
    low, high = group["brier_low"], group["brier_high"]
    return {
        "scored": str(group["scored"]),
        "mean_brier": num(group["mean_brier"]),
        "brier_interval": "–" if low is None else f"[{num(low, 2)}, {num(high, 2)}]",
        "skill_vs_even": num(group["skill_vs_even"], 2),
        "skill_vs_base_rate": num(group["skill_vs_base_rate"], 2),
        "log_loss": num(group["mean_log_loss"]),
        "right_side": f"{group['hits']}/{group['sided']}" if group["sided"] else "–",
    }


def assert_matches_report(site: Site, invoke: Invoke, slug: str, name: str) -> str:
    """The scorecard of ``slug`` shows what `tracker report --speaker` prints
    for them: figures, counts and calibration. Returns the page."""
    page = site.get(f"/-/speakers/{slug}")
    report = json.loads(invoke("report", "--speaker", name, "--json").stdout)
    board = report["scoreboard"]
    assert len(board) <= 1, name
    if not board:  # no claim that counts: every figure is a dash, every count 0
        assert shown(page)["scored"] == "0" and shown(page)["mean_brier"] == "–", name
        return page
    group = board[0]
    figures = shown(page)
    want = expected(group)
    assert {k: figures[k] for k in want} == want, name
    assert counts(page) == {k: int(group[k] or 0) for k in STATUS_KEYS}, name
    assert f"of {group['claims']} claims in all" in page, name
    bins = [
        [b["term"], num(b["forecast"]), str(b["claims"]), str(b["happened"]), pct(b["observed"])]
        for b in report["calibration"]
        if b["claims"]
    ]
    assert calibration_rows(page) == (bins or [["No scored claims yet."]]), name
    assert page.count('<g class="bin"') == len(bins), name
    if group["too_few"] and group["scored"]:
        assert "Too few to judge" in page, name
    late = group["edited_after_outcome"]
    assert (f"{late} claim{'s were' if late != 1 else ' was'} edited after" in page) == bool(late)
    return page


@pytest.fixture
def site(seeded: Path) -> Site:
    return Site(seeded)


def test_every_seed_speaker_shows_the_report_numbers(
    site: Site, seeded: Path, invoke: Invoke
) -> None:
    speakers = people(seeded)
    assert len(speakers) == 15
    for slug, name in speakers:
        page = assert_matches_report(site, invoke, slug, name)
        assert f"<h1>{escape(name)} " in page, name
    # A scored speaker, in full: mean Brier, interval, skill, right side.
    kim = shown(site.get("/-/speakers/kim-tae-hyung"))
    assert kim["mean_brier"] == "0.016" and kim["brier_interval"] == "[0.00, 1.00]"
    assert kim["skill_vs_even"] == "0.94" and kim["right_side"] == "1/1"
    # 0.0625 is printed 0.062, as the CLI rounds it (SQLite's round() says 0.063).
    assert shown(site.get("/-/speakers/many-experts"))["mean_brier"] == "0.062"


def test_a_speaker_with_no_scored_claims(site: Site, invoke: Invoke) -> None:
    # The seed speaker with the most claims: two open, one directional, one opinion.
    page = assert_matches_report(site, invoke, "chung-jin-young", "Chung Jin-young")
    figures = shown(page)
    assert figures["scored"] == "0"
    assert {figures[k] for k in ("mean_brier", "brier_interval", "skill_vs_even")} == {"–"}
    assert counts(page)["directional"] == 1 and counts(page)["opinion"] == 1
    assert counts(page)["open"] == 2
    assert "No scored claims yet" in page and '<g class="bin"' not in page
    # The roles they spoke in, as stated on their claims.
    assert "the former university dean" in page
    # A speaker with no claim at all has a page too.
    invoke("add-person", "Lee Newcomer", "--description", "Not quoted yet")
    empty = site.get("/-/speakers/lee-newcomer")
    assert shown(empty)["scored"] == "0" and "No claims recorded" in empty
    assert "Not quoted yet" in empty


def test_unknown_speaker_is_a_404_in_words(site: Site) -> None:
    page = site.get("/-/speakers/nobody-at-all", status=404)
    assert "No speaker is called “nobody-at-all”" in page
    assert f'href="/{site.name}/scoreboard"' in page
    # What was typed is shown as text, never as markup.
    hostile = site.get("/-/speakers/%3Cscript%3Ealert(1)%3C%2Fscript%3E", status=404)
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;alert(1)" in hostile


def test_any_spelling_redirects_to_the_slug(site: Site) -> None:
    for typed in ("Pan%20Kil-ju", "ban", "BAN%20KIL%20JOO"):
        response = fetch(site, f"/-/speakers/{typed}")
        assert response.status_code == 302, typed
        assert response.headers["location"] == "/-/speakers/ban-kil-joo", typed


def test_links_from_the_site_reach_the_scorecards(site: Site, seeded: Path) -> None:
    slugs = dict((name, slug) for slug, name in people(seeded))

    def links(page: str) -> dict[str, str]:
        return {
            unescape(text): href
            for href, text in re.findall(r'<a href="(/-/speakers/[^"]+)"[^>]*>([^<]+)</a>', page)
        }

    board = links(site.get("/DB/scoreboard"))
    # Every speaker on the scoreboard, each to their own page.
    assert board == {name: f"/-/speakers/{slug}" for name, slug in slugs.items()}
    for name, href in board.items():
        assert f"<h1>{escape(name)} " in site.get(href), name
    # The people table, a person's row, and a speaker's track record.
    assert links(site.get("/DB/people?_size=100")) == board
    assert links(site.get("/DB/people/3"))["Kim Tae-hyung"] == "/-/speakers/kim-tae-hyung"
    track = links(site.get("/DB/speaker_track_record?speaker=Pan+Kil"))
    assert track == {"Ban Kil-joo": "/-/speakers/ban-kil-joo"}
    assert links(site.get("/DB/score_groups?dimension=speaker"))["Koh Yu-hwan"]
    # Any SQL's speaker column: a name is a link, anything else is not.
    sql = "select 'Kim Tae-hyung' as speaker union all select 'all speakers' order by 1"
    kim = {"Kim Tae-hyung": "/-/speakers/kim-tae-hyung"}
    assert links(site.get(f"/DB?sql={quote(sql)}")) == kim
    # The JSON is the data as it was: names, not links.
    rows = site.get("/DB/scoreboard.json?_shape=array")
    assert {r["speaker"] for r in rows} == set(slugs)
    # The front page says what the names lead to.
    assert "links to their scorecard" in site.get("/")


def test_track_record_roles_and_corrections(seeded: Path, invoke: Invoke) -> None:
    invoke("add-person", "Soongsil University", "--kind", "organisation")
    invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Soongsil University",
           "--role", "professor", "--from", "2019-03-01")  # fmt: skip
    # Kim's claim (#8) is about a question that resolved NO; it is corrected to
    # YES, and the claim's date edited after the outcome.
    invoke("add-outcome", "us-nk-diplomacy-resumes-quickly", "yes", "--on", "2025-12-30",
           "--evidence", "https://example.org/talks", "--evidence", "https://example.net/more",
           "--note", "talks resumed after all", "--yes")  # fmt: skip
    invoke("edit", "claim", "8", "--made-on", "2025-10-23", "--reason", "the interview's date")
    invoke("retract", "claim", "1", "--reason", "entered twice")
    site = Site(seeded)
    page = assert_matches_report(site, invoke, "kim-tae-hyung", "Kim Tae-hyung")
    # The Brier of the claim now that the outcome is YES: (1 - 0.125)^2.
    assert shown(page)["mean_brier"] == num(0.875**2)
    assert 'href="/-/speakers/soongsil-university">Soongsil University</a>' in page
    assert "professor" in page and "since 2019-03-01" in page
    assert "a professor at Soongsil University in Seoul" in page  # the role said on the claim
    row = page.split('data-claim="8"', 1)[1].split("</tr>", 1)[0]
    assert "yes, 2025-12-30" in row and "edited after the outcome" in row
    assert 'href="https://example.org/talks"' in row and 'href="https://example.net/more"' in row
    assert 'href="/tracker/question_claims?question=us-nk-diplomacy-resumes-quickly"' in row
    corrections = page.split('id="corrections"', 1)[1]
    assert "no, 2025-12-31" in corrections and "talks resumed after all" in corrections
    assert "the interview&#39;s date" in corrections and "after the outcome" in corrections
    # The organisation's page lists its member; the retraction shows on its speaker's.
    org = site.get("/-/speakers/soongsil-university")
    assert 'href="/-/speakers/kim-tae-hyung">Kim Tae-hyung</a>' in org
    experts = site.get("/-/speakers/many-experts")
    assert "entered twice" in experts.split('id="corrections"', 1)[1]
    assert 'data-claim="1"' not in experts  # retracted: no longer in the track record
    assert_matches_report(site, invoke, "many-experts", "Many experts (unnamed)")


def test_only_web_links_are_followed() -> None:
    assert scorecard.web_link("https://example.org/a") == "https://example.org/a"
    for url in ("javascript:alert(1)", "data:text/html,x", "ftp://x", "", None, "//x"):
        assert scorecard.web_link(url) is None, url


def test_the_chart() -> None:
    bins = [
        {"term": "unlikely", "forecast": 0.2, "claims": 9, "happened": 1, "observed": 1 / 9},
        {"term": "stated", "forecast": 0.9, "claims": 1, "happened": 1, "observed": 1.0},
    ]
    svg = scorecard.calibration_svg(bins, 'A "quoted" <name> & co')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-labelledby="calibration-title calibration-desc"' in svg
    assert '<title id="calibration-title">Calibration of A &quot;quoted&quot; &lt;name&gt;' in svg
    assert "2 forecast values over 10 scored claims" in svg
    # Axes: five ticks each, both titles, and the diagonal.
    assert svg.count('class="tick x-tick"') == 5 and svg.count('class="tick y-tick"') == 5
    assert "Forecast: probability given" in svg and "Share that happened" in svg
    assert 'class="diagonal"' in svg and "perfectly calibrated" in svg
    # One point a bin, sized by its count and labelled with it; the larger drawn first.
    points = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    assert [float(r) for *_, r in points] == [scorecard.point_radius(9), 10.0]
    assert re.findall(r'class="count"[^>]*>(\d+)<', svg) == ["9", "1"]
    for cx, cy, r in points:  # inside the drawing, whole
        assert float(r) <= float(cx) <= scorecard.WIDTH - float(r)
        assert float(r) <= float(cy) <= scorecard.HEIGHT - float(r)
    assert "unlikely: forecast 0.200; 9 claims, 1 happened (11%)" in svg
    empty = scorecard.calibration_svg([], "Nobody")
    assert "No scored claims yet" in empty and "<circle" not in empty
    assert scorecard.point_radius(1) == 10 and scorecard.point_radius(10_000) == 30


def test_the_page_keeps_to_the_time_limit(site: Site) -> None:
    site.ds._settings["sql_time_limit_ms"] = 1  # past at once
    page = site.get("/-/speakers/kim-tae-hyung", status=500)
    assert "took longer than the site&#39;s limit of 1 ms" in page


def test_only_the_tracker_site_has_scorecards(seeded: Path) -> None:
    from datasette.app import Datasette

    from tracker.site import app, metadata

    app(seeded)  # the site's plugin is registered for the whole process: it must stay out
    plain = Datasette(files=[str(seeded)], metadata=metadata(seeded.stem))

    async def get(path: str) -> Any:
        return await plain.client.get(path)

    assert asyncio.run(get("/-/speakers/kim-tae-hyung")).status_code == 404
    board = asyncio.run(get(f"/{seeded.stem}/scoreboard"))
    assert board.status_code == 200 and "/-/speakers/" not in board.text
