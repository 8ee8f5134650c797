"""A tiny-size smoke run of `make bench`, so the benchmark keeps working.

It checks what is printed, never how fast: timings at this size say nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

# CPU seconds with wall seconds beside them, as every timed figure is printed.
CPU_WALL = re.compile(r"\d+\.\d+ s \(\d+\.\d+ s\)")


def test_bench_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench.py"), "--claims", "300", "--runs", "1",
         "--copy-claims", "300"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for heading in ("Targets", "Reports at scale", "Start-up", "EXPLAIN QUERY PLAN"):
        assert heading in out
    for column in ("ours CPU s (wall s)", "peer CPU s (wall s)", "ratio (CPU)", "target"):
        assert column in out
    lines = out.splitlines()

    def row(*parts: str) -> str:
        found = [line for line in lines if all(p in line for p in parts)]
        assert found, f"no line with {parts}"
        return found[0]

    # Each target: ours and the peer in CPU (wall), the ratio on CPU, the target.
    for peer, target in (
        ("sqlite-utils insert --csv, the same file", "≥ 2× rows/s"),
        ("sqlite-utils insert_all, rows in memory", "≥ 0.5× rows/s"),
        ("INSERT … SELECT of resolved rows into claims", "≥ 0.4× rows/s"),
    ):
        line = row("import 300 claims from CSV", peer, target)
        assert len(CPU_WALL.findall(line)) == 2 and "× rows/s" in line
    for label, target in (
        ("score totals rebuilt, 300 claims with outcomes", "≤ 20 s CPU at 1M"),
        ("outcomes into 300 claims", "≤ 30 s CPU at 1M"),
    ):
        line = row(label, target)
        assert len(CPU_WALL.findall(line)) == 1 and "× target" in line
    for label, peer in (
        ("add-claim into the archive", "sqlite-utils insert, one row into claims"),
        ("add-outcome into the archive", "sqlite-utils insert, one row into outcomes"),
    ):
        line = row(label, peer, "≤ 1.3× CPU s")
        assert len(CPU_WALL.findall(line)) == 2 and "× CPU s" in line
    assert CPU_WALL.search(row("of which: score totals rebuilt"))
    for peer in ("sqlite-utils insert --csv", "insert_all", "INSERT … SELECT floor",
                 "executemany"):  # fmt: skip
        assert re.search(r"\d+ MB\s+\d+ MB", row("peak memory, import 300 claims", peer))
    assert "≤ 300 MB" in row("peak memory, import", "outcomes")
    assert "claims/s on CPU" in out
    assert CPU_WALL.search(row("tracker report", "target 1.0 s"))
    assert CPU_WALL.search(row("tracker --help vs sqlite-utils --help"))
    # The copy to PostgreSQL and back, or the line saying why it was skipped.
    if "Copy between SQLite and PostgreSQL: skipped" not in out:
        assert "Copy between SQLite and PostgreSQL: an archive of 300 claims" in out
        for label in ("tracker copy archive.db → PostgreSQL db1",
                      "tracker copy PostgreSQL db1 → back.db", "pg_dump -Fc db1",
                      "pg_restore -d db2"):  # fmt: skip
            assert CPU_WALL.search(row(label)) and " MB" in row(label)
        assert "server's own CPU is counted for neither side" in out
        assert "dumps equal: yes" in out
