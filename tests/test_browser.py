"""The site in a real browser: headless Chromium on `tracker serve`."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def served(seeded: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    tracker = Path(sys.executable).with_name("tracker")
    proc = subprocess.Popen(
        [str(tracker), "--db", str(seeded), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read().decode() if proc.stdout else "serve exited")
            time.sleep(0.2)
    yield base, seeded.stem
    proc.terminate()
    proc.wait(timeout=10)


def chromium(*args: str) -> str:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        result = subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        return result.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_scoreboard_page_in_chromium(served) -> None:  # type: ignore[no-untyped-def]
    base, name = served
    url = f"{base}/{name}/scoreboard"
    dom = chromium("--dump-dom", url)
    for speaker in ("Kim Tae-hyung", "Many experts (unnamed)", "Ban Kil-joo", "Koh Yu-hwan"):
        assert speaker in dom
    assert "Scoreboard" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "scoreboard.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1400,900", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_per_claim_views_are_offered_as_stored_queries(served) -> None:  # type: ignore[no-untyped-def]
    base, name = served
    page = chromium("--dump-dom", f"{base}/{name}")
    # The stored queries are offered on the database page; the per-claim views are not.
    for query in ("claim_on_every_scale", "question_scores", "claims_by_status"):
        assert f'href="/{name}/{query}"' in page, query
    for view in ("claim_scores", "claim_probabilities_by_scale", "score_members"):
        assert f'href="/{name}/{view}"' not in page, view
    assert f'href="/{name}/question_status"' in page
    void = chromium("--dump-dom", f"{base}/{name}/claims_by_status?status=void")
    assert "Claims by status" in void
    # The two void claims of the seeds: a question found unresolvable, one annulled.
    assert "eventually meet for talks again in the coming months" in void
    assert "unlikely to produce meaningful results" in void


# The scorecard is checked in a browser driven over WebDriver: Debian's
# chromium-driver speaks it as JSON over HTTP, so the standard library drives
# it (no client library). It reads what the command line cannot: the sizes
# the browser laid out, and the console.
CHROMEDRIVER = shutil.which("chromedriver")


class Browser:
    """One headless Chromium session through chromedriver's WebDriver API."""

    def __init__(self, driver: str, base: str) -> None:
        self.base = base
        self.session = ""
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.driver_url = f"http://127.0.0.1:{free_port()}"
        port = self.driver_url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": [*FLAGS, "--window-size=1280,1000",
                   "--hide-scrollbars", f"--user-data-dir={self.profile}"]}  # fmt: skip
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options,
                        "goog:loggingPrefs": {"browser": "ALL"}}  # fmt: skip
        found = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = found["sessionId"]

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.driver_url + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def do(self, method: str, path: str, body: dict | None = None) -> Any:
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, path: str) -> None:
        self.do("POST", "/url", {"url": self.base + path})

    def run(self, script: str, *args: Any) -> Any:
        return self.do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def console(self) -> list[dict[str, Any]]:
        """What the pages wrote to the console since last asked."""
        return self.do("POST", "/se/log", {"type": "browser"})

    def close(self) -> None:
        try:
            if self.session:
                self.do("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser(served):  # type: ignore[no-untyped-def]
    if CHROMEDRIVER is None:
        pytest.skip("Debian's chromium-driver is not installed")
    base, name = served
    session = Browser(CHROMEDRIVER, base)
    try:
        yield session, name
    finally:
        session.close()


# What the browser measures on a scorecard: the chart's box, its points and
# labels (each with its box and font size), the fallback table, and every
# resource the page loaded.
MEASURE = """
const box = (e) => { const r = e.getBoundingClientRect();
  return {x: r.left, y: r.top, w: r.width, h: r.height}; };
const svg = document.querySelector('svg.calibration-chart');
const texts = [...svg.querySelectorAll('text')].map((t) => ({
  text: t.textContent, cls: t.getAttribute('class'), box: box(t),
  size: parseFloat(getComputedStyle(t).fontSize)}));
return {
  svg: box(svg), title: svg.querySelector('title').textContent,
  desc: svg.querySelector('desc').textContent,
  points: [...svg.querySelectorAll('g.bin circle')].map(box),
  texts: texts,
  rows: document.querySelectorAll('#calibration-table tbody tr').length,
  h1: document.querySelector('h1').textContent,
  resources: performance.getEntriesByType('resource').map((e) => e.name),
  height: document.documentElement.scrollHeight,
  calibration_bottom: document.querySelector('#calibration').getBoundingClientRect().bottom,
};
"""


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + 0.5
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + 0.5
    )


def test_scorecard_in_chromium(browser, seeded: Path) -> None:  # type: ignore[no-untyped-def]
    session, name = browser
    conn = sqlite3.connect(seeded)
    try:
        # The seed speaker with the most claims among those with a scored one
        # (the seeds score at most one claim a speaker), and the one with the
        # most claims of all, none of them scored.
        slug, speaker = conn.execute(
            "SELECT p.slug, p.name FROM score_groups AS g JOIN people AS p ON p.id = g.group_key "
            "WHERE g.scale = 'recorded' AND g.dimension = 'speaker' "
            "ORDER BY g.scored > 0 DESC, g.claims DESC, g.label LIMIT 1"
        ).fetchone()
        (busiest,) = conn.execute(
            "SELECT p.slug FROM claims AS c JOIN people AS p ON p.id = c.person_id "
            "GROUP BY p.id ORDER BY count(*) DESC, p.name LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    # Reached as a reader reaches it: by the name on the scoreboard.
    session.open(f"/{name}/scoreboard")
    link = session.do("POST", "/element", {"using": "css selector",
                                           "value": f'a[href="/-/speakers/{slug}"]'})  # fmt: skip
    session.do("POST", f"/element/{next(iter(link.values()))}/click", {})
    assert session.do("GET", "/url") == f"{session.base}/-/speakers/{slug}"
    page = session.run(MEASURE)
    assert page["h1"].startswith(speaker)
    # The chart: drawn at a readable size, its title and description, a point
    # a row of the table, every label at 12 px or more and inside the drawing.
    assert page["svg"]["w"] >= 400 and page["svg"]["h"] >= 400, page["svg"]
    assert page["title"] == f"Calibration of {speaker}" and "scored claims" in page["desc"]
    assert len(page["points"]) == page["rows"] >= 1
    for point in page["points"]:
        assert point["w"] >= 19 and inside(point, page["svg"]), point
    labels = {t["text"] for t in page["texts"]}
    assert {"Forecast: probability given", "Share that happened", "0%", "50%", "100%"} <= labels
    for text in page["texts"]:
        assert text["size"] >= 12 and text["box"]["h"] >= 10, text
        assert inside(text["box"], page["svg"]), text
    # Nothing from another host, and nothing in the console.
    assert all(url.startswith(session.base) for url in page["resources"]), page["resources"]
    assert session.console() == []
    # A screenshot down to the end of the chart, for the README: the window
    # is made as much taller than the view as its frame takes.
    wanted = int(page["calibration_bottom"]) + 24
    session.do("POST", "/window/rect", {"width": 1280, "height": wanted})
    frame = wanted - session.run("return window.innerHeight")
    session.do("POST", "/window/rect", {"width": 1280, "height": wanted + frame})
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "scorecard.png"
    shot.write_bytes(base64.b64decode(session.do("GET", "/screenshot")))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    # The busiest speaker has nothing scored: the chart says so, without errors.
    session.open(f"/-/speakers/{busiest}")
    empty = session.run(MEASURE)
    assert empty["points"] == [] and "No scored claims yet" in {t["text"] for t in empty["texts"]}
    assert session.console() == []
