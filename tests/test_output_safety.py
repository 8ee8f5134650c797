"""Nothing raw reaches a terminal or a spreadsheet: control characters are
refused on the way in (every text field, --by and $TRACKER_USER included), shown
as codes on the way out if raw SQL stored them, and CSV parses back and does
not run as formulas."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Invoke

ESC = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"  # an OSC 8 hyperlink
HOSTILE = {
    "an escape sequence": "\x1b[2J",
    "a carriage return": "ok\rrewritten",
    "a C1 control (CSI)": "x\x9b2J",
    "a right-to-left override": "evil\u202etxt.exe",
    "an isolate": "a\u2066b",
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_control_characters_are_refused_in_every_text_field(
    seeded: Path, invoke: Invoke, what: str
) -> None:
    bad = HOSTILE[what]
    code = f"U+{ord(next(c for c in bad if not c.isalnum() and c not in ' .')):04X}"
    for args in (
        ["add-person", f"Name {bad}"],
        ["add-question", "--slug", "q-x", "--title", f"T {bad}", "--criteria", "C",
         "--resolve-by", "2026-06-30"],
        ["add-person", "Someone", "--by", f"me {bad}"],
        ["edit", "question", "trump-kim-meet-within-months", "--title", "T",
         "--reason", f"why {bad}"],
    ):  # fmt: skip
        message = invoke(*args, ok=False).output
        assert code in message, (args, message)


def test_tracker_user_is_checked_like_by(
    seeded: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_USER", ESC)
    message = invoke("add-person", "Someone", ok=False).output
    assert message.startswith("Error: $TRACKER_USER: contains a control character (U+001B)")


def test_stored_control_characters_are_shown_not_acted_on(seeded: Path, invoke: Invoke) -> None:
    conn = sqlite3.connect(seeded)
    conn.execute("UPDATE people SET name = ? WHERE id = 2", (f"Ban{ESC}\x9b2J",))
    conn.commit()
    conn.close()
    for args in (["show", "6"], ["list"], ["report"], ["report", "--format", "markdown"]):
        out = invoke(*args).output
        assert "\x1b" not in out and "\x9b" not in out, args
        assert "<U+001B>" in out, args
    for args in (["list", "--json"], ["show", "6", "--json"], ["report", "--json"]):
        out = invoke(*args).output
        assert "\x1b" not in out and "\x9b" not in out, args
        assert "\\u001b" in out and "\\u009b" in out, args
        json.loads(out)


def test_csv_parses_back_and_does_not_run_as_formulas(
    invoke: Invoke, db_path: Path, tmp_path: Path
) -> None:
    article = tmp_path / "a.txt"
    article.write_text('=HYPERLINK("https://evil.example") said it.\n', encoding="utf-8")
    invoke("add-source", "--title", "T", "--slug", "t", "--text-file", str(article))
    invoke("add-person", "@SUM(A1)", "--kind", "group")
    quote = '=HYPERLINK("https://evil.example")'
    invoke("add-claim", "--speaker", "@SUM(A1)", "--source", "t", "--made-on", "2026-01-01",
           "--kind", "opinion", "--quote", quote, "--role", "line one\nline two")  # fmt: skip
    out = invoke("show", "1", "--csv").output
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 1
    assert rows[0]["quote"] == "'" + quote and rows[0]["speaker"] == "'@SUM(A1)"
    assert rows[0]["role"] == "line one\nline two"
    raw = list(csv.DictReader(io.StringIO(invoke("show", "1", "--csv-raw").output, newline="")))
    assert raw[0]["quote"] == quote and raw[0]["speaker"] == "@SUM(A1)"
    listed = list(csv.DictReader(io.StringIO(invoke("list", "--csv").output, newline="")))
    assert listed[0]["speaker"] == "'@SUM(A1)" and listed[0]["probability"] == ""
