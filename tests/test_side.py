"""A claim about the opposite of its question (`--side no`): "the Chiefs will win",
80%, on the question "the Eagles win" is scored by whether its own side happened,
shown as said, and a change of side after the outcome is a late edit."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke

QUESTION = "trump-kim-meet-during-korea-visit"  # resolved NO in the seeds
QUOTE = "it seems difficult to imagine Kim Jong Un coming for talks"


def _score(db: Path, claim_id: int) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT status, outcome_value, brier, log_loss, hit FROM claim_scores "
            "WHERE claim_id = ? AND scale = 'recorded'",
            (claim_id,),
        ).fetchone()
    finally:
        conn.close()


@pytest.fixture
def against(seeded: Path, invoke: Invoke) -> int:
    """A claim at 80% that the meeting does NOT happen, on the meeting question."""
    result = invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source",
                    "trump-kim-holds-the-cards", "--quote", QUOTE, "--question", QUESTION,
                    "--probability", "0.8", "--side", "no", "--json")  # fmt: skip
    return int(result.output.split('"id": ')[1].split(",")[0])


def test_a_claim_on_the_no_side_is_scored_by_its_own_side(
    seeded: Path, invoke: Invoke, against: int
) -> None:
    status, happened, brier, log_loss, hit = _score(seeded, against)
    assert (status, happened, hit) == ("scored", 1, 1)  # no meeting: its side happened
    assert brier == pytest.approx((0.8 - 1) ** 2)
    assert log_loss == pytest.approx(-math.log(0.8))
    shown = invoke("show", str(against)).output
    assert "Probability of NO" in shown and "0.8" in shown
    invoke("verify")  # kept totals equal a fresh computation; the ledger holds


def test_a_change_of_side_after_the_outcome_is_a_late_edit(
    seeded: Path, invoke: Invoke, against: int
) -> None:
    invoke("edit", "claim", str(against), "--side", "yes", "--reason", "read the wrong way round")
    status, happened, brier, _, hit = _score(seeded, against)
    assert (status, happened, hit) == ("scored", 0, 0)
    assert brier == pytest.approx(0.8**2)
    conn = sqlite3.connect(seeded)
    try:
        late = conn.execute(
            "SELECT field FROM late_edits WHERE claim_id = ?", (against,)
        ).fetchall()
    finally:
        conn.close()
    assert late == [("side",)]
    report = invoke("report").output
    assert "Edited after the outcome" in report and "side   no    yes" in report
    invoke("verify")


def test_the_same_claim_on_the_other_side_is_refused(
    seeded: Path, invoke: Invoke, against: int
) -> None:
    err = invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source",
                 "trump-kim-holds-the-cards", "--quote", QUOTE, "--question", QUESTION,
                 "--probability", "0.8", ok=False).stderr  # fmt: skip
    assert "side" in err and "already recorded" in err
