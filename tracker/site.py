"""The Datasette site over a tracker database: its metadata, and serving it.

The metadata ships as ``datasette_metadata.yaml`` next to this module, written
for a database called ``tracker``; Datasette names a database after its file,
so the name is filled in here for any other file.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import logging
import os
import sqlite3
import sys
import weakref
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote_plus

from tracker import scorecard, site_functions
from tracker.config import DISTRIBUTION
from tracker.errors import TrackerError

METADATA_FILE = Path(__file__).with_name("datasette_metadata.yaml")
TEMPLATE_NAME = "tracker"
INSTALL_HINT = (
    f"tracker serve needs Datasette: pip install '{DISTRIBUTION}[datasette]' "
    "(or pip install datasette)"
)


# The site's rounding function (site_functions.cli_round), which only the
# tracker's site registers: in the metadata written for running `datasette`
# yourself, the stored queries call SQLite's round() instead.
SITE_ROUND = "tracker_round("
# The scorecards are pages of the tracker's site (tracker.scorecard), so only
# the site's front page mentions them.
SITE_NOTE = (
    " Every speaker's name links to their scorecard: their scores with intervals, a "
    "calibration chart, each claim with what happened and the evidence, and every correction."
)


def metadata(database: str = TEMPLATE_NAME, *, site: bool = False) -> dict[str, Any]:
    """The metadata for a database named ``database`` (a file's stem); with
    ``site``, as the tracker's site serves it, else for plain Datasette."""
    import yaml

    data = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    data["databases"] = {database: data["databases"][TEMPLATE_NAME]}
    data["description_html"] = data["description_html"].replace(
        f"/{TEMPLATE_NAME}/", f"/{database}/"
    )
    if site:
        data["description_html"] += SITE_NOTE
    else:
        for query in data["databases"][database]["queries"].values():
            query["sql"] = query["sql"].replace(SITE_ROUND, "round(")
    return data


def write_metadata(target: Path, database: str) -> None:
    """YAML, or JSON when the file name ends in .json."""
    data = metadata(database)
    if target.suffix.lower() == ".json":
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        import yaml

        target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


# How the site is served. Datasette 0.65's suggested facets count every row of
# a table or view before suggesting, and a count that runs past the time limit
# fails the whole page (upstream: simonw/datasette#2082, fixed in the 1.0
# alphas by considering the first 1,000 rows). The per-claim views hold a row
# per claim and scale (five million at a million claims), so suggestions are
# off; the useful facets are configured per table in the metadata instead.
SETTINGS: dict[str, Any] = {"sql_time_limit_ms": 1000, "suggest_facets": False}

# The per-claim views (claim_scores and the views that read it) are computed
# when read: a page of their rows is quick, but a count or a facet reads every
# claim on every scale (half a million rows at 100,000 claims took Datasette
# 0.96 s to count; at a million it runs past the 1 s limit), and sorting or
# filtering on a computed column does too. So the metadata marks them hidden
# and offers stored queries that read claim_scores for the claims asked for
# (claim_on_every_scale, question_scores, claims_by_status...). Datasette 0.65
# hides tables marked hidden but lists every view, and it has no setting to
# leave a table's count out (only `?_nocount=1` in a request), so the site
# does both: a hidden view is left out of the lists of views (the database
# page, its JSON and the index), and the page of a hidden table or view, which
# only a link or a typed address reaches, runs no count and no facet.
NO_COUNT = (b"_nocount", b"_nofacet")


# What one visitor's request can make the server do. Datasette's time limit is
# checked between SQLite instructions, every thousand of them, so it cannot
# stop one function call: `length(randomblob(999999999))` built a gigabyte in
# one step, and four such requests stalled the server for 25 s at 3 GB. Each
# connection therefore caps the longest string or blob any expression may
# build (SQLite's default is 1,000,000,000 bytes). Reading a stored value
# longer than the cap fails as well ("string or blob too big"), so the cap must
# hold the longest value the site shows: a source's full text, up to
# 50,000,000 characters (records.LongText). 64 MiB holds that at the limit in
# ASCII and any text up to 64 MiB of UTF-8 (over 22 million Korean
# characters); a longer text is kept and shown by the CLI, but not by the site.
# Building 200 MB (`hex(zeroblob(100000000))`) fails at once.
VALUE_LIMIT = 64 * 1024 * 1024
# The longest SQL text: the longest statement in the schema or the metadata is
# under 4,000 characters.
SQL_LIMIT = 100_000
# printf() (and its alias format()) repeats a %c as often as the precision
# says, even past the cap, where it only returns NULL: `%.*c` with 2**31 - 1
# takes 9 s of CPU in one call (SQLite 3.40). Nothing on the site uses it, so
# visitors' SQL may not call it.
REFUSED_FUNCTIONS = frozenset({"printf", "format"})
# What one statement may return, in all: the lengths of its text and blob
# values added up (characters or bytes), as Datasette fetches its rows. Under
# the cap, 40 rows of 32 MB each (`hex(zeroblob(16000000 + 0 * i))` over a
# counter) were made in under a second, then took 7.5 GB and 22 s to render.
# Twice the cap: the longest value and as much again.
RESULT_LIMIT = 2 * VALUE_LIMIT
RESULT_MESSAGE = (
    f"result too big: over {RESULT_LIMIT:,} characters in all; ask for fewer rows or columns"
)
# The memory all SQLite connections in the serving process may hold together.
# Each value is capped, but one statement can hold many at once (60 columns of
# 66 MB each took 5.8 GB); past this limit a statement fails instead. It holds
# for the whole process, so run() sets it, in the process that only serves the
# site, never app().
HEAP_LIMIT = 1024 * 1024 * 1024
PLUGIN_NAME = "tracker.site"


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: str | None) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and arg1 == "pragma_database_list" and arg2 == "file":
        return sqlite3.SQLITE_IGNORE  # the file's path reads as NULL
    return sqlite3.SQLITE_OK


class _ResultBudget:
    """A row factory that stops a statement's rows past RESULT_LIMIT in all."""

    def __init__(self, row_factory: Any) -> None:
        self.row_factory = row_factory
        self.used: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def __call__(self, cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Any:
        used = self.used.get(cursor, 0) + sum(len(v) for v in row if isinstance(v, str | bytes))
        if used > RESULT_LIMIT:
            # Datasette shows the message: a 400 for SQL, a 500 for a table page.
            raise sqlite3.DataError(RESULT_MESSAGE)
        self.used[cursor] = used
        return row if self.row_factory is None else self.row_factory(cursor, row)


def limit_connection(conn: sqlite3.Connection) -> None:
    """Apply the site's limits to one SQLite connection (after Datasette has
    set its row factory, sqlite3.Row, which the budget wraps)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, SQL_LIMIT)
    conn.set_authorizer(_authorize)
    conn.row_factory = _ResultBudget(conn.row_factory)


def _prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    # Datasette's plugins are global to the process: act on the tracker's site only.
    if isinstance(datasette, _site_class()):
        site_functions.register(conn)
        limit_connection(conn)


def _hidden(datasette: Any, database: str) -> set[str]:
    """The tables and views the metadata marks hidden in ``database``."""
    tables = datasette.metadata(database=database, fallback=False) or {}
    return {name for name, meta in (tables.get("tables") or {}).items() if meta.get("hidden")}


def _wordless_search(arg: bytes) -> bool:
    """Whether one ``key=value`` of a query string is a table search
    (``_search=``, ``_search_quote=``) with no word in it. Datasette 0.65 runs
    such a search anyway and FTS5 refuses an empty query (a 400 for the empty
    search box); left out, the page shows every row, as with no search."""
    key, _, value = (unquote_plus(part.decode("utf-8", "replace")) for part in arg.partition(b"="))
    searches = key == "_search" or (key.startswith("_search_") and key != "_searchmode")
    return searches and site_functions.fts_query(value) == site_functions.NOTHING


def _served_query(datasette: Any, path: str, query: bytes) -> bytes:
    """The query string a request for ``path`` is served with: without a
    search that has no word in it; for the page of a hidden table or view
    (``/db/name``, ``/db/name.json``, ``.csv``...), with no count and no facet;
    else as it came."""
    if b"search" in query:  # also %5Fsearch
        query = b"&".join(arg for arg in query.split(b"&") if not _wordless_search(arg))
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return query
    if parts[1].split(".", 1)[0] not in _hidden(datasette, parts[0]):
        return query
    kept = [arg for arg in query.split(b"&") if arg and arg.split(b"=", 1)[0] not in NO_COUNT]
    return b"&".join([*kept, *(key + b"=1" for key in NO_COUNT)])


def _register_routes(datasette: Any) -> list[tuple[str, Any]]:
    if not isinstance(datasette, _site_class()):
        return []
    return [(scorecard.ROUTE, scorecard.page)]


def _render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    # Called for every cell of every page: the column is checked before the class.
    if column not in scorecard.NAME_COLUMNS or not isinstance(datasette, _site_class()):
        return None
    return scorecard.speaker_cell(row, value, column, table, database, datasette)


def _asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        if not isinstance(datasette, _site_class()):
            return app

        async def uncounted(scope: dict, receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                query = _served_query(datasette, scope["path"], scope.get("query_string", b""))
                scope = dict(scope, query_string=query)
            await app(scope, receive, send)

        return uncounted

    return wrap


@functools.cache
def _site_class() -> type:
    """Datasette as the tracker serves it, with the site's plugin registered
    (once per process, on first use: Datasette is an optional dependency)."""
    from datasette import hookimpl
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    class ListedDatabase(Database):  # type: ignore[misc]
        async def view_names(self) -> list[str]:
            # Every list of views (the database page, its JSON, the index)
            # comes from here; the table page does not ask.
            hidden = _hidden(self.ds, self.name)
            return [name for name in await super().view_names() if name not in hidden]

    class Site(Datasette):  # type: ignore[misc]
        def add_database(self, db: Any, name: str | None = None, route: str | None = None) -> Any:
            # Datasette makes its Database objects itself: make them leave hidden views
            # out of their lists.
            if type(db) is Database:
                db.__class__ = ListedDatabase
            return super().add_database(db, name=name, route=route)

        def _connected_databases(self) -> list[dict[str, Any]]:
            # /-/databases without each file's absolute path: Datasette 0.65 has
            # no setting for it, and both the page and its JSON come from here.
            rows = super()._connected_databases()
            return [{k: v for k, v in row.items() if k != "path"} for row in rows]

    if pm.get_plugin(PLUGIN_NAME) is None:
        about = "The forecast tracker's limits and SQL functions (tracker.site)."
        plugin = ModuleType(PLUGIN_NAME, about)
        # Last, so that the site's escape_fts replaces Datasette's (pluggy calls
        # the plugins registered last first).
        last = hookimpl(_prepare_connection, trylast=True)
        plugin.prepare_connection = last  # type: ignore[attr-defined]
        plugin.asgi_wrapper = hookimpl(_asgi_wrapper)  # type: ignore[attr-defined]
        # The speakers' scorecards: their pages, and links to them from every name.
        plugin.register_routes = hookimpl(_register_routes)  # type: ignore[attr-defined]
        plugin.render_cell = hookimpl(_render_cell)  # type: ignore[attr-defined]
        pm.register(plugin, name=PLUGIN_NAME)
    return Site


def app(db: Path) -> Any:
    """The site as ``tracker serve`` runs it, in this process (also for
    Datasette's own test client: the tests and the benchmark). Its own pages'
    templates (the scorecard's) are found in Datasette's template directory."""
    return _site_class()(
        files=[str(db)], metadata=metadata(db.stem, site=True), settings=SETTINGS,
        template_dir=str(scorecard.TEMPLATES),
    )  # fmt: skip


# How long a stopping server (SIGTERM, or Ctrl-C) waits for the responses it
# is still sending. Uvicorn waits for every open connection by default, so one
# client that stopped reading a streamed CSV (`_stream=on`) kept a terminated
# server up for as long as it stalled; past this grace the responses are cut
# off and the server exits. A page takes at most the SQL time limit (1 s) plus
# rendering; idle keep-alive connections are closed at once.
SHUTDOWN_GRACE_SECONDS = 3


class _ShutdownLog(logging.Filter):
    """Uvicorn's log of responses cut off at shutdown, as one warning each
    instead of an error with a traceback: cutting them off is the intent."""

    def filter(self, record: logging.LogRecord) -> bool:
        cancelled = record.exc_info is not None and isinstance(
            record.exc_info[1], asyncio.CancelledError
        )
        if cancelled or "timeout graceful shutdown exceeded" in record.getMessage():
            if cancelled:
                record.msg, record.args = "a response still being sent at shutdown was cut off", ()
                record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def run(db: Path, port: int) -> None:
    """Serve app(db) on 127.0.0.1:``port`` until stopped, as ``datasette serve`` would.

    Stops within SHUTDOWN_GRACE_SECONDS of SIGTERM or SIGINT, whatever the
    clients do. Serving writes no temporary file: SQLite's (for large sorts)
    are unlinked as they are made, and Datasette's serving writes none.
    """
    import uvicorn

    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    site = app(db)
    logging.getLogger("uvicorn.error").addFilter(_ShutdownLog())
    uvicorn.run(
        site.app(), host="127.0.0.1", port=port, log_level="info", lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )  # fmt: skip


# What serve() runs in the fresh process (`-c`: tracker.site is imported once).
_RUN = (
    "import sys; from pathlib import Path; from tracker.site import run; "
    "run(Path(sys.argv[1]), int(sys.argv[2]))"
)


def serve(db: Path, port: int) -> None:
    """Replace this process with the site, app(db), on 127.0.0.1:``port``.

    Visitors can read and run read-only SQL, within the limits above; nothing
    they do can write, since no writable canned query or write plugin is
    configured.
    """
    if importlib.util.find_spec("datasette") is None:
        raise TrackerError(INSTALL_HINT)
    command = [sys.executable, "-c", _RUN, str(db), str(port)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
