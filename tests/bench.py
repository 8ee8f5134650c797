"""Benchmarks, side by side with the peers a user would otherwise reach for.

    make bench                    # 1,000,000 claims (BENCH_SIZE=… to change)
    python tests/bench.py --claims 20000 --runs 1

Prints one table per area (import, reports at scale, start-up): operation,
size, tracker, peer, ratio; medians of several runs; the peak memory of the
import; and EXPLAIN QUERY PLAN for the report's queries. Figures drift from run
to run, so ours and the peer's are always measured in the same run.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

BIN = Path(sys.executable).parent
TRACKER = [str(BIN / "tracker")]
SQLITE_UTILS = [str(BIN / "sqlite-utils")]
ROOT = Path(__file__).resolve().parent.parent


# Runs a command and reports its peak memory. The peak has to be read from a
# small parent: a child forked from the benchmark counts the benchmark's own
# memory (a million rows held for the peers) until it execs.
_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)"
)


def run(cmd: list[str], env: dict[str, str] | None = None, peak: bool = False) -> tuple[float, int]:
    """Wall time of one command and, with ``peak``, its peak resident memory
    in KiB (read through a small parent, which adds its start-up to the time)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK, *cmd] if peak else cmd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})})  # fmt: skip
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-500:]}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) if peak else 0


def median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def table(title: str, rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [f"\n{title}", line.format(*header), "  ".join("-" * w for w in widths)]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def flat_claims(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def bench_import(data: Path, n: int, runs: int, work: Path) -> tuple[list[tuple], int]:
    rows = flat_claims(data / "claims.csv")
    columns = list(rows[0])

    def raw() -> float:
        db = work / "raw.db"
        db.unlink(missing_ok=True)
        conn = sqlite3.connect(db)
        conn.execute(f"CREATE TABLE claims ({', '.join(columns)})")
        values = [tuple(r[c] for c in columns) for r in rows]
        start = time.perf_counter()
        with conn:
            conn.executemany(f"INSERT INTO claims VALUES ({', '.join('?' * len(columns))})", values)
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed

    def utils() -> float:
        import sqlite_utils

        db = work / "utils.db"
        db.unlink(missing_ok=True)
        start = time.perf_counter()
        sqlite_utils.Database(db)["claims"].insert_all(rows, batch_size=10_000)
        return time.perf_counter() - start

    base = work / "base.db"
    base.unlink(missing_ok=True)
    env = {"TRACKER_DB": str(base)}
    sections = ("sources", "people", "questions")
    run([*TRACKER, "import", *(str(data / f"{s}.jsonl") for s in sections)], env)
    peak = 0

    def ours() -> float:
        nonlocal peak
        db = work / "ours.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        subprocess.run(["cp", str(base), str(db)], check=True)
        claims = str(data / "claims.csv")
        elapsed, rss = run([*TRACKER, "import", claims], {"TRACKER_DB": str(db)}, peak=True)
        peak = max(peak, rss)
        return elapsed

    def utils_cli() -> float:
        # What a user would type to load the same file: start-up, CSV parsing
        # and sqlite-utils' type detection included, as in ours.
        db = work / "utils-cli.db"
        db.unlink(missing_ok=True)
        return run([*SQLITE_UTILS, "insert", str(db), "claims", str(data / "claims.csv"),
                    "--csv"])[0]  # fmt: skip

    def scoring() -> float:
        # The share of our import spent scoring every claim for the score
        # totals (a first load rebuilds them once at its end): the same
        # rebuild, timed alone on the imported database and rolled back.
        from tracker.db import get_engine
        from tracker.services.scores import rebuild

        with get_engine(f"sqlite:///{work / 'ours.db'}").connect() as conn:
            transaction = conn.begin()
            start = time.perf_counter()
            rebuild(conn)
            elapsed = time.perf_counter() - start
            transaction.rollback()
        return elapsed

    t_raw, t_utils, t_ours = median(raw, runs), median(utils, runs), median(ours, runs)
    t_cli, t_scoring = median(utils_cli, runs), median(scoring, runs)
    rate = lambda t: f"{n / t:,.0f} rows/s"  # noqa: E731
    out = [
        (
            f"import claims (tracker vs {peer})",
            f"{n:,}",
            rate(t_ours),
            rate(t),
            f"{t / t_ours:.2f}x",
        )
        for peer, t in (
            ("sqlite-utils insert_all, rows in memory", t_utils),
            ("sqlite-utils insert --csv, the same file", t_cli),
            ("raw sqlite3 executemany, rows in memory", t_raw),
        )
    ]
    share = f"{t_scoring:.1f} s of {t_ours:.1f} s"
    out.append(("  of which: scoring every claim for the score totals", f"{n:,}", share, "-",
                f"{t_scoring / t_ours:.0%}"))  # fmt: skip
    return out, peak


def bench_datasette(db: Path, speaker: str, question: str) -> list[tuple]:
    """Every view and stored query as ``tracker serve`` serves it, through
    Datasette's own client. A query past the 1 s limit fails its page, so each
    must answer 200; for views, the time of the rows alone (no count, no
    facets) is shown beside the whole page, since Datasette gives up on a
    count or facet that runs past its limit and shows the page without it."""
    import asyncio

    from tracker.site import app, metadata

    meta = metadata(db.stem)
    ds = app(db)
    conn = sqlite3.connect(db)
    views = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    conn.close()
    params = {"speaker": speaker, "question": question, "q": "sanctions", "scale": ""}
    queries = meta["databases"][db.stem]["queries"]

    async def fetch(path: str) -> tuple[float, int]:
        start = time.perf_counter()
        response = await ds.client.get(path)
        return time.perf_counter() - start, response.status_code

    def verdict(elapsed: float, status: int) -> str:
        return f"{elapsed:.2f} s" if status == 200 else f"HTTP {status}"

    out = []
    for view in views:
        page = asyncio.run(fetch(f"/{db.stem}/{view}"))
        rows = asyncio.run(fetch(f"/{db.stem}/{view}.json?_size=100&_nocount=1&_nofacet=1"))
        ratio = f"{rows[0]:.2f}x" if rows[1] == 200 else "FAIL"
        times = f"{verdict(*page)}; {verdict(*rows)}"
        out.append((f"view {view} (page; rows alone)", "", times, "Datasette limit 1 s", ratio))
    for name, query in queries.items():
        args = urlencode({p: v for p, v in params.items() if f":{p}" in query["sql"]})
        elapsed, status = asyncio.run(fetch(f"/{db.stem}/{name}?{args}"))
        out.append((f"query {name}", "", verdict(elapsed, status), "Datasette limit 1 s",
                    f"{elapsed:.2f}x" if status == 200 else "FAIL"))  # fmt: skip
    return out


def bench_reports(db: Path, n: int, runs: int) -> tuple[list[tuple], list[str]]:
    env = {"TRACKER_DB": str(db)}
    conn = sqlite3.connect(db)
    speaker = conn.execute("SELECT name FROM people ORDER BY id LIMIT 1").fetchone()[0]
    question = conn.execute("SELECT slug FROM questions ORDER BY id LIMIT 1").fetchone()[0]
    out = []
    for label, args, target in (
        ("tracker report", ["report"], 1.0),
        ("tracker due", ["due"], 0.5),
        (
            "tracker list --speaker X --limit 20",
            ["list", "--speaker", speaker, "--limit", "20"],
            0.5,
        ),
        ("tracker report --speaker X (computed afresh)", ["report", "--speaker", speaker], None),
    ):
        t = median(lambda a=args: run([*TRACKER, *a], env)[0], runs)
        peer = f"target {target} s" if target else "-"
        out.append((label, f"{n:,}", f"{t:.2f} s", peer, f"{t / target:.2f}x" if target else ""))
    out += [(label, f"{n:,}", *rest) for label, _, *rest in bench_datasette(db, speaker, question)]
    # The report's reads, as it runs them unfiltered on the kept totals.
    from tracker.score_views import with_clause

    prefix = with_clause("sqlite", "1 = 1", maintained=True, detail_scale=True, inline=True)
    plans = []
    for sql in (
        "SELECT status, count(*) AS n, sum(due_soon) AS due_soon FROM question_status "
        "GROUP BY status",
        "SELECT * FROM score_groups WHERE scale = 'recorded' AND dimension = 'speaker' "
        "AND scored >= 10 ORDER BY mean_brier IS NULL, mean_brier, label LIMIT 20",
        "SELECT * FROM calibration WHERE scale = 'recorded'",
        "SELECT * FROM question_status WHERE resolve_by < :today AND status = 'overdue' "
        "ORDER BY resolve_by, slug LIMIT 20",
        "SELECT * FROM claim_scores WHERE scale = 'recorded' AND claim_id IN (SELECT id FROM "
        "claims ORDER BY made_on DESC, id DESC LIMIT 100)",
        "SELECT * FROM current_outcomes ORDER BY recorded_at DESC, id DESC LIMIT 10",
    ):
        bound = {"as_of": "9999-12-31T23:59:59Z", "today": "2026-01-01",
                 "detail_scale": "recorded"}  # fmt: skip
        plan = conn.execute(f"EXPLAIN QUERY PLAN {prefix}\n{sql}", bound).fetchall()
        plans.append(f"EXPLAIN QUERY PLAN {sql}")
        plans += [f"  {row[3]}" for row in plan if "CO-ROUTINE" not in row[3]][:30]
    conn.close()
    return out, plans


def bench_startup(runs: int, work: Path) -> list[tuple]:
    db = work / "seed.db"
    db.unlink(missing_ok=True)
    run([*TRACKER, "--db", str(db), "import", str(ROOT / "seeds")])
    t_help = median(lambda: run([*TRACKER, "--help"])[0], runs)
    t_peer_help = median(lambda: run([*SQLITE_UTILS, "--help"])[0], runs)
    t_list = median(lambda: run([*TRACKER, "--db", str(db), "list", "--limit", "10"])[0], runs)
    t_query = median(
        lambda: run([*SQLITE_UTILS, "query", str(db),
                     "select * from claims order by made_on limit 10"])[0],
        runs,
    )  # fmt: skip
    return [
        ("tracker --help vs sqlite-utils --help", "-", f"{t_help:.3f} s", f"{t_peer_help:.3f} s",
         f"{t_help / t_peer_help:.2f}x"),
        ("tracker list --limit 10 vs sqlite-utils query", "seeds", f"{t_list:.3f} s",
         f"{t_query:.3f} s", f"{t_list / t_query:.2f}x"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=int(os.environ.get("BENCH_SIZE", 1_000_000)))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tracker.synthetic import generate

    header = ("operation", "size", "tracker", "peer", "ratio")
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        work = Path(folder)
        data = work / "data"
        generate(data, args.claims, seed=1)
        imports, peak = bench_import(data, args.claims, args.runs, work)
        print(table("Import", imports, header))
        print(f"peak memory of the tracker import: {peak / 1024:.0f} MB")
        full = work / "full.db"
        run([*TRACKER, "--db", str(full), "import",
             *(str(data / f"{s}.jsonl") for s in ("sources", "people", "questions", "claims",
                                                  "outcomes"))])  # fmt: skip
        reports, plans = bench_reports(full, args.claims, args.runs)
        print(table("Reports at scale", reports, header))
        print(table("Start-up", bench_startup(args.runs, work), header))
        print("\n" + "\n".join(plans))


if __name__ == "__main__":
    main()
