"""Pasted quotes found in their source's text despite typographic differences.

The returned passage must always be an exact slice of the source text (that is what
gets stored), and must compare equal to the quote once both are normalised.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from conftest import ARTICLE
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tracker.quotes import closest_passage, find_passage, normalise, quote_not_found

TEXT = ARTICLE.read_text(encoding="utf-8")

# Typed out again here rather than imported, so the tests check the module's tables.
SINGLE = "'‘’‚‛′‵‹›ʼ`´＇"
DOUBLE = '"“”„‟″‶«»＂'
DASHES = "-‐‑‒–—―−⸺⸻﹘﹣－"
SPACES = [" ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u2009", "\u202f", " \n  ", "\u3000"]


def reference(value: str) -> str:
    """A slow, obviously correct normalisation, one character at a time."""
    out: list[str] = []
    for ch in value.strip():
        if ch.isspace():
            if out[-1] != " ":
                out.append(" ")
            continue
        for f in ch.casefold():
            out.append("'" if f in SINGLE else '"' if f in DOUBLE else "-" if f in DASHES else f)
    return "".join(out)


def one_line(message: str) -> bool:
    """No line breaks, control characters, or invisible formatting characters."""
    return message == " ".join(message.split()) and not any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in message
    )


# --- examples ---------------------------------------------------------------------------


def test_straight_double_quotes_find_curly_ones() -> None:
    quote = 'calling him a "smart guy." Ending his silence'
    passage = find_passage(quote, TEXT)
    assert passage == "calling him a “smart guy.” Ending his silence"
    assert passage in TEXT


def test_straight_apostrophe_finds_a_curly_one() -> None:
    assert find_passage("Trump's outreach", TEXT) == "Trump’s outreach"
    assert find_passage("Trump`s outreach", TEXT) == "Trump’s outreach"
    assert find_passage("l’état", "Il dit que l'état paie") == "l'état"


@pytest.mark.parametrize("typed", ["-", "–", "—", "‐", "‑", "‒", "―", "−"])
def test_dashes_are_one_character(typed: str) -> None:
    text = "from 2019–2020, well—maybe, a long-term plan"
    assert find_passage(f"2019{typed}2020", text) == "2019–2020"
    assert find_passage(f"well{typed}maybe", text) == "well—maybe"
    assert find_passage(f"long{typed}term", text) == "long-term"


def test_a_dash_is_not_two_hyphens() -> None:
    assert find_passage("well--maybe", "well—maybe") is None


def test_case_is_ignored() -> None:
    assert find_passage("NORTH KOREA NOW HOLDS", TEXT) == "North Korea now holds"
    assert find_passage("straße", "DIE STRASSE IST") == "STRASSE"
    assert find_passage("STRASSE", "Die Straße ist") == "Straße"
    assert find_passage("ΟΔΟΣ", "η οδός, η οδος") == "οδος"  # final sigma folds like σ


def test_whitespace_in_the_quote() -> None:
    quote = "Trump has revived\nspeculation   about a\tmeeting\r\nwith Kim"
    assert find_passage(quote, TEXT) == "Trump has revived speculation about a meeting with Kim"


def test_whitespace_in_the_text() -> None:
    text = "He said the\n   talks\twould\r\nresume  soon.\n\nNext paragraph."
    assert find_passage("the talks would resume soon.", text) == (
        "the\n   talks\twould\r\nresume  soon."
    )
    assert find_passage("soon. Next", text) == "soon.\n\nNext"


def test_no_break_and_thin_spaces() -> None:
    text = "a cut of 10\u00a0percent and 5\u202f000\u2009people"
    assert find_passage("10 percent", text) == "10\u00a0percent"
    assert find_passage("5 000 people", text) == "5\u202f000\u2009people"
    assert find_passage("10\u00a0percent", "a cut of 10 percent") == "10 percent"


def test_every_kind_of_whitespace_is_one_space() -> None:
    spaces = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()]
    assert len(spaces) > 20
    for ch in spaces:
        assert normalise(f"a{ch}b{ch}{ch}c") == "a b c", repr(ch)
        assert find_passage("a b c", f"{ch}a{ch}b{ch}{ch}c{ch}") == f"a{ch}b{ch}{ch}c"


def test_leading_and_trailing_whitespace_of_the_quote_is_ignored() -> None:
    assert find_passage("  \n North Korea now holds \t", TEXT) == "North Korea now holds"


def test_the_passage_is_exactly_what_the_source_has() -> None:
    quote = 'HE STOOD FIRM "GOOD PERSONAL MEMORIES" TRUMP SUGGESTED'
    passage = find_passage(quote, TEXT)
    assert passage is not None
    start = TEXT.index(passage)
    assert TEXT[start : start + len(passage)] == passage
    assert passage == "he stood firm “Good personal memories” Trump suggested"


def test_an_exact_match_is_returned_unchanged() -> None:
    for quote in ["North Korea now holds the cards", "Trump’s outreach", " with Kim Jong Un,"]:
        assert quote in TEXT
        assert find_passage(quote, TEXT) == quote


def test_the_first_occurrence_wins() -> None:
    text = 'One “Two” three. one "two" THREE.'
    assert find_passage("ONE 'TWO' three", text) is None
    assert find_passage('ONE "TWO" three', text) == "One “Two” three"


def test_an_absent_quote_gives_none() -> None:
    assert find_passage("Kim Jong Un visited Paris", TEXT) is None
    assert find_passage("anything", "") is None
    assert find_passage("North Korea now holds the cardz", TEXT) is None


def test_a_blank_quote_matches_nothing() -> None:
    for quote in ["", " ", "\n\t", "\u00a0"]:
        assert find_passage(quote, TEXT) is None


def test_a_match_never_splits_a_character() -> None:
    # 'ß' folds to 'ss' and 'ﬁ' to 'fi': half of either is not a match.
    assert find_passage("s", "ß") is None
    assert find_passage("S", "ß s") == "s"
    assert find_passage("s", "ß S") == "S"
    assert find_passage("f", "ﬁ") is None
    assert find_passage("FI", "a ﬁne day") == "ﬁ"
    assert find_passage("fine", "a ﬁne day") == "ﬁne"
    # 'İ' folds to 'i' and a combining dot above.
    assert find_passage("i", "İ") is None
    assert find_passage("i\u0307stanbul", "İSTANBUL") == "İSTANBUL"


# --- the closest passage and the message ---------------------------------------------------


def test_a_typo_gives_the_right_passage() -> None:
    passage = closest_passage("a surprise trip to the bordr with North Korea", TEXT)
    assert passage is not None
    assert "surprise trip to the border with North Korea" in passage


def test_a_typo_late_in_a_long_quote_is_in_view() -> None:
    start = TEXT.index("The last time")
    quote = TEXT[start : start + 230].replace("faltering", "faltring")
    passage = closest_passage(quote, TEXT, width=60)
    assert passage is not None
    assert len(passage) <= 60
    assert "faltering" in passage
    assert passage.startswith("…")


def test_the_closest_passage_is_one_clean_line() -> None:
    text = "first line\nsecond\x00line\twith\u2028breaks \u202eand\u200b bidi\x1b[31m red"
    passage = closest_passage("second lime with breaks", text, width=200)
    assert passage is not None
    assert one_line(passage)
    assert "second\ufffdline with breaks" in passage


def test_the_closest_passage_respects_the_width() -> None:
    for width in [1, 2, 5, 20, 80]:
        passage = closest_passage(TEXT[:500], TEXT[:400] + "x" + TEXT[401:], width=width)
        assert passage is not None
        assert 1 <= len(passage) <= width
    with pytest.raises(ValueError):
        closest_passage("a", "a", width=0)


def test_no_closest_passage_in_an_empty_text() -> None:
    assert closest_passage("anything", "") is None
    assert closest_passage("anything", " \n\t ") is None


def test_something_is_shown_even_with_nothing_in_common() -> None:
    assert closest_passage("Ωμέγα", "plain ascii text") == "plain"


def test_the_message_is_one_line() -> None:
    text = "Line one.\nThe minister said\r\nthe tax\twill\u00a0fall.\n\nEnd\x07."
    message = quote_not_found("the tax wil fall. End.", "finance-2025", text)
    assert message == (
        "quote: not found in the text of finance-2025; "
        'closest passage: "the tax will fall. End\ufffd."'
    )
    assert one_line(message)
    assert one_line(quote_not_found("x", "bad\nslug", ""))
    empty = quote_not_found("x", "slug", "")
    assert empty == "quote: not found in the text of slug, which is empty"


def test_a_megabyte_text_finds_the_closest_passage() -> None:
    """Correctness on a large text (its speed is for `make bench`, not a test)."""
    words = TEXT.split()
    text = " ".join(words[(i * 7919) % len(words)] for i in range(180_000))
    assert len(text) > 1_000_000
    quote = text[600_000:600_200]
    typo = quote[:120] + "#" + quote[121:]
    assert find_passage(typo, text) is None
    passage = closest_passage(typo, text)
    assert passage is not None
    # Folding a text with characters that fold longer takes the slower path.
    assert find_passage(quote.upper(), text.replace("e", "ß") + quote) is not None


# --- properties ----------------------------------------------------------------------------

TRICKY = "sSßẞfFﬁﬀİiIıΣσςé\u0301\u0307ŉʼ'’\"“”-–— \n\t\u00a0xyz"
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=60)
any_text = st.text(max_size=80)
words = st.text(alphabet=st.sampled_from("abcdeSTßé’“”—-"), min_size=1, max_size=8)
prose = st.lists(
    st.tuples(words, st.sampled_from([" ", "  ", "\n", "\u00a0", " - ", "\t"])),
    min_size=1,
    max_size=40,
).map(lambda parts: "".join(w + s for w, s in parts))


def retype(passage: str, data: st.DataObject) -> str:
    """The passage as a user might paste it: other quote marks and dashes, other case,
    other whitespace."""
    out = []
    for part in re.split(r"(\s+)", passage):
        if part.isspace():
            out.append(data.draw(st.sampled_from(SPACES)))
            continue
        for ch in part:
            for family in (SINGLE, DOUBLE, DASHES):
                if ch in family:
                    ch = data.draw(st.sampled_from(family))
            swapped = ch.swapcase()
            if swapped.casefold() == ch.casefold() and data.draw(st.booleans()):
                ch = swapped
            out.append(ch)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(st.one_of(prose, tricky_text, any_text), st.data())
def test_a_retyped_slice_is_found(text: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    assume(text[i:j].strip())
    quote = retype(text[i:j], data)
    passage = find_passage(quote, text)
    assert passage is not None
    assert passage in text
    if quote not in text:  # an exact copy is taken as it is, wherever it stands
        assert text.find(passage) <= i + len(text[i:j]) - len(text[i:j].lstrip())
    assert normalise(passage) == normalise(quote) == reference(quote)


@settings(max_examples=200, deadline=None)
@given(st.one_of(tricky_text, any_text), st.one_of(tricky_text, any_text, prose))
def test_a_passage_is_always_a_slice_of_the_text(quote: str, text: str) -> None:
    passage = find_passage(quote, text)
    if passage is not None:
        assert passage in text
        assert normalise(passage) == normalise(quote)
    elif reference(quote):
        assert reference(quote) not in reference(text) or _split_only(quote, text)


def _split_only(quote: str, text: str) -> bool:
    """True when every occurrence of the quote in the folded text splits a character."""
    return all(
        normalise(text[i:j]) != normalise(quote)
        for i in range(len(text) + 1)
        for j in range(i, len(text) + 1)
    )


@settings(max_examples=200, deadline=None)
@given(tricky_text, st.data())
def test_a_quote_cut_from_the_text_is_found(text: str, data: st.DataObject) -> None:
    # Slices of texts dense in characters that fold longer: the search has to skip
    # matches that split a character and still find the real one.
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    quote = text[i:j]
    assume(quote.strip())
    folded = normalise(quote)
    passage = find_passage(folded, text)
    assert passage is not None
    assert normalise(passage) == folded


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_text, tricky_text))
def test_normalise_is_the_reference(value: str) -> None:
    assert normalise(value) == reference(value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_text, tricky_text), st.one_of(any_text, tricky_text, prose))
@example(quote="00", text="0 \xad")  # a space before an invisible character, once kept
def test_nothing_raises_and_messages_are_one_line(quote: str, text: str) -> None:
    find_passage(quote, text)
    passage = closest_passage(quote, text, width=30)
    if passage is not None:
        assert 1 <= len(passage) <= 30
        assert one_line(passage)
    assert one_line(quote_not_found(quote, "slug", text))
