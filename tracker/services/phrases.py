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

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import ValidationFailed
from tracker.models import Phrase
from tracker.records import PhraseIn
from tracker.services import entry
from tracker.services.differences import differing, refuse
from tracker.services.revisions import as_text, display
from tracker.services.rules import Reading
from tracker.services.rules import find_phrases as find_phrases  # tracker.extraction's
from tracker.text import fold
from tracker.types import utcnow
from tracker.writes import SessionWriter


def phrase_book(session: Session) -> list[Reading]:
    """Every phrase, longest key first, read once per unit of work (``entry.phrase_book``)."""
    return entry.phrase_book(SessionWriter(session))


def add_phrase(session: Session, rec: PhraseIn, by: str) -> tuple[Phrase, str]:
    """Add a phrase to the book. The same phrase again with the same reading is
    "unchanged"; another reading of a phrase already there is refused, naming
    what differs (the book is part of how claims were read)."""
    term_id = None
    if rec.term is not None:
        term_id = entry.find_term(SessionWriter(session), rec.scale, rec.term).id
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
    session.info.pop(entry.PHRASE_BOOK, None)
    return phrase, "created"
