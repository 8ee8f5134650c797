"""Two timelines, on a history typed in months after it happened.

The forecasts below were made on 5 January; nobody entered them until May.
`report --as-of DATE` is the world as it stood on DATE (claims made and
outcomes that had happened by then, as recorded today); `report
--as-recorded MOMENT` is what this database said at MOMENT. Every figure is
worked out by hand in the comments, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from conftest import Invoke, pg_database

TEXT = (
    "Ann Analyst put the odds of a rate cut by March at 80 percent. Bob Pundit gave it "
    "30 percent. Ann also said a summit by June was 60 percent likely.\n"
)
EVIDENCE = "https://example.org/evidence"


@pytest.fixture(params=["sqlite", "postgresql"])
def history(
    request: pytest.FixtureRequest, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Invoke]:
    """Claims typed in on 1 May, outcomes on 2 May, a correction on 10 May and
    an edit of a scored claim on 20 May, all about forecasts of 5 January."""
    if request.param == "postgresql":
        context = pg_database()
        monkeypatch.setenv("TRACKER_DB", context.__enter__())
        request.addfinalizer(lambda: context.__exit__(None, None, None))
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")

    def on(moment: str, *args: str) -> None:
        with time_machine.travel(moment, tick=False):
            invoke(*args)

    on(
        "2026-05-01T09:00:00Z",
        "add-source",
        "--title",
        "Odds",
        "--slug",
        "odds",
        "--published-on",
        "2026-01-05",
        "--text-file",
        str(article),
    )
    on("2026-05-01T09:00:00Z", "add-person", "Ann Analyst")
    on("2026-05-01T09:00:00Z", "add-person", "Bob Pundit")
    on(
        "2026-05-01T09:00:00Z",
        "add-question",
        "--slug",
        "rate-cut",
        "--title",
        "A rate cut",
        "--criteria",
        "The bank cuts by 31 March",
        "--resolve-by",
        "2026-03-31",
        "--tag",
        "rates",
    )
    on(
        "2026-05-01T09:00:00Z",
        "add-question",
        "--slug",
        "summit",
        "--title",
        "A summit",
        "--criteria",
        "A summit by 30 June",
        "--resolve-by",
        "2026-06-30",
    )
    for speaker, question, quote, p in [
        ("Ann Analyst", "rate-cut", "odds of a rate cut by March at 80 percent", "0.8"),  # 1
        ("Bob Pundit", "rate-cut", "gave it 30 percent", "0.3"),  # 2
        ("Ann Analyst", "summit", "a summit by June was 60 percent likely", "0.6"),  # 3
    ]:
        on(
            "2026-05-01T09:00:00Z",
            "add-claim",
            "--speaker",
            speaker,
            "--source",
            "odds",
            "--made-on",
            "2026-01-05",
            "--question",
            question,
            "--quote",
            quote,
            "--probability",
            p,
        )
    on(
        "2026-05-02T09:00:00Z",
        "add-outcome",
        "rate-cut",
        "yes",
        "--on",
        "2026-02-15",
        "--evidence",
        EVIDENCE,
    )
    on(
        "2026-05-02T09:00:00Z",
        "add-outcome",
        "summit",
        "no",
        "--on",
        "2026-04-20",
        "--evidence",
        EVIDENCE,
    )
    # The summit did happen, on 25 April: a correction.
    on(
        "2026-05-10T09:00:00Z",
        "add-outcome",
        "summit",
        "yes",
        "--on",
        "2026-04-25",
        "--evidence",
        EVIDENCE,
        "--note",
        "the 20 April report was wrong",
    )
    # Bob's 30% is edited to 90% after the outcome was known.
    on("2026-05-20T09:00:00Z", "edit", "claim", "2", "--probability", "0.9",
       "--reason", "misread the article")  # fmt: skip
    # The rate-cut question is re-tagged on 25 May.
    on("2026-05-25T09:00:00Z", "edit", "question", "rate-cut", "--add-tag", "monetary",
       "--remove-tag", "rates", "--reason", "one tag for central banks")  # fmt: skip
    return invoke


def scores(invoke: Invoke, *args: str) -> dict:
    with time_machine.travel("2026-11-29T12:00:00Z", tick=False):
        report = json.loads(invoke("report", "--format", "json", *args).output)
    board = {g["label"]: g for g in report["scoreboard"]}
    nothing = {"scored": 0, "mean_brier": None}  # no claim at all: no overall group
    overall = next((g for g in report["groups"] if g["dimension"] == "overall"), nothing)
    return {"report": report, "board": board, "overall": overall}


def test_today(history: Invoke) -> None:
    # Claim 1: (0.8 - 1)^2 = 0.04; claim 2 (now 0.9): 0.01; claim 3, summit YES: 0.16.
    s = scores(history)
    assert s["overall"]["scored"] == 3
    assert s["overall"]["mean_brier"] == pytest.approx((0.04 + 0.01 + 0.16) / 3)
    assert s["board"]["Bob Pundit"]["mean_brier"] == pytest.approx(0.01)
    assert s["board"]["Bob Pundit"]["edited_after_outcome"] == 1
    assert s["board"]["Ann Analyst"]["edited_after_outcome"] == 0


@pytest.mark.parametrize(
    ("date", "scored", "mean", "resolved", "open_"),
    [
        # Only the rate cut had happened (15 Feb): claims 1 and 2, (0.04 + 0.01) / 2.
        ("2026-03-01", 2, 0.025, 1, 1),
        # The summit's outcome as recorded today happened on 25 April, not the
        # 20th of the superseded record: on 22 April it had not happened yet.
        ("2026-04-22", 2, 0.025, 1, 1),
        # By 30 April both had: (0.04 + 0.01 + 0.16) / 3.
        ("2026-04-30", 3, 0.07, 2, 0),
    ],
)
def test_the_world_as_of_a_date(
    history: Invoke, date: str, scored: int, mean: float, resolved: int, open_: int
) -> None:
    s = scores(history, "--as-of", date)
    assert s["overall"]["scored"] == scored
    assert s["overall"]["mean_brier"] == pytest.approx(mean)
    overview = s["report"]["overview"]
    assert (overview["resolved"], overview["open"], overview["overdue"]) == (resolved, open_, 0)
    assert overview["world_as_of"] == date


def test_the_database_as_recorded_at_a_moment(history: Invoke) -> None:
    # Before anything was typed in: nothing.
    before = scores(history, "--as-recorded", "2026-04-30")
    assert before["report"]["overview"]["claims"] == 0
    assert before["overall"]["scored"] == 0

    # 5 May: outcomes recorded (summit NO), Bob still at 30%:
    # claim 1 0.04, claim 2 (0.3 - 1)^2 = 0.49, claim 3 (0.6 - 0)^2 = 0.36.
    may5 = scores(history, "--as-recorded", "2026-05-05T00:00:00Z")
    assert may5["overall"]["scored"] == 3
    assert may5["overall"]["mean_brier"] == pytest.approx((0.04 + 0.49 + 0.36) / 3)
    assert may5["board"]["Ann Analyst"]["mean_brier"] == pytest.approx((0.04 + 0.36) / 2)
    assert may5["board"]["Bob Pundit"]["mean_brier"] == pytest.approx(0.49)

    # 15 May: the correction (summit YES) is in, the edit is not: 0.04, 0.49, 0.16.
    may15 = scores(history, "--as-recorded", "2026-05-15T00:00:00Z")
    assert may15["overall"]["mean_brier"] == pytest.approx((0.04 + 0.49 + 0.16) / 3)
    assert may15["board"]["Bob Pundit"]["mean_brier"] == pytest.approx(0.49)
    assert may15["board"]["Bob Pundit"]["edited_after_outcome"] == 0
    assert may15["report"]["late_edits"] == []
    assert may15["report"]["overview"]["as_recorded"] == "2026-05-15T00:00:00Z"

    # Both timelines at once: the world on 1 March as recorded on 15 May:
    # only the rate cut had happened; Bob still at 30%: (0.04 + 0.49) / 2.
    both = scores(history, "--as-of", "2026-03-01", "--as-recorded", "2026-05-15T00:00:00Z")
    assert both["overall"]["mean_brier"] == pytest.approx((0.04 + 0.49) / 2)


def test_the_report_says_which_timeline_it_shows(history: Invoke) -> None:
    with time_machine.travel("2026-11-29T12:00:00Z", tick=False):
        world = history("report", "--as-of", "2026-03-01").output
        recorded = history("report", "--as-recorded", "2026-05-15").output
        bad = history("report", "--as-recorded", "15 May", ok=False).output
    assert "The world as of 2026-03-01: claims made and outcomes that had happened" in world
    assert "As recorded at 2026-05-15T23:59:59Z: what this database said then" in recorded
    assert bad.strip().startswith("Error: --as-recorded: expected a date or a date and time")


def test_tags_as_recorded(history: Invoke) -> None:
    def tags(*args: str) -> dict[str, int]:
        groups = scores(history, *args)["report"]["groups"]
        return {g["label"]: g["scored"] for g in groups if g["dimension"] == "tag"}

    # Claims 1 and 2 are about the rate cut, tagged "rates" until 25 May.
    assert tags("--as-recorded", "2026-05-15T00:00:00Z") == {"rates": 2}
    assert tags() == {"monetary": 2}
    only = scores(history, "--as-recorded", "2026-05-15T00:00:00Z", "--tag", "rates")
    assert only["overall"]["scored"] == 2
