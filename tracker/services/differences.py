"""The one rule for a record that arrives again under a key already recorded.

The same record again changes nothing ("unchanged"). The same key with other
values is refused, naming each field that differs (old -> new) and the command
that changes it: an ``add-*`` command or an import never rewrites the record,
so a forecast cannot quietly become another. Every writer (single commands,
seed files, bulk files) compares through ``differing`` and refuses through
``refuse``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.errors import Conflict
from tracker.text import quoted


@dataclass(frozen=True)
class Difference:
    field: str
    old: Any
    new: Any


def differing(
    old: Mapping[str, Any], new: Mapping[str, Any], fields: Iterable[str] | None = None
) -> list[Difference]:
    """The fields of ``new`` whose value is not the one ``old`` holds."""
    names = list(new) if fields is None else list(fields)
    return [Difference(f, old.get(f), new.get(f)) for f in names if old.get(f) != new.get(f)]


def shown(value: Any) -> str:
    """A value as a user reads it in a one-line message: text quoted and cut
    short, line breaks flattened, nothing for a missing value."""
    if value is None:
        return "(none)"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return quoted(value)


def long_text(value: str | None) -> str | None:
    """A document's text as a message shows it: its size, not its words."""
    return None if value is None else f"{len(value):,} characters"


def refuse(
    what: str,
    differences: list[Difference],
    change_with: str | None,
    show: Callable[[str, Any], str] | None = None,
) -> None:
    """Refuse a record whose key is already recorded with other values.

    ``what`` names the record ("source minister-expects-deal"); ``change_with``
    is the command that changes it (None: nothing may); ``show(field, value)`` renders a value
    where the stored one is not what a user typed (an id for a slug)."""
    render = show or (lambda _field, value: shown(value))
    fields = "; ".join(
        f"{d.field}: {render(d.field, d.old)} → {render(d.field, d.new)}" for d in differences
    )
    how = f" To correct it: {change_with}" if change_with else ""
    raise Conflict(
        f"{what} is already recorded with other values ({fields}); nothing was changed.{how}"
    )
