"""The draft a reviewer reads: an article's claims in the seed import format.

Everything in it is what ``tracker import`` takes: the source with its full
text, the speakers with every spelling the article uses, a suggested question
for each claim and the claims themselves. What only a reviewer needs (each
claim's confidence and why it was picked) is written as YAML comments above
it, so the file imports unchanged, and the claims come doubtful first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from tracker.extraction.article import Article
from tracker.extraction.candidates import Candidate
from tracker.extraction.speakers import Person
from tracker.text import fold, slugify


@dataclass
class Known:
    """What the database already holds that a draft should reuse."""

    speakers: dict[str, str] = field(default_factory=dict)  # alias key -> recorded name
    taken_aliases: set[str] = field(default_factory=set)  # alias keys of anyone
    questions: dict[str, tuple[str, str]] = field(default_factory=dict)  # slug -> (title, date)
    source_slugs: set[str] = field(default_factory=set)
    _titles_with: dict[str, int] | None = field(default=None, repr=False)

    def rarity(self, word: str) -> float:
        """How much sharing ``word`` says that two wordings name one event: more
        for a word few recorded titles use ("abandon") than for one most of them
        do (the "north" and "korea" of a database about North Korea)."""
        if self._titles_with is None:
            self._titles_with = {}
            for title, _ in self.questions.values():
                for w in _words(title):
                    self._titles_with[w] = self._titles_with.get(w, 0) + 1
        return math.log(1 + len(self.questions) / (1 + self._titles_with.get(word, 0)))


@dataclass
class Draft:
    source: dict[str, Any]
    people: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    claims: list[tuple[Candidate, dict[str, Any]]]
    left_out: int = 0  # proposals that failed a check (a quote not in the text, no speaker)

    def as_data(self) -> dict[str, Any]:
        return {"sources": [self.source], "people": self.people, "questions": self.questions,
                "claims": [c for _, c in self.claims]}  # fmt: skip


_STOP = {"that", "this", "will", "would", "with", "from", "have", "there", "their", "they",
         "than", "then", "when", "what", "which", "about", "into", "over", "more", "most",
         "likely", "unlikely", "chance", "chances", "almost", "very", "expect", "expected",
         "could", "might", "says", "said", "again", "also", "only", "some", "such", "before",
         "after", "unless", "until", "once", "while", "because", "since"}  # fmt: skip
# Words that open a clause of its own: what happens first, instead, or on a condition.
_SUBORDINATE = re.compile(r"\b(?:before|after|unless|until|if|once|while|whereas|because|since|"
                          r"provided|as long as|when)\b", re.IGNORECASE)  # fmt: skip
# A recorded question is the claim's own only if its main clause is: "sanctions
# are eased before North Korea disarms" shares words with "no chance North
# Korea disarms" and is another event.
MIN_EVENT = 0.3


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    """The content words of a text, cut to their first five letters (a cheap
    stem: "abandon" and "abandons", "program" and "programme" are one)."""
    return frozenset(w[:5] for w in fold(text).split() if len(w) > 3 and w not in _STOP)


def _similar(a: str, b: str) -> float:
    """How far two wordings name the same event: the share of the shorter one's
    content words the other has too (0 unless three or more are shared)."""
    x, y = _words(a), _words(b)
    shared = len(x & y)
    return shared / min(len(x), len(y)) if shared >= 3 else 0.0


def _without_lead(text: str) -> str:
    """A wording without the clause it opens with: "Trump will boast" of "If they
    meet, Trump will boast"."""
    text = " ".join(text.split())
    if _SUBORDINATE.match(text) and "," in text:
        return text.split(",", 1)[1].strip()
    return text


def _main_clause(title: str) -> str:
    """The event a question's title is about: "US sanctions are eased" of "US
    sanctions are eased before North Korea disarms"."""
    text = _without_lead(title)
    cut = _SUBORDINATE.search(text, 1)
    return text[: cut.start()] if cut else text


def _same_event(claim: str, title: str, known: Known) -> float:
    """How far a claim names the event of a question's title: the share of the
    words of the title's main clause that the claim has too (past any clause it
    opens with), each word counted by its rarity among the recorded titles."""
    head = _words(_main_clause(title))
    total = sum(known.rarity(w) for w in head)
    if not total:
        return 0.0
    shared = head & _words(_without_lead(claim))
    return sum(known.rarity(w) for w in shared) / total


def _unique(slug: str, taken: set[str]) -> str:
    slug = re.sub(r"-{2,}", "-", slug[:60]).strip("-") or "claim"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _a_year_on(day: dt.date) -> dt.date:
    """The same day a year later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _one_line(text: str) -> str:
    """A text for a YAML comment: one line whatever breaks it held."""
    return " ".join(text.split())


def _short_slug(title: str, limit: int = 40) -> str:
    """A slug of the title's first words, cut at a word under ``limit`` characters."""
    slug = slugify(title)
    if len(slug) <= limit:
        return slug
    return slug[:limit].rsplit("-", 1)[0]


def _title(quote: str) -> str:
    text = " ".join(quote.split())
    return (text[:1].upper() + text[1:])[:160]


def build(article: Article, candidates: list[Candidate], known: Known, *,
          source_slug: str | None = None) -> Draft:  # fmt: skip
    """The draft for ``article``'s candidates, reusing what ``known`` holds."""
    assert article.published_on is not None
    slug = source_slug or _short_slug(article.title or "article")
    slug = _unique(slug, set(known.source_slugs))
    source = {k: v for k, v in {
        "slug": slug, "title": article.title or slug, "url": article.url,
        "publisher": article.publisher, "published_on": article.published_on,
        "text": article.text,
    }.items() if v is not None}  # fmt: skip

    people: dict[int, dict[str, Any]] = {}
    names: dict[int, str] = {}  # person -> how the claims call them (a unique spelling)
    for candidate in candidates:
        person = candidate.attribution.person
        if id(person) in names:
            continue
        names[id(person)], entry = _speaker(person, slug, known)
        if entry is not None:
            people[id(person)] = entry

    taken_slugs = set(known.questions)
    questions: list[dict[str, Any]] = []
    claims: list[tuple[Candidate, dict[str, Any]]] = []
    for candidate in candidates:
        question = _question(candidate, article.published_on, known, taken_slugs, questions)
        claim: dict[str, Any] = {
            "speaker": _spelling(candidate, names, known),
            "source": slug,
            "made_on": candidate.made_on,
            "made_on_note": candidate.made_on_note,
            "quote": candidate.quote,
            "question": question,
        }
        if candidate.attribution.role:
            claim["role"] = candidate.attribution.role
        if candidate.kind != "forecast":
            claim["kind"] = candidate.kind
        if candidate.kind == "conditional" and candidate.condition:
            condition = _condition_question(candidate, article.published_on, taken_slugs,
                                            questions, question)  # fmt: skip
            claim["condition"] = {"question": condition, "result": "yes"}
        reading = candidate.reading
        claim["wording"] = candidate.wording
        if candidate.probability is not None:
            claim["probability"] = candidate.probability
        elif reading is not None:
            if reading.direction is not None:
                claim["direction"] = reading.direction
            if reading.term is not None:
                claim.update(scale=reading.scale, term=reading.term)
            claim["basis"] = reading.basis
            claim["note"] = reading.note
        claims.append((candidate, claim))
    claims.sort(key=lambda c: (c[0].confidence, c[0].start))
    return Draft(source, list(people.values()), questions, claims)


def _speaker(person: Person, source_slug: str, known: Known) -> tuple[str, dict | None]:
    """How claims call a speaker, and their people entry (None: already recorded as is)."""
    if person.kind == "reporter":  # the article's own voice: someone of this article only
        spelling = person.name
        alias = (
            spelling if fold(spelling) not in known.taken_aliases else f"{spelling} ({source_slug})"
        )
        return alias, {
            "name": f"The article's reporter (unnamed, {source_slug})",
            "slug": _unique(f"{source_slug[:40].strip('-')}-reporter", set()),
            "kind": "person",
            "aliases": [alias],
            "description": "The unnamed writer of the article, for background it states in "
                           "its own voice rather than quoting anyone.",
        }  # fmt: skip
    if person.kind in ("group", "collective"):
        spelling = person.name
        alias = (
            spelling
            if fold(spelling) not in known.taken_aliases
            else (f"{spelling} ({source_slug})")
        )
        unnamed = "unnamed, " if person.kind == "group" else ""  # not "the United States"
        return alias, {
            "name": f"{spelling[:1].upper()}{spelling[1:]} ({unnamed}{source_slug})",
            "slug": _unique(f"{source_slug[:40].strip('-')}-{slugify(spelling)}", set()),
            "kind": "group",
            "aliases": [alias],
        }
    spellings = [person.name, *person.spellings]
    # A surname alone is not enough to be someone already recorded: two Smiths.
    recorded = next((known.speakers[fold(s)] for s in spellings
                     if len(s.split()) > 1 and fold(s) in known.speakers), None)  # fmt: skip
    if recorded is not None:
        new = [s for s in spellings if fold(s) not in known.taken_aliases]
        return person.name, ({"name": recorded, "aliases": new} if new else None)
    entry: dict[str, Any] = {"name": person.name, "kind": "person"}
    aliases = [s for s in person.spellings if fold(s) != fold(person.name)]
    if aliases:
        entry["aliases"] = aliases
    if person.role:
        entry["description"] = person.role[:1].upper() + person.role[1:]
    return person.name, entry


def _spelling(candidate: Candidate, names: dict[int, str], known: Known) -> str:
    person = candidate.attribution.person
    if person.kind in ("group", "collective", "reporter"):
        return names[id(person)]
    return candidate.attribution.spelling


def _question(candidate: Candidate, published_on: dt.date, known: Known, taken: set[str],
              questions: list[dict[str, Any]]) -> str:  # fmt: skip
    """The slug of the claim's question: one recorded or drafted with the same
    words, or a new draft."""
    title = _title(candidate.quote)
    fits = []
    for slug, (recorded, _) in known.questions.items():
        similar = _similar(title, recorded)
        if similar >= 0.7:
            event = _same_event(title, recorded, known)
            if event >= MIN_EVENT:
                fits.append((event, similar, slug))
    if fits:  # the one naming the claim's own event, not the one sharing most words
        return max(fits)[2]
    return _drafted(title, candidate, published_on, taken, questions,
                    "Drafted from the quote: reword it as the event to check.")  # fmt: skip


def _condition_question(candidate: Candidate, published_on: dt.date, taken: set[str],
                        questions: list[dict[str, Any]], own: str) -> str:  # fmt: skip
    """The slug of the question a conditional claim depends on (never its own)."""
    assert candidate.condition is not None
    words = candidate.condition
    for lead in ("If ", "if ", "Unless ", "unless ", "Should ", "should "):
        if words.startswith(lead):
            words = words[len(lead) :]
    return _drafted(_title(words), candidate, published_on, taken, questions,
                    "The condition of a drafted claim.", not_this=own)  # fmt: skip


def _drafted(title: str, candidate: Candidate, published_on: dt.date, taken: set[str],
             questions: list[dict[str, Any]], why: str,
             not_this: str | None = None) -> str:  # fmt: skip
    """A question already drafted with these words, or a new one resolving by the
    end of the candidate's horizon (a year on when it names none)."""
    for q in questions:
        if q["slug"] != not_this and _similar(title, q["title"]) >= 0.6:
            return q["slug"]
    when = candidate.horizon
    resolve_by = when.resolve_by if when else _a_year_on(published_on)
    if resolve_by <= published_on:
        resolve_by = published_on + dt.timedelta(days=1)
    slug = _unique(slugify(title), taken)
    questions.append({
        "slug": slug, "title": title,
        "criteria": f"YES if this happens by {resolve_by.isoformat()}: {title}. NO otherwise. "
                    f"({why})",
        "resolve_by": resolve_by, "horizon": when.words if when else "none stated",
    })  # fmt: skip
    return slug


class _Dumper(yaml.SafeDumper):
    """Long texts as literal blocks, as a person would write them in a seed file."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(draft: Draft, *, header: str) -> str:
    """The draft as YAML, each claim under a comment with its confidence and reasons."""

    def dump(value: Any) -> str:
        return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

    out = ["\n".join(f"# {_one_line(line.lstrip('# '))}" for line in header.splitlines()) + "\n\n"]
    out.append(dump({"sources": [draft.source]}))
    out.append("\n" + dump({"people": draft.people}) if draft.people else "\npeople: []\n")
    out.append("\n" + dump({"questions": draft.questions}) if draft.questions else "\n")
    out.append("\nclaims:\n" if draft.claims else "\nclaims: []\n")
    for candidate, claim in draft.claims:
        doubt = " (doubtful: read first)" if candidate.confidence < 0.6 else ""
        reasons = _one_line("; ".join(candidate.reasons))
        out.append(f"  # confidence {candidate.confidence:.2f}{doubt}: {reasons}\n")
        body = dump([claim])
        out.append("".join(f"  {line}\n" for line in body.splitlines()))
    return "".join(out)
