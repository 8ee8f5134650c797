"""Who said it: attribution in news prose, and the people behind the names.

News reports attribute in a handful of patterns, which are looked for in
each sentence around a verb of speaking or believing:

- a quotation and then its speaker: ``"…," said Maria Okonkwo, chief
  economist at Halden Bank`` or ``"…," Okonkwo said``;
- a speaker and then what they said: ``Okonkwo said that …``, ``Many
  economists expect …``, ``According to Saarinen, …``;
- a pronoun for the last speaker named (``she added``), and a quotation
  carried on from the sentence before;
- talk said to go round with no one named (``speculation has spread that
  …``), the unnamed group "speculation", and a position stated for someone
  (``the long-standing position of the United States and its allies that …``).

A person is named in full once (often with a title before the name or a role
after it) and then by surname or by the title alone ("the governor"): the
``Cast`` gathers those spellings as one person's aliases. Unnamed groups
("many economists", "critics warn", "observers") are speakers of their own,
named for the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.text import fold

VERBS = (
    "said", "says", "say", "told", "tells", "added", "adds", "warned", "warns", "warn", "noted",
    "argued", "argues", "argue", "predicted", "predicts", "predict", "expects", "expect",
    "believes", "believe", "thinks", "think", "forecast", "forecasts", "estimated", "estimates",
    "wrote", "writes", "insisted", "insists", "cautioned", "suggested", "suggests", "reckons",
    "reckon", "regard", "regards", "see", "sees", "saw", "doubt", "doubts", "fear", "fears",
    "agreed", "agree", "agrees", "conceded", "concedes", "acknowledged", "claimed", "claims",
    "stressed", "explained", "replied", "declared", "projected", "projects", "put", "puts",
    "give", "gives", "gave", "called", "calls", "expected", "anticipate", "anticipates",
    "believed", "thought", "feared", "doubted", "hope", "hopes", "hoped", "pointed",
    "saying", "arguing", "warning", "noting", "predicting", "adding", "insisting", "expecting",
    "telling", "writing", "cautioning", "suggesting", "believing", "reckoning", "fearing",
)  # fmt: skip
# Verbs that introduce a speaker after a quotation: ``"…," said Okonkwo``.
SPEECH = ("said", "says", "told", "added", "adds", "warned", "warns", "noted", "argued", "argues",
          "wrote", "writes", "insisted", "cautioned", "explained", "replied", "declared", "asked",
          "stressed", "acknowledged", "conceded", "predicted", "suggested")  # fmt: skip
_VERB = r"(?:" + "|".join(VERBS) + r")"

GROUP_NOUNS = (
    "economists", "analysts", "experts", "observers", "traders", "investors", "pollsters",
    "strategists", "officials", "diplomats", "critics", "sceptics", "skeptics", "others",
    "insiders", "pundits", "punters", "bookmakers", "forecasters", "commentators", "markets",
    "retailers", "executives", "bankers", "economists", "scholars", "researchers", "sources",
    "campaigners", "lawmakers", "legislators", "delegates", "negotiators", "supporters",
    "opponents", "fans", "veterans", "people", "residents", "voters", "players", "coaches",
    "managers", "brokers", "dealers", "participants", "watchers", "hawks", "doves", "bulls",
    "bears", "economists", "academics", "specialists", "advisers", "advisors", "aides",
)  # fmt: skip
_QUANTIFIER = (r"(?:[Mm]any|[Mm]ost|[Ss]ome|[Ss]everal|[Oo]ther|[Aa] few|[Ff]ew|[Aa] number of|"
               r"[Aa] majority of|[Aa]ll|[Tt]he|[Oo]ne|[Tt]wo|[Tt]hree)")  # fmt: skip
GROUP = re.compile(
    rf"\b(?:{_QUANTIFIER}\s+)?(?:[A-Za-z][\w-]*\s+){{0,2}}?"
    rf"(?i:{'|'.join(sorted(set(GROUP_NOUNS)))})\b"
)
# One unnamed person: "one senior official", "a delegate from one of the members".
SINGULAR = ("official", "diplomat", "analyst", "economist", "delegate", "source", "insider",
            "aide", "adviser", "advisor", "executive", "spokesperson", "spokesman",
            "spokeswoman", "person", "member", "negotiator", "strategist", "trader",
            "banker", "investor", "lawmaker", "minister", "expert", "observer", "pundit",
            "scout")  # fmt: skip
_ONE = (rf"(?:[Aa]|[Aa]n|[Oo]ne|[Aa]nother)\s+(?:[\w'’-]+\s+){{0,3}}?(?:{'|'.join(SINGULAR)})\b"
        rf"(?:\s+(?:from|at|of|in|close to|familiar with)\s+[^,.;]{{3,80}})?")  # fmt: skip


# Words that come before a name and say what the person is.
TITLES = (
    "President", "Vice", "Prime", "Minister", "Foreign", "Finance", "Deputy", "Governor",
    "Chancellor", "Secretary", "Senator", "Representative", "Ambassador", "General", "Dr",
    "Dr.", "Professor", "Prof.", "Mr", "Mr.", "Ms", "Ms.", "Mrs", "Mrs.", "Coach", "Chief",
    "Executive", "Director", "Chairman", "Chairwoman", "Chair", "Mayor", "Judge", "Captain",
    "Manager", "Economist", "Analyst", "Strategist", "Commissioner", "Speaker", "Leader",
    "King", "Queen", "Sir", "Dame", "Lord", "Lady", "Defence", "Defense", "Trade", "Economy",
    "Interior", "Home", "Health", "Energy", "Industry", "Opposition", "Party", "Head",
    "Unification", "Justice", "Labour", "Labor", "Transport", "Culture", "Education", "Envoy",
)  # fmt: skip
_TITLE_SET = set(TITLES)
_TITLE_BARE = {t.rstrip(".") for t in TITLES}
_GROUP_SET = set(GROUP_NOUNS)
# Capitalised words that are never part of a person's name.
NOT_NAMES = {
    "The", "A", "An", "But", "And", "Or", "If", "In", "On", "At", "By", "For", "Of", "To", "As",
    "He", "She", "They", "We", "I", "It", "His", "Her", "Their", "Our", "This", "That", "These",
    "Those", "There", "Asked", "According", "When", "While", "After", "Before", "Since", "Not",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Bank", "Institute", "University", "Ministry", "Securities",
    "Federation", "Group", "Office", "Council", "Committee", "Union", "League", "Club", "Fund",
    "Capital", "Partners", "Research", "Association", "Company", "Corporation", "Agency",
    "Centre", "Center", "Foundation", "Times", "News", "Ledger", "Post", "Herald", "Reuters",
    "Honestly", "Yes", "No", "Still", "Much", "Beyond", "Markets", "Some", "Many", "Most",
    "Under", "Even", "Also", "Only", "Now", "Then", "So", "Meanwhile", "However", "Last", "Next",
    "Critics", "Others", "Analysts", "Economists", "Observers", "Experts",
}  # fmt: skip
# A capitalised word, Latin letters with their accents included (François, Łukasz).
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_CAP = rf"(?<![\w'’-])(?!I['’]|It['’])[{_UPPER}][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
NAME = re.compile(rf"{_CAP}(?:\s+(?:{_CAP}|de|van|von|der|bin|al|da|di|la|le))*")
PRONOUNS = {"he", "she", "they", "we", "i"}
_LEADING_CONJUNCTION = (
    r"^(?:[Bb]ut|[Aa]nd|[Yy]et|[Ss]till|[Ss]o|[Ww]hile|[Aa]lthough|[Tt]hough|"
    r"[Ww]hereas|[Ss]ince|[Ww]ith)\s+"
)
# A name right after one of these is a place or an employer, not who spoke.
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|of|for|near|across|outside)\s+$")
_QUOTED = re.compile(r"([\"“])([^\"“”]*)([\"”])")
# An aside between dashes: "most economists -- 23 of the 36 -- expect".
_ASIDE = re.compile(r"\s+(?:--|—|–)\s+[^-—–]{1,60}?\s+(?:--|—|–)(?=\s)")
_TITLE_WORDS = "|".join(re.escape(t) for t in TITLES)
_TITLED = re.compile(rf"\b(?:{_TITLE_WORDS})(?:\s+{_CAP})+")
# A role in lower case before a name: "North Korean leader Kim Jong Un".
_ROLE_NAME = re.compile(
    rf"((?:[A-Z][a-z]+\s+){{0,2}}(?:leader|president|minister|governor|chief|"
    rf"coach|manager|captain|chairman|chairwoman|director|secretary|envoy|"
    rf"ambassador|spokesman|spokeswoman|spokesperson|founder|economist|"
    rf"analyst|strategist|professor|head))\s+({_CAP}(?:\s+{_CAP}){{1,3}})"
)
_SUBJECT = re.compile(rf"({_CAP}(?:\s+{_CAP}){{1,3}})(?:\s+(of (?:the )?{_CAP}(?:\s+{_CAP})*)|,)")
QUOTES = '"“”'


@dataclass
class Person:
    name: str
    kind: str = "person"
    role: str | None = None
    spellings: list[str] = field(default_factory=list)
    first_sentence: int = 0

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    def spell(self, spelling: str) -> None:
        if spelling != self.name and spelling not in self.spellings:
            self.spellings.append(spelling)


@dataclass(frozen=True)
class Attribution:
    spelling: str  # the speaker as the sentence writes it
    person: Person
    how: str  # "named", "surname", "title", "pronoun", "group", "collective", "carried"
    role: str | None
    span: tuple[int, int]  # where the attribution stands in the sentence


class Cast:
    """The people an article quotes, gathered as it is read."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.last: Person | None = None

    def _by_name(self, words: list[str]) -> Person | None:
        key = fold(" ".join(words))
        for person in self.people:
            if person.kind != "person":
                continue
            if fold(person.name) == key or key in (fold(s) for s in person.spellings):
                return person
        if len(words) == 1:  # one name alone: the last person introduced with it
            for person in sorted(self.people, key=lambda p: -p.first_sentence):
                if person.kind == "person" and key in fold(person.name).split():
                    return person
        return None

    def person(self, spelling: str, role: str | None, index: int) -> tuple[Person, str]:
        """The person a written name stands for, recording a new one or a new spelling."""
        words = spelling.split()
        titles: list[str] = []
        last = max((i for i, w in enumerate(words[:-1]) if w.rstrip(".") in _TITLE_BARE),
                   default=-1)  # fmt: skip
        if last >= 0:
            titles, words = words[: last + 1], words[last + 1 :]
        found = self._by_name(words)
        title = " ".join(titles) or None
        if found is None:
            found = Person(" ".join(words), role=role or title, first_sentence=index)
            self.people.append(found)
            how = "named"
        else:
            how = "surname" if len(words) == 1 else "named"
            if found.role is None:
                found.role = role or title
        found.spell(spelling)
        if titles:
            found.spell(" ".join(words))
        return found, how

    def notice(self, sentence: str, index: int) -> None:
        """Record people introduced though not quoted yet: with a title ("a news
        conference with Governor Elin Brandvold", for "the governor" later), or
        as the subject of a sentence ("Jakob Thorsen of Greyline Research was
        more cautious.", for the "he said" that follows)."""
        for match in _TITLED.finditer(sentence):
            name = _clean_name(match.group())
            if name is not None and len(name.split()) >= 3:
                self.person(name, None, index)
        for match in _ROLE_NAME.finditer(sentence):
            name = _clean_name(match.group(2))
            if name is not None and len(name.split()) >= 2 and self._by_name(name.split()) is None:
                self.person(name, match.group(1).strip(), index)
        match = _SUBJECT.match(sentence)
        if match is not None:
            name = _clean_name(match.group(1))
            if name is not None and len(name.split()) >= 2:
                role = match.group(2) or _role_after(sentence, match.end(1))
                self.last, _ = self.person(name, role, index)

    def by_title(self, noun: str) -> Person | None:
        """ "the governor": the person last introduced with that title or role."""
        for person in reversed(self.people):
            if person.role and noun.lower() in person.role.lower():
                return person
        return None

    def group(self, spelling: str, index: int, kind: str = "group") -> Person:
        """An unnamed group ("many economists"), or with ``kind`` "collective" a
        body the text names ("the United States and its allies")."""
        key = fold(spelling)
        for person in self.people:
            if person.kind == kind and fold(person.name) == key:
                return person
        person = Person(spelling, kind=kind, first_sentence=index)
        self.people.append(person)
        return person


def _role_after(text: str, end: int) -> str | None:
    """The appositive after a name: ``Name, chief economist at Halden Bank, said``."""
    match = re.match(r",\s+((?:a|an|the|who|now|former|another)?[^,\"“”]{3,140}?)(?:,|\.|$)",
                     text[end:])  # fmt: skip
    if match is None:
        return None
    role = match.group(1).strip()
    first = role.split()[0] if role.split() else ""
    if first in ("said", "says", "told", "added", "warned", "who") or re.search(rf"\b{_VERB}\b",
                                                                              role):  # fmt: skip
        return None
    if first[:1].isupper() and first not in ("The", "A", "An") and first not in _TITLE_SET:
        return None  # another name, not a role
    return role


def _role_before(text: str, start: int) -> str | None:
    """A role written before the name: ``Redwater's coach, Marta Sandoval, said``."""
    match = re.search(r"(?:^|,\s|\.\s)((?:[\w'’-]+\s){0,5}?[\w'’-]*[a-z][\w'’-]*),\s*$",
                      text[:start])  # fmt: skip
    if match is None or re.search(rf"\b{_VERB}\b", match.group(1)):
        return None
    return match.group(1)


def _clean_name(candidate: str) -> str | None:
    words = candidate.split()
    if words and words[-1].endswith(".") and words[-1] not in _TITLE_SET:
        words[-1] = words[-1].rstrip(".")  # the sentence's full stop, not an abbreviation
    while words and (words[0] in NOT_NAMES or words[0].lower() in PRONOUNS):
        words.pop(0)
    while words and words[-1] in NOT_NAMES:
        words.pop()
    if not words:
        return None
    core = [w for w in words if w.rstrip(".") not in _TITLE_BARE]
    if not core or any(w in NOT_NAMES or w.lower() in _GROUP_SET or w.lower() in NUMBER_WORDS
                       for w in core):  # fmt: skip
        return None
    return " ".join(words)


_SPEECH = r"(?:" + "|".join(SPEECH) + r")"
_SAID_NAME = re.compile(rf"(?:[,”\"]|[,.!?][”\"])\s*{_SPEECH}\s+(?:(?:on|last)\s+\w+\s+)?"
                        rf"({NAME.pattern})")  # fmt: skip
_NAME_SAID = re.compile(rf"({NAME.pattern})(?:,[^,]{{3,140}},)?,?\s+(?:(?:also|later|then|now|"
                        rf"further|again|recently|previously|on \w+|last \w+|\w+ly)\s+)?"
                        rf"{_VERB}\b")  # fmt: skip
# Verbs a group of speakers forecasts with beside the verbs of speech: bookmakers
# "made Harbour City odds-on favourites", markets "priced in" a cut.
_GROUP_VERBS = (
    _VERB[:-1]
    + "|made|make|makes|rate|rates|rated|priced|price|prices|pricing|installed|quote|quoted"
    + "|have|has)"
)
_ACCORDING = re.compile(
    rf"\b[Aa]ccording to ({NAME.pattern})|\b(?:quoted|cited)\s+(?:an?\s+|the\s+)?"
    rf"(?:[a-z][\w-]*\s+){{0,3}}?({NAME.pattern})\s+as\s+(?:saying|suggesting|predicting|warning)"
)
# A count of those polled as the speaker: "Seventeen predicted …", "two forecast …".
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty")  # fmt: skip
_COUNT = rf"(?i:{'|'.join(NUMBER_WORDS)})|\d{{1,3}}"
_COUNTED = re.compile(
    rf"^\s*(?:[Oo]f [^,]{{3,60}},\s+)?(?:and\s+)?({_COUNT})(?:\s+of\s+(?:them|"
    rf"the\s+\d+))?\s+(?:said|forecast|forecasts|predicted|expect|expected|see|"
    rf"saw|offered|put|gave|thought|believed)\b"
)
# "according to a poll of economists": the group polled.
_ACCORDING_GROUP = re.compile(
    rf"\b[Aa]ccording to (?:a|the|an)\s+(?:\w+\s+){{0,3}}?(?:poll|survey)"
    rf"\s+of\s+({GROUP.pattern})"
)
_ONE_BEFORE = re.compile(rf"(?:^|,\s)({_ONE})(?:,[^.;]{{3,200}}?,)?\s+{_VERB}\b")
_ONE_AFTER = re.compile(rf"[,”\"]\s*({_ONE})\s+{_SPEECH}\b")
_PRONOUN_SAID = re.compile(rf"\b(he|she|they)\s+(?:also\s+)?{_VERB}\b", re.IGNORECASE)
_THE_TITLE = re.compile(rf"\b[Tt]he ([a-z]+(?: [a-z]+)?)\s+{_VERB}\b")
_GROUP_VERB = re.compile(rf"({GROUP.pattern})(?:[\s,]+\w+){{0,3}}?[\s,]+{_GROUP_VERBS}\b")
# Talk that goes round with no one named: "speculation has spread that …",
# "rumours are swirling in the capital that …", "amid growing speculation that …".
_HEARSAY_NOUN = (r"(?i:speculation|rumou?rs?|talk|expectations?|predictions?|fears?|hopes?|"
                 r"concerns?|worries|suspicions?)")  # fmt: skip
_HEARSAY = re.compile(
    rf"(?:\b(?:[Tt]here\s+(?:is|are|was|were|has\s+been|have\s+been)|[Aa]mid|"
    rf"(?:fuel|spark|prompt|rais|reviv|stok|feed)(?:e?s|e?d|ing|led|ling)?)\s+"
    rf"(?:(?:growing|widespread|mounting|renewed|fresh|some|much|wide|intense|increasing|"
    rf"new)\s+)?(?P<a>{_HEARSAY_NOUN})(?:\s+[^,.;\"“”]{{1,40}}?)?"
    rf"|\b(?P<b>{_HEARSAY_NOUN})\s+(?:(?:has|have|had|is|are|was|were)\s+)?(?:been\s+)?"
    rf"(?:\w+ly\s+)?(?:spread(?:s|ing)?|gr[eo]w(?:s|n|ing)?|mount(?:s|ed|ing)?|r[io]s(?:e|es|en|ing)|"
    rf"swirl(?:s|ed|ing)?|intensif(?:y|ies|ied|ying)|increas(?:es|ed|ing)|emerg(?:es|ed|ing)|"
    rf"circulat(?:es|ed|ing)|(?:re)?surfac(?:es|ed|ing)|buil(?:t|ds|ding)|gather(?:s|ed|ing)|"
    rf"persist(?:s|ed|ing)?|abound(?:s|ed|ing)?|linger(?:s|ed|ing)?)"
    rf"(?:\s+[^,.;\"“”]{{1,40}}?)?)(?=\s+that\b)"
)
# A position stated for someone: "the long-standing position of the United
# States and its allies that …", "Washington's stated view that …".
_STANCE_WORDS = (r"(?:position|view|stance|belief|assessment|expectation|line|policy|"
                 r"argument|contention|insistence|conviction|judge?ment|forecast|prediction|"
                 r"assurance)")  # fmt: skip
_STANCE_ADJ = (r"(?:(?:long-?standing|stated|official|declared|public|publicly\s+stated|"
               r"established|consistent|firm|settled|formal|shared|common|traditional|"
               r"oft-repeated|repeated|well-known|known|current|own|clear|widely\s+held|"
               r"firmly\s+held)[,\s]+){0,3}")  # fmt: skip
# "the position of the party that won": "that" opening a relative clause, not a content.
_RELATIVE_THAT = re.compile(r"\s+that\s+(?:is|are|was|were|has|have|had|will|would|can|could|"
                            r"may|might|must|should|won|lost|led|ran|\w+ed)\b")  # fmt: skip
_STANCE_OF = re.compile(
    rf"\b[Tt]he\s+{_STANCE_ADJ}{_STANCE_WORDS}\s+of\s+(?P<who>[^,;:.\"“”]{{2,80}}?)(?=\s+that\b)"
)
_STANCE_POSSESSIVE = re.compile(
    rf"(?P<who>{NAME.pattern}|\b[Tt]he\s+[a-z]+(?:\s+[a-z]+)?)['’]s?\s+{_STANCE_ADJ}"
    rf"{_STANCE_WORDS}(?=\s+that\b)"
)


def attribute(sentence: str, cast: Cast, index: int, carried: Person | None) -> Attribution | None:
    """Who the sentence attributes its words to, if anyone: a speaker named
    after a quotation first, then "according to", then a name before its
    verb, a title ("the governor"), an unnamed group, a pronoun, and last a
    quotation carried on from the sentence before. Names inside a quotation
    are the speaker's words, not their attribution ("Iran said…" quoted by
    someone else): every pattern but the one anchored on the closing
    quotation mark reads the sentence with its quotations blanked out."""
    masked = _QUOTED.sub(lambda m: m.group(1) + " " * len(m.group(2)) + m.group(3), sentence)
    masked = _ASIDE.sub(lambda m: " " * len(m.group()), masked)
    for pattern in (_SAID_NAME, _ACCORDING, _NAME_SAID):
        for match in pattern.finditer(sentence if pattern is _SAID_NAME else masked):
            group = 1 if match.group(1) else 2
            name = _clean_name(match.group(group))
            if name is None or _PLACE_BEFORE.search(sentence[: match.start(group)]):
                continue  # "analysts in South Korea expected": a place, not a speaker
            offset = match.start(group) + match.group(group).find(name.split()[0])
            end = offset + len(name)
            role = _role_after(sentence, end) or _role_before(sentence, offset)
            person, how = cast.person(name, role, index)
            cast.last = person
            return Attribution(name, person, how, role, (match.start(), match.end()))
    sentence = masked
    for match in _THE_TITLE.finditer(sentence):
        person = cast.by_title(match.group(1))
        if person is not None:
            spelling = f"the {match.group(1)}"
            person.spell(spelling)
            cast.last = person
            return Attribution(spelling, person, "title", person.role, (match.start(), match.end()))
    match = _COUNTED.match(sentence)
    if match is not None:
        person = cast.group(match.group(1), index)
        return Attribution(match.group(1), person, "group", None, (match.start(), match.end()))
    match = _ACCORDING_GROUP.search(sentence)
    if match is not None:
        person = cast.group(match.group(1), index)
        return Attribution(match.group(1), person, "group", None, (match.start(), match.end()))
    for pattern in (_ONE_AFTER, _ONE_BEFORE):
        match = pattern.search(sentence)
        if match is not None:
            spelling = match.group(1).strip()
            person = cast.group(spelling[:1].upper() + spelling[1:], index)
            cast.last = person  # "a Western diplomat said … he added": one person
            return Attribution(spelling, person, "group", None, (match.start(), match.end()))
    for match in _GROUP_VERB.finditer(sentence):
        spelling = re.sub(_LEADING_CONJUNCTION, "", match.group(1).strip())
        person = cast.group(spelling, index)
        return Attribution(spelling, person, "group", None, (match.start(), match.end()))
    match = _PRONOUN_SAID.search(sentence)
    if match is not None and cast.last is not None and match.group(1).lower() != "they":
        return Attribution(cast.last.name, cast.last, "pronoun", cast.last.role,
                           (match.start(), match.end()))  # fmt: skip
    found = _hearsay(sentence, cast, index) or _stance(sentence, cast, index)
    if found is not None:
        return found
    if carried is not None and sentence.lstrip()[:1] in QUOTES:
        return Attribution(carried.name, carried, "carried", carried.role, (0, 0))
    return None


def _hearsay(sentence: str, cast: Cast, index: int) -> Attribution | None:
    """Speculation, rumours, talk or fears said to go round, with no one named:
    an unnamed group of its own ("speculation"), whose words follow "that"."""
    match = _HEARSAY.search(sentence)
    if match is None:
        return None
    spelling = (match.group("a") or match.group("b")).lower()
    person = cast.group(spelling, index)
    return Attribution(spelling, person, "group", None, (match.start(), match.end()))


def _stance(sentence: str, cast: Cast, index: int) -> Attribution | None:
    """A position held by someone, with its content after "that": "the
    long-standing position of the United States and its allies that …". A
    person's name is that person; anything else (a government, "the United
    States and its allies") is a group of its own, named as the text names it."""
    match = _STANCE_OF.search(sentence) or _STANCE_POSSESSIVE.search(sentence)
    if match is None or _RELATIVE_THAT.match(sentence, match.end()):
        return None
    who = " ".join(match.group("who").split())
    span = (match.start(), match.end())
    name = _clean_name(who) if NAME.fullmatch(who) else None
    if name is not None:
        known = cast._by_name(name.split())
        if known is not None or len(name.split()) >= 2:
            person, how = cast.person(name, None, index)
            return Attribution(name, person, how, person.role, span)
    if re.fullmatch(r"[Tt]he\s+[a-z]+(?:\s+[a-z]+)?", who):
        titled = cast.by_title(who.split(None, 1)[1])
        if titled is not None:
            return Attribution(who, titled, "title", titled.role, span)
    return Attribution(who, cast.group(who, index, "collective"), "collective", None, span)
