"""Rendering rows: a human table by default, ``--json``, ``--csv`` or ``--nl`` for data."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from tracker.text import visible

FORMATS = ("table", "json", "csv", "nl")


def json_default(value: Any) -> Any:
    """JSON for what databases return beyond JSON's types: PostgreSQL's
    NUMERIC sums come back as Decimal, dates as date objects."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --json / --csv / --csv-raw / --nl (and the default, --table) to a
    command; the command receives ``fmt``."""
    options = [
        click.option(
            "--table", "fmt", flag_value="table", default=True, help="A human table (default)."
        ),
        click.option("--json", "fmt", flag_value="json", help="A JSON array."),
        click.option(
            "--csv", "fmt", flag_value="csv",
            help="CSV with a header row, safe to open in a spreadsheet.",
        ),
        click.option(
            "--csv-raw", "fmt", flag_value="csv-raw",
            help="CSV with every cell as stored (for data pipelines: no formula guard).",
        ),
        click.option(
            "--nl", "fmt", flag_value="nl", help="Newline-delimited JSON, one object a line."
        ),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


def _cell(value: Any, width: int | None) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    text = visible(str(value).replace("\n", " "))
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


# Characters JSON leaves as they are but a terminal may act on (C1 controls,
# bidirectional overrides): written as \u escapes, which JSON reads the same.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON as the tracker writes it: UTF-8, nothing a terminal acts on."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=json_default)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


# A cell a spreadsheet would run as a formula starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text
    by a leading apostrophe (numbers are left alone: -0.5 is a number)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Sequence[dict[str, Any]], raw: bool = False) -> None:
    """CSV with a header row. Lines end in CRLF (RFC 4180), so a CR or LF inside
    a cell is always quoted and the file parses back; unless ``raw``, cells a
    spreadsheet would run as formulas are neutralised."""
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row if raw else {k: _spreadsheet_safe(v) for k, v in row.items()})


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    width: int | None = 60,
    empty: str = "nothing to show",
) -> None:
    """Write rows in the chosen format; ``columns`` picks and orders the table's columns
    (data formats always carry every field)."""
    if fmt == "json":
        click.echo(json_text(list(rows), indent=2))
    elif fmt == "nl":
        for row in rows:
            click.echo(json_text(row))
    elif fmt in ("csv", "csv-raw"):
        write_csv(rows, raw=fmt == "csv-raw")
    else:
        if not rows:
            click.echo(empty, err=True)
            return
        from tabulate import tabulate

        cols = list(columns or rows[0])
        table = [[_cell(row.get(c), width) for c in cols] for row in rows]
        click.echo(tabulate(table, headers=cols, tablefmt="simple", disable_numparse=True))


def emit_record(record: dict[str, Any], fmt: str) -> None:
    """One record: JSON for data formats, aligned ``key: value`` lines for people."""
    if fmt in ("json", "nl", "csv", "csv-raw"):
        emit([record], fmt)
        return
    width = max(len(k) for k in record)
    for key, value in record.items():
        click.echo(f"{key:>{width}}: {_cell(value, None)}")


def number(value: Any) -> str:
    """A quantity as people write it: 4,120 or 4.3 or 0.25."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:,.6g}"
