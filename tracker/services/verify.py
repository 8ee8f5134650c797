"""Checking a database against what the tracker made it: ``tracker verify``.

A tracker's record is only as good as the guards around it, and anyone with
the file can drop a trigger, write with foreign keys off or edit the kept
totals. Each check here compares the database with what it should be and
returns its findings in words:

* the file itself (SQLite's ``integrity_check``) and every reference
  (``foreign_key_check``: a row pointing at one that is gone);
* every table, index, trigger and view against a database freshly built by
  this tracker's migrations (missing, different, or added by someone else);
* every question's outcomes forming one chain of corrections;
* the kept score totals against the same templates computed afresh;
* the scales, scale terms and shipped phrases as the migrations ship them;
* every entry of the ledger, the hash chain over the history, recomputed
  from the records it seals (``tracker.ledger``), and optionally against a
  head published earlier.

A clean database gives no findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from tracker.constraint_messages import TABLE_WORDS
from tracker.score_views import EVERY_CLAIM, with_clause
from tracker.services.scores import _PARAMS, TABLES


@dataclass(frozen=True)
class Finding:
    check: str  # which check found it
    problem: str  # one line, in words


def _words(table: str) -> str:
    return TABLE_WORDS.get(table, (table, table))[0]


def file_and_references(conn: Connection) -> list[Finding]:
    """SQLite's own checks: the file's structure and every foreign key."""
    if conn.dialect.name != "sqlite":
        return []  # a server checks its own files and enforces every key
    found = []
    status = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
    if status != ["ok"]:
        found.append(Finding("file", f"the file is damaged ({len(status)} problem(s), e.g. "
                                     f"{status[0].splitlines()[0][:80]})"))  # fmt: skip
    for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:50]:
        found.append(
            Finding("references", f"{_words(table)} {rowid} refers to a {_words(parent)} that "
                                  "does not exist (written with foreign keys off?)")
        )  # fmt: skip
    return found


def _schema(conn: Any) -> dict[tuple[str, str], str]:
    return {
        (kind, name): " ".join((sql or "").split())
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        )
    }


def _fresh_schema() -> dict[tuple[str, str], str]:
    """The schema this tracker's migrations build, read from a new database."""
    from tracker.schema import fresh_sqlite_master

    return {
        (kind, name): " ".join((sql or "").split()) for kind, name, _, sql in fresh_sqlite_master()
    }


def definitions(conn: Connection) -> list[Finding]:
    """Every table, index, trigger and view as this tracker's migrations define it."""
    if conn.dialect.name != "sqlite":
        return _server_triggers(conn)
    expected = _fresh_schema()
    actual = _schema(conn.connection.dbapi_connection)
    found = []
    for kind, name in sorted(expected.keys() - actual.keys()):
        found.append(Finding("definitions", f"the {kind} {name} is missing"))
    for key in sorted(expected.keys() & actual.keys()):
        if expected[key] != actual[key]:
            found.append(Finding("definitions", f"the {key[0]} {key[1]} is not as defined"))
    for kind, name in sorted(actual.keys() - expected.keys()):
        if kind == "trigger" or kind == "table":  # a trigger or table someone added
            found.append(Finding("definitions", f"the {kind} {name} is not the tracker's"))
    return found


def _server_triggers(conn: Connection) -> list[Finding]:
    """On PostgreSQL: every table and guard trigger present (``tracker.guards``)."""
    from tracker.guards import server_altered

    return [Finding("definitions", problem) for problem in server_altered(conn)]


def outcome_chains(conn: Connection) -> list[Finding]:
    """Every question's outcomes: one first, each corrected at most once, every
    correction of an outcome of the same question, all in one chain."""
    rows = conn.execute(text("SELECT id, question_id, supersedes_id FROM outcomes")).all()
    by_id = {r.id: r for r in rows}
    found = []
    roots: dict[int, list[int]] = {}
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.supersedes_id is None:
            roots.setdefault(r.question_id, []).append(r.id)
            continue
        parent = by_id.get(r.supersedes_id)
        if parent is None:
            found.append(Finding("outcomes", f"outcome {r.id} corrects outcome {r.supersedes_id}, "
                                             "which does not exist"))  # fmt: skip
        elif parent.question_id != r.question_id:
            found.append(Finding("outcomes", f"outcome {r.id} corrects outcome {parent.id} of "
                                             "another question"))  # fmt: skip
        children.setdefault(r.supersedes_id, []).append(r.id)
    for parent, kids in children.items():
        if len(kids) > 1:
            by = ", ".join(map(str, sorted(kids)))
            found.append(Finding("outcomes", f"outcome {parent} is corrected more than once "
                                             f"(by {by})"))  # fmt: skip
    questions = {r.question_id for r in rows}
    for question in sorted(questions):
        firsts = roots.get(question, [])
        if len(firsts) != 1:
            found.append(Finding("outcomes", f"question {question} has {len(firsts)} first "
                                             "outcomes (one expected)"))  # fmt: skip
            continue
        seen, node = 0, firsts[0]
        while node is not None and seen <= len(rows):
            seen += 1
            kids = children.get(node, [])
            node = kids[0] if kids else None
        count = sum(1 for r in rows if r.question_id == question)
        if seen != count:
            found.append(Finding("outcomes", f"question {question}: {count - seen} of its outcomes "
                                             "are not in its chain of corrections"))  # fmt: skip
    return found


def kept_totals(conn: Connection) -> list[Finding]:
    """The kept score totals against the same templates computed afresh (unless
    they are marked stale: the next report rebuilds them then)."""
    stale = conn.execute(text("SELECT stale FROM score_state WHERE id = 1")).scalar()
    if stale:
        return []
    found = []
    prefix = with_clause(conn.dialect.name, EVERY_CLAIM)
    for table, (key, values) in TABLES.items():
        columns = [*key, *values]
        fresh = {
            tuple(r[: len(key)]): r[len(key) :]
            for r in conn.execute(
                text(f"{prefix}\nSELECT {', '.join(columns)} FROM {table}"), _PARAMS
            )
        }
        kept = {
            tuple(r[: len(key)]): r[len(key) :]
            for r in conn.execute(text(f"SELECT {', '.join(columns)} FROM {table}"))
        }
        differ = [k for k in fresh.keys() | kept.keys() if not _close(fresh.get(k), kept.get(k))]
        if differ:
            example = " / ".join(map(str, sorted(differ)[0]))
            what = table.replace("_", " ")
            found.append(Finding("totals", f"the kept {what} differ from the claims in "
                                           f"{len(differ)} group(s), e.g. {example}"))  # fmt: skip
    return found


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return all(
        abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x)))
        if isinstance(x, (int, float)) and not isinstance(x, bool)
        else x == y
        for x, y in zip(a, b, strict=True)
    )


def reference_data(conn: Connection) -> list[Finding]:
    """The scales, their terms and the shipped phrase book as the migrations
    ship them: a scale term's point moved by SQL would move every score read
    through it, and nothing else would show it."""
    from tracker.schema import REFERENCE_QUERIES, fresh_build

    expected = fresh_build().reference
    found = []
    for what, sql in REFERENCE_QUERIES.items():
        actual = {row[0]: tuple(row[1:]) for row in conn.execute(text(sql))}
        for key in sorted(expected[what].keys() - actual.keys()):
            found.append(Finding("reference", f"the {what} {key} is missing"))
        for key in sorted(expected[what].keys() & actual.keys()):
            if not _close(expected[what][key], actual[key]):
                found.append(Finding("reference", f"the {what} {key} is not as shipped"))
        if what != "phrase":  # users add phrases; scales and terms come with the tracker
            for key in sorted(actual.keys() - expected[what].keys()):
                found.append(Finding("reference", f"the {what} {key} is not the tracker's"))
    return found[:50]


@dataclass(frozen=True)
class Head:
    """A point of the ledger: how many entries, and the hash of the last."""

    entries: int
    hash: str

    def __str__(self) -> str:
        return f"{self.entries}:{self.hash}"


def parse_head(value: str) -> Head:
    """``N:HASH`` as ``tracker verify --head`` prints it."""
    entries, _, digest = value.strip().partition(":")
    digest = digest.lower()
    if (
        not entries.isdigit()
        or int(entries) < 1
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise ValueError("expected ENTRIES:HASH as `tracker verify --head` prints it")
    return Head(int(entries), digest)


def ledger_chain(conn: Connection, published: Head | None = None,
                 found_head: list[Head] | None = None) -> list[Finding]:  # fmt: skip
    """Every ledger entry recomputed from the records it seals (``tracker.ledger``),
    and, given a head published earlier, that the chain up to it is unchanged."""
    from tracker.ledger import audit

    result = audit(conn, [published.entries] if published else [])
    found = [Finding("ledger", problem) for problem in result.problems[:50]]
    if len(result.problems) > 50:
        found.append(Finding("ledger", f"… and {len(result.problems) - 50} more"))
    if published is not None:
        recomputed = result.hashes.get(published.entries)
        if recomputed is None:
            found.append(Finding("ledger", f"the published head {published.entries} is beyond "
                                           f"the ledger's {result.entries} entries: entries "
                                           "were removed"))  # fmt: skip
        elif recomputed != published.hash:
            found.append(Finding("ledger", f"the record up to entry {published.entries} is not "
                                           "what it was when that head was published"))  # fmt: skip
    if found_head is not None:
        found_head.append(Head(result.entries, result.head))
    return found


CHECKS: dict[str, Callable[[Connection], list[Finding]]] = {
    "file and references": file_and_references,
    "definitions": definitions,
    "outcome chains": outcome_chains,
    "kept totals": kept_totals,
    "reference data": reference_data,
    "ledger": ledger_chain,
}


def verify(
    conn: Connection, published: Head | None = None, found_head: list[Head] | None = None
) -> dict[str, list[Finding]]:
    """Every check's findings, by check (an empty list: it passed). A check that
    cannot run (a table dropped under it) is itself a finding. ``published``:
    a head to check the ledger against; ``found_head`` receives the head the
    records give."""
    from functools import partial

    from sqlalchemy.exc import DBAPIError

    checks = {**CHECKS, "ledger": partial(ledger_chain, published=published,
                                          found_head=found_head)}  # fmt: skip
    results: dict[str, list[Finding]] = {}
    for name, check in checks.items():
        try:
            with conn.begin_nested():
                results[name] = check(conn)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            results[name] = [Finding(name, f"the check could not run: {reason}")]
    return results
