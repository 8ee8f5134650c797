"""Bulk import of JSON lines and CSV: the same result as row-by-row import,
idempotent, in whole batches, with errors that name file and line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke

from tracker.services import bulk
from tracker.synthetic import generate

SECTIONS = ("sources", "people", "questions", "claims", "outcomes")
# Columns that record when (and by whom) a row was entered, not what it says.
ENTRY_COLUMNS = {"created_at", "entered_at", "created_by", "entered_by", "recorded_by"}


def content(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows without entry timestamps, to compare two imports."""
    conn = sqlite3.connect(db)
    out = {}
    for table in ("sources", "people", "person_aliases", "questions", "tags", "question_tags",
                  "claims", "outcomes"):  # fmt: skip
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                   if r[1] not in ENTRY_COLUMNS]  # fmt: skip
        out[table] = conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2"
        ).fetchall()
    conn.close()
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder, 1200, seed=7)
    return folder


def files(folder: Path, claims: str = "claims.jsonl") -> list[str]:
    return [str(folder / f"{s}.jsonl") if s != "claims" else str(folder / claims) for s in SECTIONS]


def test_bulk_equals_row_by_row(data: Path, invoke: Invoke, tmp_path: Path) -> None:
    bulk_db, seed_db = tmp_path / "bulk.db", tmp_path / "rows.db"
    invoke("--db", str(bulk_db), "import", *files(data))
    document = {
        s: [json.loads(line) for line in (data / f"{s}.jsonl").read_text().splitlines()]
        for s in SECTIONS
    }
    seed = tmp_path / "all.json"
    seed.write_text(json.dumps(document))
    invoke("--db", str(seed_db), "import", str(seed))
    a, b = content(bulk_db), content(seed_db)
    for table in a:
        assert a[table] == b[table], table
    assert len(a["claims"]) == 1200 and a["outcomes"]


def test_csv_claims_equal_jsonl_claims(data: Path, invoke: Invoke, tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    invoke("--db", str(one), "import", *files(data))
    invoke("--db", str(two), "import", *files(data, "claims.csv"))
    assert content(one)["claims"] == content(two)["claims"]


def test_rerun_changes_nothing_and_search_is_current(
    data: Path, invoke: Invoke, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    invoke("--db", str(db), "import", *files(data))
    before = content(db)
    again = json.loads(invoke("--db", str(db), "import", *files(data), "--json").stdout)
    assert all(r["created"] == 0 for r in again)
    assert content(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'claims_ai'").fetchone()[0]
    hits = conn.execute(
        "SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'tariffs'"
    ).fetchone()
    direct = conn.execute("SELECT count(*) FROM claims WHERE quote LIKE '%tariffs%'").fetchone()
    assert hits == direct and hits[0] > 0


def test_error_names_file_and_line_and_keeps_whole_batches(
    data: Path, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH_SIZE", 100)
    db = tmp_path / "t.db"
    invoke("--db", str(db), "import", *files(data)[:3])
    claims = (data / "claims.jsonl").read_text().splitlines()
    broken = json.loads(claims[250])
    broken["probability"] = 1.5
    bad = tmp_path / "bad.claims.jsonl"
    bad.write_text("\n".join([*claims[:250], json.dumps(broken), *claims[251:]]) + "\n")
    result = invoke("--db", str(db), "import", str(bad), ok=False)
    assert f"{bad}:251: probability: Input should be less than or equal to 1" in result.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 200  # two whole batches
    conn.close()
    invoke("--db", str(db), "import", str(data / "claims.jsonl"))
    assert len(content(db)["claims"]) == 1200


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("people.jsonl", '{"name": "X", "kind": "robot"}', "people.jsonl:1: kind:"),
        ("claims.jsonl", "not json", "claims.jsonl:1: not valid JSON"),
        ("claims.jsonl", "[1, 2]", "claims.jsonl:1: expected an object"),
        ("claims.jsonl", '{"speaker": "Nobody", "source": "s", "made_on": "2025-01-01", '
                         '"quote": "q", "kind": "opinion"}', "claims.jsonl:1: no speaker called"),
        ("stuff.jsonl", "{}", "name a JSON-lines or CSV file after its section"),
    ],
)  # fmt: skip
def test_bad_rows(invoke: Invoke, tmp_path: Path, name: str, line: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(line + "\n")
    result = invoke("import", str(path), ok=False)
    assert message in result.output
    assert "Traceback" not in result.output


def test_synthetic_data_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert generate(a, 500, seed=3) == generate(b, 500, seed=3)
    for name in ("claims.jsonl", "outcomes.jsonl", "claims.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    claims = [json.loads(x) for x in (a / "claims.jsonl").read_text().splitlines()]
    assert {c.get("kind", "forecast") for c in claims} == {
        "forecast", "conditional", "directional", "opinion",
    }  # fmt: skip
    outcomes = [json.loads(x) for x in (a / "outcomes.jsonl").read_text().splitlines()]
    assert {o["result"] for o in outcomes} >= {"yes", "no"}


def test_batches_leave_the_triggers_as_they_found_them(
    data: Path, invoke: Invoke, tmp_path: Path
) -> None:
    """Bulk import sets the per-row triggers on claims aside for each batch and
    does their work once: the same triggers stand afterwards, and search and
    the stale flag are as the triggers would have left them. (A trigger a user
    adds is not the tracker's: writes wait until `tracker db repair`.)"""
    db = tmp_path / "t.db"
    invoke("--db", str(db), "import", *files(data)[:3])
    conn = sqlite3.connect(db)
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    before = conn.execute(triggers).fetchall()
    conn.close()
    invoke("--db", str(db), "import", str(data / "claims.jsonl"))
    conn = sqlite3.connect(db)
    assert conn.execute(triggers).fetchall() == before
    hits = "SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'sanctions'"
    direct = "SELECT count(*) FROM claims WHERE quote LIKE '%sanctions%'"
    assert conn.execute(hits).fetchone() == conn.execute(direct).fetchone() != (0,)
    sealed = "SELECT count(*) FROM ledger WHERE record_type = 'claim'"
    assert conn.execute(sealed).fetchone() == conn.execute("SELECT count(*) FROM claims").fetchone()
    # From an empty archive the batches leave the totals stale and the import
    # rebuilds them at its end: fresh, and equal to a computation from scratch.
    assert conn.execute("SELECT stale FROM score_state").fetchone() == (0,)
    conn.close()


def test_a_batch_past_the_upkeep_budget_marks_the_totals_stale(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stale trigger's work, done once for the batch, flags the totals the
    way the trigger would have (the import's own rebuild is held back here)."""
    from tracker.db import get_engine
    from tracker.schema import ensure_schema

    engine = get_engine(f"sqlite:///{tmp_path / 't.db'}")
    ensure_schema(engine)
    monkeypatch.setattr(bulk, "refresh", lambda conn: False)
    bulk.bulk_import(engine, [Path(f) for f in files(data)[:3]], "test")
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("SELECT stale FROM score_state").fetchone() == (0,)
    conn.close()
    bulk.bulk_import(engine, [data / "claims.jsonl"], "test")
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("SELECT stale FROM score_state").fetchone() == (1,)
    conn.close()


def test_a_claims_appearances_are_imported_from_json_lines(
    db_path: Path, invoke: Invoke, tmp_path: Path
) -> None:
    """A seed file's claim lists its later appearances; a bulk file's does too."""
    folder = tmp_path / "bulk"
    folder.mkdir()
    sources = [
        {"slug": "first", "title": "First", "published_on": "2025-01-02",
         "text": "The minister said a deal is likely by June."},
        {"slug": "wire", "title": "Wire copy", "published_on": "2025-01-03",
         "text": "Reprinted: a deal is likely by June, the minister said."},
    ]  # fmt: skip
    (folder / "sources.jsonl").write_text("".join(json.dumps(s) + "\n" for s in sources))
    (folder / "people.jsonl").write_text('{"name": "A Minister"}\n')
    (folder / "questions.jsonl").write_text(
        '{"slug": "deal", "title": "A deal by June", "criteria": "c", "resolve_by": "2025-06-30"}\n'
    )
    claim = {"speaker": "A Minister", "source": "first", "made_on": "2025-01-02",
             "quote": "a deal is likely by June", "question": "deal", "probability": 0.7,
             "appearances": [{"source": "wire", "quote": "a deal is likely by June",
                              "appeared_on": "2025-01-03"}]}  # fmt: skip
    (folder / "claims.jsonl").write_text(json.dumps(claim) + "\n")
    invoke("import", str(folder))
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT s.slug, a.quote, a.appeared_on FROM claim_appearances AS a "
            "JOIN sources AS s ON s.id = a.source_id"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("wire", "a deal is likely by June", "2025-01-03")]
    invoke("import", str(folder))  # again: nothing new
    claim["appearances"][0]["appeared_on"] = "2025-01-04"
    (folder / "claims.jsonl").write_text(json.dumps(claim) + "\n")
    err = invoke("import", str(folder), ok=False).stderr
    assert "claims.jsonl:1" in err and "appeared_on" in err and "already recorded" in err
    claim["appearances"][0] = {"source": "wire", "quote": "not in the wire copy"}
    (folder / "claims.jsonl").write_text(json.dumps(claim) + "\n")
    assert "appearances" in invoke("import", str(folder), ok=False).stderr
    invoke("verify")
