"""Small text rules: how names are matched and how slugs are made."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# What no stored text may hold: C0 controls but tab and newline (a carriage
# return too: it rewrites a terminal line and breaks CSV), DEL, C1 controls
# (U+009B starts a terminal escape like ESC [), and the bidirectional
# overrides, embeddings and isolates that make text read other than it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def fold(value: str) -> str:
    """Accents, case and punctuation removed: the form two spellings are compared in."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


@lru_cache(maxsize=65_536)
def alias_key(alias: str) -> str:
    """The key an alias is looked up by: 'Pan Kil-ju' and 'pan kil ju' are one.

    Scripts without a Latin folding (Korean, Arabic…) keep their own letters.
    """
    key = fold(alias)
    if key:
        return key
    return " ".join(unicodedata.normalize("NFKC", alias).casefold().split())


def slugify(value: str, max_length: int = 80) -> str:
    """A readable, stable slug: 'Trump–Kim meet in 2025' -> 'trump-kim-meet-in-2025'."""
    slug = fold(value).replace(" ", "-")[:max_length].strip("-")
    return slug or "item"


def control_character(value: str) -> str | None:
    """The first control character in a text (tabs and newlines allowed), if any."""
    if value.isprintable():  # the common case, in one pass: every control is unprintable
        return None
    match = _CONTROL.search(value)
    return match.group(0) if match else None


_SHOWN = 48  # how much of a value a one-line message shows


def quoted(value: object, limit: int = _SHOWN) -> str:
    """A value a user typed, as a one-line message shows it: in double quotes,
    its whitespace flattened, control characters replaced, cut short. Not a
    Python repr: no escapes, no single quotes to misread."""
    text = " ".join(str(value).split())
    text = _CONTROL.sub("\ufffd", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


def visible(value: str) -> str:
    """A text as it may reach a terminal: any control character already stored
    (by an older version, or raw SQL) shown as its code, never acted on."""
    return _CONTROL.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", value)
