"""The record is never silently changed: the same record again is "unchanged",
the same key with other values is refused naming each differing field, and
the database is byte for byte as it was (compared with ``iterdump``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke

ARTICLE = (
    "The minister said a deal is very likely before June. Observers called a deal before "
    "the summer “difficult to imagine”, and Jane Roe said there is no doubt it fails.\n"
)
EVIDENCE = "https://example.org/signed"


def iterdump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def record(invoke: Invoke, db_path: Path, tmp_path: Path) -> Path:
    """A small record: a source with its text, a person with an alias, a group
    with a description, a tagged question resolved NO, and two claims."""
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    invoke("add-source", "--title", "Minister expects deal", "--url", "https://example.org/a",
           "--publisher", "Example News", "--published-on", "2026-01-05",
           "--text-file", str(article))  # fmt: skip
    invoke("add-person", "Jane Roe", "--alias", "J. Roe")
    invoke("add-person", "Observers", "--kind", "group", "--description", "unnamed observers")
    invoke("add-question", "--slug", "deal-by-june", "--title", "A deal is signed by June",
           "--criteria", "A signed agreement by 2026-06-30", "--resolve-by", "2026-06-30",
           "--tag", "deals")  # fmt: skip
    invoke("add-question", "--slug", "other-question", "--title", "Something else",
           "--criteria", "It happens", "--resolve-by", "2026-06-30")  # fmt: skip
    invoke(*CLAIM)
    invoke("add-outcome", "deal-by-june", "no", "--on", "2026-06-30", "--evidence", EVIDENCE)
    return db_path


CLAIM = (
    "add-claim", "--speaker", "J. Roe", "--source", "minister-expects-deal",
    "--made-on", "2026-01-05", "--question", "deal-by-june",
    "--quote", "there is no doubt it fails", "--wording", "no doubt",
    "--term", "almost no chance", "--basis", "analogy", "--note", "certain it fails",
)  # fmt: skip


def _replace(args: tuple[str, ...], option: str, value: str) -> list[str]:
    out = list(args)
    out[out.index(option) + 1] = value
    return out


def refused(invoke: Invoke, path: Path, args: list[str], *words: str) -> str:
    """Run ``args``, expect a one-line refusal naming ``words``, and the
    database unchanged byte for byte."""
    before = iterdump(path)
    result = invoke(*args, ok=False)
    message = result.output.strip()
    assert len(message.splitlines()) == 1, message
    for word in words:
        assert word in message, message
    assert "Traceback" not in message and "ck_" not in message and "uq_" not in message
    assert iterdump(path) == before
    return message


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--question", "other-question", "question: deal-by-june → other-question"),
        ("--term", "likely", 'term: icd203 "almost no chance" → icd203 "likely"'),
        ("--made-on", "2026-01-04", "made_on: 2026-01-05 → 2026-01-04"),
        ("--note", "another note", "note:"),
    ],
)
def test_add_claim_again_with_other_values_is_refused(
    record: Path, invoke: Invoke, option: str, value: str, field: str
) -> None:
    message = refused(invoke, record, _replace(CLAIM, option, value), field)
    assert "tracker edit claim 1" in message


def test_add_claim_with_a_probability_instead_of_a_term_is_refused(
    record: Path, invoke: Invoke
) -> None:
    args = [a for a in CLAIM if a not in ("--term", "almost no chance", "--basis", "analogy")]
    refused(invoke, record, [*args, "--probability", "0.325"], "probability: (none) → 0.325")


def test_the_same_records_again_change_nothing(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    before = iterdump(record)
    again = [
        CLAIM,
        ("add-person", "Jane Roe"),
        ("add-person", "jane  ROE"),  # case and spacing: the same name
        ("add-person", "J. Roe"),  # a known spelling refers to her
        ("add-question", "--slug", "deal-by-june", "--title", "A deal is signed by June",
         "--criteria", "A signed agreement by 2026-06-30", "--resolve-by", "2026-06-30",
         "--tag", "deals"),
        ("add-source", "--title", "Minister expects deal", "--url", "https://example.org/a",
         "--publisher", "Example News", "--published-on", "2026-01-05",
         "--text-file", str(tmp_path / "article.txt")),
    ]  # fmt: skip
    for args in again:
        out = json.loads(invoke(*args, "--json").output)[0]
        assert out["action"] == "unchanged", args
    assert iterdump(record) == before
    person = json.loads(invoke("add-person", "jane roe", "--json").output)[0]
    assert person["name"] == "Jane Roe"


def test_an_alias_of_someone_else_is_refused_and_names_the_owner(
    record: Path, invoke: Invoke
) -> None:
    refused(
        invoke, record, ["add-person", "Someone Else", "--alias", "J. Roe"],
        'alias "J. Roe"', "Jane Roe (jane-roe)",
    )  # fmt: skip
    refused(invoke, record, ["add-person", "Observers", "--alias", "Jane Roe"], "Jane Roe")


def test_adding_a_spelling_to_a_group_keeps_it_a_group(record: Path, invoke: Invoke) -> None:
    out = json.loads(invoke("add-person", "Observers", "--alias", "The observers", "--json").output)
    assert out[0]["action"] == "updated" and out[0]["kind"] == "group"
    conn = sqlite3.connect(record)
    assert conn.execute(
        "SELECT kind, description FROM people WHERE slug = 'observers'"
    ).fetchone() == (
        "group",
        "unnamed observers",
    )
    refused(invoke, record, ["add-person", "Observers", "--kind", "person"], 'kind: "group"')


def test_add_question_again_with_other_values_is_refused(record: Path, invoke: Invoke) -> None:
    args = ["add-question", "--slug", "deal-by-june", "--title", "A deal by July",
            "--criteria", "Any deal", "--resolve-by", "2026-06-30"]  # fmt: skip
    message = refused(invoke, record, args, "title:", "criteria:", "tags: [deals] → []")
    assert "tracker edit question deal-by-june" in message


def test_add_source_again_with_other_values_is_refused(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("A different text altogether.", encoding="utf-8")
    args = ["add-source", "--title", "Minister expects deal", "--slug", "minister-expects-deal",
            "--text-file", str(other)]  # fmt: skip
    refused(
        invoke, record, args,
        'url: "https://example.org/a" → (none)', "publisher:", "published_on:",
        f"text: {len(ARTICLE)} characters → 28 characters",
    )  # fmt: skip
    refused(
        invoke, record,
        ["add-source", "--title", "Copy", "--url", "https://example.org/a"],
        "https://example.org/a is already the source minister-expects-deal",
    )  # fmt: skip


def test_a_seed_file_that_rewrites_a_claim_is_refused(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    seed = tmp_path / "rewrite.yaml"
    seed.write_text(
        "claims:\n"
        "  - {speaker: Jane Roe, source: minister-expects-deal, made_on: 2026-01-05,\n"
        "     question: deal-by-june, quote: there is no doubt it fails, wording: no doubt,\n"
        "     term: likely}\n",
        encoding="utf-8",
    )
    refused(invoke, record, ["import", str(seed)], "claims[0]", "term:", "basis:", "note:")


def test_a_bulk_file_that_rewrites_records_is_refused(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    rows = {
        "claims.jsonl": {"speaker": "Jane Roe", "source": "minister-expects-deal",
                         "made_on": "2026-01-05", "question": "other-question",
                         "quote": "there is no doubt it fails", "wording": "no doubt",
                         "term": "almost no chance", "basis": "analogy",
                         "note": "certain it fails"},
        "questions.jsonl": {"slug": "deal-by-june", "title": "A deal is signed by June",
                            "criteria": "Any deal", "resolve_by": "2026-06-30",
                            "tags": ["deals"]},
        "people.jsonl": {"name": "Someone Else", "aliases": ["J. Roe"]},
        "sources.jsonl": {"slug": "minister-expects-deal", "title": "Another title"},
    }  # fmt: skip
    words = {
        "claims.jsonl": "question: deal-by-june → other-question",
        "questions.jsonl": "criteria:",
        "people.jsonl": "Jane Roe (jane-roe)",
        "sources.jsonl": "title:",
    }
    for name, row in rows.items():
        path = tmp_path / name
        path.write_text(json.dumps(row) + "\n", encoding="utf-8")
        refused(invoke, record, ["import", str(path)], f"{name}:1", words[name])


def test_a_bulk_file_repeating_a_claim_in_one_batch_is_refused(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    row = {"speaker": "Observers", "source": "minister-expects-deal", "made_on": "2026-01-05",
           "question": "deal-by-june", "quote": "difficult to imagine",
           "wording": "difficult to imagine", "term": "unlikely", "basis": "analogy"}  # fmt: skip
    path = tmp_path / "claims.jsonl"
    lines = [row, {**row, "term": "very unlikely"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    refused(invoke, record, ["import", str(path)], "claims.jsonl:2", '"unlikely" → icd203')
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    out = json.loads(invoke("import", str(path), "--json").output)
    claims = next(r for r in out if r["section"] == "claims")
    assert (claims["created"], claims["unchanged"]) == (1, 1)


PASTED = (
    "Analysts said the talks were “all but certain” to resume — though one, Jane Roe,\n"
    "warned the window was ‘closing fast’.\n"
)


def test_quotes_are_found_as_people_paste_them_and_stored_as_the_source_has_them(
    invoke: Invoke, db_path: Path, tmp_path: Path
) -> None:
    article = tmp_path / "pasted.txt"
    article.write_text(PASTED, encoding="utf-8")
    invoke("add-source", "--title", "Talks", "--slug", "talks", "--text-file", str(article))
    invoke("add-person", "Jane Roe")
    typed = 'TALKS were "all but certain" to resume - though one, Jane Roe, warned'
    out = invoke("add-claim", "--speaker", "Jane Roe", "--source", "talks", "--made-on",
                 "2026-01-05", "--kind", "opinion", "--quote", typed, "--json")  # fmt: skip
    claim_id = json.loads(out.output)[0]["id"]
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT quote FROM claims WHERE id = ?", (claim_id,)).fetchone()[0]
    assert stored == "talks were “all but certain” to resume — though one, Jane Roe,\nwarned"
    assert stored in PASTED
    # Pasted again in another form, it is the same claim.
    again = invoke("add-claim", "--speaker", "Jane Roe", "--source", "talks",
                   "--made-on", "2026-01-05", "--kind", "opinion", "--quote", stored.upper(),
                   "--json")  # fmt: skip
    assert json.loads(again.output)[0]["action"] == "unchanged"
    message = refused(
        invoke, db_path,
        ["add-claim", "--speaker", "Jane Roe", "--source", "talks", "--made-on", "2026-01-05",
         "--kind", "opinion", "--quote", "the window was 'closing slowly'"],
        "quote: not found in the text of talks", "closest passage", "closing",
    )  # fmt: skip
    assert "\n" not in message


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["report"], ["due"], ["serve"]])
def test_a_read_command_on_a_missing_file_says_so_and_creates_nothing(
    invoke: Invoke, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "typo.db"
    result = invoke("--db", str(missing), *command, ok=False)
    assert result.output.strip() == (
        f"Error: no database at {missing} (record something with `tracker add-…` or "
        "`tracker import`, or pass --db)"
    )
    assert not missing.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["db", "downgrade", "9999"], "no schema revision 9999 (known: 0001"),
        (["db", "upgrade", "abc"], "no schema revision abc"),
        (["--db", "mysql://user@localhost/x", "list"], "mysql:// databases are not supported"),
        (["--db", "oracle://x/y", "add-person", "X"], "oracle:// databases are not supported"),
        (
            ["add-outcome", "deal-by-june", "yes", "--on", "2026-01-01"],
            "Error: an outcome needs evidence",
        ),
    ],
)
def test_plain_one_line_errors(record: Path, invoke: Invoke, args: list[str], message: str) -> None:
    before = iterdump(record)
    result = invoke(*args, ok=False)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert "--an" not in lines[0] and "Traceback" not in lines[0]
    assert iterdump(record) == before


def test_claims_conditional_on_a_question_are_labelled(record: Path, invoke: Invoke) -> None:
    invoke("add-claim", "--speaker", "Observers", "--source", "minister-expects-deal",
           "--made-on", "2026-01-05", "--question", "other-question", "--kind", "conditional",
           "--condition", "deal-by-june", "--condition-result", "yes",
           "--quote", "difficult to imagine")  # fmt: skip
    rows = json.loads(invoke("list", "--question", "deal-by-june", "--json").output)
    assert {(r["id"], r["on_question"]) for r in rows} == {
        (1, "about it"),
        (2, "conditional on it"),
    }
    shown = json.loads(invoke("show", "deal-by-june", "--json").output)[0]
    assert [c["on_question"] for c in shown["claims"]] == ["about it", "conditional on it"]
    assert "conditional on it" in invoke("show", "deal-by-june").output


def test_dates_that_cannot_be_are_refused(record: Path, invoke: Invoke, tmp_path: Path) -> None:
    import datetime as dt

    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    future = ["add-outcome", "other-question", "yes", "--on", tomorrow, "--evidence", EVIDENCE]
    refused(invoke, record, future, f"--on: {tomorrow} is after today")
    # The source was published on 5 January: it cannot quote words said on the 6th.
    later = _replace(_replace(CLAIM, "--made-on", "2026-01-06"), "--quote", "a deal is very likely")
    refused(invoke, record, later, "made_on: 2026-01-06 is after minister-expects-deal was "
                                   "published (2026-01-05)")  # fmt: skip
    refused(invoke, record, ["edit", "claim", "1", "--made-on", "2026-02-01", "--reason", "x"],
            "is after minister-expects-deal was published")  # fmt: skip
    seed = tmp_path / "future.yaml"
    seed.write_text(
        "outcomes:\n  - {question: other-question, result: 'no', "
        f"occurred_on: {tomorrow}, evidence_url: '{EVIDENCE}'}}\n",
        encoding="utf-8",
    )
    refused(invoke, record, ["import", str(seed)], "occurred_on:", "is after today")


def test_an_outcome_dated_before_its_claims_warns_and_asks_before_unscoring(
    record: Path, invoke: Invoke
) -> None:
    # Claim 1 (made 5 January) is scored against the NO of 30 June. A correction
    # dated 1 January would make it hindsight: refused without --yes.
    message = refused(
        invoke, record,
        ["add-outcome", "deal-by-june", "no", "--on", "2026-01-01", "--evidence", EVIDENCE],
        "claim(s) 1 on deal-by-june", "hindsight", "--yes",
    )  # fmt: skip
    assert "Traceback" not in message
    done = invoke("add-outcome", "deal-by-june", "no", "--on", "2026-01-01",
                  "--evidence", EVIDENCE, "--yes")  # fmt: skip
    assert "claim(s) 1 on deal-by-june were made on or after 2026-01-01" in done.stderr
    shown = json.loads(invoke("list", "--question", "deal-by-june", "--json").output)
    assert shown[0]["status"] == "resolved"
    report = json.loads(invoke("report", "--format", "json").output)
    roe = next(g for g in report["scoreboard"] if g["label"] == "Jane Roe")
    assert (roe["scored"], roe["hindsight"]) == (0, 1)
    # A first outcome on an open question only says so: nothing was scored yet.
    invoke("add-claim", "--speaker", "Observers", "--source", "minister-expects-deal",
           "--made-on", "2026-01-05", "--question", "other-question",
           "--quote", "difficult to imagine", "--probability", "0.1")  # fmt: skip
    first = invoke("add-outcome", "other-question", "yes", "--on", "2026-01-05",
                   "--evidence", EVIDENCE)  # fmt: skip
    assert "count as hindsight" in first.stderr


def test_an_outcome_keeps_several_evidence_links_in_order(
    record: Path, invoke: Invoke, tmp_path: Path
) -> None:
    links = ["https://example.org/one", "https://example.org/two", "https://example.org/three"]
    args = ["add-outcome", "other-question", "yes", "--on", "2026-06-01"]
    for link in links:
        args += ["--evidence", link]
    invoke(*args)
    history = json.loads(invoke("show", "other-question", "--json").output)[0]["outcomes"]
    assert [history[0]["evidence_url"], *history[0]["more_evidence"]] == links
    shown = invoke("show", "other-question").output
    assert all(link in shown for link in links)
    again = invoke(*args)
    assert "already has this outcome" in again.stderr
    # The same outcome with a link fewer is another record: a correction.
    fewer = invoke(*args[:-2])
    assert "supersedes" in fewer.stderr
    refused(invoke, record, [*args, "--evidence", links[0]], "the same link is given twice")
    conn = sqlite3.connect(record)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM outcome_evidence")
    conn.rollback()
    conn.close()
    # In seed and bulk files: more_evidence after evidence_url (in CSV, separated by ';').
    seed = tmp_path / "links.yaml"
    seed.write_text(
        "questions:\n  - {slug: third, title: T, criteria: C, resolve_by: 2026-06-30}\n"
        "  - {slug: fourth, title: F, criteria: C, resolve_by: 2026-06-30}\n"
        "outcomes:\n  - {question: third, result: 'no', occurred_on: 2026-06-30,\n"
        f"     evidence_url: '{links[0]}', more_evidence: ['{links[1]}', '{links[2]}']}}\n",
        encoding="utf-8",
    )
    invoke("import", str(seed))
    bulk = tmp_path / "outcomes.csv"
    bulk.write_text(
        "question,result,occurred_on,evidence_url,more_evidence\n"
        f"fourth,no,2026-06-30,{EVIDENCE},{links[1]};{links[2]}\n",
        encoding="utf-8",
    )
    out = json.loads(invoke("import", str(bulk), "--json").output)
    assert next(r for r in out if r["section"] == "outcomes")["created"] == 1
    again = json.loads(invoke("import", str(bulk), "--json").output)
    assert next(r for r in again if r["section"] == "outcomes")["created"] == 0
    for slug in ("third", "fourth"):
        history = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"]
        assert history[-1]["more_evidence"] == links[1:]
