"""Corrections with history: edits and retractions write revision rows, `show`
prints them, the database refuses to rewrite them, and an edit made after a
question resolved is flagged beside the speaker's scores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke
from test_honest_record import iterdump, refused
from test_scores import assert_totals_current

# Seed claims: 8 is Kim Tae-hyung's "difficult to imagine" (analogy, 0.125) on
# a question resolved NO; 2 is an overdue one.
RESOLVED, OPEN = "8", "2"


def revisions(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT record_type, record_id, field, old_value, new_value, reason, revised_by "
            "FROM revisions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_an_edit_writes_a_revision_per_field_and_show_prints_them(
    seeded: Path, invoke: Invoke
) -> None:
    out = invoke("edit", "claim", OPEN, "--wording", "expects", "--role", "analysts",
                 "--reason", "wording cut short", "--json")  # fmt: skip
    changes = json.loads(out.output)
    assert [c["field"] for c in changes] == ["role", "wording"]
    assert revisions(seeded) == [
        ("claim", 2, "role", None, "analysts", "wording cut short", "tester"),
        ("claim", 2, "wording", "expect", "expects", "wording cut short", "tester"),
    ]
    shown = invoke("show", OPEN).output
    assert "History of corrections:" in shown
    assert 'wording "expect" → "expects"' in shown and "reason: wording cut short" in shown
    data = json.loads(invoke("show", OPEN, "--json").output)[0]
    assert [r["field"] for r in data["revisions"]] == ["role", "wording"]
    assert_totals_current(seeded)


def test_an_edit_that_changes_nothing_records_nothing(seeded: Path, invoke: Invoke) -> None:
    before = iterdump(seeded)
    result = invoke("edit", "claim", OPEN, "--wording", "expect", "--reason", "no change")
    assert "nothing to change" in result.stderr
    assert iterdump(seeded) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["edit", "claim", OPEN, "--quote", "never said", "--reason", "x"], ("quote:",)),
        (["edit", "claim", OPEN, "--wording", "x"], ("--reason",)),
        (["edit", "claim", OPEN, "--wording", "x", "--reason", "  "], ("--reason",)),
        (["edit", "claim", "999", "--wording", "x", "--reason", "x"], ("no claim 999",)),
        (["edit", "claim", OPEN, "--probability", "2", "--reason", "x"], ("probability",)),
        (["edit", "question", "nope", "--title", "x", "--reason", "x"], ("no question",)),
        (
            [
                "edit",
                "question",
                "trump-kim-meet-within-months",
                "--remove-tag",
                "zzz",
                "--reason",
                "x",
            ],
            ("no tag zzz",),
        ),
        (
            ["edit", "person", "Ban", "--name", "Kim Taewoo", "--reason", "x"],
            ("already belongs to Kim Taewoo",),
        ),
        (
            ["edit", "person", "Ban", "--remove-alias", "Ban Kil-joo", "--reason", "x"],
            ("the speaker's name",),
        ),
        (
            ["edit", "source", "trump-kim-holds-the-cards", "--url", "not a url", "--reason", "x"],
            ("url",),
        ),
    ],
)
def test_a_bad_edit_is_refused_and_writes_nothing(
    seeded: Path, invoke: Invoke, args: list[str], words: tuple[str, ...]
) -> None:
    refused(invoke, seeded, args, *words)


def test_edit_question_person_and_source_keep_history(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    invoke("edit", "question", "trump-kim-meet-within-months", "--resolve-by", "2026-12-31",
           "--add-tag", "summits", "--reason", "the article says within the year")  # fmt: skip
    invoke("edit", "person", "Ban", "--name", "Ban Kil-joo (former minister)",
           "--add-alias", "B. Kil-joo", "--reason", "role in the name")  # fmt: skip
    rows = revisions(seeded)
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("question", "resolve_by", "2026-04-30", "2026-12-31"),
        ("question", "tags", '["north-korea", "trump-kim"]',
         '["north-korea", "summits", "trump-kim"]'),
        ("person", "name", "Ban Kil-joo", "Ban Kil-joo (former minister)"),
        ("person", "alias", None, "B. Kil-joo"),
    ]  # fmt: skip
    # The old name still finds the speaker.
    listed = json.loads(invoke("list", "--speaker", "Ban Kil-joo", "--json").output)
    assert {r["speaker"] for r in listed} == {"Ban Kil-joo (former minister)"}
    assert_totals_current(seeded)

    slug = "trump-kim-holds-the-cards"
    text = json.loads(invoke("show", RESOLVED, "--json").output)[0]
    assert text["source"]["slug"] == slug
    cut = tmp_path / "cut.txt"
    cut.write_text("Only a headline.", encoding="utf-8")
    refused(invoke, seeded, ["edit", "source", slug, "--text-file", str(cut), "--reason", "x"],
            "would no longer be found", "correct those claims first")  # fmt: skip
    conn = sqlite3.connect(seeded)
    (old_text, old_hash) = conn.execute(
        "SELECT text, content_hash FROM sources WHERE slug = ?", (slug,)
    ).fetchone()
    fuller = tmp_path / "fuller.txt"
    fuller.write_text(old_text + "\nA correction was appended on 25 October.\n", "utf-8")
    invoke("edit", "source", slug, "--text-file", str(fuller), "--reason", "outlet's correction")
    kept = conn.execute(
        "SELECT field, old_value FROM revisions WHERE record_type = 'source' ORDER BY id"
    ).fetchall()
    assert kept == [("text", old_text), ("content_hash", old_hash)]


def test_a_retracted_claim_stays_is_not_scored_and_cannot_change(
    seeded: Path, invoke: Invoke
) -> None:
    before = json.loads(invoke("report", "--format", "json").output)
    scored = {g["label"]: g["scored"] for g in before["scoreboard"]}
    invoke("retract", "claim", RESOLVED, "--reason", "misattributed")
    after = json.loads(invoke("report", "--format", "json").output)
    assert {g["label"]: g["scored"] for g in after["scoreboard"]}.get("Kim Tae-hyung", 0) == (
        scored["Kim Tae-hyung"] - 1
    )
    assert [r["claim_id"] for r in after["retracted"]] == [int(RESOLVED)]
    assert after["overview"]["claims"] == before["overview"]["claims"] - 1
    listed = {r["id"] for r in json.loads(invoke("list", "--json").output)}
    assert int(RESOLVED) not in listed
    assert "RETRACTED" in invoke("show", RESOLVED).output
    assert_totals_current(seeded)
    refused(invoke, seeded, ["edit", "claim", RESOLVED, "--wording", "x", "--reason", "x"],
            "was retracted (misattributed)")  # fmt: skip
    refused(invoke, seeded, ["retract", "claim", RESOLVED, "--reason", "again"], "was retracted")
    conn = sqlite3.connect(seeded)
    with pytest.raises(sqlite3.IntegrityError, match="retracted claim cannot be changed"):
        conn.execute("UPDATE claims SET probability = 0.9 WHERE id = ?", (int(RESOLVED),))
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == before["overview"]["claims"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE revisions SET reason = 'rewritten'",
        "DELETE FROM revisions",
        "INSERT OR REPLACE INTO revisions (id, record_type, record_id, field, old_value, "
        "new_value, reason, revised_by, revised_at) VALUES (1, 'claim', 2, 'wording', 'a', 'b', "
        "'r', 'x', '2026-01-01T00:00:00Z')",
        "REPLACE INTO revisions (id, record_type, record_id, field, reason, revised_by, "
        "revised_at) VALUES (1, 'claim', 2, 'wording', 'r', 'x', '2026-01-01T00:00:00Z')",
    ],
)
def test_the_database_refuses_to_rewrite_the_history(
    seeded: Path, invoke: Invoke, sql: str
) -> None:
    invoke("edit", "claim", OPEN, "--wording", "expects", "--reason", "wording cut short")
    before = iterdump(seeded)
    conn = sqlite3.connect(seeded)
    with pytest.raises(sqlite3.IntegrityError, match="revisions are append-only"):
        conn.execute(sql)
    conn.commit()
    conn.close()
    assert iterdump(seeded) == before


def test_an_edit_after_the_outcome_is_flagged_beside_the_scores(
    seeded: Path, invoke: Invoke
) -> None:
    invoke("edit", "claim", OPEN, "--wording", "expects", "--reason", "open: not flagged")
    invoke("edit", "claim", RESOLVED, "--probability", "0.05", "--reason", "the speaker said 5%")
    report = json.loads(invoke("report", "--format", "json").output)
    flagged = {g["label"]: g["edited_after_outcome"] for g in report["scoreboard"]}
    assert flagged["Kim Tae-hyung"] == 1
    assert flagged["Many experts (unnamed)"] == 0
    edits = report["late_edits"]
    assert {e["claim_id"] for e in edits} == {int(RESOLVED)}
    assert {e["field"] for e in edits} == {"probability", "term", "basis"}
    text = invoke("report", "--format", "markdown").output
    assert "## Edited after the outcome" in text and "1 edited after the outcome" in text


def test_corrections_found_in_review(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    slug = "trump-kim-holds-the-cards"  # published 2025-10-24, where the claims were made
    refused(invoke, seeded, ["edit", "source", slug, "--published-on", "2025-10-01",
                             "--reason", "x"], "were made after 2025-10-01")  # fmt: skip
    refused(invoke, seeded, ["edit", "claim", OPEN, "--wording", "x", "--reason", "a\x1b[31m"],
            "--reason: contains a control character")  # fmt: skip
    # A spelling added to a recorded speaker is kept in their history.
    invoke("add-person", "Ban Kil-joo", "--alias", "B. K. Ban")
    assert revisions(seeded)[-1][:5] == ("person", 2, "alias", None, "B. K. Ban")
    # Moving a scored claim to another speaker after the outcome is flagged.
    invoke("edit", "claim", RESOLVED, "--speaker", "Ban Kil-joo", "--reason", "misattributed")
    report = json.loads(invoke("report", "--json").output)
    assert {e["field"] for e in report["late_edits"]} == {"speaker"}
    # A retracted claim is kept as it was: no command can correct it, and its
    # quote no longer holds the source's text back.
    invoke("retract", "claim", RESOLVED, "--reason", "the outlet withdrew the quote")
    message = refused(invoke, seeded, ["edit", "claim", RESOLVED, "--role", "x", "--reason", "x"],
                      "was retracted (the outlet withdrew the quote)")  # fmt: skip
    assert "tracker edit" not in message
    conn = sqlite3.connect(seeded)
    text = conn.execute("SELECT text FROM sources WHERE slug = ?", (slug,)).fetchone()[0]
    quote = conn.execute("SELECT quote FROM claims WHERE id = ?", (int(RESOLVED),)).fetchone()[0]
    conn.close()
    corrected = tmp_path / "corrected.txt"
    corrected.write_text(text.replace(quote, "[quote withdrawn]"), encoding="utf-8")
    invoke("edit", "source", slug, "--text-file", str(corrected), "--reason", "withdrawn quote")


def test_a_correction_in_a_file_that_unscores_claims_needs_yes(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    # The meeting question resolved NO on 2025-10-29; its claims of 24 October are
    # scored. A file that re-dates it to 20 October would make them hindsight.
    seed = tmp_path / "redate.yaml"
    recorded = json.loads(invoke("show", "trump-kim-meet-during-korea-visit", "--json").output)
    first = recorded[0]["outcomes"][0]
    seed.write_text(
        "outcomes:\n"
        f"  - {{question: trump-kim-meet-during-korea-visit, result: 'no', "
        f"occurred_on: {first['occurred_on']}, evidence_url: '{first['evidence_url']}', "
        f"note: {json.dumps(first['note'])}}}\n"
        "  - {question: trump-kim-meet-during-korea-visit, result: 'no', "
        "occurred_on: 2025-10-20, evidence_url: 'https://example.org/e'}\n",
        encoding="utf-8",
    )
    refused(invoke, seeded, ["import", str(seed)], "occurred_on: 2025-10-20", "hindsight",
            "--yes")  # fmt: skip
    bulk = tmp_path / "redate.outcomes.jsonl"
    bulk.write_text(
        json.dumps({k: first[k] for k in ("occurred_on", "evidence_url", "note")}
                   | {"question": "trump-kim-meet-during-korea-visit", "result": "no"}) + "\n"
        + json.dumps({"question": "trump-kim-meet-during-korea-visit", "result": "no",
                      "occurred_on": "2025-10-20", "evidence_url": "https://example.org/e"})
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    refused(invoke, seeded, ["import", str(bulk)], "redate.outcomes.jsonl:2", "hindsight")
    invoke("import", str(seed), "--yes")
    shown = invoke("add-outcome", "trump-kim-meet-during-korea-visit", "no", "--on",
                   "2025-10-20", "--evidence", "https://example.org/e")  # fmt: skip
    assert "already has this outcome" in shown.stderr
