"""Entry without the busywork: a claim's question recorded with it, its date taken
from its source, and one outcome command for several questions settled at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import Invoke

SOURCE = "trump-kim-holds-the-cards"
QUOTE = "it seems difficult to imagine Kim Jong Un coming for talks"
NEW = ("--new-question", "Kim Jong Un comes to talks with Trump by mid-2026",
       "--criteria", "YES if Kim and Trump hold talks by 30 June 2026.",
       "--resolve-by", "2026-06-30")  # fmt: skip


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_claim_brings_its_question_and_its_sources_date(seeded: Path, invoke: Invoke) -> None:
    result = invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source", SOURCE, "--quote", QUOTE,
                    "--wording", "difficult to imagine", *NEW)  # fmt: skip
    assert "question kim-jong-un-comes-to-talks-with-trump-by-mid-2026: created" in result.stderr
    assert "the source's published date" in result.stderr
    rows = _rows(seeded, "SELECT c.made_on, q.slug, q.resolve_by FROM claims AS c JOIN questions "
                         "AS q ON q.id = c.question_id ORDER BY c.id DESC LIMIT 1")  # fmt: skip
    assert rows == [("2025-10-24", "kim-jong-un-comes-to-talks-with-trump-by-mid-2026",
                     "2026-06-30")]  # fmt: skip


def test_a_refused_claim_leaves_no_question(seeded: Path, invoke: Invoke) -> None:
    err = invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source", SOURCE, "--quote",
                 "words that are not in the article at all", *NEW, ok=False).stderr  # fmt: skip
    assert "quote" in err
    assert _rows(seeded, "SELECT count(*) FROM questions WHERE slug LIKE 'kim-jong-un-comes%'") == [
        (0,)
    ]


def test_question_options_make_sense_together(seeded: Path, invoke: Invoke) -> None:
    base = ("add-claim", "--speaker", "Kim Tae-hyung", "--source", SOURCE, "--quote", QUOTE)
    err = invoke(*base, "--question", "us-nk-talks-resume", *NEW, ok=False).stderr
    assert "one question" in err
    err = invoke(*base, "--question", "us-nk-talks-resume", "--criteria", "x", ok=False).stderr
    assert "go with --new-question" in err


def test_no_date_to_default_to_is_one_line(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("Analysts expect a deal within weeks.\n")
    invoke("add-source", "--title", "Undated note", "--slug", "undated", "--text-file", str(text))
    err = invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source", "undated", "--quote",
                 "expect a deal within weeks", "--question", "us-nk-talks-resume",
                 ok=False).stderr  # fmt: skip
    assert "--made-on" in err and "published date" in err


def test_one_outcome_for_several_questions(seeded: Path, invoke: Invoke) -> None:
    before = _rows(seeded, "SELECT count(*) FROM outcomes")[0][0]
    args = ("--on", "2026-11-01", "--evidence", "https://example.org/x")
    err = invoke("add-outcome", "us-nk-talks-resume", "no-such-question", "no", *args,
                 ok=False).stderr  # fmt: skip
    assert "no-such-question" in err
    assert _rows(seeded, "SELECT count(*) FROM outcomes")[0][0] == before  # nothing half-written
    assert "named twice" in invoke("add-outcome", "us-nk-talks-resume", "us-nk-talks-resume",
                                   "no", *args, ok=False).stderr  # fmt: skip
    result = invoke("add-outcome", "us-nk-talks-resume", "us-drops-denuclearization-demand", "no",
                    *args, "--json")  # fmt: skip
    assert result.output.count('"question"') == 2
    assert _rows(seeded, "SELECT count(*) FROM outcomes")[0][0] == before + 2
    invoke("verify")
