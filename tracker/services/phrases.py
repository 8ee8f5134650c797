"""The phrase book: how the tracker reads the words pundits use.

A claim given with its words (``--wording "widely expected"``) and nothing
else about its probability is read through the ``phrases`` table: the scale
term, the basis and the note come from the phrase book, and the user is told.
A term, a number or a basis given by the user always wins. ``tracker extract``
finds the same phrases in an article's sentences.

Phrases are matched in their folded form (``tracker.text.fold``: case,
accents and punctuation aside, so "Odds-on" is "odds on"); a wording that is
not itself a phrase is read by the longest phrase it contains as whole words
("prospects ... are not bright" by "not bright").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import ValidationFailed
from tracker.models import Phrase, Scale, ScaleTerm
from tracker.records import ClaimIn, PhraseIn, first_error
from tracker.services.claims import find_term
from tracker.services.differences import differing, refuse
from tracker.services.revisions import as_text, display
from tracker.text import fold
from tracker.types import utcnow


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


def phrase_book(session: Session) -> list[Reading]:
    """Every phrase, longest key first (so the longest match wins); read once
    per unit of work."""
    cached = session.info.get("tracker.phrase_book")
    if cached is None:
        rows = session.execute(
            select(Phrase, ScaleTerm.term, Scale.slug)
            .outerjoin(ScaleTerm, ScaleTerm.id == Phrase.scale_term_id)
            .outerjoin(Scale, Scale.id == ScaleTerm.scale_id)
        ).all()
        cached = sorted(
            (
                Reading(
                    p.phrase, p.phrase_key, slug, term, p.basis, p.direction, p.note, p.phrase_group
                )
                for p, term, slug in rows
            ),
            key=lambda r: (-len(r.key.split()), -len(r.key), r.key),
        )
        session.info["tracker.phrase_book"] = cached
    return cached


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


def look_up(session: Session, wording: str) -> Reading | None:
    """The phrase a wording is, or the longest one it contains."""
    key = fold(wording)
    book = phrase_book(session)
    for reading in book:
        if reading.key == key:
            return reading
    found = find_phrases(book, wording)
    if not found:
        return None
    return max(found, key=lambda f: (len(f[2].key.split()), len(f[2].key)))[2]


_MAPPING_GIVEN = ("probability", "low", "high", "term", "scale", "basis")


def read_wording(session: Session, rec: ClaimIn) -> tuple[ClaimIn, Reading | None]:
    """The claim with its probability read from its wording through the phrase
    book, when the wording is all it gives of it; and the reading used."""
    if rec.wording is None or any(getattr(rec, f) is not None for f in _MAPPING_GIVEN):
        return rec, None
    reading = look_up(session, rec.wording)
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


def add_phrase(session: Session, rec: PhraseIn, by: str) -> tuple[Phrase, str]:
    """Add a phrase to the book. The same phrase again with the same reading is
    "unchanged"; another reading of a phrase already there is refused, naming
    what differs (the book is part of how claims were read)."""
    term_id = None
    if rec.term is not None:
        term_id = find_term(session, rec.scale, rec.term).id
    elif rec.basis != "unscorable":
        raise ValidationFailed(f"--basis {rec.basis} needs a --term (or --basis unscorable)")
    if rec.direction is not None and rec.basis != "unscorable":
        raise ValidationFailed("--direction is for words that move the odds: they are unscorable")
    key = fold(rec.phrase)
    if not key:
        raise ValidationFailed("phrase: give words, not only punctuation")
    values = {"scale_term_id": term_id, "basis": rec.basis, "direction": rec.direction,
              "note": rec.note, "phrase_group": rec.group}  # fmt: skip
    existing = session.scalar(select(Phrase).where(Phrase.phrase_key == key))
    if existing is not None:
        differences = differing({k: getattr(existing, k) for k in values}, values)
        if differences:
            refuse(f'phrase "{existing.phrase}"', differences, None,
                   show=lambda field, value: display(session, field, as_text(value)))  # fmt: skip
        return existing, "unchanged"
    phrase = Phrase(phrase=rec.phrase, phrase_key=key, added_by=by, added_at=utcnow(), **values)
    session.add(phrase)
    session.flush()
    session.info.pop("tracker.phrase_book", None)
    return phrase, "created"
