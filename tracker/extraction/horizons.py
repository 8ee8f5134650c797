"""Dates in a forecast: by when it resolves, and when it was said.

A horizon in words names a period, and a forecast about a period resolves at
its end: "by June" and "in June" by 30 June, "next year" by 31 December of
next year, "in the coming months" about six months on. Those rules are the
tracker's own (``PERIODS``), because a general date parser reads "next year"
as the same day a year later. Calendar dates written out ("on 7 May", "by 30
June 2027") are read by dateparser, relative to the article's date and
preferring the future, which is what a forecast points at.

When a remark was made: the article's date, unless the attribution dates it
("on Tuesday", "last week", "last month", "yesterday"); the latest day the
words allow is taken, as the seed file does, and a note says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from tracker.extraction.article import MONTHS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = "|".join(m.capitalize() for m in MONTHS)


@dataclass(frozen=True)
class Horizon:
    words: str  # as written
    resolve_by: dt.date


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return _end_of_month(year, month % 12 + 1)


def _next_month_named(name: str, base: dt.date, *, strictly_after: bool = False) -> dt.date:
    month = MONTHS[name.lower()]
    year = (
        base.year
        if (month > base.month or (month == base.month and not strictly_after))
        else (base.year + 1)
    )
    return _end_of_month(year, month)


def _weekday_after(base: dt.date, name: str) -> dt.date:
    """The next such weekday on or after the article's date."""
    ahead = (WEEKDAYS.index(name.lower()) - base.weekday()) % 7
    return base + dt.timedelta(days=ahead)


# Period words, most specific first: (pattern, the date it resolves by).
PERIODS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"\bby the end of (?:the )?(?:year )?(\d{4})\b", re.I),
     lambda m, b: dt.date(int(m.group(1)), 12, 31)),
    (re.compile(rf"\b(?:by|in|before|until|through) (?:the end of |mid-?|early |late )?({_MONTH})"
                r"(?: (\d{4}))?\b"),
     lambda m, b: _end_of_month(int(m.group(2)), MONTHS[m.group(1).lower()]) if m.group(2)
     else _next_month_named(m.group(1), b)),
    (re.compile(r"\b(?:by|in|before|during) (?:the end of |mid-|early |late )?(\d{4})\b", re.I),
     lambda m, b: dt.date(int(m.group(1)), 12, 31)),
    (re.compile(r"\bby (?:the )?end of (?:the |this )?year\b|\bthis year\b|\bthe year\b", re.I),
     lambda m, b: dt.date(b.year, 12, 31)),
    (re.compile(r"\bnext year\b", re.I), lambda m, b: dt.date(b.year + 1, 12, 31)),
    (re.compile(r"\b(?:this|next) (?:summer)\b", re.I),
     lambda m, b: dt.date(b.year if b.month < 9 else b.year + 1, 8, 31)),
    (re.compile(r"\b(?:until |by |in )?the summer\b", re.I),
     lambda m, b: dt.date(b.year if b.month < 9 else b.year + 1, 8, 31)),
    (re.compile(r"\bthis (?:autumn|fall)\b|\bthe autumn\b", re.I),
     lambda m, b: dt.date(b.year, 11, 30)),
    (re.compile(r"\bthis (?:winter)\b", re.I), lambda m, b: _add_months(b, 4)),
    (re.compile(r"\b(?:in |over )?the (?:coming|next) (?:few )?months\b", re.I),
     lambda m, b: _add_months(b, 6)),
    (re.compile(r"\b(?:in |over )?the (?:coming|next) (?:few )?weeks\b", re.I),
     lambda m, b: b + dt.timedelta(days=42)),
    (re.compile(r"\bnext month\b", re.I), lambda m, b: _add_months(b, 1)),
    (re.compile(r"\bthis month\b", re.I), lambda m, b: _end_of_month(b.year, b.month)),
    (re.compile(r"\bnext week\b", re.I), lambda m, b: b + dt.timedelta(days=13)),
    (re.compile(r"\bthis week(?:end)?\b|\btonight\b|\btomorrow\b", re.I),
     lambda m, b: b + dt.timedelta(days=7)),
    (re.compile(rf"\bon (?:{'|'.join(w.capitalize() for w in WEEKDAYS)})\b"),
     lambda m, b: _weekday_after(b, m.group().split()[1])),
    (re.compile(r"\b(?:at )?the next (?:meeting|round|election|summit|vote|quarter|season)\b",
                re.I), lambda m, b: _add_months(b, 3)),
    (re.compile(r"\bthis time\b|\bthis (?:visit|trip|meeting|summit|weekend)\b", re.I),
     lambda m, b: b + dt.timedelta(days=14)),
    (re.compile(r"\b(?:eventually|in the long run|one day|at some point)\b", re.I),
     lambda m, b: dt.date(b.year + 3, 12, 31)),
]  # fmt: skip

_CALENDAR = re.compile(rf"\b(?:on|by|before|until) (\d{{1,2}} (?:{_MONTH})(?: \d{{4}})?|"
                       rf"(?:{_MONTH}) \d{{1,2}}(?:,? \d{{4}})?)\b")  # fmt: skip


def horizon(words: str, published_on: dt.date) -> Horizon | None:
    """The first horizon the words give, and the date a question on it resolves by."""
    match = _CALENDAR.search(words)
    if match is not None:
        import dateparser

        day = dateparser.parse(
            match.group(1),
            settings={"RELATIVE_BASE": dt.datetime.combine(published_on, dt.time()),
                      "PREFER_DATES_FROM": "future", "REQUIRE_PARTS": ["day", "month"]},
        )  # fmt: skip
        if day is not None:
            return Horizon(match.group(), day.date())
    found = []
    for pattern, rule in PERIODS:
        for m in pattern.finditer(words):
            found.append((m.start(), m, rule))
            break
    if not found:
        return None
    _, m, rule = min(found, key=lambda f: f[0])
    return Horizon(m.group(), rule(m, published_on))  # type: ignore[operator]


_IN_MONTH = re.compile(rf"\bin (mid-|early |late |the middle of |the end of )?({_MONTH})\b")

_SAID_WHEN = re.compile(
    rf"\b(?:[Oo]n ({'|'.join(w.capitalize() for w in WEEKDAYS)})|(last week)|(last month)|"
    r"(yesterday)|(earlier this week)|(earlier this month))\b"
)


def said_on(attribution: str, published_on: dt.date) -> tuple[dt.date, str]:
    """When the remark was made, from the words around its attribution, and a note."""
    match = _SAID_WHEN.search(attribution)
    month = _IN_MONTH.search(attribution)
    if match is None and month is not None:
        number = MONTHS[month.group(2).lower()]
        year = published_on.year if number <= published_on.month else published_on.year - 1
        part = (month.group(1) or "").strip()
        day = {"early": 10, "mid-": 20, "the middle of": 20}.get(part)
        said = dt.date(year, number, day) if day else _end_of_month(year, number)
        said = min(said, published_on)
        return said, f'the article says "{month.group().strip()}"; the latest day it allows is used'
    if match is None:
        return published_on, "reported in the article; date of publication"
    weekday, week, month, _, this_week, this_month = match.groups()
    if weekday:
        back = (published_on.weekday() - WEEKDAYS.index(weekday.lower())) % 7 or 7
        day = published_on - dt.timedelta(days=back)
        return day, f'the article says "on {weekday}": the last {weekday} before it'
    if week or this_week:
        return published_on - dt.timedelta(days=1), (
            f'the article says "{match.group()}"; the latest possible day is used'
        )
    if month:
        first = published_on.replace(day=1)
        return first - dt.timedelta(days=1), (
            'the article says "last month"; the latest possible day is used'
        )
    if this_month:
        return published_on, 'the article says "earlier this month"; its date is used'
    return published_on - dt.timedelta(days=1), 'the article says "yesterday"'
