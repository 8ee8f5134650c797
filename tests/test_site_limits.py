"""What one visitor can make the site do: no value past the cap, no file path shown."""

from __future__ import annotations

import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import Invoke, free_port
from test_datasette import Site

import tracker.site
from tracker.site import PLUGIN_NAME, RESULT_MESSAGE, SQL_LIMIT, VALUE_LIMIT, app

pytest.importorskip("datasette.app")

# Requests that built gigabytes, each value in one SQLite call, which
# Datasette's time limit cannot interrupt (the first, four times at once,
# stalled the server for 25 s at 3 GB), and the error each gets now.
STALLS = {
    "select length(randomblob(999999999))": "string or blob too big",
    "select hex(zeroblob(100000000))": "string or blob too big",
    "select length(replace(hex(zeroblob(50000000)), '0', '00'))": "string or blob too big",
    # Past the cap printf only returns NULL, after seconds of work: refused.
    "select length(printf('%.*c', 900000000, 'x'))": "not authorized to use function: printf",
    # Values under the cap, but 1.3 GB in all (7.5 GB and 22 s to render).
    "with recursive n(i) as (select 1 union all select i + 1 from n) "
    "select hex(zeroblob(16000000 + 0 * i)) from n limit 40": "result too big",
}


def sql_url(sql: str) -> str:
    return "/DB.json?" + urllib.parse.urlencode({"sql": sql})


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.fixture
def site(seeded: Path) -> Site:
    return Site(seeded)


@pytest.mark.parametrize("sql", list(STALLS))
def test_a_stalling_query_fails_at_once(site: Site, sql: str) -> None:
    peak, cpu = peak_rss_mb(), time.process_time()
    answer = site.get(sql_url(sql), status=400)
    assert answer["ok"] is False and STALLS[sql] in answer["error"]
    # Sanity bounds, not timings: no gigabyte was built, no seconds spent.
    assert peak_rss_mb() - peak < 500
    assert time.process_time() - cpu < 5


def test_the_cap_is_the_value_limit(site: Site) -> None:
    at = site.get(sql_url(f"select length(zeroblob({VALUE_LIMIT}))"))  # lazy: no memory
    assert at["rows"] == [[VALUE_LIMIT]]
    over = site.get(sql_url(f"select length(zeroblob({VALUE_LIMIT + 1}))"), status=400)
    assert "too big" in over["error"]
    # Longer SQL than a URL can carry (uvicorn takes 16 KiB, httpx 64 KiB) is
    # refused by the connection too.
    database = site.ds.get_database(site.name)
    with pytest.raises(sqlite3.DataError, match="too large"):
        asyncio.run(database.execute("select 1" + " " * SQL_LIMIT, log_sql_errors=False))
    # printf is refused whatever it is asked, as is its alias format.
    for sql in ("select printf('%d', 1)", "select FORMAT('%d', 1)"):
        assert "not authorized" in site.get(sql_url(sql), status=400)["error"]


def test_a_long_source_text_is_served_in_full(
    invoke: Invoke, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = ("북한 노동당 대회는 언제 열리나? Will the congress meet? " * 140_000).strip()
    assert len(text.encode()) > 5_000_000
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    invoke("import", str(Path(__file__).parents[1] / "seeds"))
    invoke("add-source", "--title", "A long text", "--slug", "a-long-text",
           "--text-file", str(tmp_path / "long.txt"))  # fmt: skip
    site = Site(db_path)
    rows = site.get("/DB/sources.json?_shape=array&slug=a-long-text")
    assert len(rows) == 1 and rows[0]["text"] == text
    assert site.get(sql_url("select length(text) from sources where slug = 'a-long-text'"))[
        "rows"
    ] == [[len(text)]]
    assert "a-long-text" in site.get("/DB/sources")  # the HTML page too

    # A result longer than RESULT_LIMIT in all is refused, with what to do.
    monkeypatch.setattr(tracker.site, "RESULT_LIMIT", len(text) - 1)
    answer = site.get(sql_url("select text from sources where slug = 'a-long-text'"), status=400)
    assert answer["error"] == RESULT_MESSAGE
    assert site.get("/DB/sources.json?slug=a-long-text", status=500)["error"] == RESULT_MESSAGE
    rows = site.get("/DB/sources.json?_shape=array&_nocol=text&slug=a-long-text")
    assert [(row["title"], "text" in row) for row in rows] == [("A long text", False)]


PAGES = [
    "/", "/.json", "/-/databases", "/-/databases.json", "/DB", "/DB.json",
    "/-/metadata", "/-/metadata.json", "/-/versions.json", "/-/plugins.json?all=1",
    "/-/settings.json", "/-/threads.json", "/DB/sources", "/DB/sources.json",
]  # fmt: skip


def test_no_page_shows_the_file_path(site: Site, seeded: Path) -> None:
    folder = str(seeded.resolve().parent)
    for page in PAGES:
        shown = site.get(page)
        assert folder not in (shown if isinstance(shown, str) else json.dumps(shown)), page
    databases = site.get("/-/databases.json")
    assert [(d["name"], "path" in d) for d in databases] == [(site.name, False)]
    # Nor can SQL read it: pragma_database_list's file column reads as NULL.
    listed = site.get(sql_url("select * from pragma_database_list"))
    assert listed["rows"] == [[0, "main", None]]
    # Nor does an error page (a mutable database is not offered for download).
    assert folder not in site.get("/DB.db", status=403)
    assert folder not in site.get("/DB/no_such_table", status=404)


def test_the_plugin_leaves_other_datasette_instances_alone(seeded: Path) -> None:
    from datasette.app import Datasette
    from datasette.plugins import pm

    sites = [Site(seeded), Site(seeded)]  # registering twice is harmless
    assert [pm.get_name(p) for p in pm.get_plugins()].count(PLUGIN_NAME) == 1
    assert [p["name"] for p in sites[0].get("/-/plugins.json")].count(PLUGIN_NAME) == 1

    other = Datasette(files=[str(seeded)])

    def get(path: str) -> dict:
        response = asyncio.run(other.client.get(path.replace("/DB", f"/{seeded.stem}")))
        assert response.status_code == 200, response.text
        return response.json()

    assert get(sql_url("select length(zeroblob(100000000))"))["rows"] == [[100_000_000]]
    assert get(sql_url("select printf('%d', 7)"))["rows"] == [["7"]]
    assert get("/-/databases.json")[0]["path"] == str(seeded)
    # Nor does it hide their views or leave out the counts of their pages.
    assert "claim_scores" in {v["name"] for v in get("/DB.json")["views"]}
    assert get("/DB/claim_scores.json")["filtered_table_rows_count"] == 110
    for site in sites:  # and the tracker's own sites keep their limits
        assert "too big" in site.get(sql_url("select zeroblob(100000000)"), status=400)["error"]
    assert app(seeded).setting("sql_time_limit_ms") == 1000  # the time limit is kept


def test_tracker_serve_has_the_limits(seeded: Path, tmp_path: Path) -> None:
    port = free_port()
    tracker = Path(sys.executable).with_name("tracker")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would stop the server
        proc = subprocess.Popen(
            [str(tracker), "--db", str(seeded), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, str]:
        url = base + path.replace("/DB", f"/{seeded.stem}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    try:
        for _ in range(150):
            try:
                get("/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.2)
        status, body = get(sql_url("select length(randomblob(999999999))"))
        assert status == 400 and "string or blob too big" in body
        status, body = get("/-/databases.json")
        assert status == 200 and str(seeded.parent) not in body
        assert json.loads(body)[0]["name"] == seeded.stem
        # Each value under the cap, but 2 GB held at once: past SQLite's heap
        # limit in the serving process, the statement fails.
        columns = ", ".join(f"length(hex(zeroblob({33_000_000 + k})))" for k in range(20))
        status, body = get(sql_url(f"select {columns}"))
        assert status == 500 and json.loads(body)["ok"] is False
        proc_status = Path(f"/proc/{proc.pid}/status")
        if proc_status.exists():  # the process's peak memory, in KiB
            assert int(proc_status.read_text().split("VmHWM:")[1].split()[0]) < 1_600_000
        status, body = get("/DB/scoreboard.json?_shape=array")
        assert status == 200 and "Kim Tae-hyung" in body
        # The per-claim views are not listed, and a hidden view's page is not counted.
        status, body = get("/DB.json")
        assert status == 200 and "claim_scores" not in {
            v["name"] for v in json.loads(body)["views"]
        }
        status, body = get("/DB/claim_scores.json")
        assert status == 200 and json.loads(body)["filtered_table_rows_count"] is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
