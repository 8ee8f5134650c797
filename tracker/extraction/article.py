"""An article as the extractor reads it: header, sentences, paragraphs.

The header is what a news page or a wire copy puts before the body: the
headline on the first line and, within the next few lines, a byline such as
``By Staff Reporter | The Northern Ledger | 17 March 2026``. What the text
does not carry is given on the command line (``--title``, ``--publisher``,
``--published-on``, ``--url``), and the command line always wins.

Sentences come from pysbd (Pragmatic Segmenter rules: abbreviations such as
"p.m." and "Dr.", decimals, quotations), with their character spans in the
full text, so every quote the extractor proposes is a substring of it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}  # fmt: skip
_MONTH = "|".join(m.capitalize() for m in MONTHS)
_DATE_DMY = re.compile(rf"\b(\d{{1,2}}) ({_MONTH}) (\d{{4}})\b")
_DATE_MDY = re.compile(rf"\b({_MONTH}) (\d{{1,2}}),? (\d{{4}})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int


@dataclass
class Article:
    text: str
    title: str | None = None
    publisher: str | None = None
    published_on: dt.date | None = None
    url: str | None = None
    body_start: int = 0
    sentences: list[Sentence] = field(default_factory=list)


def find_date(text: str) -> dt.date | None:
    """The first calendar date written out in ``text`` (17 March 2026, March 17,
    2026, 2026-03-17)."""
    for pattern, order in ((_DATE_DMY, "dmy"), (_DATE_MDY, "mdy"), (_DATE_ISO, "ymd")):
        match = pattern.search(text)
        if match is None:
            continue
        a, b, c = match.groups()
        try:
            if order == "dmy":
                return dt.date(int(c), MONTHS[b.lower()], int(a))
            if order == "mdy":
                return dt.date(int(c), MONTHS[a.lower()], int(b))
            return dt.date(int(a), int(b), int(c))
        except ValueError:
            continue
    return None


def _header(article: Article) -> None:
    """Title, publisher and date from the first lines, where the text has them."""
    lines = article.text.splitlines(keepends=True)
    offset, seen = 0, 0
    for index, line in enumerate(lines[:8]):
        stripped = line.strip()
        offset += len(line)
        if not stripped:
            continue
        seen += 1
        if seen == 1:
            article.title = article.title or stripped
            article.body_start = offset
            continue
        if stripped.lower().startswith("by ") or "|" in stripped:
            parts = [p.strip() for p in stripped.split("|")]
            date = find_date(stripped)
            if article.published_on is None:
                article.published_on = date
            for part in parts[1:]:
                if find_date(part) is None and article.publisher is None and part:
                    article.publisher = part
            article.body_start = offset
            break
        if stripped == article.title or index > 4:
            article.body_start = offset
            continue
        break


def read_article(
    text: str,
    *,
    title: str | None = None,
    publisher: str | None = None,
    published_on: dt.date | None = None,
    url: str | None = None,
) -> Article:
    """The article's header and its body's sentences."""
    import pysbd

    article = Article(text, title, publisher, published_on, url)
    _header(article)
    body = text[article.body_start :]
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    paragraph_starts = [0] + [m.end() for m in re.finditer(r"\n\s*\n", body)]
    # One paragraph at a time: pysbd's spans cost time that grows with the
    # square of the text it is given.
    spans = []
    for number, begin in enumerate(paragraph_starts):
        end = paragraph_starts[number + 1] if number + 1 < len(paragraph_starts) else len(body)
        for span in segmenter.segment(body[begin:end]):
            spans.append((begin + span.start, begin + span.end))
    for span_start, span_end in spans:
        start = article.body_start + span_start
        raw = text[start : article.body_start + span_end]
        # pysbd keeps the whitespace after a sentence; a paragraph break inside
        # a span (a headline with no full stop) splits it.
        for piece in re.finditer(r"[^\n]+", raw):
            piece_text = piece.group().strip()
            if not piece_text:
                continue
            piece_start = start + piece.start() + (len(piece.group()) - len(piece.group().lstrip()))
            local = piece_start - article.body_start
            paragraph = sum(1 for p in paragraph_starts if p <= local) - 1
            article.sentences.append(
                Sentence(piece_start, piece_start + len(piece_text), piece_text, paragraph)
            )
    return article
