"""Quotes as people paste them, found in the text of their source.

A claim's quote must come from its source's stored text, or the claim cannot be
checked. Nobody pastes byte for byte, though: editors and browsers turn ' into ’
and - into –, pages wrap lines and hold no-break spaces, people retype a capital.
`find_passage` looks past those differences and returns the passage exactly as the
source has it, so what is stored still passes a plain substring test; when nothing
matches, `closest_passage` shows the user what the source says instead.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from difflib import SequenceMatcher
from functools import lru_cache

# One character stands for each family when texts are compared.
_SINGLE_QUOTES = "'‘’‚‛′‵‹›ʼ`´＇"
_DOUBLE_QUOTES = '"“”„‟″‶«»＂'
_DASHES = "-‐‑‒–—―−⸺⸻﹘﹣－"
# Every character str.isspace() accepts, i.e. what `\s` and str.split() take as
# whitespace (the tests check that this list is complete).
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Applied after casefold (which never yields whitespace, and keeps punctuation).
_FAMILIES = str.maketrans(
    {
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_WHITESPACE, " "),
    }
)
_RUNS = re.compile(r"\s{2,}")

# closest_passage compares at most this much of a quote: enough to place any real
# quote, and it bounds the work for a pasted page.
_COMPARED = 1000
# Windows scored when the longest common block occurs more than once.
_CANDIDATES = 16
# How far a passage is widened to reach whole words.
_WORD_REACH = 40
_ELLIPSIS = "…"


class _Folded:
    """A text in the compared form, with the way back to positions in the original.

    Most characters fold to exactly one character, so only the places where the
    lengths differ are recorded: whitespace runs (many characters, one space) and
    characters whose case fold is longer ('ß' -> 'ss', 'ﬁ' -> 'fi'). Between two such
    places a folded and an original position differ by a constant, which keeps the
    map small for a book-length text (a full position array would be 8 bytes a
    character).
    """

    __slots__ = ("_at", "_folded_size", "_orig", "_orig_size", "text")

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        # Per irregular piece: folded start, original start, folded and original size.
        self._at, self._orig = array("q"), array("q")
        self._folded_size, self._orig_size = array("q"), array("q")
        done = length = 0
        for match in _irregular(text).finditer(text):
            start, end = match.span()
            if start > done:
                # No longer fold in here, so casefold keeps positions.
                plain = text[done:start].casefold().translate(_FAMILIES)
                parts.append(plain)
                length += len(plain)
            piece = " " if text[start].isspace() else _fold_char(text[start])
            self._at.append(length)
            self._orig.append(start)
            self._folded_size.append(len(piece))
            self._orig_size.append(end - start)
            parts.append(piece)
            length += len(piece)
            done = end
        parts.append(text[done:].casefold().translate(_FAMILIES))
        self.text = "".join(parts)

    def original(self, pos: int) -> int | None:
        """Where folded position `pos` is in the original text, or None when `pos`
        falls inside one character's fold (the 's' in the middle of 'ß' -> 'ss')."""
        k = bisect_right(self._at, pos) - 1
        if k < 0:
            return pos
        at = self._at[k]
        if pos == at:
            return self._orig[k]
        if pos < at + self._folded_size[k]:
            return None
        return self._orig[k] + self._orig_size[k] + (pos - at - self._folded_size[k])

    def floor(self, pos: int) -> int:
        """The original position of the character folded position `pos` belongs to."""
        while (found := self.original(pos)) is None:
            pos -= 1
        return found

    def ceil(self, pos: int) -> int:
        """The original position of the first character boundary at or after `pos`."""
        while (found := self.original(pos)) is None:
            pos += 1
        return found


def _fold_char(ch: str) -> str:
    return ch.casefold().translate(_FAMILIES)


def _irregular(text: str) -> re.Pattern[str]:
    """What breaks the one-to-one folding of `text`: whitespace runs, and any
    character whose case fold is longer than itself (104 exist; most texts have none)."""
    if len(text.casefold()) == len(text):
        return _RUNS
    longer = "".join(sorted(ch for ch in set(text) if len(ch.casefold()) > 1))
    return re.compile(rf"\s{{2,}}|[{re.escape(longer)}]")


@lru_cache(maxsize=2)
def _folded(text: str) -> _Folded:
    # A caller usually tries find_passage and then reports with quote_not_found, and
    # an import checks many quotes against one source: fold each text once.
    return _Folded(text)


def normalise(value: str) -> str:
    """The form quotes and texts are compared in: casefolded, one character for each
    quote and dash family, every whitespace run a single space, ends trimmed."""
    return _Folded(value.strip()).text


def find_passage(quote: str, text: str) -> str | None:
    """The passage of `text` that `quote` stands for, exactly as `text` has it.

    Quote and text are compared ignoring case, the kind of quote marks and dashes, and
    how the whitespace is made up, so a quote retyped or pasted from a reformatted
    copy is still found; returning the original's slice keeps the stored quote a
    word-for-word substring of its source. The first occurrence wins. A blank quote
    stands for nothing and gives None.
    """
    wanted = normalise(quote)
    if not wanted:
        return None
    if quote in text:
        return quote
    folded = _folded(text)
    pos = folded.text.find(wanted)
    while pos != -1:
        # A match must start and end on whole characters: 's' is not found in 'ß'.
        start, end = folded.original(pos), folded.original(pos + len(wanted))
        if start is not None and end is not None:
            return text[start:end]
        pos = folded.text.find(wanted, pos + 1)
    return None


def closest_passage(quote: str, text: str, width: int = 80) -> str | None:
    """The passage of `text` most like `quote`, for showing the user the difference.

    The result is for display, not storage: one line (whitespace runs collapsed), no
    control or invisible formatting characters, at most `width` characters with "…"
    where it was cut, and cut around the first difference from the quote. None when
    the text is blank.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    folded = _folded(text)
    if not folded.text.strip():
        return None
    wanted = normalise(quote)[:_COMPARED]
    start, end = _best_window(wanted, folded.text)
    lo, hi = _whole_words(text, folded.floor(start), folded.ceil(end))
    passage = _display(text[lo:hi])
    if not passage:
        return None
    shown_quote = _display(quote[: 2 * _COMPARED])  # a long quote differs within reach
    return _clip(passage, width, _first_difference(passage, shown_quote))


def quote_not_found(quote: str, source_slug: str, text: str) -> str:
    """The one-line error for a quote that is not in its source's text, with the
    closest passage so the user can see what to correct."""
    where = _display(source_slug)
    passage = closest_passage(quote, text)
    if passage is None:
        return f"quote: not found in the text of {where}, which is empty"
    return f'quote: not found in the text of {where}; closest passage: "{passage}"'


def _longest_block(wanted: str, haystack: str) -> tuple[int, int]:
    """(start, length) of the longest piece of `wanted` that occurs in `haystack`.

    Grows the best length one character at a time and only ever asks whether a
    longer piece exists, so it takes at most 2 * len(wanted) substring searches, each
    a fast C scan; comparing character by character in Python (as
    SequenceMatcher.find_longest_match does) would take seconds on a book.
    """
    best_at = best = i = 0
    while i + best < len(wanted):
        if wanted[i : i + best + 1] in haystack:
            best_at, best = i, best + 1
        else:
            i += 1
    return best_at, best


def _best_window(wanted: str, haystack: str) -> tuple[int, int]:
    """The span of `haystack`, the length of `wanted`, most like it: aligned on an
    occurrence of their longest common block, the best scoring of the first few."""
    size = max(len(wanted), 1)
    block_at, block = _longest_block(wanted, haystack)
    if block == 0:
        return 0, min(size, len(haystack))
    piece = wanted[block_at : block_at + block]
    best_score, best_start = -1.0, 0
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)  # compared against every candidate: indexed once
    found, tried = haystack.find(piece), 0
    while found != -1 and tried < _CANDIDATES:
        start = max(found - block_at, 0)
        matcher.set_seq1(haystack[start : start + size])
        score = matcher.ratio()
        if score > best_score:
            best_score, best_start = score, start
        found, tried = haystack.find(piece, found + 1), tried + 1
    return best_start, min(best_start + size, len(haystack))


def _whole_words(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Widen [lo, hi) to whole words, within reason (a text without spaces has none)."""
    floor, ceiling = max(lo - _WORD_REACH, 0), min(hi + _WORD_REACH, len(text))
    while lo > floor and not text[lo - 1].isspace():
        lo -= 1
    while hi < ceiling and not text[hi].isspace():
        hi += 1
    return lo, hi


def _display(value: str) -> str:
    """`value` made safe for a one-line message: whitespace runs are one space,
    control characters and lone surrogates show as �, and invisible formatting
    characters (soft hyphens, zero-width and bidi marks) are dropped."""
    # The invisible characters go first, so the space around one is collapsed too.
    visible = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return "".join(
        "\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch
        for ch in " ".join(visible.split())
    )


def _first_difference(passage: str, quote: str) -> int:
    """Where `passage` first differs from `quote` as compared (0 if nowhere); words
    the passage was widened by at its start do not count."""
    # Fold character by character, keeping lengths, so positions stay in `passage`.
    a = "".join(f if len(f := _fold_char(ch)) == 1 else ch for ch in passage)
    b = "".join(f if len(f := _fold_char(ch)) == 1 else ch for ch in quote)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, _, _, _ in matcher.get_opcodes():
        if tag != "equal" and not (tag == "delete" and i1 == 0):
            return i1
    return 0


def _clip(value: str, width: int, focus: int) -> str:
    """At most `width` characters of `value` around `focus`, "…" marking each cut."""
    if len(value) <= width:
        return value
    # Some context before the difference, more after it.
    start = min(max(focus - width // 3, 0), len(value) - width)
    end = start + width
    piece = value[start:end]
    if start > 0:
        piece = _ELLIPSIS + piece[1:]
    if end < len(value):
        piece = piece[:-1] + _ELLIPSIS
    return piece
