"""Dates as the tracker accepts them: unambiguous ISO 8601, nothing else."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tracker.text import quoted

# How a UTC instant is stored (``tracker.types.UTCTimestamp``) and shown.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second: the resolution timestamps are stored at."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def parse_iso_date(value: Any) -> dt.date:
    """Only unambiguous dates: YYYY-MM-DD text or a date (YAML parses those)."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), got a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {quoted(value)}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{quoted(value)} is not a real date") from exc


def parse_instant(value: str) -> dt.datetime:
    """A moment in UTC: YYYY-MM-DD (the end of that day), or a date and time
    (YYYY-MM-DDTHH:MM[:SS], with Z or an offset; without one it is UTC)."""
    text = value.strip()
    if _ISO_DATE.match(text):
        day = parse_iso_date(text)
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"expected a date or a date and time (2026-03-01 or 2026-03-01T09:30:00Z), got {text}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)
