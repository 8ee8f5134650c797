"""Regenerate the upgrade fixtures: one database per schema revision, and the
schema snapshot of head.

    python tests/make_fixture_dbs.py          # add fixtures for new revisions, refresh the snapshot
    python tests/make_fixture_dbs.py --all    # rebuild every fixture

Recipe for a revision's fixture: the seeds imported at head, plus an outcome
and its correction (so the history has a chain), then the schema downgraded to
that revision, which keeps every row (downgrades drop only views, triggers and
search indexes). Old fixtures are kept as they are unless --all is given: they
stand for databases written by older versions of tracker.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "schema"
SNAPSHOT = HERE / "fixtures" / "schema.sql"
SEEDS = HERE.parent / "seeds"


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


def main() -> None:
    from tracker.schema import known_revisions

    rebuild = "--all" in sys.argv
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
