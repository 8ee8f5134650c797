"""``tracker extract``: an article's claims drafted for review.

Reads the article (``tracker.extraction.article``), finds the forecasts and
who made them (``tracker.extraction.candidates``, with the phrase book of this
database) and writes the draft in the seed import format
(``tracker.extraction.draft``), reusing the speakers and questions the
database already holds. Nothing is written to the database: the reviewer
imports the draft with ``tracker import`` once it reads right.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import ValidationFailed
from tracker.extraction.article import read_article
from tracker.extraction.candidates import scan
from tracker.extraction.draft import Draft, Known, build, to_yaml
from tracker.models import Person, PersonAlias, Question, Source
from tracker.services.phrases import phrase_book
from tracker.text import alias_key


def known(session: Session) -> Known:
    """What a draft should reuse rather than repeat."""
    found = Known()
    for key, name in session.execute(
        select(PersonAlias.alias_key, Person.name).join(Person, Person.id == PersonAlias.person_id)
    ):
        found.speakers[key] = name
        found.taken_aliases.add(key)
    for (name,) in session.execute(select(Person.name)):
        found.speakers.setdefault(alias_key(name), name)
        found.taken_aliases.add(alias_key(name))
    for slug, title, resolve_by in session.execute(
        select(Question.slug, Question.title, Question.resolve_by)
    ):
        found.questions[slug] = (title, resolve_by.isoformat())
    found.source_slugs = set(session.scalars(select(Source.slug)))
    return found


def extract(session: Session, text: str, *, name: str, title: str | None = None,
            publisher: str | None = None, published_on: dt.date | None = None,
            url: str | None = None, slug: str | None = None,
            model: str | None = None) -> tuple[str, Draft]:  # fmt: skip
    """The draft's YAML and the draft itself, for the article ``text`` (``name``:
    where it came from, for messages)."""
    if not text.strip():
        raise ValidationFailed(f"{name} is empty: nothing to extract")
    article = read_article(text, title=title, publisher=publisher, published_on=published_on,
                           url=url)  # fmt: skip
    if article.published_on is None:
        raise ValidationFailed(
            f"{name} carries no date it was published: give --published-on YYYY-MM-DD"
        )
    book = phrase_book(session)
    left_out = 0
    if model is None:
        candidates = scan(article, book)
    else:
        from tracker.extraction.model import propose

        candidates, left_out = propose(model, article, book)
    draft = build(article, candidates, known(session), source_slug=slug)
    draft.left_out = left_out
    how = f" with the model {model}" if model else ""
    header = (
        f"# Draft claims of {article.title!s}, made by `tracker extract`{how} from {name}.\n"
        f"# {len(draft.claims)} candidate claim(s), the doubtful first: check each quote,\n"
        "# speaker, question and term; delete what is not a forecast; then `tracker import` it."
    )
    return to_yaml(draft, header=header), draft
