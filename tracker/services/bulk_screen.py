"""A quick screen for bulk claim rows already in canonical form.

Most rows of a large file are written by a program in one spelling: exact
vocabulary words, slugs, dates as YYYY-MM-DD, plain decimal numbers. The
screen checks such a row with the rules the model itself applies
(``tracker.records``: ``control_character`` and ``is_blank`` as in
``clean_text``, ``parse_iso_date``, the slug pattern, the limits, the
vocabularies, ``check_claim_fields``) and builds the record itself, without
the model's per-field machinery and without a dict a row.

It decides nothing on its own: a row it cannot vouch for (another spelling of
a number, a missing or unknown field, a value out of range, a JSON null) is
handed to ``ClaimIn``, which accepts it with the same values or says what is
wrong in the usual words. So whatever the screen accepts, ``ClaimIn`` accepts
with identical values (tests/test_bulk_setwise.py generates rows to check it).
"""

from __future__ import annotations

import math
import re
from collections import namedtuple
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from tracker.dates import parse_iso_date
from tracker.records import (
    PROBABILITY_MAX,
    PROBABILITY_MIN,
    SLUG_MAX,
    SLUG_PATTERN,
    TEXT_MAX,
    ClaimIn,
    ConditionIn,
    check_claim_fields,
    is_blank,
)
from tracker.text import control_character
from tracker.vocabulary import BINARY_RESULTS, CLAIM_KINDS, DIRECTIONS, MAPPING_BASES

_FIELDS = tuple(ClaimIn.model_fields)
_REQUIRED = tuple(name for name, f in ClaimIn.model_fields.items() if f.is_required())
if _FIELDS[: len(_REQUIRED)] != _REQUIRED:  # a namedtuple takes its defaults last
    raise RuntimeError("ClaimIn's required fields must come first")
_DEFAULTS = [ClaimIn.model_fields[name].default for name in _FIELDS[len(_REQUIRED) :]]


class ScreenedClaim(namedtuple("_Claim", _FIELDS, defaults=_DEFAULTS)):  # type: ignore[misc]
    """A claim row the screen vouched for: ``ClaimIn``'s fields and defaults,
    read as its attributes are (``r.speaker``, ``r.condition.question``)."""

    __slots__ = ()


_INDEX = {name: i for i, name in enumerate(_FIELDS)}
_BLANK_ROW = (None,) * len(_REQUIRED) + tuple(_DEFAULTS)  # required fields to fill

# The kind of value each field of ClaimIn holds (but the nested condition and
# appearances); the vocabularies are the ones the model's Literals are made of.
TEXT, SLUG, DATE, PROBABILITY, NUMBER, RANGE = (
    "text",
    "slug",
    "date",
    "probability",
    "number",
    "range",
)
_KINDS: dict[str, str | tuple[str, ...]] = {
    "speaker": TEXT, "source": SLUG, "made_on": DATE, "quote": TEXT, "kind": CLAIM_KINDS,
    "question": SLUG, "role": TEXT, "made_on_note": TEXT, "wording": TEXT,
    "probability": PROBABILITY, "low": PROBABILITY, "high": PROBABILITY, "scale": SLUG,
    "term": TEXT, "basis": MAPPING_BASES, "note": TEXT, "direction": DIRECTIONS,
    "side": BINARY_RESULTS, "value": NUMBER, "range": RANGE, "above": NUMBER, "below": NUMBER,
}  # fmt: skip
if set(_KINDS) | {"condition", "appearances"} != set(_FIELDS):
    raise RuntimeError("the screen must know every field of ClaimIn")

_slug = re.compile(SLUG_PATTERN).fullmatch
# Decimal numbers as a program writes them. Any other spelling pydantic may
# accept ("1e-3", "+.5", " 0.5") is left to it; so is a number too long for
# the screen to be sure it reads it as pydantic does.
_decimal = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,20})?").fullmatch
_signed_decimal = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?").fullmatch
_EXACT_INT = 2**53  # the largest JSON integer a float holds exactly
# Rows share a few thousand days; each is parsed by the model's own function once.
_date = lru_cache(maxsize=16_384)(parse_iso_date)


class NotCanonical(ValueError):
    """A value the screen leaves to the model (never shown to a user)."""


def _text(value: str) -> str:
    # Control characters and length: checked once for the whole row.
    if is_blank(value):
        raise NotCanonical
    return value


def _cell(kind: str | tuple[str, ...], value: str) -> Any:
    """A CSV cell (or a JSON string) of ``kind``, as the model would read it."""
    if kind is TEXT:
        return _text(value)
    if kind is SLUG:
        if len(value) > SLUG_MAX or _slug(value) is None:
            raise NotCanonical
        return value
    if kind is DATE:
        return _date(value)
    if kind is PROBABILITY:
        if _decimal(value) is None:
            raise NotCanonical
        number = float(value)
        if not PROBABILITY_MIN <= number <= PROBABILITY_MAX:
            raise NotCanonical
        return number
    if kind is NUMBER:
        if _signed_decimal(value) is None:
            raise NotCanonical
        return float(value)
    if kind is RANGE:
        low, high = value.split(";")  # ValueError unless two (CSV's list separator)
        return _cell(NUMBER, low), _cell(NUMBER, high)
    if value not in kind:  # a vocabulary
        raise NotCanonical
    return value


def _condition(question: Any, result: Any) -> ConditionIn:
    if type(question) is not str or type(result) is not str:
        raise NotCanonical
    # Both values are checked here as ConditionIn checks them, so it is built
    # without validating them a second time.
    return ConditionIn.model_construct(
        question=_cell(SLUG, question), result=_cell(BINARY_RESULTS, result)
    )


def _accepted(values: list[Any]) -> ScreenedClaim:
    claim = tuple.__new__(ScreenedClaim, values)
    check_claim_fields(claim)
    return claim


def _whole_row_clean(cells: list[str]) -> bool:
    """No control character in any cell and none longer than a text may be,
    checked once for the row: a slug, date, number or word holds neither."""
    joined = " ".join(cells)
    return len(joined) <= TEXT_MAX and control_character(joined) is None


# --- CSV ------------------------------------------------------------------------------------


def csv_screen(header: list[str]) -> Callable[[list[str]], ScreenedClaim | None]:
    """The screen for the rows under ``header``: a row's record, or None for a
    row to hand to the model. A column the screen does not know passes only
    when empty (the reader drops empty cells); a header naming a column twice
    or lacking a required one sends every row to the model."""
    if len(set(header)) != len(header) or not set(_REQUIRED) <= set(header):
        return lambda row: None
    width = len(header)
    by_kind: dict[Any, list[tuple[int, int]]] = {}
    for i, name in enumerate(header):
        if name in _KINDS:
            by_kind.setdefault(_KINDS[name], []).append((i, _INDEX[name]))
    texts, slugs, dates = (by_kind.pop(kind, []) for kind in (TEXT, SLUG, DATE))
    probabilities = by_kind.pop(PROBABILITY, [])
    words = [(i, field, frozenset(kind)) for kind, cells in by_kind.items()
             if isinstance(kind, tuple) for i, field in cells]  # fmt: skip
    rest = [(i, field, kind) for kind, cells in by_kind.items()
            if not isinstance(kind, tuple) for i, field in cells]  # fmt: skip
    required = [header.index(name) for name in _REQUIRED]
    asked, needed = (header.index(name) if name in header else None
                     for name in ("condition_question", "condition_result"))  # fmt: skip
    known = {*_KINDS, "condition_question", "condition_result"}
    others = [i for i, name in enumerate(header) if name not in known]
    condition = _INDEX["condition"]

    def screen(row: list[str]) -> ScreenedClaim | None:
        # The checks of each kind of cell, inlined: a call a cell would cost
        # as much as pydantic's validation of the whole row.
        if len(row) != width or not _whole_row_clean(row):
            return None
        for i in required:
            if not row[i]:
                return None
        for i in others:
            if row[i]:
                return None
        values = list(_BLANK_ROW)
        for i, field in texts:
            value = row[i]
            if value:
                if is_blank(value):
                    return None
                values[field] = value
        for i, field in slugs:
            value = row[i]
            if value:
                if len(value) > SLUG_MAX or _slug(value) is None:
                    return None
                values[field] = value
        for i, field, allowed in words:
            value = row[i]
            if value:
                if value not in allowed:
                    return None
                values[field] = value
        for i, field in probabilities:
            value = row[i]
            if value:
                if _decimal(value) is None:
                    return None
                number = float(value)
                if not PROBABILITY_MIN <= number <= PROBABILITY_MAX:
                    return None
                values[field] = number
        try:
            for i, field in dates:
                value = row[i]
                if value:
                    values[field] = _date(value)
            for i, field, kind in rest:  # numbers on numeric questions
                value = row[i]
                if value:
                    values[field] = _cell(kind, value)
            question = row[asked] if asked is not None else ""
            result = row[needed] if needed is not None else ""
            if question or result:
                values[condition] = _condition(question, result)
            return _accepted(values)
        except ValueError:
            return None

    return screen


# --- JSON lines -----------------------------------------------------------------------------


def _json_number(kind: str, value: Any) -> float:
    """A JSON number, or one written as a string as in a CSV cell."""
    if type(value) is str:
        return _cell(kind, value)  # type: ignore[no-any-return]
    if type(value) is int and -_EXACT_INT <= value <= _EXACT_INT:
        number = float(value)
    elif type(value) is float and math.isfinite(value):
        number = value
    else:  # a bool, a huge integer, NaN or infinity (Python's JSON reads those)
        raise NotCanonical
    if kind is PROBABILITY and not PROBABILITY_MIN <= number <= PROBABILITY_MAX:
        raise NotCanonical
    return number


def _json_value(kind: str | tuple[str, ...], value: Any) -> Any:
    if kind is PROBABILITY or kind is NUMBER:
        return _json_number(kind, value)
    if kind is RANGE:
        if type(value) is not list or len(value) != 2:
            raise NotCanonical
        return _json_number(NUMBER, value[0]), _json_number(NUMBER, value[1])
    if type(value) is not str:
        raise NotCanonical
    return _cell(kind, value)


def json_screen(row: Any) -> ScreenedClaim | None:
    """A JSON line's record, or None for a row to hand to the model."""
    if type(row) is not dict:
        return None
    values = list(_BLANK_ROW)
    texts = []
    try:
        for name, value in row.items():
            kind = _KINDS.get(name)
            if kind is not None:
                values[_INDEX[name]] = _json_value(kind, value)
                if kind is TEXT:
                    texts.append(value)
            elif name == "condition":
                if type(value) is not dict or value.keys() != {"question", "result"}:
                    return None
                values[_INDEX[name]] = _condition(value["question"], value["result"])
            elif name != "appearances" or value != []:  # later appearances: the model's
                return None
        for i in range(len(_REQUIRED)):
            if values[i] is None:
                return None
        if not _whole_row_clean(texts):
            return None
        return _accepted(values)
    except ValueError:
        return None
