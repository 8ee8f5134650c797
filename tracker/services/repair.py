"""``tracker db repair``: put back the definitions, never the data.

When someone drops or rewrites a trigger, a view or an index (or adds a
trigger of their own), the record loses a guard and the tracker refuses to
write (``tracker.guards``). Repair re-creates each such definition exactly as
this tracker's migrations make it, read from a database they just built, and
removes triggers that are not the tracker's. It never writes a row of the
record: a table that was dropped comes back empty, and what was done to the
data while the guards were down is for ``tracker verify`` to show (a broken
link of the ledger, a reference to nothing) and for a backup to restore. The
kept score totals, derived from the record, are marked stale so the next
report computes them afresh.

On PostgreSQL the definitions of the guard triggers and their functions are
read from the migrations run in a scratch schema inside a transaction that is
then rolled back.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from tracker.errors import SchemaError
from tracker.guards import SERVER_TRIGGERS

_KINDS_IN_ORDER = ("table", "index", "view", "trigger")


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _repair_sqlite(conn: Connection) -> tuple[list[str], list[str]]:
    from tracker.schema import fresh_sqlite_master

    fresh = [row for row in fresh_sqlite_master() if row[3] is not None]
    actual = {
        (kind, name): _norm(sql)
        for kind, name, sql in conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        )
    }
    expected = {(kind, name) for kind, name, _, _ in fresh}
    done: list[str] = []
    left: list[str] = []
    for (kind, name), _ in sorted(actual.items()):
        if kind == "trigger" and (kind, name) not in expected:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            done.append(f"removed the trigger {name}, which is not the tracker's")
    # A virtual table (full-text search) brings its own shadow tables.
    virtual = {name for kind, name, _, sql in fresh if kind == "table" and "VIRTUAL" in sql.upper()}
    recreated_virtual = []
    for kind in _KINDS_IN_ORDER:
        for k, name, _table, sql in fresh:
            if k != kind or any(name.startswith(f"{v}_") for v in virtual if name != v):
                continue
            have = actual.get((kind, name))
            if have == _norm(sql):
                continue
            if kind == "table" and have is not None:
                left.append(f"the table {name} is not as defined; repair does not rebuild a "
                            "table with its data: restore it from a backup")  # fmt: skip
                continue
            if have is not None:
                conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
            elif kind == "table" and name in virtual:
                for shadow in ("data", "idx", "docsize", "config", "content"):
                    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}_{shadow}"')
            conn.exec_driver_sql(sql)
            if kind == "table" and name in virtual:
                recreated_virtual.append(name)
            what = "re-created the altered" if have is not None else "restored the missing"
            done.append(f"{what} {kind} {name}")
    for name in recreated_virtual:  # the search index, rebuilt from the rows it indexes
        conn.exec_driver_sql(f'INSERT INTO "{name}" ("{name}") VALUES (\'rebuild\')')
    for kind, name, _table, _ in fresh:
        if kind == "table" and name not in virtual and (kind, name) not in actual:
            left.append(f"the table {name} was dropped: its definition is back, empty; "
                        "restore its rows from a backup")  # fmt: skip
    return done, left


def _server_definitions(conn: Connection) -> tuple[dict[str, str], dict[str, str]]:
    """The guard triggers and their functions as the migrations define them,
    by name: built in a scratch schema, read, and rolled back."""
    from alembic import command

    from tracker.schema import _alembic_config

    scratch = "tracker_repair_scratch"
    outer = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"CREATE SCHEMA {scratch}")
        conn.exec_driver_sql(f"SET LOCAL search_path TO {scratch}")
        command.upgrade(_alembic_config(conn), "head")
        triggers = dict(
            conn.execute(
                text(
                    "SELECT c.relname || ' ' || t.tgname, pg_get_triggerdef(t.oid) "
                    "FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal AND c.relnamespace = CAST(:s AS regnamespace)"
                ),
                {"s": scratch},
            ).all()
        )
        functions = dict(
            conn.execute(
                text(
                    "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
                    "WHERE pronamespace = CAST(:s AS regnamespace)"
                ),
                {"s": scratch},
            ).all()
        )
    finally:
        outer.rollback()
    # The scratch schema's name out of each definition: they are re-created in the real one.
    triggers = {k: v.replace(f" {scratch}.", " ") for k, v in triggers.items()}
    functions = {k: v.replace(f" {scratch}.", " ") for k, v in functions.items()}
    return triggers, functions


def _repair_server(conn: Connection) -> tuple[list[str], list[str]]:
    from tracker.guards import server_altered

    triggers, functions = _server_definitions(conn)
    present_functions = set(
        conn.execute(
            text("SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace")
        ).scalars()
    )
    missing = set(server_altered(conn))
    done: list[str] = []
    for table, names in SERVER_TRIGGERS.items():
        for name in names:
            if f"the trigger {name} on {table} is missing" not in missing:
                continue
            definition = triggers.get(f"{table} {name}")
            if definition is None:
                raise SchemaError(f"the migrations define no trigger {name} on {table}")
            function = definition.rsplit("FUNCTION ", 1)[-1].split("(", 1)[0].strip()
            if function not in present_functions and function in functions:
                conn.exec_driver_sql(functions[function])
                present_functions.add(function)
                done.append(f"restored the missing function {function}")
            conn.exec_driver_sql(definition)
            done.append(f"restored the missing trigger {name} on {table}")
    left = [p for p in server_altered(conn) if p.startswith("the table")]
    return done, [f"{p}: restore it from a backup" for p in left]


def repair(engine: Engine) -> tuple[list[str], list[str]]:
    """Restore the definitions; what was done, and what is left for a backup."""
    from tracker.db import get_engine

    if engine.dialect.name == "sqlite":
        migrating = get_engine(str(engine.url), migrating=True)  # foreign keys off, BEGIN IMMEDIATE
        with migrating.begin() as conn:
            done, left = _repair_sqlite(conn)
            if done:
                conn.exec_driver_sql("UPDATE score_state SET stale = 1")
        return done, left
    with engine.begin() as conn:
        done, left = _repair_server(conn)
        if done:
            conn.execute(text("UPDATE score_state SET stale = 1"))
    return done, left
