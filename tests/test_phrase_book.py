"""The phrase book: shipped by a migration, read by `add-claim --wording` (and
seed files) when no term is given, extended with `tracker add-phrase`, and
browsable in Datasette."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, Invoke

DATA = ROOT / "migrations" / "data" / "0012_phrases.yaml"
SOURCE = "trump-kim-holds-the-cards"


def _claim(db: Path, claim_id: int) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT s.slug, t.term, c.mapping_basis, c.mapping_note, c.kind, c.direction "
            "FROM claims AS c LEFT JOIN scale_terms AS t ON t.id = c.scale_term_id "
            "LEFT JOIN scales AS s ON s.id = t.scale_id WHERE c.id = ?",
            (claim_id,),
        ).fetchone()
    finally:
        conn.close()


def _add(invoke: Invoke, quote: str, *options: str, ok: bool = True):
    return invoke("add-claim", "--speaker", "Kim Tae-hyung", "--source", SOURCE, "--made-on",
                  "2025-10-24", "--quote", quote, "--question", "trump-kim-meet-during-korea-visit",
                  "--json", *options, ok=ok)  # fmt: skip


def _id(result) -> int:
    return int(re.search(r'"id": (\d+)', result.output).group(1))


def test_the_shipped_book_is_large_varied_and_documented(seeded: Path) -> None:
    entries = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    conn = sqlite3.connect(seeded)
    try:
        counts = dict(conn.execute("SELECT basis, count(*) FROM phrases GROUP BY basis"))
        groups = {g for (g,) in conn.execute("SELECT DISTINCT phrase_group FROM phrases")}
    finally:
        conn.close()
    assert sum(counts.values()) == len(entries) >= 150
    assert set(counts) == {"standard_scale", "survey_median", "analogy", "unscorable"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{counts['analogy']} of the {len(entries)} phrases rest on analogy" in readme
    for group in groups:
        assert f"| {group} |" in readme, f"README: where the group {group!r} comes from"


@pytest.mark.parametrize(
    ("quote", "wording", "expected"),
    [
        ("it seems difficult to imagine Kim Jong Un coming for talks", "difficult to imagine",
         ("icd203", "very unlikely", "analogy", "forecast", None)),
        ("the prospects for another impromptu meeting are not bright this time",
         "prospects ... are not bright", ("survey", "probably not", "analogy", "forecast", None)),
        ("there are almost no chances for North Korea to abandon its nuclear program",
         "almost no chances", ("icd203", "almost no chance", "standard_scale", "forecast", None)),
        ("a quick resumption of diplomacy remains unlikely", "Remains Unlikely",
         ("icd203", "unlikely", "standard_scale", "forecast", None)),
        ("We should see an increase in the odds of them meeting", "an increase in the odds",
         (None, None, "unscorable", "directional", "increase")),
    ],
    ids=["negated idiom", "negation inside other words", "plural", "case", "directional"],
)  # fmt: skip
def test_a_wording_alone_is_read_through_the_book(
    seeded: Path, invoke: Invoke, quote: str, wording: str, expected: tuple
) -> None:
    result = _add(invoke, quote, "--wording", wording)
    assert "phrase book:" in result.stderr and "read as" in result.stderr
    row = _claim(seeded, _id(result))
    assert (row[0], row[1], row[2], row[4], row[5]) == expected
    assert row[3]  # the book's note is kept with the claim


def test_a_hedge_stays_unscorable(seeded: Path, invoke: Invoke) -> None:
    result = _add(invoke, "it was possible for Trump and Kim to meet at Panmunjom", "--wording",
                  "possible")  # fmt: skip
    assert "unscorable" in result.stderr
    assert _claim(seeded, _id(result))[:3] == (None, None, "unscorable")


def test_what_the_user_gives_wins(seeded: Path, invoke: Invoke) -> None:
    quote = "it seems difficult to imagine Kim Jong Un coming for talks"
    result = _add(invoke, quote, "--wording", "difficult to imagine", "--term", "unlikely",
                  "--basis", "analogy", "--note", "my own reading")  # fmt: skip
    assert "phrase book" not in result.stderr
    assert _claim(seeded, _id(result))[1:4] == ("unlikely", "analogy", "my own reading")


def test_an_unknown_wording_is_left_as_it_was(seeded: Path, invoke: Invoke) -> None:
    result = _add(invoke, "it seems difficult to imagine Kim Jong Un coming for talks",
                  "--wording", "zebra crossing")  # fmt: skip
    assert "phrase book" not in result.stderr
    assert _claim(seeded, _id(result))[2] == "unscorable"


def test_seed_files_read_a_wording_alone_through_the_book(tmp_path: Path, invoke: Invoke) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Analysts say a deal is widely expected before the summit.\n")
    seed = tmp_path / "a.yaml"
    seed.write_text(yaml.safe_dump({
        "sources": [{"slug": "a", "title": "A", "published_on": "2026-01-05",
                     "text_file": "a.txt"}],
        "people": [{"name": "Analysts", "kind": "group"}],
        "questions": [{"slug": "deal", "title": "A deal before the summit",
                       "criteria": "YES if a deal is signed.", "resolve_by": "2026-06-30"}],
        "claims": [{"speaker": "Analysts", "source": "a", "made_on": "2026-01-05",
                    "question": "deal",
                    "quote": "a deal is widely expected before the summit",
                    "wording": "widely expected"}],
    }))  # fmt: skip
    db = tmp_path / "t.db"
    invoke("--db", str(db), "import", str(seed))
    assert _claim(db, 1)[:3] == ("icd203", "likely", "analogy")


def test_add_phrase_never_rewrites_a_reading(seeded: Path, invoke: Invoke) -> None:
    new = ("add-phrase", "on a knife edge", "--term", "roughly even chance", "--basis", "analogy",
           "--note", "Read as an even chance.")  # fmt: skip
    assert "created" in invoke(*new).output
    assert "unchanged" in invoke(*new).output
    err = invoke("add-phrase", "On a Knife-Edge", "--term", "likely", "--basis", "analogy",
                 "--note", "Read as an even chance.", ok=False).stderr  # fmt: skip
    assert "scale_term_id" in err or "likely" in err
    assert "already recorded with other values" in err
    result = _add(invoke, "it seems difficult to imagine Kim Jong Un coming for talks",
                  "--wording", "on a knife edge")  # fmt: skip
    assert _claim(seeded, _id(result))[1] == "roughly even chance"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--basis", "analogy", "--note", "n"], "needs a --term"),
        (["--basis", "unscorable", "--term", "likely", "--note", "n"], "no term"),
        (["--basis", "analogy", "--term", "likely", "--direction", "increase", "--note", "n"],
         "unscorable"),
        (["--basis", "analogy", "--term", "sort of", "--note", "n"], "sort of"),
        (["--basis", "unscorable", "--note", " "], "note"),
    ],
    ids=["no term", "unscorable with a term", "direction with a level", "unknown term",
         "blank note"],
)  # fmt: skip
def test_a_bad_phrase_is_one_line(
    seeded: Path, invoke: Invoke, options: list[str], words: str
) -> None:
    err = invoke("add-phrase", "zz words", *options, ok=False).stderr
    assert words in err


def test_the_book_is_browsable_in_datasette(seeded: Path) -> None:
    pytest.importorskip("datasette")
    import asyncio

    from tracker.site import app

    async def fetch() -> dict:
        response = await app(seeded).client.get(
            f"/{seeded.stem}/phrases.json?_shape=array&basis=analogy&_size=max"
        )
        assert response.status_code == 200
        return response.json()

    rows = asyncio.run(fetch())
    assert any(r["phrase"] == "widely expected" for r in rows)
