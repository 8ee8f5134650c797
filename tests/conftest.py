"""Shared fixtures: every test gets its own database file through TRACKER_DB."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from click.testing import CliRunner, Result

from tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLE = SEEDS / "trump-kim-north-korea-holds-the-cards.txt"


def pytest_report_header() -> list[str]:
    import alembic

    return [
        f"sqlite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"alembic {alembic.__version__}, python {sys.version.split()[0]}"
    ]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tracker.db"
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_USER", "tester")
    return path


Invoke = Callable[..., Result]

# What a user must never see in an error: a constraint's name, a table.column,
# a traceback, a Python repr of a value or an object.
_LEAKS = re.compile(
    r"\b(ck|uq|fk|ix|pk)_[a-z_]+|\b[a-z_]+\.[a-z_]+_id\b|Traceback|File \"|"
    r"<[A-Za-z_.]+ object at|\bdatetime\.date\(|\b(None|True|False)\b|\{'|\['"
)


def assert_plain_error(stderr: str) -> None:
    """Every error a test provokes: one line, saying what is wrong in words."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert not _LEAKS.search(errors[0]), errors[0]


def split_synthetic(folder: Path, first: int, outcomes: int) -> tuple[str, str, str]:
    """Files for importing a synthetic set in two steps: its first ``first``
    claims, the rest of them, and its first ``outcomes`` outcomes (the second
    step adds to a database that already holds most claims)."""
    claims = (folder / "claims.jsonl").read_text().splitlines(keepends=True)
    lines = (folder / "outcomes.jsonl").read_text().splitlines(keepends=True)
    parts = {"first.claims.jsonl": claims[:first], "rest.claims.jsonl": claims[first:],
             "few.outcomes.jsonl": lines[:outcomes]}  # fmt: skip
    for name, rows in parts.items():
        (folder / name).write_text("".join(rows))
    return tuple(str(folder / name) for name in parts)  # type: ignore[return-value]


@pytest.fixture
def invoke(db_path: Path) -> Invoke:
    """Run the CLI in-process; ``ok=False`` expects a failure."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True, input: str | None = None) -> Result:
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        else:
            assert result.exit_code != 0, result.output
            if result.exit_code in (1, 2):  # 3 is `due` saying something is overdue
                assert_plain_error(result.stderr)
        return result

    return run


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds imported once per test process, as ``tester``; each test gets a
    copy (an import costs seconds, a copy milliseconds)."""
    path = tmp_path_factory.mktemp("seeded") / "tracker.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRACKER_DB", str(path))
        env.setenv("TRACKER_USER", "tester")
        result = CliRunner().invoke(cli, ["import", str(SEEDS)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)  # everything into the one file a copy takes
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


@pytest.fixture
def seeded(db_path: Path, seeded_template: Path) -> Path:
    """The seed file imported into this test's database (a copy of one import)."""
    import shutil

    shutil.copyfile(seeded_template, db_path)
    return db_path


@pytest.fixture
def pg_seeded(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The seeds in a throwaway PostgreSQL database, which every command uses ($TRACKER_DB)."""
    with pg_database() as url:
        monkeypatch.setenv("TRACKER_DB", url)
        invoke("import", str(SEEDS))
        yield url


def dump(path: Path) -> list[tuple[str, list[tuple]]]:
    """Every table's rows, to compare a database before and after. Full-text
    index internals are left out: rebuilt indexes hold the same text in
    another layout. The kept score totals are compared to 9 decimals (sums
    kept up to date and sums computed afresh may differ in the last bits),
    and their state without its timestamp."""
    conn = sqlite3.connect(path)

    def rows(table: str) -> list[tuple]:
        if table == "score_state":
            return conn.execute("SELECT id, stale FROM score_state").fetchall()
        found = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
        if table in ("score_totals", "calibration_totals"):
            found = sorted(
                tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in found
            )
        return found

    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name"
            )
        ]
        return [(t, rows(t)) for t in tables]
    finally:
        conn.close()


PG_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def pg_database() -> Iterator[str]:
    """A throwaway database on the PostgreSQL server at $TRACKER_TEST_PG (default:
    the local one, trust auth), dropped afterwards; the test is skipped when no
    server answers."""
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL}: {exc.orig}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        from tracker.db import get_engine

        get_engine(url).dispose()
        get_engine(url, migrating=True).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A TCP port free on this machine now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
