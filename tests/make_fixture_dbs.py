"""Regenerate the upgrade fixtures: one database per schema revision, and the
schema snapshot of head.

    python tests/make_fixture_dbs.py          # add fixtures for new revisions, refresh the
                                              # snapshot and tracker/guard_definitions.py
    python tests/make_fixture_dbs.py --all    # rebuild every fixture

Recipe for a revision's fixture: the seeds imported at head, plus an outcome
and its correction (so the history has a chain), then the schema downgraded to
that revision, which keeps every row (downgrades drop only views, triggers and
search indexes). Old fixtures are kept as they are unless --all is given: they
stand for databases written by older versions of tracker. (Since 0014 the
seeds record what schema 0013 cannot hold, an unresolvable outcome and a
directional claim with a condition, so the fixtures before 0014 can no longer
be rebuilt from them: keep those files.)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "schema"
SNAPSHOT = HERE / "fixtures" / "schema.sql"
SEEDS = HERE.parent / "seeds"
GUARDS = HERE.parent / "tracker" / "guard_definitions.py"


def run(db: Path, *args: str) -> None:
    from tracker.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"tracker {' '.join(args)} failed: {result.output}")


def build(revision: str, target: Path) -> None:
    from tracker.schema import copy_database

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "t.db"
        run(db, "import", str(SEEDS))
        for result, on in (("yes", "2026-03-01"), ("no", "2026-04-30")):
            run(db, "add-outcome", "trump-kim-meet-within-months", result, "--on", on,
                "--evidence", "https://example.org/fixture", "--by", "fixture")  # fmt: skip
        run(db, "db", "downgrade", revision)
        target.unlink(missing_ok=True)
        copy_database(db, target)


def snapshot() -> str:
    sys.path.insert(0, str(HERE))
    from test_reliability import schema_sql

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "t.db"
        run(db, "init")
        return schema_sql(db)


def fresh_definitions() -> dict[str, str]:
    """What ``tracker.guards`` compares, read from a database the migrations
    just built (straight through them: the CLI itself checks the guards)."""
    from tracker.guards import sqlite_definitions
    from tracker.schema import fresh_sqlite_master

    return sqlite_definitions(fresh_sqlite_master())


def guard_module() -> str:
    lines = [
        '"""The definitions ``tracker.guards`` expects of a SQLite database at head.',
        "",
        "Written by tests/make_fixture_dbs.py from a database the migrations built;",
        "tests/test_guards.py fails when they drift apart. Do not edit by hand.",
        '"""',
        "",
        "SQLITE = {",
        *(f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in sorted(fresh_definitions().items())),
        "}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    from tracker.schema import known_revisions

    rebuild = "--all" in sys.argv
    GUARDS.write_text(guard_module())
    print(f"wrote {GUARDS.relative_to(HERE.parent)}")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for revision in known_revisions():
        target = FIXTURES / f"{revision}.db"
        if rebuild or not target.exists():
            build(revision, target)
            print(f"wrote {target.relative_to(HERE.parent)}")
    SNAPSHOT.write_text(snapshot())
    print(f"wrote {SNAPSHOT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
