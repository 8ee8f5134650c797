"""The CLI in-process through click's CliRunner, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import ARTICLE, SEEDS, Invoke, dump

from tracker.cli import cli

EVIDENCE = "https://example.org/evidence"


def test_add_outcome_on_a_seed_question_resolves_its_claims_and_corrections_keep_history(
    seeded: Path, invoke: Invoke
) -> None:
    slug = "us-nk-talks-resume"  # open until 2029
    before = json.loads(invoke("list", "--question", slug, "--json").output)
    assert before and {c["status"] for c in before} == {"open"}

    first = invoke("add-outcome", slug, "yes", "--on", "2026-03-01", "--evidence", EVIDENCE)
    assert "resolved yes" in first.stderr
    after = json.loads(invoke("list", "--question", slug, "--json").output)
    assert {(c["status"], c["outcome"]) for c in after} == {("resolved", "yes")}
    assert {c["id"] for c in after} == {c["id"] for c in before}

    second = invoke(
        "add-outcome",
        slug,
        "no",
        "--on",
        "2026-04-30",
        "--evidence",
        EVIDENCE,
        "--note",
        "the March report was wrong",
    )
    assert "correction" in second.stderr and "supersedes" in second.stderr
    latest = json.loads(invoke("list", "--question", slug, "--json").output)
    assert {c["outcome"] for c in latest} == {"no"}

    shown = invoke("show", slug).output
    assert "YES on 2026-03-01" in shown and "NO on 2026-04-30" in shown
    assert "superseded" in shown and "current" in shown
    history = json.loads(invoke("show", slug, "--json").output)[0]["outcomes"]
    assert [(o["result"], o["current"]) for o in history] == [("yes", False), ("no", True)]
    assert history[1]["supersedes"] == history[0]["id"]

    claim_id = str(before[0]["id"])
    claim_view = invoke("show", claim_id).output
    assert "YES on 2026-03-01" in claim_view and "NO on 2026-04-30" in claim_view


def test_add_outcome_by_claim_and_repeat_is_not_a_correction(seeded: Path, invoke: Invoke) -> None:
    rows = json.loads(invoke("list", "--question", "us-nk-talks-resume", "--json").output)
    claim = str(rows[0]["id"])
    invoke("add-outcome", "--claim", claim, "no", "--on", "2025-12-31", "--evidence", EVIDENCE)
    again = invoke(
        "add-outcome", "--claim", claim, "no", "--on", "2025-12-31", "--evidence", EVIDENCE
    )
    assert "nothing recorded" in again.stderr
    conn = sqlite3.connect(seeded)
    assert (
        conn.execute(
            "SELECT count(*) FROM outcomes o JOIN questions q ON q.id = o.question_id "
            "WHERE q.slug = 'us-nk-talks-resume'"
        ).fetchone()[0]
        == 1
    )


def test_record_by_hand_from_nothing(invoke: Invoke, db_path: Path, tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("Officials said a deal is very likely before June.", encoding="utf-8")
    invoke(
        "add-source",
        "--title",
        "A report",
        "--slug",
        "a-report",
        "--url",
        "https://example.org/a",
        "--published-on",
        "2026-01-05",
        "--text-file",
        str(text),
    )
    invoke("add-person", "Jane Roe", "--alias", "J. Roe")
    invoke(
        "add-question",
        "--slug",
        "deal-by-june",
        "--title",
        "A deal by June",
        "--criteria",
        "A signed deal by 2026-06-30",
        "--resolve-by",
        "2026-06-30",
        "--tag",
        "deals",
    )
    out = invoke(
        "add-claim",
        "--speaker",
        "j roe",
        "--source",
        "a-report",
        "--made-on",
        "2026-01-05",
        "--quote",
        "a deal is very likely before June",
        "--question",
        "deal-by-june",
        "--wording",
        "very likely",
        "--term",
        "very likely",
        "--json",
    ).output
    claim = json.loads(out)[0]
    assert claim["basis"] == "standard_scale"
    invoke("add-outcome", "deal-by-june", "yes", "--on", "2026-05-02", "--evidence", EVIDENCE)
    rows = json.loads(invoke("list", "--tag", "deals", "--json").output)
    assert len(rows) == 1
    assert rows[0]["probability"] == pytest.approx(0.875)
    assert (rows[0]["prob_low"], rows[0]["prob_high"]) == (0.8, 0.95)
    assert rows[0]["outcome"] == "yes" and rows[0]["speaker"] == "Jane Roe"


def claim_args(*extra: str, made_on: str = "2025-10-24", speaker: str = "Ban") -> list[str]:
    """add-claim arguments for a seed speaker and source, plus ``extra``."""
    return [
        "add-claim", "--speaker", speaker, "--source", "trump-kim-holds-the-cards",
        "--made-on", made_on, "--quote", "Ban", *extra,
    ]  # fmt: skip


ON_QUESTION = ("--question", "us-nk-talks-resume")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (claim_args(speaker="Nobody Known"), 'no speaker called "Nobody Known"'),
        (
            [*claim_args()[:-2], "--quote", "words never said", *ON_QUESTION],
            "quote: not found in the text of",
        ),
        (claim_args(made_on="2025-13-01"), "--made-on:"),
        (claim_args(*ON_QUESTION, "--probability", "1.5"), "--probability:"),
        (claim_args(*ON_QUESTION, "--probability", "nan"), "--probability:"),
        (
            claim_args(*ON_QUESTION, "--low", "0.6", "--high", "0.2"),
            "low (0.6) is above high (0.2)",
        ),
        (claim_args(*ON_QUESTION, "--term", "fairly likely"), "not on scale icd203"),
        (claim_args("--kind", "forecast"), "needs a question unless it is an opinion"),
        (
            [
                "add-outcome",
                "no-such-question",
                "yes",
                "--on",
                "2025-01-01",
                "--evidence",
                EVIDENCE,
            ],
            'no question "no-such-question"',
        ),
        (["add-outcome", "us-nk-talks-resume", "maybe", "--on", "2025-01-01"], "RESULT must be"),
        (["add-outcome", "us-nk-talks-resume", "yes", "--on", "2025-01-01"], "needs evidence"),
        (["add-person", "Ban", "--alias", "Kim Teo"], "already belongs to Kim Taewoo"),
        (["list", "--speaker", "Pan Kil-jo"], 'did you mean "Pan Kil-ju"'),
        (["show", "9999"], "no claim 9999"),
    ],
)
def test_bad_input_is_one_line_nonzero_and_writes_nothing(
    seeded: Path, invoke: Invoke, args: list[str], message: str
) -> None:
    before = dump(seeded)
    result = invoke(*args, ok=False)
    assert message in result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert dump(seeded) == before


def test_import_failure_names_file_record_and_field_and_writes_nothing(
    invoke: Invoke, db_path: Path, tmp_path: Path
) -> None:
    good = tmp_path / "a.yaml"
    good.write_text(
        "sources:\n  - slug: s1\n    title: S\npeople:\n  - name: A Person\n", encoding="utf-8"
    )
    bad = tmp_path / "b.yaml"
    bad.write_text(
        "questions:\n  - slug: q1\n    title: Q\n    criteria: C\n    resolve_by: 2026-02-30\n",
        encoding="utf-8",
    )
    invoke("init")
    before = dump(db_path)
    result = invoke("import", str(tmp_path), ok=False)
    assert f'{bad}: questions[0]: resolve_by: "2026-02-30" is not a real date' in result.output
    assert dump(db_path) == before


def test_import_rejects_a_rewritten_outcome_history(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    changed = tmp_path / "rewrite.yaml"
    changed.write_text(
        "outcomes:\n  - question: wpk-congress-in-january-2026\n    result: 'yes'\n"
        "    occurred_on: 2026-01-31\n    evidence_url: https://example.org/x\n",
        encoding="utf-8",
    )
    before = dump(seeded)
    result = invoke("import", str(changed), ok=False)
    assert "append-only" in result.output
    assert dump(seeded) == before


@pytest.mark.parametrize("fmt", ["--json", "--csv", "--nl", "--table"])
def test_list_formats(seeded: Path, invoke: Invoke, fmt: str) -> None:
    out = invoke("list", "--speaker", "Koh Yu-hwan", fmt).output
    if fmt == "--json":
        assert len(json.loads(out)) == 2
    elif fmt == "--nl":
        assert len([json.loads(line) for line in out.splitlines()]) == 2
    elif fmt == "--csv":
        lines = out.strip().splitlines()
        assert lines[0].startswith("id,made_on,speaker") and len(lines) == 3
    else:
        assert "Koh Yu-hwan" in out and "conditional" in out


def test_list_filters(seeded: Path, invoke: Invoke) -> None:
    def ids(*args: str) -> set[int]:
        return {r["id"] for r in json.loads(invoke("list", *args, "--json").stdout)}

    # Every past question of the seeds has an outcome: one more, overdue.
    invoke("add-question", "--slug", "past-due", "--title", "Past due", "--criteria", "c",
           "--resolve-by", "2025-12-01")  # fmt: skip
    invoke("add-claim", "--speaker", "Koh Yu-hwan", "--source", "trump-kim-holds-the-cards",
           "--quote", "Trump will have to bring something", "--question", "past-due",
           "--probability", "0.4")  # fmt: skip
    everything = ids()
    resolved, overdue, open_ = (
        ids("--status", "resolved"),
        ids("--status", "overdue"),
        ids("--status", "open"),
    )
    assert resolved and overdue and open_
    assert not (resolved & overdue) and not (resolved & open_) and not (overdue & open_)
    assert ids("--since", "2025-10-21") < everything
    assert ids("--tag", "wpk-congress") == ids("--question", "wpk-congress-in-january-2026") | ids(
        "--question", "kim-decides-on-diplomacy-at-congress"
    )
    assert len(ids("--limit", "3")) == 3


def test_filters_cannot_inject(seeded: Path, invoke: Invoke) -> None:
    evil = "x' OR 1=1 --"
    assert json.loads(invoke("list", "--tag", evil, "--json").output) == []
    for option in ("--speaker", "--question"):
        assert "no " in invoke("list", option, evil, ok=False).output
    assert "--since" in invoke("list", "--since", evil, ok=False).output
    report = json.loads(invoke("report", "--tag", evil, "--format", "json").output)
    assert report["overview"]["claims"] == 0
    assert "no speaker" in invoke("report", "--speaker", evil, ok=False).output


def test_every_command_has_help_with_an_example(invoke: Invoke) -> None:
    def walk(group, prefix):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            yield [*prefix, name], command
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])

    for path, _command in walk(cli, []):
        out = invoke(*path, "-h").output
        assert "Example" in out, path


def test_prompts_in_a_terminal_and_refuses_without_one(
    seeded: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke("add-question", "--slug", "x-q", ok=False)
    assert "missing --title" in result.output
    monkeypatch.setattr("tracker.cli._interactive", lambda: True)
    out = invoke(
        "add-question", "--slug", "x-q", input="A title\nSome criteria\n2027-01-01\n"
    ).output
    assert "x-q" in out


def test_article_text_kept_exactly(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    text, digest = conn.execute("SELECT text, content_hash FROM sources").fetchone()
    import hashlib

    assert text == ARTICLE.read_text(encoding="utf-8")
    assert digest == hashlib.sha256(text.encode()).hexdigest()


def test_a_claim_repeated_in_another_source_keeps_its_first(
    seeded: Path, invoke: Invoke, tmp_path: Path
) -> None:
    wire = tmp_path / "wire.txt"
    wire.write_text("Ban said Kim will likely decide whether to resume diplomacy soon.", "utf-8")
    invoke("add-source", "--title", "Wire copy", "--slug", "wire-copy", "--text-file", str(wire))
    claim = str(json.loads(invoke("list", "--speaker", "Ban", "--json").output)[1]["id"])
    quote = "Kim will likely decide whether to resume diplomacy"
    invoke("add-appearance", claim, "--source", "wire-copy", "--quote", quote, "--on", "2025-10-25")
    again = invoke(
        "add-appearance", claim, "--source", "wire-copy", "--quote", quote, "--on", "2025-10-25",
        "--json",
    )  # fmt: skip
    assert json.loads(again.output)[0]["action"] == "unchanged"
    shown = json.loads(invoke("show", claim, "--json").output)[0]
    assert shown["source"]["slug"] == "trump-kim-holds-the-cards"
    assert [a["source"] for a in shown["appearances"]] == ["wire-copy"]
    assert "Also in (appearance 1): Wire copy" in invoke("show", claim).output

    for args, message in [
        (["--source", "wire-copy", "--quote", "never said"], "quote: not found in the text"),
        (["--source", "trump-kim-holds-the-cards", "--quote", quote], "already the claim's first"),
        (["--source", "wire-copy", "--quote", quote, "--on", "2025-01-01"], "before the claim"),
        (["--source", "wire-copy", "--quote", quote], "appeared_on: 2025-10-25 → (none)"),
    ]:
        assert message in invoke("add-appearance", claim, *args, ok=False).output


def test_appearances_in_seed_files(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    import yaml

    (tmp_path / "other.txt").write_text("Officials: it is unlikely.", "utf-8")
    recorded = yaml.safe_load((SEEDS / "trump-kim-north-korea-holds-the-cards.yaml").read_text())
    claim = next(c for c in recorded["claims"] if c["quote"].startswith("Trump will have to"))
    # The claim as recorded, repeated with a later appearance: the record is
    # the same, so only the appearance is added.
    later = {"source": "other", "quote": "unlikely", "appeared_on": "2025-10-30"}
    claim = {**claim, "made_on": str(claim["made_on"]), "appearances": [later]}
    seed = tmp_path / "more.yaml"
    seed.write_text(
        yaml.safe_dump(
            {
                "sources": [{"slug": "other", "title": "Other", "text_file": "other.txt"}],
                "claims": [claim],
            }
        ),
        "utf-8",
    )
    invoke("import", str(seed))
    conn = sqlite3.connect(seeded)
    assert conn.execute("SELECT count(*) FROM claim_appearances").fetchone()[0] == 1
    before = dump(seeded)
    invoke("import", str(seed))
    assert dump(seeded) == before


def test_list_pages_a_terminal_table(seeded: Path, invoke: Invoke) -> None:
    """A table shows the first rows and says how many more; data formats give all."""
    total = len(json.loads(invoke("list", "--json").stdout))
    assert total == len(json.loads(invoke("list", "--limit", "0", "--json").stdout))
    shown = invoke("list", "--limit", "5")
    assert shown.stdout.count("\n") < total
    assert f"… and {total - 5} more (--limit 0 for all)" in shown.stderr
    assert "more" not in invoke("list").stderr  # fewer than the default 100
    assert len(json.loads(invoke("list", "--limit", "3", "--json").stdout)) == 3
    first = invoke("list", "--status", "resolved", "--limit", "1").stderr
    resolved = len(json.loads(invoke("list", "--status", "resolved", "--json").stdout))
    assert f"… and {resolved - 1} more" in first
