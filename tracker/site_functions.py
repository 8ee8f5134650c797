"""The SQL functions the Datasette site adds to SQLite: search text as people
type it, and numbers rounded as the CLI rounds them.

Both live in SQL because that is where the site's pages are made: the stored
queries in ``datasette_metadata.yaml`` call them, and Datasette's own table
search box calls ``escape_fts``. tracker.site registers them on each of the
site's connections; this module needs no Datasette.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from tracker.render_report import num

# A double-quoted stretch is a phrase, as people mean it ("Kim Jong Un"); else
# any run of characters that are neither space nor a double quote is one word.
# A double quote with no partner matches neither and is dropped.
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')

# What an empty search becomes: an empty phrase, which FTS5 accepts and which
# matches nothing (an empty string is a syntax error).
NOTHING = '""'


def fts_query(text: Any) -> str:
    """What a person typed, as an FTS5 query that cannot fail: every word (or
    double-quoted stretch) one quoted phrase, all of them required.

    Inside a phrase nothing is an operator, so hyphens, apostrophes, colons,
    parentheses and stars are what the tokenizer makes of them (``Kil-ju`` is
    the phrase "kil ju"; ``Kim's`` is "kim s", which also matches ``Kim’s``),
    and AND, OR, NOT and NEAR are words. Datasette's own escape_fts does the
    same for most input, but fails on a NUL or on nothing but spaces and
    quotes (the empty search box), and breaks a quoted stretch that spans
    lines into other phrases.
    """
    if text is None:
        return NOTHING
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # FTS5 reads its query only up to a NUL ("unterminated string").
    typed = str(text).replace("\x00", " ")
    terms = (m.group(1) if m.group(1) is not None else m.group(2) for m in _TERM.finditer(typed))
    return " ".join(f'"{term}"' for term in terms if term.strip()) or NOTHING


# SQLite's round() takes at most 30 digits and no fewer than none; so does this.
MAX_DIGITS = 30


def cli_round(value: Any, digits: Any = 3) -> float | None:
    """``value`` to ``digits`` places by the rule the CLI prints scores with
    (render_report.num), read back as a number, so the site and ``tracker
    report`` show the same figure. SQLite's round() rounds a half away from
    zero (0.0625 to 0.063) where the CLI's rounds the exact binary value to
    even (0.062). Text that reads as a number is rounded as that number
    (Datasette passes a query's parameters as text); NULL and any other text
    give NULL. Never raises: SQLite would report any exception as an error."""
    if value is None or digits is None:
        return None
    try:
        number = float(value)
        places = min(max(int(digits), 0), MAX_DIGITS)
    except (TypeError, ValueError, OverflowError):
        return None
    return float(num(number, places))


def register(conn: sqlite3.Connection) -> None:
    """Add the functions to one connection. ``escape_fts`` replaces
    Datasette's function of that name, which the table search box calls, so
    it must be registered after Datasette's (the hook runs last)."""
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("tracker_round", 2, cli_round, deterministic=True)
