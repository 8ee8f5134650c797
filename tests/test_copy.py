"""`tracker copy`, `tracker publish` and `tracker serve` on PostgreSQL: the same
record on either backend, row for row, ids, ledger and kept totals included."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, dump, free_port, pg_database

from tracker.services.transfer import copy_record


def report(invoke: Invoke, db: str | Path) -> Any:
    return json.loads(invoke("--db", str(db), "report", "--format", "json").stdout)


def verify_clean(invoke: Invoke, db: str | Path) -> None:
    rows = json.loads(invoke("--db", str(db), "verify", "--json").stdout)
    assert {r["result"] for r in rows} == {"ok"}, rows


def add_outcome(invoke: Invoke, db: str | Path) -> None:
    """An outcome (append-only, sealed in the ledger) that only the target has."""
    invoke("--db", str(db), "add-outcome", "us-nk-talks-resume", "yes", "--on", "2025-12-01",
           "--evidence", "https://example.org/talks", "--yes")  # fmt: skip


def copied(invoke: Invoke, source: str | Path, target: str | Path, *more: str) -> list[dict]:
    """Copy and return the per-table rows, each of which must match."""
    result = invoke("copy", str(source), str(target), *more, "--json")
    rows = json.loads(result.stdout)
    assert rows and all(r["result"] == "match" for r in rows), rows
    assert "every row count and checksum match" in result.stderr
    return rows


def test_sqlite_to_postgresql_and_back_is_the_same_record(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    back = tmp_path / "back.db"
    with pg_database() as url:
        rows = copied(invoke, seeded, url)
        assert {r["table"]: r["rows"] for r in rows}["claims"] == 22
        verify_clean(invoke, url)
        assert report(invoke, url) == report(invoke, seeded)
        copied(invoke, url, back)
        # The sequences were moved past the copied ids: a write takes the next one.
        person = json.loads(invoke("--db", url, "add-person", "Someone New", "--json").stdout)
        assert person[0]["id"] == 16
        verify_clean(invoke, url)
    # Row for row (the full-text index and SQLite's own tables aside: see dump).
    assert dump(back) == dump(seeded)
    verify_clean(invoke, back)
    assert report(invoke, back) == report(invoke, seeded)


def test_a_target_holding_a_record_is_refused_unless_replace(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "target.db"
    copied(invoke, seeded, target)
    refused = invoke("copy", str(seeded), str(target), ok=False)
    assert "already holds a record (22 claims" in refused.stderr
    assert "--replace" in refused.stderr
    # Whatever it held is gone after --replace, append-only rows included.
    add_outcome(invoke, target)
    copied(invoke, seeded, target, "--replace")
    assert dump(target) == dump(seeded)
    verify_clean(invoke, target)


def test_replace_on_postgresql_empties_the_append_only_tables(seeded: Path, invoke: Invoke) -> None:
    with pg_database() as url:
        copied(invoke, seeded, url)
        add_outcome(invoke, url)
        invoke("copy", str(seeded), url, ok=False)
        copied(invoke, seeded, url, "--replace")
        verify_clean(invoke, url)
        assert report(invoke, url) == report(invoke, seeded)


def test_a_copy_cut_off_is_completed_by_replace(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    from tracker.config import database_url

    target = tmp_path / "cut.db"

    class Killed(BaseException):
        pass

    class Bar:
        """Stops the copy part of the way into the claims (the 173rd row), as a kill would."""

        def __init__(self, total: int) -> None:
            self.total, self.done = total, 0

        def __enter__(self) -> Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def update(self, n: int) -> None:
            self.done += n
            if self.done >= 170:
                raise Killed

    with pytest.raises(Killed):
        copy_record(database_url(str(seeded)), database_url(str(target)), batch=7, progress=Bar)
    conn = sqlite3.connect(target)
    try:
        assert 0 < conn.execute("SELECT count(*) FROM claims").fetchone()[0] < 22
    finally:
        conn.close()
    invoke("copy", str(seeded), str(target), ok=False)
    copied(invoke, seeded, target, "--replace")
    assert dump(target) == dump(seeded)
    verify_clean(invoke, target)


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("mysql://db/x", "{tmp}/t.db", "mysql:// is not a database tracker can copy"),
        ("{tmp}/t.db", "oracle://db/x", "oracle:// is not a database tracker can copy"),
        ("{tmp}/missing.db", "{tmp}/t.db", "no database at"),
        ("{seeded}", "{tmp}/./{name}", "is both FROM and TO"),
        ("{seeded}", "sqlite://", "an in-memory database cannot be copied"),
        ("{tmp}/plain.txt", "{tmp}/t.db", "is not a SQLite database"),
    ],
)
def test_bad_input_gets_one_line(
    seeded: Path, invoke: Invoke, tmp_path: Path, source: str, target: str, message: str
) -> None:
    (tmp_path / "plain.txt").write_text("not a database\n")
    names = {"tmp": str(tmp_path), "seeded": str(seeded), "name": seeded.name}
    result = invoke("copy", source.format(**names), target.format(**names), ok=False)
    assert message in result.stderr
    assert not (tmp_path / "t.db").exists()


def test_a_synthetic_archive_round_trips(invoke: Invoke, tmp_path: Path) -> None:
    from tracker.synthetic import generate

    folder = tmp_path / "synthetic"
    generate(folder, 3000, seed=5)
    first, back = tmp_path / "first.db", tmp_path / "back.db"
    files = [str(folder / f"{name}.jsonl") for name in
             ("sources", "people", "questions", "claims", "outcomes")]  # fmt: skip
    invoke("--db", str(first), "import", *files)
    with pg_database() as url:
        rows = copied(invoke, first, url)
        assert {r["table"]: r["rows"] for r in rows}["claims"] == 3000
        assert report(invoke, url) == report(invoke, first)
        verify_clean(invoke, url)
        copied(invoke, url, back)
    assert dump(back) == dump(first)
    verify_clean(invoke, back)
    assert report(invoke, back) == report(invoke, first)


def test_publish_writes_the_snapshot_and_its_metadata(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    import yaml

    out = tmp_path / "site.db"
    with pg_database() as url:
        copied(invoke, seeded, url)
        said = invoke("--db", url, "publish", str(out)).stderr
        assert "datasette" in said and "site.metadata.yaml" in said
        assert "exists" in invoke("--db", url, "publish", str(out), ok=False).stderr
        invoke("--db", url, "publish", str(out), "--force", "--metadata",
               str(tmp_path / "m.json"))  # fmt: skip
    assert dump(out) == dump(seeded)
    # One self-contained file, nothing left beside it but the metadata.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("site", ".site"))) == [
        "site.db", "site.metadata.yaml",
    ]  # fmt: skip
    meta = yaml.safe_load((tmp_path / "site.metadata.yaml").read_text())
    assert "scoreboard" in meta["databases"]["site"]["queries"]
    assert "site" in json.loads((tmp_path / "m.json").read_text())["databases"]
    verify_clean(invoke, out)


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_on_postgresql_serves_a_snapshot_and_removes_it(
    seeded: Path, invoke: Invoke, tmp_path: Path, sig: signal.Signals
) -> None:
    pytest.importorskip("datasette.app")
    from tracker.site import app

    async def local(path: str) -> Any:
        return (await app(seeded).client.get(path)).json()

    query = "scoreboard.json?_shape=array"
    expected = asyncio.run(local(f"/{seeded.stem}/{query}"))
    tmpdir, log = tmp_path / "tmpdir", tmp_path / "serve.log"
    tmpdir.mkdir()
    port = free_port()
    with pg_database() as url:
        copied(invoke, seeded, url)
        name = url.rsplit("/", 1)[1]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tracker", "--db", url, "serve", "--port", str(port)],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(tmpdir)},
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    served = _get_json(f"http://127.0.0.1:{port}/{name}/{query}")
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(log.read_text())
                    time.sleep(0.3)
            assert any(tmpdir.iterdir())  # the snapshot, while served
            proc.send_signal(sig)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert served == expected
    assert "serving a snapshot of" in text and "removed when serve stops" in text
    assert "Traceback" not in text, text
    assert proc.returncode in (0, -sig), text
    assert sorted(tmpdir.iterdir()) == [], text
