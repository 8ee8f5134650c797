"""Benchmarks, side by side with the peers a user would otherwise reach for.

    make bench                    # 1,000,000 claims (BENCH_SIZE=… to change)
    python tests/bench.py --claims 20000 --runs 1

Every timed operation runs in a process of its own and is measured in CPU
seconds (user + system, as the kernel accounts them) beside wall seconds, and
every ratio is quoted on CPU: the machine is shared, and wall time says as much
about the neighbours as about the code. Ours and the peers are measured in the
same run, each the median of ``--runs``; peak memory is the largest of the runs.

Prints the targets first (import against sqlite-utils and against the floor of
any import into the tracker's own claims table, the score totals rebuilt, the
outcomes of a large archive imported, one write against one sqlite-utils
insert, peak memory), then reports and Datasette at scale, start-up,
EXPLAIN QUERY PLAN for the report's queries, and ``tracker copy`` between
SQLite and PostgreSQL against pg_dump and pg_restore (``--only copy`` runs that
alone; it is skipped when no PostgreSQL server answers).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BIN = Path(sys.executable).parent
TRACKER = [str(BIN / "tracker")]
SQLITE_UTILS = [str(BIN / "sqlite-utils")]
ROOT = Path(__file__).resolve().parent.parent
MILLION = 1_000_000


@dataclass(frozen=True)
class Cost:
    """What one timed operation cost: CPU and wall seconds, peak memory (KiB)."""

    cpu: float
    wall: float
    rss: int = 0

    def __str__(self) -> str:
        return f"{seconds(self.cpu)} ({seconds(self.wall)})"

    @property
    def mb(self) -> str:
        return f"{self.rss / 1024:.0f} MB"


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value:.3f} s"


# Runs a command and prints its CPU time, wall time and peak memory as JSON
# (the command's own output goes to the file named first, or nowhere).
# They are read in a small parent of the command's own, not in the benchmark:
# the kernel's peak for a child forked from the benchmark includes the
# benchmark's own peak (Datasette, SQLAlchemy) until it execs. The small
# parent's own start-up stays out of the figures.
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "out = open(sys.argv[1], 'wb') if sys.argv[1] else subprocess.DEVNULL\n"
    "code = subprocess.call(sys.argv[2:], stdout=out)\n"
    "wall = time.perf_counter() - start\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'code': code, 'wall': wall, 'cpu': use.ru_utime + use.ru_stime,\n"
    "                  'rss': use.ru_maxrss}))\n"
)


# For every timed process, ours and the peers. One BLAS thread: numpy, which
# sqlite-utils imports when it is installed (matplotlib, of the plot extra,
# brings it), otherwise starts one per core as it is imported, CPU time that
# no insert needs and that would flatter us.
ENV = {"TRACKER_USER": "bench", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def measure(cmd: list[str], stdout: Path | None = None) -> Cost:
    """CPU and wall time of one command, start-up included, and its peak memory;
    its output into ``stdout`` if given."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(stdout or ""), *cmd],
                          capture_output=True, text=True, env={**os.environ, **ENV})  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if proc.returncode == 0 and lines else {"code": -1}
    if figures["code"] not in (0, 3):  # 3: `tracker due` found overdue questions
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-800:]}")
    return Cost(figures["cpu"], figures["wall"], figures["rss"])


def in_child(work: Path, kind: str, *args: str) -> Cost:
    """One of ``CHILDREN`` in a process of its own: the CPU and wall time of
    its timed part alone (it reports them), and the process's peak memory."""
    report = work / f"child-{kind}.json"
    report.unlink(missing_ok=True)
    whole = measure([sys.executable, str(Path(__file__).resolve()), "--child", kind,
                     str(report), *args])  # fmt: skip
    timed = json.loads(report.read_text())
    return Cost(timed["cpu"], timed["wall"], whole.rss)


def setup(cmd: list[str]) -> None:
    """An untimed step (building the databases the timed ones start from)."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ENV})
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-800:]}")


def summary(costs: list[Cost]) -> Cost:
    """Medians of CPU and wall; the largest peak memory."""
    return Cost(statistics.median(c.cpu for c in costs), statistics.median(c.wall for c in costs),
                max(c.rss for c in costs))  # fmt: skip


def repeat(fn: Callable[[], Cost], runs: int) -> Cost:
    return summary([fn() for _ in range(runs)])


def clocked(fn: Callable[[], Any]) -> tuple[Cost, Any]:
    """CPU (every thread of this process) and wall time of an in-process call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return Cost(time.process_time() - cpu, time.perf_counter() - wall), result


def fresh(db: Path, copy_of: Path | None = None) -> Path:
    """``db`` removed with its WAL files, then made a copy of ``copy_of``."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if copy_of is not None:
        shutil.copyfile(copy_of, db)
        if Path(f"{copy_of}-wal").exists():
            shutil.copyfile(f"{copy_of}-wal", f"{db}-wal")
    return db


def table(title: str, rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [f"\n{title}", line.format(*header), "  ".join("-" * w for w in widths)]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def flat_claims(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# What runs in a child process (``bench.py --child KIND REPORT ARGS``): each
# prepares untimed, then does its timed part inside ``clock``.


def _insert_all(clock: Any, db: str, claims: str) -> None:
    """sqlite-utils' ``insert_all`` of the CSV's rows, already read into memory."""
    import sqlite_utils

    rows = flat_claims(Path(claims))
    with clock:
        sqlite_utils.Database(db)["claims"].insert_all(rows, batch_size=10_000)


def _executemany(clock: Any, db: str, claims: str) -> None:
    """Raw sqlite3 ``executemany`` of rows in memory into an untyped table:
    no checks, no indexes, no triggers; what inserting the bytes costs."""
    rows = flat_claims(Path(claims))
    columns = list(rows[0])
    values = [tuple(r[c] for c in columns) for r in rows]
    del rows  # held once, as tuples
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE claims ({', '.join(columns)})")
    with clock, conn:
        conn.executemany(f"INSERT INTO claims VALUES ({', '.join('?' * len(columns))})", values)
    conn.close()


def _floor(clock: Any, db: str, resolved: str) -> None:
    """The floor of any import into the tracker: claims already resolved (ids
    looked up, values final: the rows our import wrote, copied from
    ``resolved`` into a staging table) moved by ``INSERT … SELECT`` into the
    real claims table of a tracker database, through the tracker's own
    connection settings and in its batches, each batch setting the per-row
    triggers aside and doing their work once, with the bulk import's own
    function. Left out: reading and validating the file, the ledger sealed
    each batch and the score totals rebuilt at the end."""
    from tracker.db import WRITE_OPTION, get_engine
    from tracker.services.bulk import BATCH_SIZE, _triggers_once_per_batch

    staging = sqlite3.connect(db, isolation_level=None)
    staging.execute("ATTACH DATABASE ? AS resolved", (resolved,))
    columns = ", ".join(r[1] for r in staging.execute("PRAGMA resolved.table_info(claims)")
                        if r[1] != "id")  # fmt: skip
    staging.execute(f"CREATE TABLE staging AS SELECT {columns} FROM resolved.claims ORDER BY id")
    staging.execute("DETACH DATABASE resolved")
    last = staging.execute("SELECT coalesce(max(rowid), 0) FROM staging").fetchone()[0]
    staging.close()
    engine = get_engine(f"sqlite:///{db}").execution_options(**{WRITE_OPTION: True})
    with clock, engine.connect() as conn:
        for start in range(0, last, BATCH_SIZE):
            with conn.begin():
                before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM claims").scalar()
                with _triggers_once_per_batch(conn, "claims", before):
                    conn.exec_driver_sql(
                        f"INSERT INTO claims ({columns}) SELECT {columns} FROM staging "
                        "WHERE rowid > ? AND rowid <= ? ON CONFLICT DO NOTHING",
                        (start, start + BATCH_SIZE),
                    )


def _rebuild(clock: Any, db: str) -> None:
    """The score totals rebuilt from scratch, as an import or report does, then
    rolled back (the rollback untimed)."""
    from tracker.db import get_engine
    from tracker.services.scores import rebuild

    with get_engine(f"sqlite:///{db}").connect() as conn:
        transaction = conn.begin()
        with clock:
            rebuild(conn)
        transaction.rollback()


CHILDREN: dict[str, Callable[..., None]] = {
    "insert_all": _insert_all,
    "executemany": _executemany,
    "floor": _floor,
    "rebuild": _rebuild,
}


def child_main(kind: str, report: str, args: list[str]) -> None:
    @contextmanager
    def clock() -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        yield
        figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
        Path(report).write_text(json.dumps(figures))

    CHILDREN[kind](clock(), *args)


# The targets, as the issue states them: speed as rows/s ours ÷ rows/s peer
# (so peer CPU ÷ ours for the same rows), a single write as CPU ours ÷ peer.
TARGETS = {"utils_cli": 2.0, "insert_all": 0.5, "floor": 0.4}
REBUILD_AT_MILLION = 20.0
OUTCOMES_AT_MILLION = 30.0
WRITE_RATIO = 1.3
PEAK_MB = 300


def bench_import(data: Path, runs: int, work: Path) -> dict[str, Cost]:
    """Our import of the claims CSV into a database holding its sources,
    speakers and questions, against the peers on the same claims. Leaves
    ``ours.db``: the archive of N claims, scored, without outcomes."""
    claims = str(data / "claims.csv")
    base = fresh(work / "base.db")
    setup([*TRACKER, "--db", str(base), "import",
           *(str(data / f"{s}.jsonl") for s in ("sources", "people", "questions"))])  # fmt: skip

    def ours() -> Cost:
        db = fresh(work / "ours.db", base)
        return measure([*TRACKER, "--db", str(db), "import", claims])

    def utils_cli() -> Cost:
        # What a user would type to load the same file: start-up, CSV parsing
        # and sqlite-utils' own handling of types included, as in ours.
        db = fresh(work / "utils-cli.db")
        return measure([*SQLITE_UTILS, "insert", str(db), "claims", claims, "--csv"])

    costs = {
        "ours": repeat(ours, runs),
        "utils_cli": repeat(utils_cli, runs),
        "insert_all": repeat(lambda: in_child(work, "insert_all", str(fresh(work / "utils.db")),
                                              claims), runs),
        "floor": repeat(lambda: in_child(work, "floor", str(fresh(work / "floor.db", base)),
                                         str(work / "ours.db")), runs),
        "executemany": repeat(lambda: in_child(work, "executemany", str(fresh(work / "raw.db")),
                                               claims), runs),
        # The part of our import spent scoring every claim for the totals (a
        # first load rebuilds them once at its end), timed alone.
        "scoring": repeat(lambda: in_child(work, "rebuild", str(work / "ours.db")), runs),
    }  # fmt: skip
    return costs


def bench_outcomes(data: Path, runs: int, work: Path) -> tuple[Cost, Path]:
    """The generated outcomes (one for most resolved questions, some
    corrected: 62,686 at 1,000,000 claims) imported into the archive our
    claims import left. Returns their cost and the archive with them."""
    outcomes = str(data / "outcomes.jsonl")

    def once() -> Cost:
        db = fresh(work / "full.db", work / "ours.db")
        return measure([*TRACKER, "--db", str(db), "import", outcomes])

    return repeat(once, runs), work / "full.db"


def bench_writes(full: Path, runs: int, work: Path) -> dict[str, Cost]:
    """One ``add-claim`` and one ``add-outcome`` into the archive, each against
    sqlite-utils inserting the same row, ids already resolved, into the same
    table of a copy of the same archive: start-up, checks and score upkeep
    against start-up and one insert."""
    ours_db, peer_db = fresh(work / "writes-ours.db", full), fresh(work / "writes-peer.db", full)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn = sqlite3.connect(full)
    person_id, speaker = conn.execute("SELECT id, name FROM people ORDER BY id").fetchone()
    source_id, source, published = conn.execute(
        "SELECT id, slug, published_on FROM sources WHERE published_on <= ? ORDER BY id", (today,)
    ).fetchone()
    # Questions with no outcome and no claim made today or later: an outcome
    # today makes no claim hindsight.
    open_questions = conn.execute(
        "SELECT id, slug FROM questions AS q WHERE question_type = 'binary' "
        "AND NOT EXISTS (SELECT 1 FROM outcomes WHERE question_id = q.id) "
        "AND NOT EXISTS (SELECT 1 FROM claims WHERE question_id = q.id AND made_on >= ?) "
        "ORDER BY id LIMIT ?",
        (today, runs + 1),
    ).fetchall()
    conn.close()
    if len(open_questions) < runs + 1:
        raise SystemExit(f"too few open questions for {runs} runs: use a larger --claims")
    claim_question = open_questions[0]
    outcome_questions = iter(open_questions[1:])
    quotes = (f"Bench claim {i}: the outcome is in doubt" for i in range(runs))
    evidence = "https://evidence.example/bench"

    def add_claim() -> Cost:
        quote = next(quotes)
        ours = measure([*TRACKER, "--db", str(ours_db), "add-claim", "--speaker", speaker,
                        "--source", source, "--made-on", published,
                        "--question", claim_question[1], "--quote", quote,
                        "--probability", "0.3"])  # fmt: skip
        row = {"person_id": person_id, "source_id": source_id, "question_id": claim_question[0],
               "quote": quote, "made_on": published, "kind": "forecast", "probability": 0.3,
               "mapping_basis": "stated_number", "side": "yes", "entered_by": "bench",
               "entered_at": now}  # fmt: skip
        peer_costs["claim"].append(insert_one(peer_db, "claims", row))
        return ours

    def add_outcome() -> Cost:
        question_id, slug = next(outcome_questions)
        ours = measure([*TRACKER, "--db", str(ours_db), "add-outcome", slug, "yes",
                        "--on", today, "--evidence", evidence])  # fmt: skip
        row = {"question_id": question_id, "result": "yes", "occurred_on": today,
               "evidence_url": evidence, "recorded_at": now, "recorded_by": "bench"}  # fmt: skip
        peer_costs["outcome"].append(insert_one(peer_db, "outcomes", row))
        return ours

    def insert_one(db: Path, name: str, row: dict[str, Any]) -> Cost:
        path = work / f"{name}-row.json"
        path.write_text(json.dumps(row))
        return measure([*SQLITE_UTILS, "insert", str(db), name, str(path)])

    peer_costs: dict[str, list[Cost]] = {"claim": [], "outcome": []}
    costs = {"add_claim": repeat(add_claim, runs), "add_outcome": repeat(add_outcome, runs)}
    costs.update({f"peer_{kind}": summary(peers) for kind, peers in peer_costs.items()})
    return costs


def targets(n: int, outcomes: int, c: dict[str, Cost]) -> tuple[list[tuple], list[str]]:
    """The table of the issue's targets, and the rows/s behind its ratios."""
    ours = c["ours"]
    speed = lambda peer: f"{peer.cpu / ours.cpu:.2f}× rows/s"  # noqa: E731
    out: list[tuple] = [
        (f"import {n:,} claims from CSV", label, str(ours), str(c[key]), speed(c[key]),
         f"≥ {TARGETS[key]:g}× rows/s")
        for key, label in (
            ("utils_cli", "sqlite-utils insert --csv, the same file"),
            ("insert_all", "sqlite-utils insert_all, rows in memory"),
            ("floor", "INSERT … SELECT of resolved rows into claims"),
        )
    ]  # fmt: skip
    out.append((f"import {n:,} claims from CSV", "sqlite3 executemany, untyped table",
                str(ours), str(c["executemany"]), speed(c["executemany"]), "-"))  # fmt: skip
    out.append(("  of which: score totals rebuilt at its end", "-", str(c["scoring"]), "-",
                f"{c['scoring'].cpu / ours.cpu:.0%} of its CPU", "-"))  # fmt: skip

    def against(cost: Cost, at_million: float) -> tuple[str, str]:
        # Scaled linearly below a million claims; start-up, a fixed cost,
        # weighs more the smaller the archive.
        goal = at_million * n / MILLION
        text = f"≤ {at_million:.0f} s CPU at 1M"
        if n != MILLION:
            text += f" (≤ {seconds(goal)} at {n:,})"
        return f"{cost.cpu / goal:.2f}× target", text

    for label, key, at_million in (
        (f"score totals rebuilt, {n:,} claims with outcomes", "rebuild", REBUILD_AT_MILLION),
        (f"import {outcomes:,} outcomes into {n:,} claims", "outcomes", OUTCOMES_AT_MILLION),
    ):
        out.append((label, "-", str(c[key]), "-", *against(c[key], at_million)))
    for label, key, peer in (
        ("add-claim into the archive", "add_claim", "sqlite-utils insert, one row into claims"),
        ("add-outcome into the archive", "add_outcome",
         "sqlite-utils insert, one row into outcomes"),
    ):  # fmt: skip
        theirs = c[f"peer_{key.split('_')[1]}"]
        out.append((label, peer, str(c[key]), str(theirs), f"{c[key].cpu / theirs.cpu:.2f}× CPU s",
                    f"≤ {WRITE_RATIO:g}× CPU s"))  # fmt: skip
    for key, label in (
        ("utils_cli", "sqlite-utils insert --csv"),
        ("insert_all", "sqlite-utils insert_all (rows held)"),
        ("floor", "INSERT … SELECT floor"),
        ("executemany", "sqlite3 executemany (rows held)"),
    ):
        out.append((f"peak memory, import {n:,} claims", label, ours.mb, c[key].mb, "-",
                    f"≤ {PEAK_MB} MB (ours)"))  # fmt: skip
    out.append((f"peak memory, import {outcomes:,} outcomes", "-", c["outcomes"].mb, "-", "-",
                f"≤ {PEAK_MB} MB"))  # fmt: skip
    rates = "; ".join(
        f"{label} {n / c[key].cpu:,.0f}"
        for key, label in (("ours", "ours"), ("utils_cli", "insert --csv"),
                           ("insert_all", "insert_all"), ("floor", "floor"),
                           ("executemany", "executemany"))
    )  # fmt: skip
    notes = [
        f"claims/s on CPU: {rates}",
        "CPU s: user + system of the process; ours and sqlite-utils insert --csv from start-up "
        "to exit; insert_all, executemany, the floor and the rebuild: their timed part alone.",
    ]
    return out, notes


def bench_datasette(db: Path, speaker: str, question: str) -> list[tuple]:
    """Every view and stored query as ``tracker serve`` serves it, through
    Datasette's own client. A query past the 1 s limit fails its page, so each
    must answer 200; for views, the time of the rows alone (no count, no
    facets) is shown beside the whole page, since Datasette gives up on a
    count or facet that runs past its limit and shows the page without it.
    Datasette's limit is on wall time; the ratio is on CPU, as elsewhere."""
    import asyncio

    from tracker.site import app, metadata

    meta = metadata(db.stem)
    ds = app(db)
    conn = sqlite3.connect(db)
    views = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    conn.close()
    params = {"speaker": speaker, "question": question, "q": "sanctions", "scale": ""}
    queries = meta["databases"][db.stem]["queries"]

    def fetch(path: str) -> tuple[Cost, int]:
        cost, response = clocked(lambda: asyncio.run(ds.client.get(path)))
        return cost, response.status_code

    def verdict(cost: Cost, status: int) -> str:
        return str(cost) if status == 200 else f"HTTP {status}"

    out = []
    for view in views:
        page = fetch(f"/{db.stem}/{view}")
        rows = fetch(f"/{db.stem}/{view}.json?_size=100&_nocount=1&_nofacet=1")
        ratio = f"{rows[0].cpu:.2f}× limit" if rows[1] == 200 else "FAIL"
        times = f"{verdict(*page)}; {verdict(*rows)}"
        out.append((f"view {view} (page; rows alone)", "", times, "Datasette limit 1 s", ratio))
    for name, query in queries.items():
        args = urlencode({p: v for p, v in params.items() if f":{p}" in query["sql"]})
        cost, status = fetch(f"/{db.stem}/{name}?{args}")
        out.append((f"query {name}", "", verdict(cost, status), "Datasette limit 1 s",
                    f"{cost.cpu:.2f}× limit" if status == 200 else "FAIL"))  # fmt: skip
    return out


def bench_reports(db: Path, n: int, runs: int) -> tuple[list[tuple], list[str]]:
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
        cost = repeat(lambda a=args: measure([*TRACKER, "--db", str(db), *a]), runs)
        goal = f"target {target} s" if target else "-"
        out.append((label, f"{n:,}", str(cost), goal,
                     f"{cost.cpu / target:.2f}× target" if target else ""))  # fmt: skip
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
    db = fresh(work / "seed.db")
    setup([*TRACKER, "--db", str(db), "import", str(ROOT / "seeds")])
    t_help = repeat(lambda: measure([*TRACKER, "--help"]), runs)
    t_peer_help = repeat(lambda: measure([*SQLITE_UTILS, "--help"]), runs)
    t_list = repeat(lambda: measure([*TRACKER, "--db", str(db), "list", "--limit", "10"]), runs)
    t_query = repeat(
        lambda: measure([*SQLITE_UTILS, "query", str(db),
                         "select * from claims order by made_on limit 10"]),
        runs,
    )  # fmt: skip
    return [
        ("tracker --help vs sqlite-utils --help", "-", str(t_help), str(t_peer_help),
         f"{t_help.cpu / t_peer_help.cpu:.2f}× CPU s"),
        ("tracker list --limit 10 vs sqlite-utils query", "seeds", str(t_list), str(t_query),
         f"{t_list.cpu / t_query.cpu:.2f}× CPU s"),
    ]  # fmt: skip


# The PostgreSQL server of the copy section: the tests' own, by default.
PG_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
COPY_TITLE = "Copy between SQLite and PostgreSQL"


def pg_admin() -> tuple[Any, str]:
    """An autocommit connection to the server (psycopg's own), or why there is none."""
    try:
        import psycopg
    except ImportError as exc:
        return None, f"psycopg is not installed ({exc})"
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return None, "pg_dump or pg_restore is not on PATH"
    try:
        conn = psycopg.connect(libpq_url(PG_ADMIN_URL), autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        said = " ".join(str(exc).split())  # one line
        return None, f"no PostgreSQL server answers at {PG_ADMIN_URL}: {said}"
    return conn, ""


def libpq_url(url: str, name: str | None = None) -> str:
    """The URL as libpq (psql, pg_dump) takes it, on database ``name`` if given."""
    plain = "postgresql://" + url.split("://", 1)[1]
    return plain.rsplit("/", 1)[0] + "/" + name if name else plain


def copy_dump(path: Path) -> Iterator[tuple[str, tuple]]:
    """Every table's rows ordered by primary key, as tests/conftest.py's dump
    compares a copy: full-text index internals left out (rebuilt, they hold
    the same text in another layout), the kept score totals to 9 decimals and
    their state without its timestamp."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name")]  # fmt: skip
        for name in tables:
            yield name, ("table",)
            info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            keys = [f'"{r[1]}"' for r in sorted(info, key=lambda r: r[5]) if r[5]] or ["rowid"]
            if name == "score_state":
                query = "SELECT id, stale FROM score_state ORDER BY id"
            else:
                query = f'SELECT * FROM "{name}" ORDER BY {", ".join(keys)}'
            rounded = name in ("score_totals", "calibration_totals")
            for row in conn.execute(query):
                if rounded:
                    row = tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                yield name, row
    finally:
        conn.close()


def first_difference(a: Path, b: Path) -> str | None:
    """Where the dumps of ``a`` and ``b`` first differ, or None."""
    import itertools

    for left, right in itertools.zip_longest(copy_dump(a), copy_dump(b)):
        if left != right:
            return f"{a.name}: {left!r:.300}; {b.name}: {right!r:.300}"
    return None


def copy_archive(n: int, work: Path, reuse: Path | None) -> Path:
    """A scored archive of ``n`` claims with outcomes: the bench's own when given,
    else generated and imported (untimed)."""
    if reuse is not None:
        return reuse
    from tracker.synthetic import generate

    data = work / "copy-data"
    generate(data, n, seed=1)
    db = fresh(work / "archive.db")
    setup([*TRACKER, "--db", str(db), "import",
           *(str(data / f"{s}.jsonl") for s in ("sources", "people", "questions", "claims",
                                                 "outcomes"))])  # fmt: skip
    return db


def bench_copy(n: int, runs: int, work: Path, reuse: Path | None) -> None:
    """``tracker copy`` of an archive of ``n`` claims SQLite → PostgreSQL and
    back, against ``pg_dump -Fc`` then ``pg_restore`` of the same database;
    then the round trip checked row for row. Prints its table, or why not."""
    admin, why = pg_admin()
    if admin is None:
        print(f"\n{COPY_TITLE}: skipped, {why}")
        return
    archive = copy_archive(n, work, reuse)
    tag = uuid.uuid4().hex[:8]
    db1, db2 = f"tracker_bench_{tag}_1", f"tracker_bench_{tag}_2"
    url1 = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db1
    back, dumped = work / "back.db", work / "db1.dump"
    summaries = {"to_pg": work / "copy-to-pg.json", "to_sqlite": work / "copy-to-sqlite.json"}

    def empty(name: str) -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    def copied(key: str, source: str, target: str) -> Cost:
        cost = measure([*TRACKER, "copy", source, target, "--json"], stdout=summaries[key])
        rows = json.loads(summaries[key].read_text())
        if not rows or any(r["result"] != "match" for r in rows):
            raise SystemExit(f"tracker copy {source} {target} did not match: {rows}")
        return cost

    def to_pg() -> Cost:
        empty(db1)
        return copied("to_pg", str(archive), url1)

    def to_sqlite() -> Cost:
        return copied("to_sqlite", url1, str(fresh(back)))

    def restore() -> Cost:
        empty(db2)
        return measure(["pg_restore", "-d", libpq_url(PG_ADMIN_URL, db2), str(dumped)])

    try:
        costs = {"to_pg": [], "to_sqlite": []}
        for _ in range(runs):  # each copy back from the database just copied to
            costs["to_pg"].append(to_pg())
            costs["to_sqlite"].append(to_sqlite())
        ours = {key: summary(found) for key, found in costs.items()}
        dump_cost = repeat(lambda: measure(["pg_dump", "-Fc", "-f", str(dumped),
                                            libpq_url(PG_ADMIN_URL, db1)]), runs)  # fmt: skip
        restore_cost = repeat(restore, runs)
    finally:
        for name in (db1, db2):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    counted = {key: json.loads(path.read_text()) for key, path in summaries.items()}
    total = sum(r["rows"] for r in counted["to_pg"])
    if total != sum(r["rows"] for r in counted["to_sqlite"]):
        raise SystemExit(f"the copies moved different row counts: {counted}")
    both = Cost(dump_cost.cpu + restore_cost.cpu, dump_cost.wall + restore_cost.wall,
                max(dump_cost.rss, restore_cost.rss))  # fmt: skip

    def row(label: str, cost: Cost) -> tuple:
        return (label, f"{total:,}", str(cost), f"{total / cost.cpu:,.0f}",
                f"{total / cost.wall:,.0f}", cost.mb)  # fmt: skip

    rows = [
        row("tracker copy archive.db → PostgreSQL db1", ours["to_pg"]),
        row("tracker copy PostgreSQL db1 → back.db", ours["to_sqlite"]),
        row("peer: pg_dump -Fc db1", dump_cost),
        row("peer: pg_restore -d db2 (the dump)", restore_cost),
        row("peer: pg_dump + pg_restore", both),
    ]
    header = ("operation", "rows", "CPU s (wall s)", "rows/s on CPU", "rows/s on wall",
              "peak memory")  # fmt: skip
    print(table(f"{COPY_TITLE}: an archive of {n:,} claims", rows, header))
    print(
        f"rows: every row copied, in {len(counted['to_pg'])} tables, as the copy's own "
        "summary (--json) counts them; the peer moves the same database."
    )
    print(
        "CPU s: user + system of the client process alone (tracker copy, pg_dump, "
        "pg_restore), start-up to exit; the PostgreSQL server's own CPU is counted for "
        "neither side. pg_dump + pg_restore: their sums, the larger peak memory."
    )
    difference = first_difference(archive, back)
    if difference is not None:
        raise SystemExit(f"dumps differ: {difference}")
    print("dumps equal: yes (archive.db and back.db, every table's rows by primary key)")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=int(os.environ.get("BENCH_SIZE", MILLION)))
    parser.add_argument("--copy-claims", type=int, default=100_000,
                        help="Claims in the archive copied to PostgreSQL and back.")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("copy",), help="Run this section alone.")
    args = parser.parse_args()
    from tracker.synthetic import generate

    n = args.claims
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        work = Path(folder)
        if args.only == "copy":
            bench_copy(args.copy_claims, args.runs, work, None)
            return
        data = work / "data"
        counts = generate(data, n, seed=1)
        costs = bench_import(data, args.runs, work)
        costs["outcomes"], full = bench_outcomes(data, args.runs, work)
        costs["rebuild"] = repeat(lambda: in_child(work, "rebuild", str(full)), args.runs)
        costs.update(bench_writes(full, args.runs, work))
        rows, notes = targets(n, counts["outcomes"], costs)
        header = ("operation", "peer", "ours CPU s (wall s)", "peer CPU s (wall s)",
                  "ratio (CPU)", "target")  # fmt: skip
        print(table("Targets: import, score totals, single writes, memory", rows, header))
        print("\n".join(notes))
        header = ("operation", "size", "ours CPU s (wall s)", "peer or target", "ratio (CPU)")
        reports, plans = bench_reports(full, n, args.runs)
        print(table("Reports at scale", reports, header))
        print(table("Start-up", bench_startup(args.runs, work), header))
        print("\n" + "\n".join(plans))
        # The bench's archive (claims, outcomes) when it is the size asked for.
        bench_copy(args.copy_claims, args.runs, work, full if args.copy_claims == n else None)


if __name__ == "__main__":
    main()
