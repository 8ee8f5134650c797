"""The rules every writer of a record holds it to, free of SQLAlchemy.

A source, speaker, question, claim or outcome is written three ways: one at a
time by the ``add-*`` commands (``tracker.services.entry``), from seed files
by the importer (through ``sources``, ``people``, ``questions``, ``claims``,
``phrases`` and ``outcomes``), and from bulk files (``bulk``). Each applies the
rules here, so a record is refused, mapped and read the same way whichever
way it arrives. Nothing here imports SQLAlchemy: a single write on a SQLite
file runs straight on sqlite3 (``tracker.writes``), and importing SQLAlchemy
would cost more than the write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tracker.dates import TIMESTAMP_FORMAT
from tracker.errors import Conflict, ValidationFailed
from tracker.revision_views import FIELD_LABELS
from tracker.services.differences import Difference, differing, long_text, refuse, shown
from tracker.text import alias_key, fold

if TYPE_CHECKING:
    from tracker.reads import Reader
    from tracker.records import AppearanceIn, ClaimIn, PersonIn, QuestionIn, SourceIn


class QuestionLike(Protocol):
    """What the rules read of a question: a row of ``questions`` or its model."""

    slug: str
    question_type: str
    unit: str | None


# --- revisions ------------------------------------------------------------------------------------


def as_text(value: Any) -> str | None:
    """A column value in the canonical text a revision keeps."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --- sources --------------------------------------------------------------------------------------


SOURCE_FIELDS = (
    "title",
    "url",
    "publisher",
    "author",
    "published_on",
    "published_on_note",
    "retrieved_on",
    "text",
)

# Fields whose edit option is not the field's name.
_SOURCE_OPTION = {
    "text": "text-file",
    "published_on": "published-on",
    "retrieved_on": "retrieved-on",
    "published_on_note": "published-on-note",
}


def content_hash(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def show_source_value(field: str, value: Any) -> str:
    """A source's field in a message: a text by its size, not its words."""
    return (long_text(value) or "(none)") if field == "text" else shown(value)


def source_values(rec: SourceIn) -> dict[str, Any]:
    return {field: getattr(rec, field) for field in SOURCE_FIELDS}


def refuse_other_source(slug: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The one refusal for a source slug already recorded with other values."""
    found = differing(old, new, SOURCE_FIELDS)
    if found:
        refuse(
            f"source {slug}",
            found,
            f"tracker edit source {slug} --{_SOURCE_OPTION.get(found[0].field, found[0].field)} … "
            '--reason "…"',
            show_source_value,
        )


# --- speakers -------------------------------------------------------------------------------------


def alias_taken(alias: str, owner: str, owner_slug: str) -> Conflict:
    return Conflict(
        f"alias {shown(alias)} already belongs to {owner} ({owner_slug}); one spelling names "
        "one speaker, so nothing was changed"
    )


def refuse_other_person(existing: dict[str, Any], rec: PersonIn, name_known: bool) -> None:
    """The one refusal for a speaker already recorded under this name or slug
    with other values. A name that is already one of the speaker's spellings
    (``name_known``; case, spacing, accents and hyphens aside) refers to them
    and renames nothing; a kind or description left out is not compared, so
    adding a spelling needs neither."""
    found = []
    if not name_known and alias_key(existing["name"]) != alias_key(rec.name):
        found.append(Difference("name", existing["name"], rec.name))
    if rec.slug is not None and rec.slug != existing["slug"]:
        found.append(Difference("slug", existing["slug"], rec.slug))
    for field in ("kind", "description"):
        if getattr(rec, field) is not None and getattr(rec, field) != existing[field]:
            found.append(Difference(field, existing[field], getattr(rec, field)))
    if found:
        field = next((d.field for d in found if d.field != "slug"), None)
        refuse(
            f"speaker {existing['slug']}",
            found,
            f'tracker edit person {existing["slug"]} --{field} … --reason "…"'
            if field
            else f"nothing: a slug never changes; refer to them as {existing['slug']}",
        )


SPELLING_ADDED = "a spelling added"


# --- questions ------------------------------------------------------------------------------------


QUESTION_FIELDS = ("title", "criteria", "resolve_by", "horizon", "tags", "type", "unit")


def question_values(rec: QuestionIn) -> dict[str, Any]:
    """A question record's fields as they are compared (tags as a sorted list)."""
    return {"title": rec.title, "criteria": rec.criteria, "resolve_by": rec.resolve_by,
            "horizon": rec.horizon, "tags": sorted(set(rec.tags)), "type": rec.type,
            "unit": rec.unit}  # fmt: skip


def refuse_other_question(slug: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The one refusal for a question slug already recorded with other values:
    what an outcome is judged against cannot change unseen."""
    found = differing(old, new, QUESTION_FIELDS)
    if found and found[0].field in ("type", "unit"):
        refuse(f"question {slug}", found, None)  # what it asks for never changes
    if found:
        option = {"resolve_by": "resolve-by", "tags": "add-tag/--remove-tag"}.get(
            found[0].field, found[0].field
        )
        refuse(f"question {slug}", found, f'tracker edit question {slug} --{option} … --reason "…"')


# --- claims ---------------------------------------------------------------------------------------


# Which mapping basis a scale term gives by default, by the kind of its scale.
_BASIS_FOR_SCALE_KIND = {"standard": "standard_scale", "survey": "survey_median"}


@dataclass(frozen=True)
class TermRef:
    """What the mapping rule needs to know of a scale term."""

    id: int
    scale: str
    kind: str


def mapping_columns(rec: ClaimIn, term: TermRef | None) -> dict[str, Any]:
    """Probability columns for a claim: a stated number or a scale term, and the basis.

    The one home of the rule, used by single records and bulk imports alike.
    """
    probability = rec.probability
    if probability is None and rec.low is not None and rec.high is not None:
        probability = round((rec.low + rec.high) / 2, 6)
    if rec.basis is not None:
        basis = rec.basis
    elif term is not None:
        basis = _BASIS_FOR_SCALE_KIND[term.kind]
    elif probability is not None:
        basis = "stated_number"
    else:
        basis = "unscorable"
    if (
        term is not None
        and basis in _BASIS_FOR_SCALE_KIND.values()
        and basis != _BASIS_FOR_SCALE_KIND[term.kind]
    ):
        raise ValidationFailed(
            f"basis: {basis} needs a {'survey' if basis == 'survey_median' else 'standard'} "
            f"scale, but {term.scale} is a {term.kind} scale"
        )
    return {
        "scale_term_id": term.id if term is not None else None,
        "probability": probability,
        "prob_low": rec.low,
        "prob_high": rec.high,
        "mapping_basis": basis,
    }


def check_quote(quote: str, source_slug: str, source_text: str | None) -> str:
    """The quote as its source's stored text has it, when there is one.

    Users paste quotes with other quote marks, dashes, case or line breaks than
    the source; those differences are ignored in finding it (``tracker.quotes``),
    and the passage is stored exactly as the source has it, so every stored
    quote is a word-for-word substring of its source. A quote not found is
    refused with the closest passage, so the user can see the difference.
    """
    if source_text is None:
        return quote
    from tracker.quotes import find_passage, quote_not_found

    passage = find_passage(quote, source_text)
    if passage is None:
        raise ValidationFailed(quote_not_found(quote, source_slug, source_text))
    return passage


def check_made_on(made_on: dt.date, source_slug: str, published_on: dt.date | None) -> None:
    """A source cannot quote what was not yet said: a claim is made on or
    before the day its source was published."""
    if published_on is not None and made_on > published_on:
        raise ValidationFailed(
            f"made_on: {made_on} is after {source_slug} was published ({published_on}); "
            "a source can only quote what was already said"
        )


# A claim's recorded fields beside its key (source, speaker, quote), as columns.
CLAIM_FIELDS = (
    "question_id", "made_on", "made_on_note", "role", "kind", "wording", "probability",
    "prob_low", "prob_high", "scale_term_id", "mapping_basis", "mapping_note",
    "condition_question_id", "condition_result", "direction", "side", "estimate",
    "estimate_low", "estimate_high", "threshold", "threshold_side",
)  # fmt: skip


def claim_value_shower(
    question_slug: Callable[[int], str], term_name: Callable[[int], str]
) -> Callable[[str, Any], str]:
    """How a claim's column values read in a message: questions by slug,
    scale terms by scale and term."""

    def show(field: str, value: Any) -> str:
        if value is None:
            return shown(None)
        if field in ("question", "condition"):
            return question_slug(value)
        if field == "term":
            return term_name(value)
        return shown(value)

    return show


# A claim's columns whose edit option has another name.
_CLAIM_OPTION = {"estimate": "value", "estimate_low": "range", "estimate_high": "range",
                     "threshold": "above", "threshold_side": "above"}  # fmt: skip


def refuse_other_claim(
    claim_id: int,
    old: dict[str, Any],
    new: dict[str, Any],
    show: Callable[[str, Any], str],
    retracted: str | None = None,
) -> None:
    """The one refusal for a claim recorded with other values under the same
    speaker, source and quote: a recorded forecast is never re-mapped, moved
    or re-dated by adding it again. A retracted one (``retracted``: its
    reason) is kept as it was and cannot be corrected at all."""
    found = [
        Difference(FIELD_LABELS.get(d.field, d.field), d.old, d.new)
        for d in differing(old, new, CLAIM_FIELDS)
    ]
    if found and retracted is not None:
        refuse(f"claim {claim_id} (the same speaker, source and quote, retracted: {retracted})",
               found, None, show)  # fmt: skip
    if found:
        option = _CLAIM_OPTION.get(found[0].field, found[0].field.replace("_", "-"))
        refuse(
            f"claim {claim_id} (the same speaker, source and quote)",
            found,
            f'tracker edit claim {claim_id} --{option} … --reason "…"',
            show,
        )


def check_claim_fits(
    rec: ClaimIn, question: QuestionLike | None, condition: QuestionLike | None
) -> None:
    """A forecast on a numeric question gives a number and one on a yes/no
    question does not; a condition is a yes/no question. (Triggers hold the
    database to the same rule; this says it with the claim's own words.)"""
    numbers = any(v is not None for v in rec.estimate_columns().values())
    if question is not None and rec.kind in ("forecast", "conditional"):
        if question.question_type == "numeric" and not numbers:
            raise ValidationFailed(
                f"question: {question.slug} is numeric ({question.unit}); give the claim's "
                "number: a value, a range, or a threshold (above or below)"
            )
        if question.question_type != "numeric" and numbers:
            raise ValidationFailed(
                f"question: {question.slug} is a yes-or-no question; a value, range or "
                "threshold goes with a numeric question"
            )
    if numbers and rec.kind not in ("forecast", "conditional"):
        raise ValidationFailed(f"kind: a {rec.kind} claim gives no number")
    if condition is not None and condition.question_type == "numeric":
        raise ValidationFailed(
            f"condition: {condition.slug} is numeric; a condition must be a yes-or-no question"
        )


def appearance_values(
    rec: AppearanceIn, claim_source_id: int, claim_made_on: dt.date,
    source_id: int, source_text: str | None,
) -> dict[str, Any]:  # fmt: skip
    """An appearance's columns, held to its rules: not the claim's own source,
    the quote found in the later source's text (stored as that text has it),
    not dated before the claim. Messages name the field, as a seed file has it."""
    if source_id == claim_source_id:
        raise ValidationFailed(f"appearances: {rec.source} is already the claim's first source")
    try:
        quote = check_quote(rec.quote, rec.source, source_text)
    except ValidationFailed as exc:
        raise ValidationFailed(f"appearances: {exc}") from None
    if rec.appeared_on is not None and rec.appeared_on < claim_made_on:
        raise ValidationFailed(
            f"appearances: {rec.appeared_on} is before the claim was made ({claim_made_on}); "
            "record the earliest source as the claim's own"
        )
    return {"quote": quote, "appeared_on": rec.appeared_on}


def refuse_other_appearance(
    claim_id: int, source_slug: str, old: dict[str, Any], new: dict[str, Any],
    appearance_id: int, retracted: bool,
) -> None:  # fmt: skip
    """The one refusal for an appearance already recorded with other values."""
    found = differing(old, new)
    if found:
        refuse(
            f"the appearance of claim {claim_id} in {source_slug}",
            found,
            None if retracted else f'tracker retract appearance {appearance_id} --reason "…"',
        )


# --- the phrase book ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """How the phrase book reads one phrase."""

    phrase: str
    key: str
    scale: str | None
    term: str | None
    basis: str
    direction: str | None
    note: str
    group: str | None = None

    def describe(self) -> str:
        """One line for the user: what was read, and why."""
        if self.direction is not None:
            what = f"a {self.direction} in the odds, not a level (unscorable)"
        elif self.term is None:
            what = "unscorable"
        else:
            what = f'{self.scale} "{self.term}" ({self.basis.replace("_", " ")})'
        return f'phrase book: "{self.phrase}" read as {what}: {self.note}'


_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` in folded form, each with where it stands in
    ``text`` (start, end): the form phrase keys are matched in."""
    found = []
    for match in _WORD.finditer(text):
        for part in fold(match.group()).split():
            found.append((part, match.start(), match.end()))
    return found


def find_phrases(book: list[Reading], text: str) -> list[tuple[int, int, Reading]]:
    """Every phrase of ``book`` in ``text`` as whole words, the longest where
    two overlap, with the span of ``text`` it covers (start, end), in order."""
    tokens = words(text)
    folded = [t[0] for t in tokens]
    taken = [False] * len(folded)
    found = []
    for reading in book:
        key = reading.key.split()
        n = len(key)
        for start in range(len(folded) - n + 1):
            if folded[start : start + n] == key and not any(taken[start : start + n]):
                found.append((tokens[start][1], tokens[start + n - 1][2], reading))
                taken[start : start + n] = [True] * n
    return sorted(found, key=lambda f: f[0])


_MAPPING_GIVEN = ("probability", "low", "high", "term", "scale", "basis")


def load_phrase_book(db: Reader) -> list[Reading]:
    """Every phrase, longest key first (so the longest match wins)."""
    rows = db.rows(
        "SELECT p.phrase, p.phrase_key, s.slug, t.term, p.basis, p.direction, p.note, "
        "p.phrase_group FROM phrases AS p LEFT JOIN scale_terms AS t ON t.id = p.scale_term_id "
        "LEFT JOIN scales AS s ON s.id = t.scale_id"
    )
    return sorted(
        (Reading(r["phrase"], r["phrase_key"], r["slug"], r["term"], r["basis"], r["direction"],
                 r["note"], r["phrase_group"]) for r in rows),
        key=lambda r: (-len(r.key.split()), -len(r.key), r.key),
    )  # fmt: skip


def look_up(book: list[Reading], wording: str) -> Reading | None:
    """The phrase a wording is, or the longest one it contains."""
    key = fold(wording)
    for reading in book:
        if reading.key == key:
            return reading
    found = find_phrases(book, wording)
    if not found:
        return None
    return max(found, key=lambda f: (len(f[2].key.split()), len(f[2].key)))[2]


def read_wording(rec: ClaimIn, book: Callable[[], list[Reading]]) -> tuple[ClaimIn, Reading | None]:
    """The claim with its probability read from its wording through the phrase
    book (``book()``, asked only when needed), when the wording is all it gives
    of it; and the reading used."""
    from pydantic import ValidationError

    from tracker.records import ClaimIn, first_error

    if rec.wording is None or any(getattr(rec, f) is not None for f in _MAPPING_GIVEN):
        return rec, None
    reading = look_up(book(), rec.wording)
    if reading is None:
        return rec, None
    update: dict[str, Any] = {"basis": reading.basis, "note": rec.note or reading.note}
    if reading.term is not None:
        update.update(scale=reading.scale, term=reading.term)
    if reading.direction is not None and rec.kind == "forecast":
        update.update(kind="directional", direction=reading.direction)
    try:
        return ClaimIn.model_validate({**rec.model_dump(), **update}), reading
    except ValidationError as exc:
        raise ValidationFailed(f"{reading.describe()}; but {first_error(exc)}") from None


# --- outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedOutcome:
    id: int
    question: str
    result: str
    occurred_on: str
    supersedes: int | None
    previous_result: str | None
    claims_resolved: int
    hindsight: tuple[int, ...] = ()  # claims made on or after the day it happened
    value: float | None = None  # a numeric question's value observed


def check_recorded_after(recorded_at: Any, corrected_at: Any) -> None:
    """A correction imported with its own recording time (history from
    elsewhere) must come after what it corrects: the chain is the order in
    which the record changed, and --as-recorded reads it so."""
    if recorded_at is not None and recorded_at < corrected_at:
        raise Conflict(
            f"recorded_at: {recorded_at:%Y-%m-%dT%H:%M:%SZ} is before the outcome it corrects "
            f"was recorded ({corrected_at:%Y-%m-%dT%H:%M:%SZ}); a correction comes after"
        )


def refuse_unscoring(slug: str, occurred_on: Any, scored: list[int], option: str) -> None:
    """The one refusal for an outcome that would turn scored claims into hindsight."""
    if scored:
        ids = ", ".join(str(i) for i in scored)
        raise Conflict(
            f"{option}: {occurred_on} is on or before the day claim(s) {ids} on {slug} were made, "
            "so they would no longer be scored (hindsight); check the date, or pass --yes to "
            "record it"
        )


def check_outcome_fits(question: QuestionLike, result: str | None) -> None:
    """A numeric question resolves to the value observed, a yes/no question
    to yes, no or partial; either can be ambiguous, annulled or unresolvable."""
    if question.question_type == "numeric" and result in ("yes", "no", "partial"):
        raise ValidationFailed(
            f"{question.slug} is numeric ({question.unit}): give the value observed instead of "
            f"{result}, or ambiguous, annulled or unresolvable"
        )
    if question.question_type != "numeric" and result == "observed":
        raise ValidationFailed(f"{question.slug} is a yes-or-no question: it has no value observed")
