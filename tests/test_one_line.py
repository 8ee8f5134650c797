"""One clear line, everywhere: input at the edges of what can be stored, broken
files and empty databases are refused in one line (the `invoke` fixture checks
every error is one plain line), and nothing is half-written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["list", "--limit", HUGE], "--limit"),
        (["due", "--limit", HUGE], "--limit"),
        (["report", "--rows", HUGE], "--rows"),
        (["report", "--claims", HUGE], "--claims"),
        (["show", HUGE], "no claim"),
        (["edit", "claim", HUGE, "--role", "x", "--reason", "x"], "CLAIM_ID"),
        (["retract", "claim", HUGE, "--reason", "x"], "CLAIM_ID"),
        (
            [
                "add-outcome",
                "--claim",
                HUGE,
                "yes",
                "--on",
                "2026-01-01",
                "--evidence",
                "https://example.org/e",
            ],
            "--claim",
        ),
        (["report", "--as-of", "9999-12-31"], "--as-of: 9999-12-31 is out of range"),
        (["list", "--since", "10000-01-01"], "--since"),
    ],
)
def test_numbers_and_dates_past_what_can_be_stored(
    seeded: Path, invoke: Invoke, args: list[str], words: str
) -> None:
    assert words in invoke(*args, ok=False).output


def test_an_empty_file_is_not_taken_for_a_new_database(invoke: Invoke, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (["add-person", "X"], ["list"], ["init"]):
        message = invoke("--db", str(empty), *args, ok=False).output
        assert "is an empty file, not a database" in message
    assert empty.stat().st_size == 0


def test_a_bulk_file_that_breaks_after_some_batches_says_where_it_stopped(
    invoke: Invoke, db_path: Path, tmp_path: Path
) -> None:
    lines = [json.dumps({"slug": f"s{i}", "title": f"Source {i}"}).encode() for i in range(6000)]
    lines[5500] = b'{"slug": "bad", "title": "\xff\xfe"}'
    path = tmp_path / "sources.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    message = invoke("import", str(path), ok=False).output
    assert f"{path}:5501: not UTF-8 text" in message
    assert "lines up to 5000 of sources.jsonl were imported" in message
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 5000
    conn.close()
    lines[5500] = json.dumps({"slug": "fixed", "title": "Fixed"}).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = json.loads(invoke("import", str(path), "--json").output)
    sources = next(r for r in out if r["section"] == "sources")
    assert (sources["created"], sources["unchanged"]) == (1000, 5000)


def test_a_csv_cell_longer_than_the_csv_module_allows(invoke: Invoke, tmp_path: Path) -> None:
    title = "t" * 200_000
    path = tmp_path / "sources.csv"
    path.write_text(f"slug,title\nlong,{title}\n", encoding="utf-8")
    invoke("import", str(path))
    shown = json.loads(invoke("list", "--json").output)
    assert shown == []  # a source, no claims: imported without a traceback
    conn = sqlite3.connect(tmp_path / "tracker.db")
    assert conn.execute("SELECT length(title) FROM sources").fetchone()[0] == 200_000


def test_a_correction_recorded_before_what_it_corrects_is_refused(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    slug = "trump-kim-meet-during-korea-visit"
    first = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"][0]
    seed = tmp_path / "backdated.yaml"
    seed.write_text(
        "outcomes:\n"
        f"  - {{question: {slug}, result: 'no', occurred_on: {first['occurred_on']}, "
        f"evidence_url: '{first['evidence_url']}', note: {json.dumps(first['note'])}}}\n"
        f"  - {{question: {slug}, result: 'no', occurred_on: 2025-10-30, "
        "evidence_url: 'https://example.org/e', recorded_at: '2020-01-01T00:00:00Z'}\n",
        encoding="utf-8",
    )
    message = invoke("import", str(seed), ok=False).output
    assert "recorded_at: 2020-01-01T00:00:00Z is before the outcome it corrects" in message


def test_a_folder_of_seed_and_bulk_files_writes_nothing_if_a_bulk_file_is_broken(
    invoke: Invoke, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.yaml").write_text("people:\n  - {name: Seed Person}\n", encoding="utf-8")
    broken = '{"slug": "ok", "title": "Fine"}\n{"slug": "Bad Slug"}\n'
    (folder / "b.sources.jsonl").write_text(broken, encoding="utf-8")
    message = invoke("import", str(folder), ok=False).output
    assert "b.sources.jsonl:2:" in message
    if db_path.exists():
        conn = sqlite3.connect(db_path)
        assert conn.execute("SELECT count(*) FROM people").fetchone()[0] == 0
        conn.close()
