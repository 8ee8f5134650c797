"""`tracker extract`: an article's claims drafted in the seed format, checked
against articles annotated by hand (tests/extract and the seed article)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SEEDS, Invoke

from tracker.config import DISTRIBUTION
from tracker.db import get_engine, session_scope
from tracker.extraction.evaluate import annotated_set, evaluate
from tracker.extraction.horizons import horizon, said_on
from tracker.schema import ensure_schema

EXTRACT = ROOT / "tests" / "extract"
SEED_TEXT = SEEDS / "trump-kim-north-korea-holds-the-cards.txt"
ARTICLES = sorted(EXTRACT.glob("*.txt"))


def _draft(invoke: Invoke, tmp_path: Path, article: Path, *options: str) -> dict:
    out = tmp_path / f"{article.stem}.draft.yaml"
    invoke("extract", str(article), "-o", str(out), *options)
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def _claim(draft: dict, words: str) -> dict:
    found = [c for c in draft["claims"] if words in c["quote"]]
    assert len(found) == 1, [c["quote"] for c in draft["claims"]]
    return found[0]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_a_draft_imports_unchanged_and_quotes_the_text(
    invoke: Invoke, tmp_path: Path, article: Path
) -> None:
    draft = _draft(invoke, tmp_path, article)
    text = article.read_text(encoding="utf-8")
    assert draft["sources"][0]["text"] == text
    assert draft["claims"] and all(c["quote"] in text for c in draft["claims"])
    invoke("import", str(tmp_path / f"{article.stem}.draft.yaml"))
    invoke("verify")


def test_the_rate_decision_reads_as_a_reviewer_would(invoke: Invoke, tmp_path: Path) -> None:
    draft = _draft(invoke, tmp_path, EXTRACT / "rate-decision-halden.txt")
    source = draft["sources"][0]
    assert (source["publisher"], source["published_on"]) == ("The Northern Ledger",
                                                             dt.date(2026, 3, 17))  # fmt: skip
    direct = _claim(draft, "25-basis-point cut on Thursday is very likely")
    expected = ("Maria Okonkwo", "very likely", "standard_scale")
    assert (direct["speaker"], direct["term"], direct["basis"]) == expected
    assert direct["role"].startswith("chief economist at Halden Bank")
    reported = _claim(draft, "she expected the policy rate")
    assert (reported["speaker"], reported["term"]) == ("Okonkwo", "likely")
    stated = _claim(draft, "80 per cent")
    assert (stated["speaker"], stated["probability"]) == ("Tomas Wierzbicki", 0.8)
    moves = _claim(draft, "had risen sharply")
    assert (moves["kind"], moves["direction"], moves["basis"]) == ("directional", "increase",
                                                                   "unscorable")  # fmt: skip
    conditional = _claim(draft, "second cut in May is likely")
    assert conditional["kind"] == "conditional"
    assert conditional["condition"]["question"] != conditional["question"]
    governor = _claim(draft, "further easing was possible")
    assert governor["speaker"] == "the governor" and governor["basis"] == "unscorable"
    assert governor["made_on"] == dt.date(2026, 2, 28)  # "last month": its last day
    group = _claim(draft, "interest-rate cut by the Bank of Valmark on Thursday as almost certain")
    assert group["speaker"] == "Many economists" and group["term"] == "almost certain"
    people = {p["name"]: p for p in draft["people"]}
    assert "Okonkwo" in people["Maria Okonkwo"]["aliases"]
    assert "the governor" in people["Elin Brandvold"]["aliases"]
    assert people["Many economists (unnamed, " + source["slug"] + ")"]["kind"] == "group"
    quotes = " ".join(c["quote"] for c in draft["claims"])
    for distractor in ("will announce its decision", "Under its mandate", "had predicted",
                       "A cut would make"):  # fmt: skip
        assert distractor not in quotes


def test_doubtful_candidates_come_first_with_their_reasons(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    invoke("extract", str(EXTRACT / "oil-price-brennock.txt"), "-o", str(out))
    text = out.read_text(encoding="utf-8")
    notes = [line for line in text.splitlines() if line.startswith("  # confidence ")]
    values = [float(n.split()[2].rstrip(":")) for n in notes]
    assert values == sorted(values) and len(values) == text.count("\n  - speaker:")
    assert all(":" in n.split("confidence", 1)[1] for n in notes)  # each says why


def test_the_seed_article_reuses_what_the_database_holds(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    draft = _draft(invoke, tmp_path, SEED_TEXT, "--published-on", "2025-10-24")
    recorded = {p["name"] for p in draft["people"] if "kind" in p}
    assert "Kim Tae-hyung" not in recorded and "Koh Yu-hwan" not in recorded
    assert _claim(draft, "almost no chances")["question"] == "north-korea-abandons-nuclear-program"
    assert draft["sources"][0]["slug"] != "trump-kim-holds-the-cards"


def test_standard_input_and_one_line_errors(invoke: Invoke, tmp_path: Path) -> None:
    text = SEED_TEXT.read_text(encoding="utf-8")
    result = invoke("extract", "-", "--published-on", "2025-10-24", input=text)
    assert "claims:" in result.output and "candidate claim(s)" in result.stderr
    err = invoke("extract", str(SEED_TEXT), ok=False).stderr
    assert "--published-on" in err
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9 owners expect a rise.\n".encode("latin-1"))
    assert "not UTF-8" in invoke("extract", str(bad), ok=False).stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert "empty" in invoke("extract", str(empty), "--published-on", "2026-01-01",
                             ok=False).stderr  # fmt: skip
    assert "--published-on" in invoke("extract", str(SEED_TEXT), "--published-on", "2026-02-30",
                                      ok=False).stderr  # fmt: skip


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("by the end of 2027", dt.date(2027, 12, 31)),
        ("next year", dt.date(2027, 12, 31)),
        ("in January", dt.date(2027, 1, 31)),
        ("in the coming months", dt.date(2026, 9, 30)),
        ("by June", dt.date(2026, 6, 30)),
        ("on 7 May", dt.date(2026, 5, 7)),
        ("this time", dt.date(2026, 3, 31)),
    ],
)
def test_horizon_words_give_the_end_of_their_period(words: str, expected: dt.date) -> None:
    found = horizon(f"a cut {words} is likely", dt.date(2026, 3, 17))
    assert found is not None and found.resolve_by == expected


def test_a_dated_remark_is_dated() -> None:
    published = dt.date(2026, 3, 17)  # a Tuesday
    assert said_on("On Friday, the deputy told a committee", published)[0] == dt.date(2026, 3, 13)
    assert said_on("In a speech last month, she said", published)[0] == dt.date(2026, 2, 28)
    undated = said_on("she said", published)
    assert undated == (published, "reported in the article; date of publication")


def test_the_evaluation_meets_its_targets(tmp_path: Path) -> None:
    """Recall of forecasts >= 0.9, precision >= 0.75, speaker >= 0.9, term >= 0.8,
    and every forecast of the seed article found."""
    engine = get_engine(f"sqlite:///{tmp_path / 'eval.db'}")
    ensure_schema(engine)
    with session_scope(engine) as session:
        scores, total = evaluate(session, annotated_set(ROOT))
    assert len(scores) >= 7 and total.gold >= 60
    assert total.recall >= 0.9, total.row()
    assert total.precision >= 0.75, total.row()
    assert total.speaker_accuracy >= 0.9, total.row()
    assert total.term_agreement >= 0.8, total.row()
    seed = scores[0]
    assert seed.article.startswith("seed") and seed.found == seed.gold, seed.missed


def test_the_annotated_set_is_sound() -> None:
    """Every gold quote and distractor is a substring of its article, and the gold
    files import (checked by their own test module's fixture-free import)."""
    for item in annotated_set(ROOT):
        text = item.text.read_text(encoding="utf-8")
        gold = yaml.safe_load(item.gold.read_text(encoding="utf-8"))
        assert all(c["quote"] in text for c in gold["claims"]), item.name
        if item.distractors is not None:
            for d in yaml.safe_load(item.distractors.read_text(encoding="utf-8")):
                assert d["text"] in text, (item.name, d["text"])


def test_the_gold_files_import(invoke: Invoke, tmp_path: Path) -> None:
    db = tmp_path / "gold.db"
    for gold in sorted(EXTRACT.glob("*.yaml")):
        if not gold.name.endswith(".distractors.yaml"):
            invoke("--db", str(db), "import", str(gold))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] >= 60
    finally:
        conn.close()


# --model: a language model through llm, here one defined by the test (no network).

MODEL_ANSWER = {
    "claims": [
        {"speaker": "Maria Okonkwo", "role": "chief economist at Halden Bank",
         "quote": "We think a 25-basis-point cut on Thursday is very likely",
         "wording": "very likely", "kind": "forecast"},
        {"speaker": "Some money-market traders",
         "quote": "the odds of a second cut at the next meeting, on 7 May, had risen sharply",
         "kind": "directional", "direction": "increase"},
        {"speaker": "Henrik Saarinen",
         "quote": "If inflation cools further in the March figures, a second cut in May is likely",
         "kind": "conditional", "condition": "If inflation cools further in the March figures"},
        {"speaker": "Maria Okonkwo", "quote": "Rates will be cut to zero by Christmas",
         "wording": "will"},
        {"speaker": "", "quote": "Under its mandate, the bank targets inflation"},
    ]
}  # fmt: skip


@pytest.fixture
def test_model() -> Iterator[list[str]]:
    """A model named tracker-test, registered as an llm plugin for the test; it
    records the prompts it is given and answers MODEL_ANSWER."""
    import json

    import llm
    from llm.plugins import pm

    prompts: list[str] = []

    class Model(llm.Model):
        model_id = "tracker-test"
        supports_schema = True

        def execute(self, prompt, stream, response, conversation):
            prompts.append(prompt.prompt)
            yield json.dumps(MODEL_ANSWER)

    class Plugin:
        __name__ = "tracker_test_model"

        @llm.hookimpl
        def register_models(self, register):
            register(Model())

    pm.register(Plugin(), name="tracker-test-model")
    try:
        yield prompts
    finally:
        pm.unregister(name="tracker-test-model")


def test_a_model_proposes_and_the_records_check(
    invoke: Invoke, tmp_path: Path, test_model: list[str]
) -> None:
    article = EXTRACT / "rate-decision-halden.txt"
    out = tmp_path / "m.yaml"
    result = invoke("extract", str(article), "--model", "tracker-test", "-o", str(out))
    assert "2 proposal(s) of the model left out" in result.stderr
    assert article.read_text(encoding="utf-8") in test_model[0]  # the article was sent
    draft = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert len(draft["claims"]) == 3
    direct = _claim(draft, "very likely")
    assert (direct["speaker"], direct["term"]) == ("Maria Okonkwo", "very likely")
    assert _claim(draft, "had risen sharply")["kind"] == "directional"
    assert _claim(draft, "second cut in May")["kind"] == "conditional"
    assert "with the model tracker-test" in out.read_text(encoding="utf-8")
    invoke("import", str(out))


def test_model_errors_are_one_line(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, test_model: list[str]
) -> None:
    article = str(EXTRACT / "rate-decision-halden.txt")
    assert "no model" in invoke("extract", article, "--model", "nonesuch", ok=False).stderr
    monkeypatch.setitem(sys.modules, "llm", None)  # as if the extra were not installed
    err = invoke("extract", article, "--model", "tracker-test", ok=False).stderr
    assert f"pip install '{DISTRIBUTION}[llm]'" in err


def test_the_seed_article_reads_as_its_seed_file(invoke: Invoke, tmp_path: Path) -> None:
    """A few sentences of each kind, as the seed file (written by hand) has them."""
    draft = _draft(invoke, tmp_path, SEED_TEXT, "--published-on", "2025-10-24")
    bright = _claim(draft, "not bright this time")
    assert (bright["speaker"], bright["scale"], bright["term"], bright["basis"]) == (
        "Many experts", "survey", "probably not", "analogy")  # fmt: skip
    expect = _claim(draft, "they expect Trump and Kim")
    assert (expect["speaker"], expect["term"]) == ("Many experts", "likely")
    assert expect["question"] != bright["question"]
    odds = _claim(draft, "increase in the odds")
    assert (odds["speaker"], odds["kind"], odds["direction"]) == ("Pan Kil-ju", "directional",
                                                                  "increase")  # fmt: skip
    assert "Korea National Diplomatic Academy" in odds["role"]
    possible = _claim(draft, "possible for Trump and Kim to meet at Panmunjom")
    assert possible["basis"] == "unscorable"
    assert possible["made_on"] == dt.date(2025, 10, 20)  # "in mid-October", as the seed reads it
    kim = _claim(draft, "suggested returning to the talks")
    assert (kim["kind"], kim["made_on"]) == ("conditional", dt.date(2025, 9, 30))  # "last month"
    nuclear = _claim(draft, "almost no chances")
    assert (nuclear["speaker"], nuclear["term"]) == ("Chung", "almost no chance")
    people = {p["name"]: p for p in draft["people"]}
    assert "Chung" in people["Chung Jin-young"]["aliases"]
    assert "Kim" in people["Kim Jong Un"]["aliases"]


def test_the_seed_draft_imports_into_an_empty_database(invoke: Invoke, tmp_path: Path) -> None:
    draft = _draft(invoke, tmp_path, SEED_TEXT, "--published-on", "2025-10-24")
    text = SEED_TEXT.read_text(encoding="utf-8")
    assert all(c["quote"] in text for c in draft["claims"])
    invoke(
        "--db", str(tmp_path / "fresh.db"), "import", str(tmp_path / f"{SEED_TEXT.stem}.draft.yaml")
    )


def test_odd_articles_still_draft_a_file_that_imports(invoke: Invoke, tmp_path: Path) -> None:
    article = tmp_path / "odd.txt"
    article.write_text(
        "Leap-day markets\n\nBy A. Reporter | Example Times | 29 February 2028\n\n"
        '"A cut is very likely," said François Villeroy de Galhau, the governor. '
        "Łukasz Nowak said a deal was very\u2028unlikely. Analysts expect a rally.\n",
        encoding="utf-8",
    )
    draft = _draft(invoke, tmp_path, article, "--title", "Leap-day\nsources: []")
    speakers = {c["speaker"] for c in draft["claims"]}
    assert {"François Villeroy de Galhau", "Łukasz Nowak"} <= speakers
    assert all("--" not in p.get("slug", "") for p in draft["people"])
    invoke("import", str(tmp_path / "odd.draft.yaml"))


def test_a_surname_alone_is_not_someone_already_recorded(invoke: Invoke, tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text("Econ\n\nBy A | B | 3 March 2026\n\nAdam Smith said a cut was likely. "
                     "Smith said inflation would probably fall.\n", encoding="utf-8")  # fmt: skip
    _draft(invoke, tmp_path, first)
    invoke("import", str(tmp_path / "first.draft.yaml"))
    second = tmp_path / "second.txt"
    second.write_text("Football\n\nBy A | B | 4 March 2026\n\nJohn Smith said a win was likely.\n",
                      encoding="utf-8")  # fmt: skip
    draft = _draft(invoke, tmp_path, second)
    assert {"name": "John Smith", "kind": "person"}.items() <= draft["people"][0].items()


def _article(tmp_path: Path, name: str, body: str) -> Path:
    article = tmp_path / f"{name}.txt"
    article.write_text(f"Headline\n\nBy A. Writer | The Test Times | 2 March 2026\n\n{body}\n",
                       encoding="utf-8")  # fmt: skip
    return article


def test_background_in_the_articles_own_voice_is_the_reporters(
    invoke: Invoke, tmp_path: Path
) -> None:
    """A clause dating an event and naming no one who expects it ("a congress
    expected in January") is the reporter's, not the speaker's around it; a
    schedule in a speaker's own quotation, or as a predicate, stays as it is."""
    article = _article(tmp_path, "background", (
        "Ines Marlow said the mayor will likely resign before a party congress expected in "
        "January. \"We will sign it at the summit scheduled for May,\" said Tomas Brenn. The "
        "final vote is expected in March. The deal that Brenn expected by June fell through."
    ))  # fmt: skip
    draft = _draft(invoke, tmp_path, article)
    background = _claim(draft, "a party congress expected in January")
    assert background["speaker"] == "the reporter" and background["term"] == "likely"
    assert background["quote"] == "a party congress expected in January"
    marlow = _claim(draft, "mayor will likely resign")
    assert marlow["speaker"] == "Ines Marlow" and marlow["quote"].endswith("a party congress")
    brenn = _claim(draft, "summit scheduled for May")
    assert brenn["speaker"] == "Tomas Brenn"
    assert [c["quote"] for c in draft["claims"] if c["speaker"] == "the reporter"] == [
        "a party congress expected in January"
    ]
    reporter = next(p for p in draft["people"] if "the reporter" in p.get("aliases", []))
    assert reporter["kind"] == "person" and reporter["slug"].endswith("-reporter")
    invoke("import", str(tmp_path / "background.draft.yaml"))


def test_talk_going_round_and_stated_positions_have_their_speakers(
    invoke: Invoke, tmp_path: Path
) -> None:
    article = _article(tmp_path, "hearsay", (
        "Rumours are swirling in the capital that the cabinet may resign this week. It would "
        "end the stated view of the ruling coalition that the government will serve its full "
        "term. Amid growing speculation that the finance minister could quit, markets fell. "
        "Speculation about the cabinet is nothing new."
    ))  # fmt: skip
    draft = _draft(invoke, tmp_path, article)
    assert _claim(draft, "cabinet may resign")["speaker"] == "rumours"
    position = _claim(draft, "government will serve its full term")
    assert position["speaker"] == "the ruling coalition"
    assert position["quote"] == "the government will serve its full term"
    assert _claim(draft, "finance minister could quit")["speaker"] == "speculation"
    assert len(draft["claims"]) == 3
    names = {p["name"] for p in draft["people"]}
    assert any(n.startswith("The ruling coalition (") and "unnamed" not in n for n in names)
    invoke("import", str(tmp_path / "hearsay.draft.yaml"))


def test_a_stated_effect_is_directional(invoke: Invoke, tmp_path: Path) -> None:
    article = _article(tmp_path, "effect", (
        "Ines Marlow said easing the tariffs would have an impact on calls for a boycott. "
        "Tomas Brenn said a strike would weaken the union. Marlow said the vote would have no "
        "impact on prices."
    ))  # fmt: skip
    draft = _draft(invoke, tmp_path, article)
    impact = _claim(draft, "would have an impact")
    assert (impact["kind"], impact["direction"], impact["basis"]) == ("directional", "increase",
                                                                      "unscorable")  # fmt: skip
    assert _claim(draft, "would weaken")["direction"] == "decrease"
    assert not [c for c in draft["claims"] if "no impact" in c["quote"]]


def test_a_recorded_question_is_matched_on_its_own_event(invoke: Invoke, tmp_path: Path) -> None:
    """Of two recorded questions sharing the claim's words, the one whose main
    clause is the claim's event, not the one where it is only the "before" part."""
    questions = tmp_path / "questions.yaml"
    questions.write_text(yaml.safe_dump({"questions": [
        {"slug": "sanctions-eased-first", "resolve_by": dt.date(2029, 1, 20),
         "title": "US sanctions on North Korea are eased before North Korea abandons its "
                  "nuclear programme",
         "criteria": "YES if sanctions are eased first. NO otherwise."},
        {"slug": "north-korea-gives-up-nuclear", "resolve_by": dt.date(2030, 12, 31),
         "title": "North Korea commits to giving up its nuclear weapons programme",
         "criteria": "YES if North Korea commits to it. NO otherwise."},
    ]}))  # fmt: skip
    invoke("import", str(questions))
    article = _article(tmp_path, "event", (
        "Chung Jin-young said there are almost no chances for North Korea to abandon its "
        "nuclear program."
    ))  # fmt: skip
    draft = _draft(invoke, tmp_path, article)
    assert _claim(draft, "almost no chances")["question"] == "north-korea-gives-up-nuclear"
