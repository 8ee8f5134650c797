"""The input records: what a seed file entry or an ``add-*`` command must carry.

Both the importer and the single-record commands parse input into these models,
so a value is held to the same rules however it arrives. They check shape and
type (dates are real ISO dates, probabilities finite numbers in 0..1, no unknown
fields); the rules that tie fields and rows together live in the database's
CHECKs and keys, and ``tracker.constraint_messages`` explains them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker.dates import parse_iso_date
from tracker.text import control_character, quoted
from tracker.vocabulary import (
    BINARY_RESULTS,
    CLAIM_KINDS,
    DIRECTIONS,
    MAPPING_BASES,
    PERSON_KINDS,
    PHRASE_BASES,
    QUESTION_TYPES,
    RESULTS,
)

# Limits and patterns the models hold fields to; bulk import's screen
# (``tracker.services.bulk_screen``) holds canonical rows to the same ones.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX = 200
TEXT_MAX = 1_000_000
PROBABILITY_MIN, PROBABILITY_MAX = 0, 1
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def clean_text(value: str) -> str:
    bad = control_character(value)
    if bad is not None:
        raise ValueError(f"contains a control character (U+{ord(bad):04X})")
    if is_blank(value):
        raise ValueError("must not be blank")
    return value


def is_blank(value: str) -> bool:
    """Nothing but whitespace, or nothing at all: no text to store."""
    return not value.strip()


def _check_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"expected an http(s) URL, got {quoted(value)}")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(parse_iso_date)]
Text = Annotated[str, Field(strict=True, max_length=TEXT_MAX), AfterValidator(clean_text)]
# A document's full text may be a book, not a quote.
LongText = Annotated[str, Field(strict=True, max_length=50_000_000), AfterValidator(clean_text)]
Slug = Annotated[str, Field(strict=True, pattern=SLUG_PATTERN, max_length=SLUG_MAX)]
Url = Annotated[str, Field(strict=True, max_length=2000), AfterValidator(_check_url)]
Probability = Annotated[float, Field(ge=PROBABILITY_MIN, le=PROBABILITY_MAX, allow_inf_nan=False)]
Tag = Annotated[str, Field(strict=True, pattern=SLUG_PATTERN, max_length=100)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceIn(Record):
    slug: Slug
    title: Text
    url: Url | None = None
    publisher: Text | None = None
    author: Text | None = None
    published_on: IsoDate | None = None
    published_on_note: Text | None = None
    retrieved_on: IsoDate | None = None
    text: LongText | None = None


class AffiliationIn(Record):
    """A speaker's place in an organisation over a period; either end may be unknown."""

    organisation: Text
    role: Text | None = None
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None

    @model_validator(mode="after")
    def _period(self) -> AffiliationIn:
        if self.started_on and self.ended_on and self.started_on > self.ended_on:
            raise ValueError(f"ended_on ({self.ended_on}) is before started_on ({self.started_on})")
        return self


class PersonIn(Record):
    name: Text
    slug: Slug | None = None
    kind: Literal[PERSON_KINDS] | None = None  # type: ignore[valid-type]  # new: a person
    description: Text | None = None
    aliases: tuple[Text, ...] = ()
    affiliations: tuple[AffiliationIn, ...] = ()


class PhraseIn(Record):
    """A phrase for the phrase book (``tracker add-phrase``)."""

    phrase: Text
    scale: Text | None = None
    term: Text | None = None
    basis: Literal[PHRASE_BASES]  # type: ignore[valid-type]
    direction: Literal[DIRECTIONS] | None = None  # type: ignore[valid-type]
    note: Text
    group: Text | None = None


class QuestionIn(Record):
    slug: Slug
    title: Text
    criteria: Text
    resolve_by: IsoDate
    horizon: Text | None = None
    tags: tuple[Tag, ...] = ()
    # "numeric": resolved by a value in ``unit``, which claims estimate.
    type: Literal[QUESTION_TYPES] = "binary"  # type: ignore[valid-type]
    unit: Text | None = None

    @model_validator(mode="after")
    def _unit(self) -> QuestionIn:
        if self.type == "numeric" and self.unit is None:
            raise ValueError("unit: a numeric question needs its unit (e.g. 'US$ per ounce')")
        if self.type == "binary" and self.unit is not None:
            raise ValueError("unit: only a numeric question has a unit (type: numeric)")
        return self


class ConditionIn(Record):
    question: Slug
    result: Literal[BINARY_RESULTS]  # type: ignore[valid-type]


class AppearanceIn(Record):
    """The same claim, repeated in a later source (another outlet)."""

    source: Slug
    quote: Text
    appeared_on: IsoDate | None = None


class ClaimIn(Record):
    """A claim. The mapping basis may be left out: it follows from what is given
    (a number is a stated number; a scale term is a standard or survey reading)."""

    speaker: Text
    source: Slug
    made_on: IsoDate
    quote: Text
    kind: Literal[CLAIM_KINDS] = "forecast"  # type: ignore[valid-type]
    question: Slug | None = None
    role: Text | None = None
    made_on_note: Text | None = None
    wording: Text | None = None
    probability: Probability | None = None
    low: Probability | None = None
    high: Probability | None = None
    scale: Slug | None = None
    term: Text | None = None
    basis: Literal[MAPPING_BASES] | None = None  # type: ignore[valid-type]
    note: Text | None = None
    condition: ConditionIn | None = None
    direction: Literal[DIRECTIONS] | None = None  # type: ignore[valid-type]
    # The question's side the claim is about: "no" for its opposite.
    side: Literal[BINARY_RESULTS] = "yes"  # type: ignore[valid-type]
    # On a numeric question, one of: a point, a range (its probability, if
    # any, is the range's level: "80% sure it is between 4 and 5"), or a
    # threshold the value ends above or below (its probability as for yes/no).
    value: Number | None = None
    range: tuple[Number, Number] | None = None
    above: Number | None = None
    below: Number | None = None
    appearances: tuple[AppearanceIn, ...] = ()

    @model_validator(mode="after")
    def _range(self) -> ClaimIn:
        check_claim_fields(self)
        return self

    def estimate_columns(self) -> dict[str, float | str | None]:
        """The claim's number, as the columns that hold it."""
        return estimate_columns(self)


def check_claim_fields(claim: Any) -> None:
    """The rules that tie a claim's fields together (ValueError if one is
    broken): a plain function, so bulk import's screen holds a row it has
    already parsed to the rule the model holds every other record to."""
    low, high = claim.low, claim.high
    if low is not None or high is not None:
        if low is None or high is None:
            raise ValueError("give both low and high, or neither")
        if low > high:
            raise ValueError(f"low ({low}) is above high ({high})")
    if claim.scale is not None and claim.term is None:
        raise ValueError("a scale needs a term")
    value, range_, above, below = claim.value, claim.range, claim.above, claim.below
    if value is None and range_ is None and above is None and below is None:
        return  # no number: nothing more to tie together
    numbers = {"value": value, "range": range_, "above": above, "below": below}
    given = [name for name, number in numbers.items() if number is not None]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)}: give one number form, not {len(given)}")
    if range_ is not None and range_[0] > range_[1]:
        raise ValueError(f"range: {range_[0]} is above {range_[1]}")
    if value is not None and (claim.probability is not None or claim.term is not None):
        raise ValueError(
            "value: a point estimate carries no probability; give a range with its level "
            "(range and probability) or a threshold (above/below with probability)"
        )


def estimate_columns(claim: Any) -> dict[str, float | str | None]:
    """A claim's number (a record, or a row bulk import screened), as the
    columns that hold it."""
    above, below, estimate_range = claim.above, claim.below, claim.range
    threshold, side = (
        (above, "above") if above is not None
        else (below, "below") if below is not None else (None, None)
    )  # fmt: skip
    return {
        "estimate": claim.value,
        "estimate_low": estimate_range[0] if estimate_range else None,
        "estimate_high": estimate_range[1] if estimate_range else None,
        "threshold": threshold,
        "threshold_side": side,
    }


class OutcomeIn(Record):
    """What happened. A numeric question's outcome gives the ``value``
    observed (its result is then "observed", and may be left out)."""

    question: Slug
    result: Literal[RESULTS] | None = None  # type: ignore[valid-type]
    value: Number | None = None
    occurred_on: IsoDate
    evidence_url: Url | None = None
    more_evidence: tuple[Url, ...] = ()  # further links, in order
    evidence_source: Slug | None = None
    note: Text | None = None
    recorded_by: Text | None = None
    recorded_at: dt.datetime | None = None  # importing history from elsewhere keeps its times

    @field_validator("occurred_on")
    @classmethod
    def _happened(cls, value: dt.date) -> dt.date:
        today = dt.datetime.now(dt.UTC).date()
        if value > today:
            raise ValueError(
                f"{value} is after today ({today}): an outcome records what has happened"
            )
        return value

    @field_validator("recorded_at")
    @classmethod
    def _past_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2025-06-02T09:00:00Z")
        value = value.astimezone(dt.UTC).replace(microsecond=0)
        if value > dt.datetime.now(dt.UTC):
            raise ValueError("is in the future")
        return value

    @model_validator(mode="after")
    def _value(self) -> OutcomeIn:
        if self.value is not None and self.result not in (None, "observed"):
            raise ValueError(f"value: a {self.result} outcome has no value observed")
        if self.result == "observed" and self.value is None:
            raise ValueError("value: an observed outcome needs the value observed")
        if self.result is None:
            if self.value is None:
                raise ValueError("result: required field is missing (or give the value observed)")
            object.__setattr__(self, "result", "observed")
        return self

    @model_validator(mode="after")
    def _evidence(self) -> OutcomeIn:
        if self.evidence_url is None and self.evidence_source is None:
            raise ValueError("an outcome needs evidence: evidence_url or evidence_source")
        if self.more_evidence and self.evidence_url is None:
            raise ValueError("more_evidence: give the first link as evidence_url")
        links = [self.evidence_url, *self.more_evidence]
        if len(set(links)) < len(links):
            raise ValueError("more_evidence: the same link is given twice")
        return self


def first_error(exc: ValidationError) -> str:
    """One line for a pydantic error: 'field: what is wrong'."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "required field is missing"
    return f"{where}: {message}" if where else message
