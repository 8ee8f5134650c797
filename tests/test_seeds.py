"""The seed article loaded as real data: quotes, speakers, aliases, outcomes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import ARTICLE, SEEDS, Invoke, dump

from tracker.text import fold


def test_every_quote_is_in_the_stored_article(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    rows = conn.execute(
        "SELECT c.id, c.quote, s.text FROM claims c JOIN sources s ON s.id = c.source_id"
    ).fetchall()
    assert rows
    article = ARTICLE.read_text(encoding="utf-8")
    for claim_id, quote, text in rows:
        assert text == article
        assert quote in text, f"claim {claim_id}: {quote!r}"


def test_seeds_hold_every_forecast(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    speakers = conn.execute("SELECT count(DISTINCT person_id) FROM claims").fetchone()[0]
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM claims")}
    groups = conn.execute("SELECT count(*) FROM people WHERE kind = 'group'").fetchone()[0]
    assert claims >= 12
    assert speakers >= 8
    assert kinds == {"forecast", "conditional", "directional", "opinion"}
    assert groups >= 3


def test_no_speaker_is_duplicated_under_another_spelling(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    names = [r[0] for r in conn.execute("SELECT name FROM people")]
    surnames_and_given = [fold(n).replace(" ", "") for n in names]
    assert len(set(surnames_and_given)) == len(names)
    # Every spelling the article uses for one person resolves to that person.
    for spellings in (
        ["Ban Kil-joo", "Pan Kil-ju", "Ban"],
        ["Kim Taewoo", "Kim Teo", "Kim Tewo"],
        ["Chung Dong-young", "Chung Dong-yong"],
    ):
        ids = {
            conn.execute(
                "SELECT person_id FROM person_aliases WHERE alias_key = ?",
                (" ".join(fold(s).split()),),
            ).fetchone()[0]
            for s in spellings
        }
        assert len(ids) == 1, spellings


def test_list_by_any_alias_finds_the_same_claims(seeded: Path, invoke: Invoke) -> None:
    results = [
        json.loads(invoke("list", "--speaker", alias, "--json").output)
        for alias in ("Pan Kil-ju", "ban", "BAN KIL JOO")
    ]
    assert results[0] and results[0] == results[1] == results[2]
    assert {r["speaker"] for r in results[0]} == {"Ban Kil-joo"}


def test_importing_twice_changes_nothing(seeded: Path, invoke: Invoke) -> None:
    before = dump(seeded)
    out = json.loads(invoke("import", str(SEEDS), "--json").output)
    assert all(row["created"] == 0 and row["updated"] == 0 for row in out)
    assert dump(seeded) == before


def test_known_outcomes_are_loaded(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    results = dict(
        conn.execute(
            "SELECT q.slug, co.result FROM current_outcomes co "
            "JOIN questions q ON q.id = co.question_id"
        ).fetchall()
    )
    assert results == {
        "trump-kim-meet-during-korea-visit": "no",
        "trump-kim-meet-at-panmunjom-2025": "no",
        "apec-meeting-produces-results": "annulled",
        "wpk-congress-in-january-2026": "no",
        "kim-decides-on-diplomacy-at-congress": "partial",
        "us-nk-diplomacy-resumes-quickly": "no",
        "trump-kim-meet-within-months": "unresolvable",
    }
