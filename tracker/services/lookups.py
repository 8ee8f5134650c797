"""Finding a speaker or a question from what a user typed: one rule each, for
every command (the read-only ones through ``tracker.reads``, the others
through ``tracker.services.people`` and ``questions``, which call these)."""

from __future__ import annotations

import difflib

from tracker.errors import NotFound
from tracker.reads import Reader
from tracker.text import alias_key, quoted


def did_you_mean(value: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(quoted(c) for c in close)}?" if close else ""


def person_id(db: Reader, name: str) -> int | None:
    """The person any of whose aliases matches ``name`` (case, accents and
    punctuation ignored), else the one whose slug it is (as for sources and
    questions)."""
    found = db.value(
        "SELECT person_id FROM person_aliases WHERE alias_key = :key", {"key": alias_key(name)}
    )
    if found is None:
        found = db.value("SELECT id FROM people WHERE slug = :slug", {"slug": name})
    return found


def require_person_id(db: Reader, name: str) -> int:
    found = person_id(db, name)
    if found is None:
        aliases = [r["alias"] for r in db.rows("SELECT alias FROM person_aliases")]
        raise NotFound(
            f"no speaker called {quoted(name)}{did_you_mean(name, aliases)} "
            "(add one with `tracker add-person`)"
        )
    return int(found)


def require_question_id(db: Reader, ref: str) -> int:
    """A question by slug, or by numeric id."""
    found = db.value("SELECT id FROM questions WHERE slug = :ref", {"ref": ref})
    if found is None and ref.isdigit():
        found = db.value("SELECT id FROM questions WHERE id = :id", {"id": int(ref)})
    if found is None:
        slugs = [r["slug"] for r in db.rows("SELECT slug FROM questions")]
        raise NotFound(f"no question {quoted(ref)}{did_you_mean(ref, slugs)}")
    return int(found)
