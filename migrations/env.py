"""Alembic environment for tracker.

tracker runs migrations through ``tracker.schema``, which hands over one open
connection (in ``config.attributes["connection"]``) inside a single transaction
with foreign keys off. Run directly (``alembic revision --autogenerate``), this
file opens ``$TRACKER_DB`` (default ``./tracker.db``) the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tracker.config import database_url
from tracker.db import get_engine
from tracker.models import Base
from tracker.schema import include_name

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transactional_ddl=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif (conn := config.attributes.get("connection")) is not None:
    run(conn)
else:
    with get_engine(database_url(), migrating=True).begin() as conn:
        run(conn)
