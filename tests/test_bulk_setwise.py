"""Bulk claims written set-wise: the screen for canonical rows agrees with the
model, and the set-wise writer gives the same rows, search entries and score
totals as adding the claims one at a time, naming each refused row by its
line and its rule."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, pg_database
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tracker.records import ClaimIn
from tracker.services import bulk
from tracker.services.bulk_screen import csv_screen, json_screen
from tracker.synthetic import CSV_COLUMNS, generate
from tracker.vocabulary import BINARY_RESULTS, CLAIM_KINDS, DIRECTIONS, MAPPING_BASES

# --- the screen agrees with the model ---------------------------------------------------------

_TEXTS = ["Ana Kim 3", "the talks will resume", " padded ", "tab\there", "line\nbreak", " ",
          "\u00a0", "\x07bell", "Zoë Ñandú", "\u202eevil", "日本語の引用", "\r", "a\u2028b",
          "likely", "Very Likely ", "\ufeffmark"]  # fmt: skip
_SLUGS = ["src-0000001", "q-0000002", "icd203", "survey", "Src", "a--b", "-a", "a-", "a\n",
          "ab cd", "x" * 201, "ş", "0"]  # fmt: skip
_DATES = ["2025-01-01", "2024-02-29", "2025-02-30", " 2025-01-01", "2025-01-01 ", "2025-1-1",
          "2025-01-01T00:00", "01/02/2025", "0000-01-01", "9999-12-31", "2025-01-01\n",
          "\x0c2025-01-01", "２０２５-01-01"]  # fmt: skip
_NUMBERS = ["0", "1", "0.5", "1.0", "1.5", "-0.1", "-0", "-0.0", ".5", "5.", "1e-1", " 0.5",
            "0.5 ", "nan", "inf", "-inf", "00.5", "0.1000000000000000055511151231257827",
            "1.00000000000000001", "1" * 25, "4000", "-3800.25", "0x1", "1_0", "+0.5",
            "٣"]  # fmt: skip


def _one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in ``n`` draws: a value inside a range, which Hypothesis
    draws about evenly (it favours the range's ends)."""
    return st.integers(0, n - 1).map(lambda k: k == n // 2)


def _mostly(canonical: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """Values in canonical form most of the time, else a near miss or anything."""
    return _one_in(8).flatmap(lambda rare: odd if rare else canonical)


def _odd(spellings: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(spellings), st.text(max_size=8))


_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Cf"))
_CANONICAL: dict[str, st.SearchStrategy[str]] = {
    "text": st.text(_PRINTABLE, min_size=1, max_size=16).filter(str.strip),
    "slug": st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True),
    "date": st.dates().map(lambda d: d.isoformat()),
    "probability": st.from_regex(r"0(\.\d{1,17})?|1(\.0{1,3})?", fullmatch=True),
    "number": st.from_regex(r"-?\d{1,12}(\.\d{1,12})?", fullmatch=True),
}
_KIND_OF = {
    **dict.fromkeys(("speaker", "quote", "role", "made_on_note", "wording", "term", "note"),
                    "text"),
    **dict.fromkeys(("source", "question", "scale", "condition_question"), "slug"),
    "made_on": "date",
    **dict.fromkeys(("probability", "low", "high"), "probability"),
    **dict.fromkeys(("value", "above", "below"), "number"),
}  # fmt: skip
_ODD = {"text": _odd(_TEXTS), "slug": _odd(_SLUGS), "date": _odd(_DATES),
        "probability": _odd(_NUMBERS), "number": _odd(_NUMBERS)}  # fmt: skip


def _words(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    odd = [w.upper() for w in words] + [f" {w}" for w in words] + [w.title() for w in words]
    return _mostly(st.sampled_from(words), _odd([*odd, "guess", ""]))


_CELLS: dict[str, st.SearchStrategy[str]] = {
    **{c: _mostly(_CANONICAL[k], _ODD[k]) for c, k in _KIND_OF.items()},
    "range": _mostly(
        st.tuples(_CANONICAL["number"], _CANONICAL["number"]).map(";".join),
        _odd(["1;2", "2;1", "1;2;3", "1", " 1;2", "1; 2", "1;;2", ";"]),
    ),
    "kind": _words(CLAIM_KINDS), "basis": _words(MAPPING_BASES),
    "direction": _words(DIRECTIONS), "side": _words(BINARY_RESULTS),
    "condition_result": _words(BINARY_RESULTS),
    "extra": st.sampled_from(["", "", "", "x"]),  # a column no claim has
}  # fmt: skip
_REQUIRED = ["speaker", "source", "made_on", "quote"]


def _same_values(screened: Any, model: ClaimIn) -> None:
    """The screen's record holds what the model holds, to the type and the bit."""
    for name in ClaimIn.model_fields:
        mine, theirs = getattr(screened, name), getattr(model, name)
        assert type(mine) is type(theirs), name
        assert repr(mine) == repr(theirs), name


@st.composite
def _csv_rows(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    optional = sorted(draw(st.sets(st.sampled_from(sorted(set(_CELLS) - set(_REQUIRED))))))
    required = [c for c in _REQUIRED if not draw(_one_in(30))]  # now and then one is missing
    header = draw(st.permutations(required + optional))
    if draw(_one_in(40)) and header:
        header = [*header, header[0]]  # a column named twice
    # Most optional cells empty, as in a real file: fewer rows break a rule
    # between fields (two number forms, a low without a high), more reach the end.
    row = [draw(_CELLS[c]) if c in _REQUIRED or draw(_one_in(3)) else ""
           for c in header]  # fmt: skip
    if draw(_one_in(40)):
        row = row[:-1] if draw(st.booleans()) else [*row, "more"]
    return header, row


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_csv_rows())
def test_what_the_screen_accepts_from_csv_the_model_accepts_alike(
    case: tuple[list[str], list[str]],
) -> None:
    header, row = case
    screened = csv_screen(header)(row)
    if screened is None:
        return  # the model's: the reader hands the row to ClaimIn
    model = ClaimIn.model_validate(bulk._csv_row(bulk._csv_dict(header, row)))
    _same_values(screened, model)


_JSON_ODD = st.one_of(
    st.sampled_from(_TEXTS + _SLUGS + _DATES + _NUMBERS),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.sampled_from([*_NUMBERS, 1, 2.5, True, None]), max_size=3),
)
_JSON_NUMBERS = {
    "probability": st.one_of(st.floats(0, 1), st.integers(0, 1)),
    "number": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers()),
}


def _json_value(name: str) -> st.SearchStrategy[Any]:
    kind = _KIND_OF.get(name)
    if kind in _JSON_NUMBERS:
        return _mostly(_JSON_NUMBERS[kind], st.one_of(_CELLS[name], _JSON_ODD))
    if name == "range":
        pair = st.tuples(_JSON_NUMBERS["number"], _JSON_NUMBERS["number"]).map(list)
        return _mostly(pair, st.one_of(_CELLS[name], _JSON_ODD))
    return _one_in(20).flatmap(lambda rare: _JSON_ODD if rare else _CELLS[name])


@st.composite
def _json_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in draw(st.permutations(sorted({*_CELLS, "condition", "appearances"}))):
        if name in _REQUIRED and draw(_one_in(30)):
            continue
        if name not in _REQUIRED and not draw(_one_in(4)):
            continue
        if name == "condition":
            row[name] = draw(_mostly(
                st.fixed_dictionaries({"question": _CELLS["condition_question"],
                                       "result": _CELLS["condition_result"]}),
                st.one_of(st.dictionaries(st.sampled_from(["question", "result", "other"]),
                                          _JSON_ODD), _JSON_ODD),
            ))  # fmt: skip
        elif name == "appearances":
            row[name] = draw(st.sampled_from([[], [], [{"source": "a", "quote": "q"}], None]))
        elif name in ("condition_question", "condition_result"):
            continue  # CSV's columns; JSON nests them
        elif name != "extra" or draw(_one_in(10)):
            row[name] = draw(_json_value(name))
    return row


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_rows())
def test_what_the_screen_accepts_from_json_the_model_accepts_alike(row: dict[str, Any]) -> None:
    parsed = json.loads(json.dumps(row))  # as the reader has it: NaN, big integers and all
    screened = json_screen(parsed)
    if screened is None:
        return
    _same_values(screened, ClaimIn.model_validate(parsed))


def test_the_screen_takes_every_row_of_a_program_written_file(tmp_path: Path) -> None:
    """The quick path is the common one: every synthetic row passes the screen."""
    generate(tmp_path, 400, seed=2)
    with (tmp_path / "claims.csv").open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    screen = csv_screen(header)
    assert all(screen(row) is not None for row in rows)
    lines = (tmp_path / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json_screen(json.loads(line)) is not None for line in lines)


def test_a_row_the_screen_leaves_is_validated_by_the_model(invoke: Invoke, tmp_path: Path) -> None:
    """Another spelling the model accepts is imported; one it refuses is named
    with the model's own words."""
    path = tmp_path / "claims.csv"
    path.write_text(
        "speaker,source,made_on,quote,kind,probability\n"
        "Someone,somewhere,2025-01-01,q,opinion,1e-1\n",
        encoding="utf-8",
    )
    assert csv_screen(["probability"])(["1e-1"]) is None
    result = invoke("import", str(path), ok=False)
    assert f"{path}:2: no speaker called" in result.stderr  # read by the model, then written
    path.write_text(
        "speaker,source,made_on,quote,probability\nSomeone,somewhere,2025-01-01,q,1.5\n",
        encoding="utf-8",
    )
    result = invoke("import", str(path), ok=False)
    assert f"{path}:2: probability: Input should be less than or equal to 1" in result.stderr


# --- set-wise writes equal row-by-row writes --------------------------------------------------

SOURCE_TEXT = "The minister said talks will likely resume before the summit."
EXTRA_SOURCES = [{"slug": "with-text", "title": "A source with its text",
                  "published_on": "2026-01-02", "text": SOURCE_TEXT}]  # fmt: skip
EXTRA_QUESTIONS = [{"slug": "gold-price", "title": "Gold at the end of 2026", "type": "numeric",
                    "unit": "US$ per ounce", "criteria": "The LBMA PM price",
                    "resolve_by": "2026-12-31"}]  # fmt: skip
COLUMNS = list(CSV_COLUMNS)  # the numbers of numeric questions among them


def _synthetic(folder: Path, n: int) -> tuple[list[dict[str, str]], list[Path]]:
    """A synthetic archive's claims as CSV rows, and the files of everything else."""
    generate(folder, n, seed=11)
    (folder / "extra.sources.jsonl").write_text(
        "".join(json.dumps(s) + "\n" for s in EXTRA_SOURCES)
    )
    (folder / "extra.questions.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in EXTRA_QUESTIONS)
    )
    with (folder / "claims.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    names = ("sources", "extra.sources", "people", "questions", "extra.questions", "outcomes")
    files = [folder / f"{name}.jsonl" for name in names]
    return rows, files


def _with_bad_rows(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], dict[int, str]]:
    """The claims with rows of every kind a bulk import refuses spread among
    them, and one of every kind it takes; returns the rows and, by line, the
    words the refusal of each bad row must hold."""
    scored = [r for r in rows if r["probability"] and not r["low"] and r["kind"] != "conditional"
              and r["question"].startswith("q-")]  # fmt: skip
    base = {**scored[0], "wording": "", "role": "", "basis": ""}

    def claim(n: int, **fields: str) -> dict[str, str]:
        return {**base, "quote": f"Bad row {n}", **fields}

    other = "0.01" if scored[3]["probability"] != "0.01" else "0.02"
    placed: list[tuple[dict[str, str], str | None]] = [
        (claim(1, made_on="2025-02-30"), 'made_on: "2025-02-30" is not a real date'),
        (claim(2, probability="1.5"), "probability: Input should be less than or equal to 1"),
        (claim(3, speaker="Nobody At All"), 'no speaker called "Nobody At All"'),
        (claim(4, source="no-such-source"), 'no source "no-such-source"'),
        (claim(5, question="no-such-question"), 'no question "no-such-question"'),
        (claim(6, probability="", term="somewhat plausible"),
         'term "somewhat plausible" is not on scale icd203'),
        (claim(7, source="with-text", made_on="2026-01-01", quote="words never said"),
         "quote: not found in the text of"),
        # CHECKs only the database holds: an opinion with a probability, a
        # forecast without a question.
        (claim(8, kind="opinion", question=""),
         "directional claims and opinions carry no probability"),
        (claim(9, question=""), "a claim needs a question unless it is an opinion"),
        # A trigger: a forecast on a numeric question gives a number.
        (claim(10, question="gold-price", probability=""), "a claim on a numeric question"),
        # The same key as a row in an earlier batch, with another field.
        ({**rows[1], "role": "someone else"}, "is already recorded with other values (role:"),
        # Rows a bulk import takes: the same row twice, a quote found in its
        # source's text, a number on the numeric question, spellings only the
        # model reads.
        (dict(scored[5]), None),
        ({**base, "source": "with-text", "made_on": "2026-01-01",
          "quote": "talks will likely resume"}, None),
        ({**base, "quote": "gold at 4,000", "question": "gold-price", "probability": "",
          "value": "4000", "basis": "unscorable"}, None),
        ({**base, "quote": "another spelling", "probability": "5e-1",
          "made_on": f" {base['made_on']}"}, None),
    ]  # fmt: skip
    out = list(rows)
    for n, (row, _) in enumerate(placed):
        out.insert(8 + 9 * n, row)  # rows 8, 17, …: batches of 7 hold one or none
    # The same key as the row just before it (the same batch, mostly), with another probability.
    out.insert(out.index(scored[3]) + 1, {**scored[3], "probability": other})
    words = {id(row): w for row, w in placed if w is not None}
    words[id(out[out.index(scored[3]) + 1])] = "is already recorded with other values (probability:"
    expected = {n + 2: words[id(row)] for n, row in enumerate(out) if id(row) in words}
    return out, expected


def _write_csv(path: Path, rows: list[dict[str, str] | None]) -> None:
    """The claims file; a row taken out leaves its line blank, so the lines
    after it keep their numbers."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if row is None:
            out.write("\n")
        else:
            writer.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8")


def _row_by_row(db: Path, files: list[Path], rows: list[dict[str, str]]) -> set[int]:
    """The reference: the same claims added one at a time, each in its own
    transaction, by the services `tracker add-claim` runs; returns the lines
    it refused."""
    from tracker.db import get_engine
    from tracker.errors import TrackerError
    from tracker.schema import ensure_schema
    from tracker.services.entry import read_claim_wording, save_claim
    from tracker.writes import sqlite_write

    engine = get_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    bulk.bulk_import(engine, files, "tester")
    refused = set()
    for n, row in enumerate(rows):
        cells = [row[c] for c in COLUMNS]
        try:
            record = ClaimIn.model_validate(bulk._csv_row(bulk._csv_dict(COLUMNS, cells)))
            done = sqlite_write(
                f"sqlite:///{db}",
                lambda w, r=record: save_claim(w, read_claim_wording(w, r)[0], "tester"),
            )
            assert done is not None  # written on the quick path, as add-claim writes
        except (ValidationError, TrackerError):
            refused.add(n + 2)
    return refused


def _content(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(claims)") if r[1] != "entered_at"]
    out = {
        "claims": conn.execute(f"SELECT {', '.join(columns)} FROM claims ORDER BY id").fetchall(),
        "search": conn.execute(
            "SELECT rowid, quote, wording, role, mapping_note FROM claims_fts ORDER BY rowid"
        ).fetchall(),
        "sealed": conn.execute(
            "SELECT record_id FROM ledger WHERE record_type = 'claim' ORDER BY record_id"
        ).fetchall(),
        "stale": conn.execute("SELECT stale FROM score_state").fetchall(),
    }
    for table in ("score_totals", "calibration_totals"):
        out[table] = sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in row)
            for row in conn.execute(f"SELECT * FROM {table}")
        )
    conn.close()
    return out


_STOPPED = re.compile(r"Error: (?P<file>\S+):(?P<line>\d+): (?P<message>.*)")


def test_set_wise_import_equals_row_by_row_and_names_each_refused_row(
    invoke: Invoke, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH_SIZE", 7)
    rows, files = _synthetic(tmp_path / "data", 120)
    rows, expected = _with_bad_rows(rows)
    path = tmp_path / "claims.csv"
    file_rows: list[dict[str, str] | None] = list(rows)
    _write_csv(path, file_rows)
    invoke("import", *map(str, files))
    reported: dict[int, str] = {}
    for _ in expected:  # one refused row a run, each named; taken out, the next is found
        result = invoke("import", str(path), ok=False)
        stopped = _STOPPED.search(result.stderr)
        assert stopped and stopped["file"] == str(path), result.stderr
        assert f" to {path}:" not in result.stderr  # a line, never a range of lines
        line = int(stopped["line"])
        assert line in expected and line not in reported, result.stderr
        assert expected[line] in stopped["message"], (line, stopped["message"])
        if sum(r is not None for r in file_rows[: line - 2]) >= bulk.BATCH_SIZE:
            assert "were imported; fix this one and import again" in stopped["message"]
        reported[line] = stopped["message"]
        file_rows[line - 2] = None
        _write_csv(path, file_rows)
    assert reported.keys() == expected.keys()
    invoke("import", str(path))

    reference = tmp_path / "rows.db"
    assert _row_by_row(reference, files, rows) == set(expected)
    assert _content(db_path) == _content(reference)

    again = json.loads(invoke("import", str(path), "--json").stdout)
    assert all(r["created"] == 0 for r in again)
    assert _content(db_path) == _content(reference)
    invoke("verify")


def test_a_refused_row_leaves_whole_batches_and_no_half_batch(
    invoke: Invoke, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH_SIZE", 4)
    rows, files = _synthetic(tmp_path / "data", 120)
    invoke("import", *map(str, files))
    rows = [r for r in rows if r["probability"] and r["kind"] in ("", "forecast")][:12]
    rows[7] = {**rows[7], "kind": "opinion", "question": ""}  # line 9: a CHECK fails
    path = tmp_path / "claims.csv"
    _write_csv(path, list(rows))
    message = invoke("import", str(path), ok=False).stderr
    assert f"{path}:9: the database refused the write: directional claims and opinions" in message
    assert "lines up to 5 of claims.csv were imported" in message
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM claims").fetchone() == (4,)
    assert conn.execute("SELECT count(*) FROM claims_fts").fetchone() == (4,)
    triggers = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'claims'"
    ).fetchone()
    conn.close()
    assert triggers[0] > 0
    invoke("verify")


def test_a_reference_the_database_refuses_is_named_by_its_line(
    invoke: Invoke, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A foreign key the maps could not vouch for (a speaker removed behind
    the import's back, here a made-up one) fails the set-wise insert, which
    SQLite's conflict clauses never skip: the row is found and named."""
    rows, files = _synthetic(tmp_path / "data", 40)
    invoke("import", *map(str, files))

    class Ghostly(bulk._Maps):
        def __init__(self, conn: Any) -> None:
            super().__init__(conn)
            self.aliases["ghost"] = 10**9  # no such speaker

    monkeypatch.setattr(bulk, "_Maps", Ghostly)
    rows = rows[:6]
    rows[3] = {**rows[3], "speaker": "Ghost"}
    path = tmp_path / "claims.csv"
    _write_csv(path, list(rows))
    message = invoke("import", str(path), ok=False).stderr
    assert f"{path}:5: the database refused the write: a claim's speaker" in message
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM claims").fetchone() == (0,)
    conn.close()


def test_set_wise_claims_on_postgresql(invoke: Invoke, tmp_path: Path, monkeypatch: Any) -> None:
    """The same statements on PostgreSQL: duplicates in and across batches are
    compared, a CHECK failure is named by its line, a rerun creates nothing."""
    monkeypatch.setattr(bulk, "BATCH_SIZE", 5)
    rows, files = _synthetic(tmp_path / "data", 40)
    rows = [*rows[:12], rows[2], rows[8], *rows[12:]]  # the same rows again, lines 15 and 16
    scored = next(r for r in rows if r["probability"] and r["kind"] in ("", "forecast"))
    bad = {**scored, "quote": "an opinion with odds", "kind": "opinion", "question": ""}
    numeric = {**scored, "quote": "no number", "question": "gold-price", "probability": ""}
    path = tmp_path / "claims.csv"
    with pg_database() as url:
        monkeypatch.setenv("TRACKER_DB", url)
        invoke("import", *map(str, files))
        _write_csv(path, [*rows[:20], bad, *rows[20:]])
        message = invoke("import", str(path), ok=False).stderr
        assert f"{path}:22: the database refused the write: directional claims" in message
        _write_csv(path, [*rows[:20], numeric, *rows[20:]])  # a trigger's refusal
        message = invoke("import", str(path), ok=False).stderr
        assert f"{path}:22: the database refused the write: a claim on a numeric" in message
        _write_csv(path, list(rows))
        first = json.loads(invoke("import", str(path), "--json").stdout)
        claims = {r["section"]: r for r in first}["claims"]
        assert claims["created"] + claims["unchanged"] == len(rows)  # 4 batches were there
        again = json.loads(invoke("import", str(path), "--json").stdout)
        assert all(r["created"] == 0 for r in again)
        report = json.loads(invoke("report", "--format", "json").stdout)
        assert report["overview"]["claims"] == len(rows) - 2
