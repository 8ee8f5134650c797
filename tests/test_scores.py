"""Score totals kept current: after any sequence of writes they equal the same
templates computed from scratch, and writes from outside the tracker are
caught and rebuilt."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke, split_synthetic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.score_views import END_OF_TIME, EVERY_CLAIM, with_clause
from tracker.services.scores import TABLES
from tracker.synthetic import generate

# Every status a claim can have (score_views, claim_scores).
STATUSES = ("scored", "open", "pending", "partial", "void", "hindsight", "unscorable",
            "directional", "opinion", "numeric")  # fmt: skip


def _rows(conn: sqlite3.Connection, sql: str, params: dict | None = None) -> list[tuple]:
    return sorted(conn.execute(sql, params or {}).fetchall(), key=lambda r: tuple(map(str, r)))


def _close(a: list[tuple], b: list[tuple]) -> bool:
    """Same rows; floats equal to 1e-9 relative (kept sums may differ in the last bits)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                if u is None or v is None or not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif u != v:
                return False
    return True


def assert_totals_current(db: Path) -> None:
    """The kept tables (and the views reading them) equal a from-scratch computation."""
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT stale FROM score_state").fetchone() == (0,)
    fresh = with_clause("sqlite", EVERY_CLAIM)
    params = {"as_of": END_OF_TIME.strip("'"), "today": "2026-01-01"}
    for name in (*TABLES, "score_groups", "calibration", "murphy"):
        kept = _rows(conn, f"SELECT * FROM {name}")
        computed = _rows(conn, f"{fresh}\nSELECT * FROM {name}", params)
        assert _close(kept, computed), name
    conn.close()


def test_seed_import_keeps_totals_current(seeded: Path) -> None:
    assert_totals_current(seeded)
    conn = sqlite3.connect(seeded)
    overall = conn.execute(
        "SELECT claims, scored FROM score_totals WHERE scale = 'recorded' AND dimension = 'overall'"
    ).fetchone()
    assert overall == (22, 4)  # the seeds: 22 claims, 4 scored
    conn.close()


# Writes that change scores: (command line, whether it may be refused).
QUESTIONS = ["trump-kim-meet-during-korea-visit", "trump-kim-meet-within-months",
             "us-nk-talks-resume", "wpk-congress-in-january-2026"]  # fmt: skip
WRITES = st.one_of(
    st.tuples(st.just("add-outcome"), st.sampled_from(QUESTIONS),
              st.sampled_from(["yes", "no", "partial", "ambiguous", "unresolvable"]),
              st.sampled_from(["2025-06-01", "2025-11-15", "2026-03-01"])),
    st.tuples(st.just("add-claim"), st.sampled_from(QUESTIONS),
              st.sampled_from(["0.2", "0.5", "0.9"]), st.integers(0, 3)),
    st.tuples(st.just("retag"), st.sampled_from(QUESTIONS),
              st.sampled_from(["north-korea", "new-tag", "other"]),
              st.sampled_from(["2025-12-31", "2027-06-30"])),
    st.tuples(st.just("rename"), st.sampled_from(["Kim Tae-hyung", "Ban Kil-joo"]),
              st.sampled_from(["A. Renamed", "B. Renamed"]), st.just(0)),
)  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(writes=st.lists(WRITES, min_size=1, max_size=6))
def test_any_sequence_of_writes_keeps_totals_equal_to_a_fresh_computation(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: Path, writes: list[tuple]
) -> None:
    import shutil

    from click.testing import CliRunner

    from tracker.cli import cli

    db = tmp_path_factory.mktemp("writes") / "t.db"
    shutil.copyfile(seeded_template, db)  # the seeds, imported once per test process
    run = CliRunner().invoke
    for n, (kind, target, value, extra) in enumerate(writes):
        if kind == "add-outcome":
            args = ["add-outcome", target, value, "--on", extra,
                    "--evidence", f"https://example.org/{n}"]  # fmt: skip
        elif kind == "add-claim":
            args = ["add-claim", "--speaker", ["Kim Tae-hyung", "Ban Kil-joo", "Koh Yu-hwan",
                                               "Many experts"][extra],
                    "--source", "trump-kim-north-korea-holds-the-cards",
                    "--made-on", "2025-10-01", "--quote", "North Korea", "--question", target,
                    "--probability", value]  # fmt: skip
        elif kind == "retag":
            args = ["add-question", "--slug", target, "--title", f"Retitled {n}",
                    "--criteria", "As before", "--resolve-by", extra, "--tag", value]  # fmt: skip
        else:
            args = ["add-person", value, "--alias", target]
        result = run(cli, ["--db", str(db), *args])
        assert result.exit_code in (0, 1, 2), result.output
    assert_totals_current(db)


def test_bulk_import_leaves_totals_current(
    tmp_path: Path, invoke: Invoke, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty database a bulk import rebuilds the totals once at its end;
    into one holding more claims than it adds, it keeps them current batch by
    batch (no rebuild); either way they end equal to a fresh computation."""
    from tracker.services import bulk, scores

    rebuilds = []
    real_rebuild = scores.rebuild
    monkeypatch.setattr(scores, "rebuild", lambda db: rebuilds.append(1) or real_rebuild(db))
    monkeypatch.setattr(bulk, "BATCH_SIZE", 300)  # several batches of each section
    generate(tmp_path, 1500, seed=3)
    first_claims, rest_claims, few_outcomes = split_synthetic(tmp_path, 1400, 8)

    sections = ("sources", "people", "questions")
    invoke("import", *(str(tmp_path / f"{s}.jsonl") for s in sections), first_claims)
    assert_totals_current(db_path)
    assert len(rebuilds) == 1  # an empty database: one rebuild at the end

    invoke("import", rest_claims, few_outcomes)
    assert_totals_current(db_path)
    assert len(rebuilds) == 1  # 100 claims and 8 outcomes on 1,400: kept current batch by batch

    invoke("import", str(tmp_path / "outcomes.jsonl"))  # the rest: past the budget, a rebuild
    assert_totals_current(db_path)
    assert len(rebuilds) == 2
    invoke("import", str(tmp_path / "outcomes.jsonl"))  # again: nothing changes
    assert_totals_current(db_path)
    # The set holds claims of every status, so the set-wise totals are
    # checked against the templates on each of them.
    conn = sqlite3.connect(db_path)
    statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM claim_scores")}
    conn.close()
    assert statuses == set(STATUSES)


def test_writes_from_outside_mark_totals_stale_and_the_report_rebuilds(
    seeded: Path, invoke: Invoke
) -> None:
    conn = sqlite3.connect(seeded)
    with conn:
        conn.execute(  # a correction written in raw SQL: the meeting did happen after all
            "INSERT INTO outcomes (question_id, result, occurred_on, evidence_url, supersedes_id, "
            "recorded_at, recorded_by) SELECT o.question_id, 'yes', '2025-10-29', "
            "'https://example.org/raw', o.id, '2026-01-01T00:00:00Z', 'sqlite3' "
            "FROM outcomes AS o JOIN questions AS q ON q.id = o.question_id "
            "WHERE q.slug = 'trump-kim-meet-during-korea-visit'"
        )
    assert conn.execute("SELECT stale FROM score_state").fetchone() == (1,)
    conn.close()
    result = invoke("report", "--format", "json")
    assert "rebuilding the score totals" in result.stderr
    assert_totals_current(seeded)
    report = json.loads(result.stdout)
    experts = next(g for g in report["scoreboard"] if g["label"] == "Many experts (unnamed)")
    assert experts["mean_brier"] == pytest.approx(0.75**2)  # "probably not" (25%), YES happened


def test_report_from_kept_totals_equals_report_computed_afresh(seeded: Path) -> None:
    from tracker.db import get_engine, session_scope
    from tracker.reads import SessionReader, sqlite_reader
    from tracker.services.report import ReportOptions, build_report

    url = f"sqlite:///{seeded}"
    with sqlite_reader(url) as quick:  # as tracker report reads it
        assert quick is not None
        kept = build_report(quick, ReportOptions())
    with session_scope(get_engine(url)) as session:
        # A filter that keeps every claim forces the computation from scratch.
        fresh = build_report(SessionReader(session), ReportOptions(since=dt.date(1900, 1, 1)))

    def rounded(rows: list[dict]) -> list[tuple]:
        return [
            tuple(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in r.items()))
            for r in rows
        ]

    for key in ("scoreboard", "groups", "calibration", "sensitivity"):
        assert rounded(kept[key]) == rounded(fresh[key]), key
    assert kept["overview"]["claims"] == fresh["overview"]["claims"] == 22
