"""Rendering rows: a human table by default, ``--json``, ``--csv`` or ``--nl`` for data."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "json", "csv", "nl")


def json_default(value: Any) -> Any:
    """JSON for what databases return beyond JSON's types: PostgreSQL's
    NUMERIC sums come back as Decimal, dates as date objects."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --json / --csv / --nl (and the default, --table) to a command; the
    command receives ``fmt``."""
    options = [
        click.option(
            "--table", "fmt", flag_value="table", default=True, help="A human table (default)."
        ),
        click.option("--json", "fmt", flag_value="json", help="A JSON array."),
        click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row."),
        click.option(
            "--nl", "fmt", flag_value="nl", help="Newline-delimited JSON, one object a line."
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _cell(value: Any, width: int | None) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    text = str(value).replace("\n", " ")
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


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
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=json_default))
    elif fmt == "nl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=json_default))
    elif fmt == "csv":
        if rows:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
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
    if fmt in ("json", "nl", "csv"):
        emit([record], fmt)
        return
    width = max(len(k) for k in record)
    for key, value in record.items():
        click.echo(f"{key:>{width}}: {_cell(value, None)}")
