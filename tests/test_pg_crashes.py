"""Crashes on PostgreSQL: an import and a `tracker copy` into a server killed
with SIGKILL at random moments leave a database that verifies and that a rerun
completes.

The sizes here are the smallest that still let a kill land mid-way (an import
of two batches of claims, a copy of a few thousand claims); `make stress` runs
20 kills of each at full size (tests/stress.py). Skipped only when no
PostgreSQL server answers, as the other PostgreSQL tests are.
"""

from __future__ import annotations

import pytest
import stress


@pytest.fixture(autouse=True)
def _postgres() -> None:
    missing = stress.postgres_unavailable()
    if missing is not None:
        pytest.skip(missing)


def test_import_into_postgresql_killed_leaves_whole_batches_and_a_rerun_completes() -> None:
    result = stress.pg_import_crashes(kills=3, n=6_000)  # claims in batches of 5,000 and 1,000
    assert (result.user_failures, result.rows_lost, result.integrity) == (0, 0, "ok"), result


def test_copy_into_postgresql_killed_is_completed_by_replace() -> None:
    result = stress.pg_copy_crashes(kills=2, n=3_000)  # into a new database, then over a copy
    assert (result.user_failures, result.rows_lost, result.integrity) == (0, 0, "ok"), result
