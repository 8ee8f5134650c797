"""Column types shared by the models and the migrations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

# Defined without SQLAlchemy (the quick writes use them), kept importable from here.
from tracker.dates import TIMESTAMP_FORMAT as TIMESTAMP_FORMAT
from tracker.dates import utcnow as utcnow


class UTCTimestamp(TypeDecorator[dt.datetime]):
    """A UTC instant stored as ISO 8601 text (``2026-11-27T19:33:48Z``).

    Text sorts, facets and reads well in Datasette and any SQL client, and the
    same form works on PostgreSQL; naive datetimes are taken to be UTC.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> str | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime(TIMESTAMP_FORMAT)

    def process_result_value(self, value: str | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return dt.datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
