"""Candidate claims: the sentences of an article that forecast, and why.

A sentence is a candidate when it holds an estimative phrase of the phrase
book or a stated chance ("80 per cent"), and someone is said to have said it.
The claim's quote is the quotation holding the phrase, or the reported clause
after its attribution, always as a span of the article's text. Sentences
that look predictive but are not a speaker's forecast are left out: no
speaker (the reporter's own analysis, a schedule, a rule, background) or a
forecast reported as already made and settled ("had predicted"). One kind of
background is drafted, as the reporter's own claim: a clause dating an event
that names no one who expects it ("when he holds a party congress expected in
January"), split off from the speaker's sentence it stands in. An effect stated
for a cause ("would have an impact on", "would fuel") is read as directional.

Each candidate gets a confidence between 0 and 1 and the reasons for it, so
the reviewer reads the doubtful ones first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

from tracker.extraction.article import MONTHS, Article, Sentence
from tracker.extraction.horizons import Horizon, horizon, said_on
from tracker.extraction.speakers import (
    _COUNT,
    GROUP_NOUNS,
    QUOTES,
    Attribution,
    Cast,
    Person,
    attribute,
)
from tracker.services.phrases import Reading, find_phrases

_PCT = r"(\d{1,3}(?:\.\d+)?)\s*(?:%|per ?cent|percent)"
_STATED = re.compile(
    rf"\b{_PCT}\s+(?:chance|probability|likelihood|odds|possibility)\b"
    rf"|\b(?:chance|probability|likelihood|odds)\b[^.;]{{0,120}}?\b(?:at|of|is|was)\s+{_PCT}"
    rf"|\bat\s+{_PCT}\s+to\s+(?:win|happen|pass|succeed)\b",
    re.IGNORECASE,
)
_PAST_FORECAST = re.compile(r"\bhad (?:been )?(?:predicted|forecast|expected|said|projected|"
                            r"thought|warned)\b|\b(?:declined|refused) to (?:forecast|predict|"
                            r"say|speculate|comment)\b", re.I)  # fmt: skip
_CONDITION = re.compile(r"\b(?:[Ii]f|[Uu]nless|[Ss]hould)\b[^,;]{3,160}")
# Where a clause ends after its phrase: the rest of the sentence is another thought.
_CLAUSE_END = re.compile(r";|\s[—–]\s|,\s(?:but|which|since|after|although|though|while|as|"
                         r"and that|citing|because)\b")  # fmt: skip
# Words of the future that carry no level of their own: a weaker signal.
WEAK = {"will", "would", "should", "going to", "set to", "to be"}
# Who says what the article says in its own voice.
REPORTER = "the reporter"
# Below this a candidate is left out of the draft (a forecast reported as made
# before and settled, a future word with no level and no named speaker).
MIN_CONFIDENCE = 0.3
# Longer "sentences" are skipped: the patterns' time grows with their length.
MAX_SENTENCE = 2000


@dataclass
class Candidate:
    index: int  # the sentence's place in the article
    start: int  # the quote's span in the article's text
    end: int
    quote: str
    attribution: Attribution
    wording: str
    reading: Reading | None
    probability: float | None
    kind: str
    condition: str | None
    made_on: dt.date
    made_on_note: str
    horizon: Horizon | None
    confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[\"“]([^\"“”]+)[\"”]", text):
        spans.append((match.start(1), match.end(1)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the blanks, quotation marks and closing punctuation at its edges."""
    while start < end and (text[start].isspace() or text[start] in QUOTES + "'‘,"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in QUOTES + ",.;:’'"):
        end -= 1
    return start, end


def _region(text: str, attribution: Attribution, at: int) -> tuple[int, int, bool]:
    """The span of the sentence that holds what the speaker said about the
    phrase at ``at``: the quotation around it, or the reported clause."""
    for start, end in _quoted_spans(text):
        if start <= at < end and end - start > 12:
            return (*_trim(text, start, end), True)
    a_start, a_end = attribution.span
    if a_end <= at:
        start = a_end
        rest = text[start:]
        lead = re.match(r"\s*(?:,\s*)?(?:that\s+)?", rest)
        start += lead.end() if lead else 0
    else:
        start = 0
    end = len(text)
    for match in _CLAUSE_END.finditer(text, at):
        end = match.start()
        break
    if a_start > at and a_start < end:  # "…, she added, was …": keep both sides
        end = len(text)
    elif a_end <= at and re.match(r"\s*(?:[Aa]mid|[Dd]espite|[Ww]ith)\b", text[a_start:a_end]):
        comma = text.find(", ", at)  # "Amid speculation that X, markets fell": X alone
        end = comma if 0 <= comma < end else end
    return (*_trim(text, start, end), False)


def _pick(found: list[tuple[int, int, Reading]]) -> tuple[int, int, Reading]:
    """The phrase that says most about the level: a term over a direction over
    a hedge, and a weak future word ("will") last."""

    def rank(item: tuple[int, int, Reading]) -> tuple[int, int]:
        reading = item[2]
        weak = reading.key in WEAK
        order = 3 if weak else 0 if reading.term else 1 if reading.direction else 2
        return order, -len(reading.key)

    return min(found, key=rank)


_MOVES = "States a change in the odds, not a level; listed, never scored."
_INTENDS = "A stated intention under a condition; no likelihood given."
# "suggested returning to the talks if …": an intention with its condition.
_INTENT_IF = re.compile(r"\b((?:suggested|offered|threatened|vowed|promised|pledged|proposed|"
                        r"signalled|signaled|hinted)\b[^.;]{0,80}?\bif)\b")  # fmt: skip

# What stands between a verb of saying and its "that": whom, when.
_LEAD = re.compile(r"[^,.\"“”;]{0,60}?\bthat\s+")

# A sentence that is only its speaker and verb: "Jim Burkhard, head of …, said."
_SPEAKER_NEXT = re.compile(
    r"\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}(?:,[^,]{3,140},)?\s+"
    r"(?:said|says|added|told|wrote|warned)\b"
)

# Where a sentence holds more than one thought, each with its own speaker or
# its own phrase: "…, and most pundits expect …", "…, but they expect …".
_SEGMENT = re.compile(
    r";\s|,\s(?:and|but|while|whereas)\s|\s[—–]\s|,\s(?=(?:and\s+)?(?:"
    + _COUNT
    + r")\s+(?:said|forecast|predicted|expect|offered|put|gave)\b)"
)
_DIRECTION = re.compile(
    r"\b(?:odds|chances?|likelihood|probability|risk|prospects?)\b[^.;]{0,60}?\b(?:(?:has|have|"
    r"had)\s+)?(?:(?P<up>risen|rose|rising|rise[sn]?|increased?|increasing|grown|grew|grows?|"
    r"improved?|improving|gone up|went up|climbed|shortened)|(?P<down>fallen|fell|falling|falls?|"
    r"decreased?|decreasing|dropped|drops?|diminished|diminish(?:es)?|shrunk|shrank|faded?|fading|"
    r"gone down|went down|slipped|lengthened|receded))\b",
    re.IGNORECASE,
)

_EFFECTS = ("States an effect, which way a thing will move, not a level; listed, never scored. "
            "An impact with no sign is read as an increase: check the direction.")  # fmt: skip
_UNSIGNED = r"(?!(?:no|little|any|minimal|limited|zero|negligible)\b)"  # "no impact": none
# An effect stated for a cause: "easing sanctions would have an impact on calls
# for …", "a deal would embolden the hawks". The verbs are read only after
# "would" (an effect under a supposition); "will raise" is a forecast of its own.
_EFFECT = re.compile(
    r"\b(?:would|will)\s+(?:(?:also|still|surely|certainly|inevitably|further)\s+)?"
    rf"(?P<impact>have\s+(?:an?\s+|some\s+)?(?:{_UNSIGNED}[a-z-]+\s+){{0,2}}?(?:impact|effect|"
    r"influence|bearing)(?:\s+on)?)\b"
    r"|\bwould\s+(?:(?:also|still|surely|certainly|inevitably|further)\s+)?(?:(?P<up>fuel|"
    r"boost|strengthen|embolden|encourage|spur|intensify|heighten|deepen|add\s+to)|(?P<down>"
    r"weaken|dampen|undermine|erode|curb|diminish))\b",
    re.IGNORECASE,
)


# Background the article adds in its own voice: a trailing participle clause
# that dates an event and names no one who expects it, "when he holds a party
# congress expected in January", "before elections due in May". It is the
# reporter's, not the quoted speaker's, whose sentence it stands in.
_UNITS = r"(?:week|weekend|month|year|quarter|season|spring|summer|autumn|fall|winter)s?"
_RELATIVE = (r"(?:next|this|the\s+coming|the\s+following|the\s+next|later\s+this|"
             r"early\s+next|late\s+next|later\s+next|early\s+this|late\s+this)")  # fmt: skip
_MONTHS = "(?:" + "|".join(m.capitalize() for m in MONTHS) + ")"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WHEN = (
    r"(?:(?:early|late|mid-?|the\s+(?:end|middle|start|beginning|first\s+half|second\s+half)"
    rf"\s+of)\s*)?(?:{_MONTHS}(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTHS}"
    rf"(?:\s+\d{{4}})?|(?:19|20)\d\d|{_WEEKDAY}|(?:the\s+)?{_RELATIVE}\s+{_UNITS}"
    rf"|(?:the\s+)?(?:spring|summer|autumn|fall|winter)|(?:the\s+)?(?:first|second|third|"
    rf"fourth|final|last)\s+quarter(?:\s+of\s+(?:the\s+year|\d{{4}}))?|(?:the|this|next)\s+"
    rf"{_UNITS})"
)
_BACKGROUND = re.compile(
    r"\b(?P<cue>expected|scheduled|slated|due|planned|set(?=\s+(?:for|to)\b))"
    r"(?:\s+to\s+(?!(?:the|a|an|its|his|her|their|this|that)\b)(?:be\s+)?[a-z]+(?:\s+place)?)?"
    rf"\s+(?P<when>(?:in|on|by|for|before|around|within|during|until|at)\s+{_WHEN}"
    rf"|{_RELATIVE}\s+{_UNITS}|(?:this|next)\s+{_WEEKDAY})\b"
)
# Words before the cue that make it a predicate or someone's verb ("is expected
# in", "she expected by June"), not a clause on a noun.
_NOT_A_NOUN = {
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "he", "she",
    "it", "they", "we", "i", "you", "who", "which", "that", "not", "as", "than", "so", "also",
    "still", "now", "once", "long", "and", "or", "but", "to", "said", "says",
}  # fmt: skip
_RELATIVE_WORDS = {"that", "which", "who", "whom", "what", "as"}
_GROUP_SET = set(GROUP_NOUNS)
_DETERMINERS = {"a", "an", "the", "its", "his", "her", "their", "our", "this", "that", "these",
                "those", "another", "any", "each", "next"}  # fmt: skip
# Where a noun phrase with no determiner begins: after one of these.
_BEFORE_A_NOUN = {"in", "on", "at", "of", "for", "to", "with", "by", "from", "after", "before",
                  "ahead", "until", "when", "while", "and", "or", "but", "over", "about",
                  "during", "since", "than", "he", "she", "it", "they", "we", "holds", "hold",
                  "held", "attend", "attends", "said", "says", "that"}  # fmt: skip
_BACKGROUND_NOTE = "A date the article gives in its own voice (a schedule); no level given."


def _background(text: str, book: list[Reading]) -> list[tuple[int, int, int, Reading]]:
    """The article's own background clauses in a sentence, outside quotations:
    (where the noun phrase starts, where the cue starts, the end, its reading)."""
    quoted = _quoted_spans(text)
    found = []
    for match in _BACKGROUND.finditer(text):
        cue = match.start("cue")
        if any(a <= cue < b for a, b in quoted):
            continue  # the speaker's own words: "a summit scheduled for May" in quotation marks
        start = _noun_phrase(text, cue)
        if start is None:
            continue
        end = _trim(text, start, match.end())[1]
        read = find_phrases(book, match.group("cue"))
        reading = read[0][2] if read else Reading(match.group("cue"), "", None, None,
                                                  "unscorable", None, _BACKGROUND_NOTE)  # fmt: skip
        found.append((start, cue, end, reading))
    return found


def _noun_phrase(text: str, cue: int) -> int | None:
    """Where the noun phrase a participle at ``cue`` stands on begins ("a major
    party congress" before "expected"), or None if the participle follows no
    noun ("is expected in", "she expected by June")."""
    before = text[:cue].rstrip()
    if before.endswith(","):  # "the congress, expected in January,"
        before = before[:-1].rstrip()
    if not before or len(text[len(before) : cue].strip(", ")) or not text[cue - 1].isspace():
        return None
    words = list(re.finditer(r"[\w'’-]+", before))[-8:]
    if not words or words[-1].end() != len(before):
        return None  # a quotation mark or a bracket right before it
    last = words[-1].group().lower()
    second = words[-2].group().lower() if len(words) > 1 else ""
    if last in _NOT_A_NOUN or (last.endswith("ly") and (not second or second in _NOT_A_NOUN)):
        return None  # "is expected in", "is widely expected in": a predicate, not background
    if last.endswith("ed") and len(last) > 4:
        return None  # "flights were cancelled due to …": a verb, not a noun
    if last in _GROUP_SET or (words[-1].group()[:1].isupper() and second in _RELATIVE_WORDS):
        return None  # "the deal analysts expected by June", "that Lund expected": theirs
    for i in range(len(words) - 1, -1, -1):
        if re.search(r"[^\w\s'’-]", before[words[i].end() : words[-1].start()]):
            return None  # punctuation: the phrase does not reach back past it
        word = words[i].group().lower()
        if word in _DETERMINERS:
            return words[i].start()
        if word in _BEFORE_A_NOUN or word in _NOT_A_NOUN:
            return words[i + 1].start() if i + 1 < len(words) else None
    if len(words) < 8 and not before[: words[0].start()].strip(" " + QUOTES):
        return words[0].start()  # the sentence opens with it: "Kim's visit, slated for …"
    return None


def _the_month(text: str, start: int, end: int) -> bool:
    """ "May" in capitals inside a sentence is the month, not the hedge."""
    return text[start:end] == "May" and text[:start].rstrip()[-1:] not in ("", *QUOTES, ":")


def _signals(text: str, book: list[Reading]) -> list[tuple[int, int, Reading | None, float | None]]:
    """What in ``text`` says how likely: phrases of the book, stated chances, and
    words saying the odds move, each with its span."""
    found: list[tuple[int, int, Reading | None, float | None]] = [
        (a, b, r, None) for a, b, r in find_phrases(book, text) if not _the_month(text, a, b)
    ]
    for match in _STATED.finditer(text):
        value = float(next(g for g in match.groups() if g)) / 100
        if 0 <= value <= 1:
            found.append((match.start(), match.end(), None, value))
    for match in _DIRECTION.finditer(text):
        direction = "increase" if match.group("up") else "decrease"
        reading = Reading(match.group(), "", None, None, "unscorable", direction, _MOVES)
        found = [f for f in found if not (f[0] < match.end() and match.start() < f[1])]
        found.append((match.start(), match.end(), reading, None))
    for match in _EFFECT.finditer(text):
        if any(f[0] < match.end() and match.start() < f[1] for f in found):
            continue  # "would likely boost": the phrase of the book says more
        down = match.group("down") or re.search(r"\b(?:negative|adverse|damaging|harmful)\b",
                                                match.group("impact") or "")  # fmt: skip
        direction = "decrease" if down else "increase"
        reading = Reading(match.group(), "", None, None, "unscorable", direction, _EFFECTS)
        found.append((match.start(), match.end(), reading, None))
    if not found:  # no level and no direction: a stated intention under a condition
        match = _INTENT_IF.search(text)
        if match is not None:
            reading = Reading(match.group(1), "", None, None, "unscorable", None, _INTENDS)
            found.append((match.start(1), match.end(1), reading, None))
    return sorted(found, key=lambda f: f[0])


def _rank(signal: tuple[int, int, Reading | None, float | None]) -> tuple[int, int]:
    """A stated chance, then a term, a direction, a hedge, a weak future word."""
    _, _, reading, value = signal
    if value is not None:
        return 0, 0
    assert reading is not None
    if reading.key in WEAK:
        return 4, 0
    return (1 if reading.term else 2 if reading.direction else 3), -len(reading.key)


def scan(article: Article, book: list[Reading]) -> list[Candidate]:
    """The article's candidate claims, in the order of the text."""
    assert article.published_on is not None
    cast = Cast()
    carried = None
    previous: tuple[int, Attribution] | None = None  # the last attribution, by paragraph
    found: list[Candidate] = []
    reporter: Person | None = None  # the article's own voice, for its background clauses
    for index, sentence in enumerate(article.sentences):
        text = sentence.text
        if len(text) > MAX_SENTENCE:
            continue  # a table or a run-on text, not a sentence anyone said
        cast.notice(text, index)
        whole = attribute(text, cast, index, carried)
        following = article.sentences[index + 1] if index + 1 < len(article.sentences) else None
        if (whole is None and text.rstrip()[-1:] in QUOTES and following is not None
                and following.paragraph == sentence.paragraph
                and _SPEAKER_NEXT.match(following.text)):  # fmt: skip
            # '"… who's going to cut?" Jim Burkhard, head of …, said': the
            # splitter ends the sentence at the question mark.
            whole = attribute(following.text, cast, index, None)
        if whole is None and previous is not None and previous[0] == sentence.paragraph:
            # Reported speech goes on: "Zollner said … The bank was likely to …".
            last = previous[1]
            if last.how in ("named", "surname", "title", "pronoun"):
                whole = Attribution(last.spelling, last.person, "paraphrase", last.role, (0, 0))
        elif whole is not None:
            previous = (sentence.paragraph, whole)
        quoted = any(q in text for q in QUOTES)
        ends_open = text.count('"') % 2 == 1 or text.rfind("“") > text.rfind("”")
        carried = (
            whole.person
            if whole is not None and (quoted or ends_open)
            else (carried if quoted else None)
        )
        backgrounds = _background(text, book)
        stops = [cue for _, cue, _, _ in backgrounds]
        for clause in backgrounds:
            if reporter is None:
                reporter = Person(REPORTER, kind="reporter", first_sentence=index)
            candidate = _reported_background(article, sentence, index, reporter, clause)
            if candidate.horizon is None or candidate.horizon.resolve_by >= article.published_on:
                found.append(candidate)  # not "a reform expected in 2019" that never came
        signals = [s for s in _signals(text, book)
                   if not any(cue <= s[0] < end for _, cue, end, _ in backgrounds)]  # fmt: skip
        if not signals:
            continue
        bounds = [0, *(m.end() for m in _SEGMENT.finditer(text)), len(text) + 1]
        for seg_start, seg_end in itertools.pairwise(bounds):
            inside = [g for g in signals if seg_start <= g[0] < seg_end]
            if not inside:
                continue
            own = attribute(text[seg_start:seg_end], cast, index, None) if seg_start else None
            attribution = whole
            if own is not None and own.how != "pronoun":
                a, b = own.span
                attribution = Attribution(own.spelling, own.person, own.how, own.role,
                                          (a + seg_start, b + seg_start))  # fmt: skip
            if attribution is None:
                continue
            inside = _theirs(text, attribution, inside)
            candidate = _candidate(article, sentence, index, attribution, min(inside, key=_rank),
                                   seg_start, stops)  # fmt: skip
            if candidate is not None and candidate.confidence >= MIN_CONFIDENCE:
                found.append(candidate)
    return _one_per_quote(found)


def _theirs(text: str, attribution: Attribution,
            signals: list[tuple[int, int, Reading | None, float | None]],
            ) -> list[tuple[int, int, Reading | None, float | None]]:  # fmt: skip
    """The signals that are the speaker's: when the attribution opens a "that"
    clause ("… will test Karsland's official view that landings will fall"),
    the words before it are the reporter's, if the clause has a signal of its own."""
    a_end = attribution.span[1]
    if a_end == 0 or not re.match(r"\s*,?\s*that\b", text[a_end:]):
        return signals
    after = [g for g in signals if g[0] >= a_end]
    return after or signals


def _candidate(article: Article, sentence: Sentence, index: int, attribution: Attribution,
               signal: tuple[int, int, Reading | None, float | None],
               segment: int = 0, stops: list[int] | None = None) -> Candidate | None:  # fmt: skip
    assert article.published_on is not None
    text = sentence.text
    at, stop, reading, probability = signal
    wording = text[at:stop]
    start, end, in_quotes = _region(text, attribution, at)
    if not in_quotes and start < segment <= at:
        start, end = _trim(text, segment, end)
    lead = _LEAD.match(text, start) if not in_quotes else None
    if lead is not None and lead.end() <= at:
        # "told lawmakers in mid-October that it was possible…": who was told
        # and when belong to the attribution; the claim starts after "that".
        start = lead.end()
    for stop in stops or ():
        if start < stop < end and at < stop:  # the article's background clause is not theirs
            end = _trim(text, start, stop)[1]
    if end - start < 8:
        return None
    quote = text[start:end]
    reasons = []
    confidence = 0.45
    if probability is not None:
        confidence += 0.3
        reasons.append(f"a stated chance ({wording})")
    elif reading is not None and reading.key in WEAK:
        confidence -= 0.1
        reasons.append(f'only "{wording}": a future without a level')
    elif reading is not None and reading.term is not None:
        confidence += 0.25
        reasons.append(f'"{wording}" is in the phrase book ({reading.basis.replace("_", " ")})')
    elif reading is not None and reading.direction is not None:
        confidence += 0.15
        reasons.append(f'"{wording}" says the odds move')
    else:
        confidence += 0.05
        reasons.append(f'"{wording}" is a hedge: unscorable')
    reasons.append(_HOW[attribution.how])
    if attribution.how in ("named", "surname", "title"):
        confidence += 0.15
    elif attribution.how in ("pronoun", "carried"):
        confidence += 0.05
    if in_quotes:
        confidence += 0.05
        reasons.append("in quotation marks")
    a_start, a_end = attribution.span
    if _PAST_FORECAST.search(text[min(a_start, max(0, start - 40)) : max(a_end, start)]):
        confidence -= 0.45
        reasons.append("reported as a forecast made before (settled?)")
    condition = None
    kind = "forecast"
    if reading is not None and reading.direction is not None:
        kind = "directional"
    else:
        match = _CONDITION.search(quote)
        if match is not None and (match.start() < at - start + 1 or " only if" in quote
                                  or re.search(r",?\s+if\b", quote[at - start :])):  # fmt: skip
            kind, condition = "conditional", match.group().strip()
            reasons.append("conditional")
    made_on, note = said_on(text[:start] + " " + text[end:], article.published_on)
    when = horizon(quote, article.published_on) or horizon(text, article.published_on)
    return Candidate(index, sentence.start + start, sentence.start + end, quote, attribution,
                     wording, reading, probability, kind, condition, made_on, note, when,
                     round(max(0.05, min(0.99, confidence)), 2), reasons)  # fmt: skip


def _reported_background(article: Article, sentence: Sentence, index: int, reporter: Person,
                         clause: tuple[int, int, int, Reading]) -> Candidate:  # fmt: skip
    """A background clause as the reporter's own claim ("a party congress
    expected in January"), dated the day the article was published."""
    assert article.published_on is not None
    start, cue, end, reading = clause
    text = sentence.text
    quote = text[start:end]
    wording = re.match(r"\w+", text[cue:]).group()  # type: ignore[union-attr]
    confidence = 0.35
    if reading.term is not None:
        confidence += 0.25
        reasons = [f'"{wording}" is in the phrase book ({reading.basis.replace("_", " ")})']
    else:
        reasons = [f'"{wording}": a schedule, no level (unscorable)']
    reasons.append(_HOW["reporter"])
    attribution = Attribution(REPORTER, reporter, "reporter", None, (0, 0))
    return Candidate(index, sentence.start + start, sentence.start + end, quote, attribution,
                     wording, reading, None, "forecast", None, article.published_on,
                     "stated in the article; date of publication",
                     horizon(quote, article.published_on), confidence, reasons)  # fmt: skip


_HOW = {"named": "speaker named", "surname": "speaker by surname", "title": "speaker by title",
        "pronoun": "speaker by pronoun", "group": "an unnamed group",
        "carried": "the quotation goes on from the sentence before",
        "paraphrase": "reported speech going on from the sentence before (check who)",
        "reporter": "the article's own background: a clause naming no one who expects it",
        "collective": "a position the text gives to a body it names",
        }  # fmt: skip


def _one_per_quote(found: list[Candidate]) -> list[Candidate]:
    """Two phrases of one quotation are one claim: the more confident stays."""
    kept: dict[tuple[int, int], Candidate] = {}
    for candidate in found:
        span = (candidate.start, candidate.end)
        if span not in kept or candidate.confidence > kept[span].confidence:
            kept[span] = candidate
    return list(kept.values())
