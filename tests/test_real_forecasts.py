"""What real forecasts say (migration 0014): numeric questions with point, range
and threshold claims; conditional directional claims; affiliations and
`report --by organisation`; the result "unresolvable". Each through the CLI and
the imports, scored against values worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, pg_database

SOURCE = "bank-outlook"
GOLD = "gold-end-of-june-2026"


def _json(result: Any) -> Any:
    """A command's --json output: a record (a list of one) or a report."""
    found = json.loads(result.stdout)
    return found[0] if isinstance(found, list) and len(found) == 1 else found


def _json_text(text: str) -> Any:
    found = json.loads(text)
    return found[0] if isinstance(found, list) and len(found) == 1 else found


def _id(result: Any) -> int:
    return int(_json(result)["id"])


def _claim(invoke: Invoke, speaker: str, quote: str, *options: str) -> int:
    return _id(invoke("add-claim", "--speaker", speaker, "--source", SOURCE, "--quote", quote,
                      "--question", GOLD, *options, "--json"))  # fmt: skip


def _gold(invoke: Invoke) -> dict[str, int]:
    """A numeric question and one claim of each form, by an analyst and her bank."""
    invoke("add-source", "--slug", SOURCE, "--title", "Metals outlook", "--published-on",
           "2025-12-01")  # fmt: skip
    invoke("add-person", "Ana Ruiz")
    invoke("add-person", "Big Bank", "--kind", "organisation")
    invoke("add-question", "--slug", GOLD, "--title", "Gold at the end of June 2026",
           "--unit", "US$ per ounce", "--criteria", "The LBMA PM price on 30 June 2026",
           "--resolve-by", "2026-06-30")  # fmt: skip
    return {
        "point": _claim(invoke, "Ana Ruiz", "gold at $4,000", "--value", "4000"),
        "range": _claim(
            invoke,
            "Ana Ruiz",
            "80% sure: 3,800 to 4,200",
            "--range",
            "3800",
            "4200",
            "--probability",
            "0.8",
        ),
        "miss": _claim(
            invoke,
            "Big Bank",
            "90% sure: 4,200 to 4,500",
            "--range",
            "4200",
            "4500",
            "--probability",
            "0.9",
        ),
        "bare": _claim(invoke, "Big Bank", "between 4,000 and 4,100", "--range", "4000", "4100"),
        "above": _claim(
            invoke, "Ana Ruiz", "70% it ends above 3,900", "--above", "3900", "--probability", "0.7"
        ),
        "below": _claim(
            invoke,
            "Big Bank",
            "unlikely to end below 3,500",
            "--below",
            "3500",
            "--wording",
            "unlikely",
            "--term",
            "unlikely",
        ),
    }


Fetch = Callable[[str, tuple], list[tuple]]


def _sqlite(path: Path) -> Fetch:
    def fetch(sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    return fetch


def _scores(fetch: Fetch, claim_id: int) -> dict[str, Any]:
    columns = ("status", "abs_error", "pct_error", "covered", "interval_score", "brier",
               "outcome_value")  # fmt: skip
    row = fetch(
        f"SELECT {', '.join(columns)} FROM claim_scores WHERE claim_id = {int(claim_id)} "
        "AND scale = 'recorded'",
        (),
    )[0]
    return dict(zip(columns, row, strict=True))


def _check_hand_computed(fetch: Fetch, ids: dict[str, int]) -> None:
    """The observed price is 4,120."""
    point = _scores(fetch, ids["point"])
    assert point["status"] == "numeric"
    assert point["abs_error"] == pytest.approx(120)
    assert point["pct_error"] == pytest.approx(120 / 4120)
    assert point["covered"] is None and point["brier"] is None
    held = _scores(fetch, ids["range"])  # 4,120 lies in 3,800..4,200: the width alone
    assert (held["status"], held["covered"]) == ("numeric", 1)
    assert held["interval_score"] == pytest.approx(400)
    miss = _scores(fetch, ids["miss"])  # 80 below a 90% range: 300 + (2 / 0.1) * 80
    assert miss["covered"] == 0
    assert miss["interval_score"] == pytest.approx(300 + 20 * 80)
    bare = _scores(fetch, ids["bare"])  # no level said: coverage, but no interval score
    assert (bare["covered"], bare["interval_score"]) == (0, None)
    above = _scores(fetch, ids["above"])  # it ended above 3,900: a yes/no claim that happened
    assert (above["status"], above["outcome_value"]) == ("scored", 1)
    assert above["brier"] == pytest.approx(0.3**2)
    below = _scores(fetch, ids["below"])  # "unlikely" (ICD 203 point) that it ends below 3,500
    term = fetch("SELECT t.point FROM scale_terms AS t JOIN scales AS s ON s.id = t.scale_id "
                 "WHERE s.slug = 'icd203' AND t.term = 'unlikely'", ())[0][0]  # fmt: skip
    assert (below["status"], below["outcome_value"]) == ("scored", 0)
    assert below["brier"] == pytest.approx(term**2)


def test_numeric_claims_are_measured_as_the_literature_does(db_path: Path, invoke: Invoke) -> None:
    ids = _gold(invoke)
    open_ = _scores(_sqlite(db_path), ids["point"])
    assert open_["status"] == "open"
    recorded = _json(
        invoke(
            "add-outcome",
            GOLD,
            "4,120",
            "--on",
            "2026-06-30",
            "--evidence",
            "https://example.org/lbma",
            "--json",
        )
    )
    assert (recorded["result"], recorded["value"]) == ("observed", 4120)  # fmt: skip
    _check_hand_computed(_sqlite(db_path), ids)

    report = _json(invoke("report", "--json"))
    by_speaker = {g["label"]: g for g in report["scoreboard"]}
    ana, bank = by_speaker["Ana Ruiz"], by_speaker["Big Bank"]
    assert (ana["estimates"], ana["points"], ana["ranges"], ana["covered"]) == (2, 1, 1, 1)
    assert ana["mean_pct_error"] == pytest.approx(120 / 4120)
    assert (bank["estimates"], bank["ranges"], bank["covered"], bank["coverage"]) == (2, 2, 0, 0)
    assert {n["claim_id"]: n["form"] for n in report["numeric"]} == {
        ids["point"]: "point", ids["range"]: "range", ids["miss"]: "range",
        ids["bare"]: "range", ids["above"]: "threshold", ids["below"]: "threshold",
    }  # fmt: skip
    coverage = {(r["speaker"], r["level"]): (r["ranges"], r["covered"])
                for r in report["range_coverage"]}  # fmt: skip
    assert coverage[("Ana Ruiz", 0.8)] == (1, 1)
    assert coverage[("Big Bank", 0.9)] == (1, 0)
    assert coverage[("Big Bank", None)] == (1, 0)
    assert coverage[("all speakers", 0.8)] == (1, 1)
    text = invoke("report").output
    assert "Numeric forecasts" in text and "3,800 to 4,200 (80%)" in text
    assert "Calibration of ranges" in text
    invoke("verify")  # kept totals equal a fresh computation; the ledger holds


def test_numbers_must_fit_their_question(seeded: Path, invoke: Invoke) -> None:
    _gold(invoke)
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote", "up",
                 "--question", GOLD, "--probability", "0.6", ok=False).stderr  # fmt: skip
    assert "numeric" in err and "a value, a range, or a threshold" in err
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote", "4,000",
                 "--question", "trump-kim-meet-within-months", "--value", "4000",
                 ok=False).stderr  # fmt: skip
    assert "yes-or-no question" in err
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote", "x",
                 "--question", GOLD, "--value", "1", "--above", "2", ok=False).stderr  # fmt: skip
    assert "one number form" in err
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote", "y",
                 "--question", GOLD, "--value", "1", "--probability", "0.5",
                 ok=False).stderr  # fmt: skip
    assert "a point estimate carries no probability" in err
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote", "z",
                 "--question", GOLD, "--range", "5", "4", ok=False).stderr  # fmt: skip
    assert "range: 5.0 is above 4.0" in err
    err = invoke("add-outcome", GOLD, "yes", "--on", "2026-06-30", "--evidence",
                 "https://example.org/x", ok=False).stderr  # fmt: skip
    assert "give the value observed" in err
    err = invoke("add-outcome", "trump-kim-meet-within-months", "12", "--on", "2026-04-30",
                 "--evidence", "https://example.org/x", ok=False).stderr  # fmt: skip
    assert "has no value observed" in err
    err = invoke("add-outcome", GOLD, "lots", "--on", "2026-06-30", "--evidence",
                 "https://example.org/x", ok=False).stderr  # fmt: skip
    assert "or the value observed of a numeric question" in err
    # What a question asks for never changes once recorded.
    err = invoke("add-question", "--slug", GOLD, "--title", "Gold at the end of June 2026",
                 "--criteria", "The LBMA PM price on 30 June 2026", "--resolve-by",
                 "2026-06-30", ok=False).stderr  # fmt: skip
    assert 'type: "numeric" → "binary"' in err


SEED = """
sources:
  - slug: bank-outlook
    title: Metals outlook
    published_on: 2025-12-01
people:
  - name: Ana Ruiz
    affiliations:
      - {organisation: Big Bank, role: chief economist, started_on: 2020-01-01}
  - name: Big Bank
    kind: organisation
questions:
  - slug: gold-end-of-june-2026
    title: Gold at the end of June 2026
    criteria: The LBMA PM price on 30 June 2026
    resolve_by: 2026-06-30
    type: numeric
    unit: US$ per ounce
claims:
  - {speaker: Ana Ruiz, source: bank-outlook, made_on: 2025-12-01, quote: gold at 4000,
     question: gold-end-of-june-2026, value: 4000}
  - {speaker: Big Bank, source: bank-outlook, made_on: 2025-12-01, quote: 3800 to 4200,
     question: gold-end-of-june-2026, range: [3800, 4200], probability: 0.8}
outcomes:
  - {question: gold-end-of-june-2026, value: 4120, occurred_on: 2026-06-30,
     evidence_url: "https://example.org/lbma"}
"""


def _imported(fetch: Fetch) -> None:
    assert fetch("SELECT question_type, unit FROM questions WHERE slug = ?", (GOLD,)) == [
        ("numeric", "US$ per ounce")
    ]
    found = fetch("SELECT estimate, estimate_low, estimate_high FROM claims", ())
    assert sorted(found, key=str) == [(4000.0, None, None), (None, 3800.0, 4200.0)]
    assert fetch("SELECT result, observed_value FROM outcomes", ()) == [("observed", 4120.0)]


def test_a_seed_file_carries_numbers_and_affiliations(
    db_path: Path, invoke: Invoke, tmp_path: Path
) -> None:
    seed = tmp_path / "gold.yaml"
    seed.write_text(SEED)
    out = invoke("import", str(seed)).output
    assert "affiliations" in out
    fetch = _sqlite(db_path)
    _imported(fetch)
    assert fetch("SELECT role, started_on FROM affiliations", ()) == [
        ("chief economist", "2020-01-01")
    ]
    again = invoke("import", str(seed)).output  # the same file again: nothing written
    assert "0 row(s) written" in again
    board = _json(invoke("report", "--by", "organisation", "--json"))
    (bank,) = board["scoreboard"]
    assert (bank["label"], bank["estimates"], bank["points"], bank["ranges"]) == (
        "Big Bank", 2, 1, 1,
    )  # fmt: skip


def test_bulk_files_carry_numbers(db_path: Path, invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "sources.jsonl").write_text(
        '{"slug": "bank-outlook", "title": "Metals outlook", "published_on": "2025-12-01"}\n'
    )
    (folder / "people.csv").write_text("name,kind\nAna Ruiz,person\nBig Bank,organisation\n")
    (folder / "questions.jsonl").write_text(json.dumps({
        "slug": GOLD, "title": "Gold at the end of June 2026", "type": "numeric",
        "unit": "US$ per ounce", "criteria": "The LBMA PM price on 30 June 2026",
        "resolve_by": "2026-06-30"}) + "\n")  # fmt: skip
    (folder / "claims.csv").write_text(
        "speaker,source,made_on,quote,question,value,range,probability\n"
        f"Ana Ruiz,bank-outlook,2025-12-01,gold at 4000,{GOLD},4000,,\n"
        f"Big Bank,bank-outlook,2025-12-01,3800 to 4200,{GOLD},,3800;4200,0.8\n"
    )
    (folder / "outcomes.jsonl").write_text(json.dumps({
        "question": GOLD, "value": 4120, "occurred_on": "2026-06-30",
        "evidence_url": "https://example.org/lbma"}) + "\n")  # fmt: skip
    invoke("import", str(folder))
    _imported(_sqlite(db_path))
    invoke("import", str(folder))  # again: every row unchanged
    _imported(_sqlite(db_path))
    (folder / "outcomes.jsonl").write_text(json.dumps({
        "question": GOLD, "value": 4130, "occurred_on": "2026-06-30",
        "evidence_url": "https://example.org/lbma"}) + "\n")  # fmt: skip
    err = invoke("import", str(folder), ok=False).stderr
    assert "differs from the one recorded" in err
    invoke("verify")


def test_conditional_directional_claims_are_accepted(seeded: Path, invoke: Invoke) -> None:
    claim = _id(invoke(
        "add-claim", "--speaker", "Koh Yu-hwan", "--source", "trump-kim-holds-the-cards",
        "--quote", "Trump will have to bring something", "--kind", "directional",
        "--direction", "increase", "--question", "us-nk-talks-resume",
        "--condition", "us-drops-denuclearization-demand", "--condition-result", "yes",
        "--json"))  # fmt: skip
    fetch = _sqlite(seeded)
    assert fetch("SELECT kind, direction, condition_result FROM claims WHERE id = ?",
                 (claim,)) == [("directional", "increase", "yes")]  # fmt: skip
    assert _scores(fetch, claim)["status"] == "directional"
    # A forecast with a condition is a conditional claim: said in words, not a rule's name.
    err = invoke("add-claim", "--speaker", "Koh Yu-hwan", "--source",
                 "trump-kim-holds-the-cards", "--quote", "Trump will have to bring",
                 "--question", "us-nk-talks-resume", "--condition",
                 "us-drops-denuclearization-demand", "--condition-result", "yes",
                 "--probability", "0.3", ok=False).stderr  # fmt: skip
    assert "a forecast with one is a conditional claim" in err
    # The seed's own conditional directional claim.
    assert fetch("SELECT kind, direction FROM claims WHERE quote LIKE 'easing sanctions%'",
                 ()) == [("directional", "increase")]  # fmt: skip


def test_affiliations_roll_claims_up_to_organisations(seeded: Path, invoke: Invoke) -> None:
    invoke("add-person", "Soongsil University", "--kind", "organisation")
    invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Soongsil University",
           "--role", "professor", "--from", "2020-03-01")  # fmt: skip
    again = invoke(
        "add-affiliation",
        "Kim Tae-hyung",
        "--organisation",
        "Soongsil University",
        "--role",
        "professor",
        "--from",
        "2020-03-01",
        "--json",
    ).output
    assert _json_text(again)["action"] == "unchanged"
    err = invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Soongsil University",
                 "--role", "dean", "--from", "2020-03-01", ok=False).stderr  # fmt: skip
    assert 'role: "professor" → "dean"' in err
    err = invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Soongsil University",
                 "--from", "2021-01-01", ok=False).stderr  # fmt: skip
    assert "overlaps" in err
    err = invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Ban Kil-joo",
                 ok=False).stderr  # fmt: skip
    assert "kind person" in err
    # Ban joined only after the article: his claims are not the academy's.
    invoke("add-person", "Korea National Diplomatic Academy", "--kind", "organisation")
    invoke("add-affiliation", "Ban Kil-joo", "--organisation",
           "Korea National Diplomatic Academy", "--from", "2026-01-01")  # fmt: skip
    report = _json(invoke("report", "--by", "organisation", "--json"))
    assert report["scoreboard_by"] == "organisation"
    board = {g["label"]: g for g in report["scoreboard"]}
    assert set(board) == {"Soongsil University"}
    kim = next(g for g in _json(invoke("report", "--json"))["scoreboard"]
               if g["label"] == "Kim Tae-hyung")  # fmt: skip
    school = board["Soongsil University"]
    assert (school["claims"], school["scored"]) == (kim["claims"], kim["scored"])
    assert school["mean_brier"] == pytest.approx(kim["mean_brier"])
    assert "Scoreboard by organisation" in invoke("report", "--by", "organisation").output
    invoke("verify")


def test_the_organisation_query_in_datasette(seeded: Path, invoke: Invoke) -> None:
    from test_datasette import Site

    invoke("add-person", "Soongsil University", "--kind", "organisation")
    invoke("add-affiliation", "Kim Tae-hyung", "--organisation", "Soongsil University")
    site = Site(seeded)
    rows = site.get("/DB/organisation_track_record.json?_shape=array&organisation=Soongsil")
    assert [r["speaker"] for r in rows] == ["Kim Tae-hyung"]
    assert rows[0]["organisation"] == "Soongsil University"
    assert site.get("/DB/numeric_scores.json?_shape=array") == []


def test_unresolvable_leaves_overdue_voids_claims_and_is_corrected(
    tmp_path: Path, invoke: Invoke, db_path: Path
) -> None:
    invoke("add-source", "--slug", "s", "--title", "S", "--published-on", "2025-01-01")
    invoke("add-person", "Ana Ruiz")
    invoke("add-question", "--slug", "q", "--title", "Q", "--criteria", "C",
           "--resolve-by", "2025-06-30")  # fmt: skip
    claim = _id(
        invoke(
            "add-claim",
            "--speaker",
            "Ana Ruiz",
            "--source",
            "s",
            "--quote",
            "likely",
            "--question",
            "q",
            "--probability",
            "0.7",
            "--json",
        )
    )
    assert invoke("due", ok=False).exit_code == 3  # overdue
    invoke(
        "add-outcome",
        "q",
        "unresolvable",
        "--on",
        "2025-06-30",
        "--evidence",
        "https://example.org/search",
        "--note",
        "searched the archives: nothing either way",
    )
    assert invoke("due").exit_code == 0
    fetch = _sqlite(db_path)
    assert _scores(fetch, claim)["status"] == "void"
    report = _json(invoke("report", "--json"))
    assert report["overview"]["overdue"] == 0 and report["overview"]["resolved"] == 1
    (ana,) = [g for g in report["scoreboard"] if g["label"] == "Ana Ruiz"]
    assert (ana["void"], ana["scored"]) == (1, 0)
    out = invoke("add-outcome", "q", "yes", "--on", "2025-06-01", "--evidence",
                 "https://example.org/found").stderr  # fmt: skip
    assert "supersedes" in out
    score = _scores(fetch, claim)
    assert score["status"] == "scored" and score["brier"] == pytest.approx(0.09)
    history = _json(invoke("show", "q", "--json"))["outcomes"]
    assert [o["result"] for o in history] == ["unresolvable", "yes"]
    invoke("verify")


def test_the_seed_records_what_happened(seeded: Path) -> None:
    fetch = _sqlite(seeded)
    results = dict(fetch("SELECT q.slug, o.result FROM outcomes AS o JOIN questions AS q "
                         "ON q.id = o.question_id", ()))  # fmt: skip
    assert results["us-nk-diplomacy-resumes-quickly"] == "no"
    assert results["trump-kim-meet-within-months"] == "unresolvable"
    speakers = dict(fetch("SELECT c.quote, p.slug FROM claims AS c JOIN people AS p "
                          "ON p.id = c.person_id", ()))  # fmt: skip
    assert speakers["a major ruling party congress expected in January"] == "article-reporter"


@pytest.mark.parametrize("step", ["numbers", "affiliations and unresolvable"])
def test_on_postgresql(invoke: Invoke, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    from sqlalchemy import create_engine, text

    with pg_database() as url:
        monkeypatch.setenv("TRACKER_DB", url)
        engine = create_engine(url)

        def fetch(sql: str, params: tuple = ()) -> list[tuple]:
            with engine.connect() as conn:
                return [
                    tuple(r)
                    for r in conn.execute(
                        text(sql.replace("?", ":p")), {"p": params[0]} if params else {}
                    )
                ]

        try:
            if step == "numbers":
                ids = _gold(invoke)
                invoke("add-outcome", GOLD, "4120", "--on", "2026-06-30", "--evidence",
                       "https://example.org/lbma")  # fmt: skip
                _check_hand_computed(fetch, ids)
                err = invoke("add-outcome", GOLD, "yes", "--on", "2026-06-30", "--evidence",
                             "https://example.org/x", ok=False).stderr  # fmt: skip
                assert "give the value observed" in err
            else:
                invoke("import", str(Path(__file__).parent.parent / "seeds"))
                invoke("add-person", "Soongsil University", "--kind", "organisation")
                invoke("add-affiliation", "Kim Tae-hyung", "--organisation",
                       "Soongsil University")  # fmt: skip
                board = _json(invoke("report", "--by", "organisation", "--json"))
                assert [g["label"] for g in board["scoreboard"]] == ["Soongsil University"]
                assert fetch("SELECT o.result FROM outcomes AS o JOIN questions AS q ON "
                             "q.id = o.question_id WHERE q.slug = ?",
                             ("trump-kim-meet-within-months",)) == [("unresolvable",)]  # fmt: skip
                (void,) = fetch("SELECT count(*) FROM claim_scores WHERE scale = 'recorded' "
                                "AND status = 'void' AND question = ?",
                                ("trump-kim-meet-within-months",))  # fmt: skip
                assert void == (1,)
            invoke("verify")
        finally:
            engine.dispose()


def test_a_changed_number_is_an_edit_with_history(db_path: Path, invoke: Invoke) -> None:
    ids = _gold(invoke)
    err = invoke("add-claim", "--speaker", "Ana Ruiz", "--source", SOURCE, "--quote",
                 "gold at $4,000", "--question", GOLD, "--value", "4100",
                 ok=False).stderr  # fmt: skip
    assert "estimate: 4000 → 4100" in err and "edit claim 1 --value" in err
    invoke("add-outcome", GOLD, "4120", "--on", "2026-06-30", "--evidence",
           "https://example.org/lbma")  # fmt: skip
    fetch = _sqlite(db_path)
    (entered,) = fetch("SELECT entered_at FROM claims WHERE id = ?", (ids["point"],))[0]
    time.sleep(1.1)  # the edit comes a second later than the entry: --as-recorded tells them apart
    invoke("edit", "claim", str(ids["point"]), "--value", "4100", "--reason", "misread the figure")
    assert _scores(fetch, ids["point"])["abs_error"] == pytest.approx(20)
    assert fetch("SELECT field FROM late_edits WHERE claim_id = ?", (ids["point"],)) == [
        ("estimate",)
    ]
    invoke("edit", "claim", str(ids["range"]), "--above", "4000", "--reason", "it was a floor")
    assert fetch("SELECT estimate_low, threshold, threshold_side FROM claims WHERE id = ?",
                 (ids["range"],)) == [(None, 4000.0, "above")]  # fmt: skip
    # The role of a numeric claim can be corrected without restating its number.
    invoke("edit", "claim", str(ids["miss"]), "--role", "chief economist", "--reason", "omitted")
    before = _json(invoke("report", "--as-recorded", entered, "--json"))
    assert {n["claim_id"]: n["estimate"] for n in before["numeric"]}[ids["point"]] == 4000
    invoke("verify")


def test_the_report_lists_the_latest_numeric_forecasts_as_it_lists_claims(invoke: Invoke) -> None:
    """At a million claims there are tens of thousands of numbers: the report
    lists the latest --claims N of them, and says how many there are."""
    ids = _gold(invoke)
    every = _json(invoke("report", "--json", "--claims", "0"))
    assert len(every["numeric"]) == every["numeric_total"] == len(ids)
    two = _json(invoke("report", "--json", "--claims", "2"))
    assert two["numeric_total"] == len(ids)
    assert [n["claim_id"] for n in two["numeric"]] == [n["claim_id"] for n in every["numeric"]][-2:]
    text = invoke("report", "--claims", "2").stdout
    assert f"Numeric forecasts (the latest 2 of {len(ids)}; --claims N)" in text
