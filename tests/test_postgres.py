"""The same schema, seeds and commands on a PostgreSQL server.

Uses the server at $TRACKER_TEST_PG (default: the local one, trust auth), in a
database created for the test run and dropped after it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, Invoke, pg_database, split_synthetic
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

ADMIN_URL = os.environ.get("TRACKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with pg_database() as url:
        monkeypatch.setenv("TRACKER_DB", url)
        yield url


def test_seeds_commands_and_rules_on_postgresql(pg_url: str, invoke: Invoke) -> None:
    invoke("import", str(SEEDS))
    again = json.loads(invoke("import", str(SEEDS), "--json").output)
    assert all(r["created"] == r["updated"] == 0 for r in again)
    rows = json.loads(invoke("list", "--speaker", "Pan Kil-ju", "--json").output)
    assert rows and {r["speaker"] for r in rows} == {"Ban Kil-joo"}
    overdue = json.loads(invoke("list", "--status", "overdue", "--json").output)
    assert overdue == []  # the seed's past questions all have outcomes (one unresolvable)

    slug = "trump-kim-meet-within-months"
    invoke("add-outcome", slug, "yes", "--on", "2026-03-01", "--evidence", "https://example.org/a")
    correction = invoke(
        "add-outcome", slug, "no", "--on", "2026-04-30", "--evidence", "https://example.org/b"
    )
    assert "supersedes" in correction.stderr
    history = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"]
    assert [o["result"] for o in history] == ["unresolvable", "yes", "no"]

    data = json.loads(invoke("report", "--format", "json").output)
    meeting = [c for c in data["claims"] if c["question"] == "trump-kim-meet-during-korea-visit"]
    assert {c["status"] for c in meeting} >= {"scored", "directional"}
    assert data["murphy"]["brier"] == pytest.approx(
        data["murphy"]["reliability"] - data["murphy"]["resolution"] + data["murphy"]["uncertainty"]
    )
    assert (
        json.loads(invoke("report", "--as-of", "2025-10-28", "--format", "json").output)[
            "overview"
        ]["resolved"]
        == 0
    )
    invoke("due")
    invoke("add-question", "--slug", "past-due", "--title", "Past due", "--criteria", "c",
           "--resolve-by", "2025-01-01")  # fmt: skip
    invoke("due", ok=False)

    engine = create_engine(pg_url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE outcomes SET result = 'yes'"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE claims SET kind = 'guess'"))
    engine.dispose()


def test_server_database_behind_head_is_not_upgraded_silently(pg_url: str, invoke: Invoke) -> None:
    from tracker.schema import known_revisions

    invoke("init")
    invoke("db", "downgrade", known_revisions()[-2])
    result = invoke("list", ok=False)
    assert "run `tracker db upgrade`" in result.output
    invoke("db", "upgrade")
    invoke("list")
    invoke("db", "downgrade", "base")
    assert "none" in invoke("db", "current").output


def test_bulk_import_on_postgresql(pg_url: str, invoke: Invoke, tmp_path: Path) -> None:
    from tracker.synthetic import generate

    generate(tmp_path, 600, seed=5)
    # Most claims first (an empty database: one rebuild at the end), then the
    # rest with a few outcomes (kept current batch by batch), then everything.
    first_claims, rest_claims, few_outcomes = split_synthetic(tmp_path, 550, 3)
    files = [str(tmp_path / f"{s}.jsonl") for s in
             ("sources", "people", "questions", "claims", "outcomes")]  # fmt: skip
    first = json.loads(invoke("import", *files[:3], first_claims, "--json").stdout)
    assert {r["section"]: r["created"] for r in first}["claims"] == 550
    invoke("import", rest_claims, few_outcomes)
    kept = json.loads(invoke("report", "--format", "json").stdout)
    second = json.loads(invoke("import", *files, "--json").stdout)
    assert {r["section"]: r["created"] for r in second}["claims"] == 0
    again = json.loads(invoke("import", *files, "--json").stdout)
    assert all(r["created"] == 0 for r in again)
    report = json.loads(invoke("report", "--format", "json").stdout)
    assert report["overview"]["claims"] == 600 and report["murphy"]["claims"] > 0
    # The totals kept batch by batch equal those computed afresh (a filter
    # that keeps every claim forces the computation).
    afresh = json.loads(invoke("report", "--format", "json", "--since", "1900-01-01").stdout)

    def rounded(rows: list[dict]) -> list[dict]:  # kept sums may differ in the last bits
        return [{k: round(v, 9) if isinstance(v, float) else v for k, v in r.items()} for r in rows]

    for key in ("scoreboard", "groups", "calibration", "sensitivity"):
        assert rounded(afresh[key]) == rounded(report[key]), key
    assert kept["overview"]["claims"] == 600


def test_refusals_corrections_and_their_history_on_postgresql(pg_url: str, invoke: Invoke) -> None:
    invoke("import", str(SEEDS))
    refused = invoke("add-person", "Someone Else", "--alias", "Ban", ok=False)
    assert "already belongs to Ban Kil-joo" in refused.output
    invoke("edit", "claim", "8", "--probability", "0.05", "--reason", "the speaker said 5%")
    invoke("edit", "question", "trump-kim-meet-within-months", "--add-tag", "summits",
           "--reason", "tag the summits")  # fmt: skip
    invoke("retract", "claim", "2", "--reason", "entered twice")
    report = json.loads(invoke("report", "--format", "json").output)
    assert {g["label"]: g["edited_after_outcome"] for g in report["scoreboard"]}[
        "Kim Tae-hyung"
    ] == 1
    assert [r["claim_id"] for r in report["retracted"]] == [2]
    assert "History of corrections:" in invoke("show", "8").output
    assert "was retracted" in invoke("edit", "claim", "2", "--role", "x", "--reason", "x",
                                     ok=False).output  # fmt: skip

    engine = create_engine(pg_url)
    for sql in ("UPDATE revisions SET reason = 'rewritten'", "DELETE FROM revisions",
                "TRUNCATE revisions"):  # fmt: skip
        with pytest.raises(DBAPIError, match="revisions are append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with pytest.raises(DBAPIError, match="retracted claim"), engine.begin() as conn:
        conn.execute(text("UPDATE claims SET role = 'x' WHERE id = 2"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM revisions")).scalar_one() == 5
    engine.dispose()


def test_a_trigger_refusal_on_postgresql_is_a_sentence(pg_url: str, invoke: Invoke) -> None:
    """PostgreSQL's RAISE EXCEPTION reaches SQLAlchemy as a programming error
    (psycopg 3): a unit of work a trigger refuses still ends in the user's
    words, as SQLite's RAISE(ABORT) does, not as a database error."""
    from tracker.db import get_engine, session_scope
    from tracker.errors import Conflict

    invoke("import", str(SEEDS))
    with (
        pytest.raises(Conflict) as refused,
        session_scope(get_engine(pg_url), write=True) as session,
    ):
        session.execute(text("UPDATE outcomes SET note = 'rewritten'"))
    message = str(refused.value)
    assert "append-only" in message and "\n" not in message
    assert "database error" not in message and "RaiseException" not in message
