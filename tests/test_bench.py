"""A tiny-size smoke run of `make bench`, so the benchmark keeps working."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_bench_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench.py"), "--claims", "300", "--runs", "1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    for heading in ("Import", "Reports at scale", "Start-up", "EXPLAIN QUERY PLAN"):
        assert heading in result.stdout
    for line in (
        "sqlite-utils insert_all",
        "sqlite-utils insert --csv",
        "of which: scoring",
        "peak memory",
    ):
        assert line in result.stdout
