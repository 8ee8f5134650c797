"""`tracker export`: bulk files that import back to the same record, and ClaimReview."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import time_machine
from conftest import Invoke

from tracker.synthetic import generate

FIXTURES = Path(__file__).parent / "fixtures"

# Columns an import stamps anew, so they differ by design: when a row was
# created or entered, and who entered a claim or question (the importing user).
# Outcomes keep recorded_at and recorded_by (the import takes them).
DUMP = {
    "sources": "SELECT slug, url, title, publisher, author, published_on, published_on_note, "
    "retrieved_on, text, content_hash FROM sources",
    "people": "SELECT slug, name, kind, description FROM people",
    "aliases": "SELECT p.slug, a.alias, a.alias_key FROM person_aliases a "
    "JOIN people p ON p.id = a.person_id",
    "affiliations": "SELECT p.slug, o.slug, a.role, a.started_on, a.ended_on FROM affiliations a "
    "JOIN people p ON p.id = a.person_id JOIN people o ON o.id = a.organisation_id",
    "questions": "SELECT slug, title, criteria, resolve_by, horizon_text, question_type, unit "
    "FROM questions",
    "tags": "SELECT q.slug, t.name FROM question_tags qt JOIN questions q ON q.id = qt.question_id "
    "JOIN tags t ON t.id = qt.tag_id",
    # Live claims (a retracted one is exported for reading only).
    "claims": "SELECT p.slug, s.slug, c.quote, c.made_on, c.made_on_note, c.role, c.kind, "
    "c.wording, c.probability, c.prob_low, c.prob_high, st.term, c.mapping_basis, "
    "c.mapping_note, q.slug, cq.slug, c.condition_result, c.direction, c.side, c.estimate, "
    "c.estimate_low, c.estimate_high, c.threshold, c.threshold_side FROM claims c "
    "JOIN people p ON p.id = c.person_id JOIN sources s ON s.id = c.source_id "
    "LEFT JOIN questions q ON q.id = c.question_id "
    "LEFT JOIN questions cq ON cq.id = c.condition_question_id "
    "LEFT JOIN scale_terms st ON st.id = c.scale_term_id WHERE c.retracted_at IS NULL",
    "appearances": "SELECT c.quote, s.slug, a.quote, a.appeared_on FROM claim_appearances a "
    "JOIN claims c ON c.id = a.claim_id JOIN sources s ON s.id = a.source_id "
    "WHERE a.retracted_at IS NULL AND c.retracted_at IS NULL",
    "outcomes": "SELECT q.slug, o.result, o.occurred_on, o.evidence_url, s.slug, o.note, "
    "o.recorded_at, o.recorded_by, o.observed_value, "
    "(SELECT count(*) FROM outcomes e WHERE e.question_id = o.question_id AND e.id < o.id) "
    "FROM outcomes o JOIN questions q ON q.id = o.question_id "
    "LEFT JOIN sources s ON s.id = o.evidence_source_id",
    "evidence": "SELECT q.slug, o.recorded_at, e.position, e.url FROM outcome_evidence e "
    "JOIN outcomes o ON o.id = e.outcome_id JOIN questions q ON q.id = o.question_id",
    # The scores follow from the rest: the same record scores the same.
    "scores": "SELECT s.scale, c.quote, p.slug, s.status, s.brier, s.hit FROM claim_scores s "
    "JOIN claims c ON c.id = s.claim_id JOIN people p ON p.id = c.person_id",
}


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table on natural keys, sorted (ids may differ between databases)."""
    conn = sqlite3.connect(path)
    try:
        return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in DUMP.items()}
    finally:
        conn.close()


def _into_empty(invoke: Invoke, tmp_path: Path, *paths: Path, name: str = "copy.db") -> Path:
    target = tmp_path / name
    invoke("--db", str(target), "import", *map(str, paths))
    return target


@pytest.fixture
def enriched(seeded: Path, invoke: Invoke, tmp_path: Path) -> Path:
    """The seeds plus what they lack: an organisation and an affiliation, a
    later appearance, an edit, a retraction and a corrected outcome."""
    invoke("add-person", "Korea Institute", "--kind", "organisation")
    invoke("add-affiliation", "Koh Yu-hwan", "--organisation", "Korea Institute",
           "--role", "head", "--from", "2019-01-01", "--to", "2022-06-30")  # fmt: skip
    invoke("add-source", "--title", "Wire copy", "--slug", "wire-copy",
           "--url", "https://wire.example/1", "--published-on", "2025-10-25")  # fmt: skip
    quote = sqlite3.connect(seeded).execute("SELECT quote FROM claims WHERE id = 1").fetchone()[0]
    invoke("add-appearance", "1", "--source", "wire-copy", "--quote", quote, "--on", "2025-10-25")
    invoke("edit", "claim", "2", "--role", "analyst", "--reason", "role was missing")
    invoke("retract", "claim", "5", "--reason", "entered twice")
    invoke("add-outcome", "wpk-congress-in-january-2026", "yes", "--on", "2026-01-20",
           "--evidence", "https://example.org/a", "--evidence", "https://example.org/b",
           "--yes")  # fmt: skip
    return seeded


def test_seeds_round_trip(enriched: Path, invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("export", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert names == ["affiliations.yaml", "claims.jsonl", "outcomes.jsonl", "people.jsonl",
                     "questions.jsonl", "retracted.ndjson", "revisions.ndjson",
                     "sources.jsonl"]  # fmt: skip
    copy = _into_empty(invoke, tmp_path, out)
    before, after = dump(enriched), dump(copy)
    for table in DUMP:
        assert after[table] == before[table], table
    assert before["affiliations"] and before["appearances"] and before["evidence"]
    # The read-only files: the edit and the retraction, by natural key.
    revisions = [json.loads(line) for line in (out / "revisions.ndjson").open()]
    fields = {(r["record_type"], r["field"]) for r in revisions}
    assert {("claim", "role"), ("claim", "retracted_at")} <= fields
    assert all(isinstance(r["record"], dict) for r in revisions if r["record_type"] == "claim")
    retracted = [json.loads(line) for line in (out / "retracted.ndjson").open()]
    assert [r["retracted_reason"] for r in retracted] == ["entered twice"]
    # Importing the export again changes nothing.
    again = invoke("--db", str(copy), "import", str(out), "--json")
    assert all(row["created"] == 0 for row in json.loads(again.stdout))


def test_synthetic_round_trip(invoke: Invoke, db_path: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, 3000)
    (data / "claims.csv").unlink()  # the same claims as claims.jsonl
    invoke("import", str(data))
    out = tmp_path / "out"
    invoke("export", str(out))
    copy = _into_empty(invoke, tmp_path, out)
    before, after = dump(db_path), dump(copy)
    assert len(before["claims"]) == 3000
    for table in DUMP:
        assert after[table] == before[table], table


def test_claims_as_csv(enriched: Path, invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("export", str(out), "--csv")
    # The one claim with an appearance stays in claims.jsonl.
    assert len((out / "claims.jsonl").read_text().splitlines()) == 1
    assert (out / "claims.csv").read_text().startswith("speaker,source,made_on,quote")
    copy = _into_empty(invoke, tmp_path, out)
    assert dump(copy) == dump(enriched)


def test_since_is_importable_on_top_of_an_earlier_export(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    invoke("export", str(first))
    # Entered two days later: a source, a speaker, a question, a claim and an
    # outcome, plus a correction of an outcome the first export carried.
    later_day = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with time_machine.travel(later_day, tick=False):
        invoke("add-source", "--title", "Later piece", "--slug", "later-piece")
        invoke("add-person", "New Analyst")
        invoke("add-question", "--slug", "new-q", "--title", "A new question",
               "--criteria", "YES if it happens.", "--resolve-by", "2026-01-01")  # fmt: skip
        invoke("add-claim", "--speaker", "New Analyst", "--source", "later-piece",
               "--made-on", "2025-12-01", "--quote", "It will happen", "--question", "new-q",
               "--probability", "0.7")  # fmt: skip
        invoke("add-outcome", "new-q", "yes", "--on", "2026-01-01",
               "--evidence", "https://example.org/new")  # fmt: skip
        invoke("add-outcome", "wpk-congress-in-january-2026", "yes", "--on", "2026-01-20",
               "--evidence", "https://example.org/fix", "--yes")  # fmt: skip
    today = later_day.date().isoformat()
    later = tmp_path / "later"
    invoke("export", str(later), "--since", today)
    rows = {p.name: p.read_text().splitlines() for p in later.glob("*.jsonl")}
    assert [json.loads(r)["slug"] for r in rows["sources.jsonl"]] == ["later-piece"]
    assert [json.loads(r)["name"] for r in rows["people.jsonl"]] == ["New Analyst"]
    assert [json.loads(r)["quote"] for r in rows["claims.jsonl"]] == ["It will happen"]
    # Whole chains of the questions with a new outcome: the earlier link is unchanged.
    outcomes = [json.loads(r)["question"] for r in rows["outcomes.jsonl"]]
    assert sorted(outcomes) == ["new-q", *["wpk-congress-in-january-2026"] * 2]
    copy = _into_empty(invoke, tmp_path, first)
    with time_machine.travel(later_day + dt.timedelta(hours=1), tick=False):
        invoke("--db", str(copy), "import", str(later), "--yes")
    assert dump(copy) == dump(seeded)


def test_bad_folders_are_one_plain_line(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    result = invoke("export", str(a_file), ok=False)
    assert "is a file, not a folder" in result.stderr
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            result = invoke("export", str(locked / "out"), ok=False)
            assert "cannot create the folder" in result.stderr
            result = invoke("export", str(locked), ok=False)
            assert "cannot write" in result.stderr
        finally:
            locked.chmod(0o700)
    invoke("export", ok=False)  # neither a folder nor --claimreview
    invoke("export", str(tmp_path / "x"), "--since", "2025-02-30", ok=False)
    result = invoke("export", "--claimreview", str(tmp_path), ok=False)


# --- ClaimReview -------------------------------------------------------------

SCHEMA = "http://schema.org/"


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serve the context shipped with the tests; nothing is fetched."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    document = json.loads((FIXTURES / "schemaorg-context.jsonld").read_text())
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": document}  # fmt: skip


def _value(node: dict[str, Any], term: str) -> Any:
    """The first value of ``term`` on an expanded node (a literal or a node)."""
    values = node.get(SCHEMA + term)
    assert values, f"{term} missing"
    first = values[0]
    return first.get("@value", first)


def test_claimreview_is_valid_json_ld(enriched: Path, invoke: Invoke, tmp_path: Path) -> None:
    from pyld import jsonld

    path = tmp_path / "reviews.jsonld"
    invoke("export", "--claimreview", str(path), "--reviewer", "Example Desk",
           "--review-url", "https://example.org/claims/{id}")  # fmt: skip
    expanded = jsonld.expand(json.loads(path.read_text()), {"documentLoader": _loader})
    reviews = [n for n in expanded if SCHEMA + "ClaimReview" in n.get("@type", [])]
    conn = sqlite3.connect(enriched)
    scored = conn.execute(
        "SELECT count(*) FROM claim_scores WHERE scale = 'recorded' AND status = 'scored'"
    ).fetchone()[0]
    assert len(reviews) == scored >= 3
    for review in reviews:
        assert _value(review, "claimReviewed")
        assert _value(review, "url").startswith("https://example.org/claims/")
        assert len(_value(review, "datePublished")) == 10
        author = _value(review, "author")
        assert author["@type"] == [SCHEMA + "Organization"]
        assert _value(author, "name") == "Example Desk"
        rating = _value(review, "reviewRating")
        assert rating["@type"] == [SCHEMA + "Rating"]
        verdict = _value(rating, "alternateName")
        assert verdict.split(":")[0] in ("Right", "Wrong")
        assert "Brier score" in _value(rating, "ratingExplanation")
        assert 0 <= _value(rating, "ratingValue") <= 1
        assert (_value(rating, "bestRating"), _value(rating, "worstRating")) == (1, 0)
        item = _value(review, "itemReviewed")
        assert item["@type"] == [SCHEMA + "Claim"]
        assert _value(_value(item, "author"), "name")
        assert len(_value(item, "datePublished")) == 10
        assert _value(_value(item, "appearance"), "headline")
    # The verdict follows the view's hit and outcome.
    hits = dict(conn.execute(
        "SELECT c.quote, s.hit FROM claim_scores s JOIN claims c ON c.id = s.claim_id "
        "WHERE s.scale = 'recorded' AND s.status = 'scored'"
    ).fetchall())  # fmt: skip
    for review in reviews:
        word = _value(_value(review, "reviewRating"), "alternateName").split(":")[0]
        assert word == {1: "Right", 0: "Wrong"}[hits[_value(review, "claimReviewed")]]
