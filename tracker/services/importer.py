"""The seed format: YAML (or JSON) files of sources, people, questions, claims, outcomes.

A file is a mapping with any of those five lists. Everything named on the
command line is read and validated before anything is written; then it is all
written in one transaction, in dependency order, so a file that fails writes
nothing. Every record is matched on its natural key, so importing the same files
again changes nothing. Errors name the file, the record and the field.

A source may give ``text_file`` (a path relative to its file) instead of
``text``; the text is read from there.
"""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.constraint_messages import describe_integrity_error
from tracker.errors import TrackerError, ValidationFailed
from tracker.records import ClaimIn, OutcomeIn, PersonIn, QuestionIn, SourceIn, first_error
from tracker.services import entry
from tracker.services.rules import SPELLING_ADDED
from tracker.services.scores import defer_upkeep, refresh
from tracker.text import quoted
from tracker.writes import SessionWriter, Writer

SECTIONS: dict[str, type[BaseModel]] = {
    "sources": SourceIn,
    "people": PersonIn,
    "questions": QuestionIn,
    "claims": ClaimIn,
    "outcomes": OutcomeIn,
}
SEED_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = (*SEED_SUFFIXES, ".jsonl", ".csv")  # the last two are bulk files (services.bulk)


@dataclass(frozen=True)
class Entry:
    where: str  # "seeds/x.yaml: claims[3]"
    record: Any


@dataclass
class ImportSummary:
    files: list[str] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "section": section,
                **{a: self.counts[(section, a)] for a in ("created", "updated", "unchanged")},
            }
            for section in (*SECTIONS, *self.extra_sections)
        ]

    @property
    def extra_sections(self) -> tuple[str, ...]:
        """Rows a seed file gives inside another section's (people's affiliations)."""
        return ("affiliations",) if any(s == "affiliations" for s, _ in self.counts) else ()

    @property
    def changed(self) -> int:
        return sum(n for (_, action), n in self.counts.items() if action != "unchanged")


def collect_files(paths: list[Path]) -> list[Path]:
    """The seed files named, folders expanded (sorted, recursively)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
            if not found:
                raise ValidationFailed(f"{path}: no {', '.join(SUFFIXES)} files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ValidationFailed(f"{path}: no such file or folder")
    return files


def _load(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    except OSError as exc:
        raise ValidationFailed(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(raw)
        import yaml

        return yaml.load(raw, Loader=_yaml_loader())  # a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    except Exception as exc:  # yaml.YAMLError, without importing yaml at module level
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ValidationFailed(f"{path}: not valid YAML: {problem}{where}") from exc


def _yaml_loader() -> Any:
    """PyYAML's safe loader with YAML 1.2 scalars: dates stay text (so a bad one is
    reported as a bad date, not a parse error) and only true/false are booleans
    (so ``result: no`` means "no")."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return Loader


# A source's text_file: how much of it may be read. LongText (tracker.records)
# holds at most 50,000,000 characters, and UTF-8 takes at most 4 bytes a
# character, so no file whose text fits is refused for its size in bytes.
TEXT_FILE_MAX_CHARS = 50_000_000
TEXT_FILE_MAX_BYTES = 4 * TEXT_FILE_MAX_CHARS
_OUTSIDE = "is outside the seed file's folder"


def _escaped(value: str) -> str:
    """A file name as a one-line message shows it: characters that are not
    printable (control characters, line separators, bidi controls) as \\uXXXX
    escapes, so a name cannot reach the terminal as anything but text."""
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in value)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _with_text_file(path: Path, where: str, item: dict[str, Any]) -> dict[str, Any]:
    """Read a source's ``text_file``: a regular UTF-8 file inside the seed file's
    folder (no absolute path, no ``..`` or symlink that leads out of it), of at
    most TEXT_FILE_MAX_BYTES. It is never opened unless it is a regular file, and
    is opened non-blocking, so a FIFO or a device cannot hang the import."""
    if "text_file" not in item:
        return item
    item = dict(item)
    name = item.pop("text_file")
    where = _escaped(where)
    if "text" in item:
        raise ValidationFailed(f"{where}: text_file: give text or text_file, not both")
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed(f"{where}: text_file: expected a file name")
    shown = _escaped(name)

    def refuse(why: str) -> ValidationFailed:
        return ValidationFailed(f"{where}: text_file: {shown} {why}")

    if "\x00" in name:
        raise refuse("contains a NUL character (give a file name)")
    relative = Path(name)
    if relative.is_absolute() or relative.drive:
        raise refuse(f"{_OUTSIDE} (give a path inside it)")
    try:
        folder = path.parent.resolve(strict=True)
        # Each step resolved on its own: a ``..`` that climbs out, or a symlink
        # anywhere along the path (the last part too) that points out, is refused
        # even if a later step would lead back in.
        target = folder
        for i in range(1, len(relative.parts) + 1):
            step = Path(*relative.parts[:i])
            target = (folder / step).resolve(strict=True)
            if not target.is_relative_to(folder):
                if step.name == "..":  # climbs out of the folder
                    raise refuse(f"{_OUTSIDE} (give a path inside it)")
                raise refuse(
                    f"{_OUTSIDE}: {_escaped(str(step))} is a symlink to {_escaped(str(target))} "
                    "(give a path inside it)"
                )
        info = os.stat(target)
    except FileNotFoundError:
        raise refuse("does not exist in the seed file's folder") from None
    except RuntimeError:  # Path.resolve's symlink loop (Python < 3.13)
        raise refuse("cannot be read (a symlink loop)") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse(f"is {_file_kind(info.st_mode)}, not a regular file (give a text file)")
    limit = TEXT_FILE_MAX_BYTES
    too_big = f"is too big (over {limit:,} bytes)"
    if info.st_size > limit:
        raise refuse(too_big)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    with os.fdopen(fd, "rb", buffering=0) as file:
        opened = os.fstat(file.fileno())
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
            info.st_dev,
            info.st_ino,
        ):
            raise refuse("changed while it was being read (import again)")
        # At most limit + 1 bytes, a piece at a time (one read of limit + 1
        # would set aside that much memory however small the file is).
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= limit:
                chunk = file.read(min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            raise refuse(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise refuse(too_big)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if len(text) > TEXT_FILE_MAX_CHARS:
        raise refuse(f"is too long (over {TEXT_FILE_MAX_CHARS:,} characters)")
    # As a file opened as text reads it: every line ending as "\n".
    item["text"] = text.replace("\r\n", "\n").replace("\r", "\n")
    return item


def parse_file(path: Path) -> dict[str, list[Entry]]:
    """Validate one file into records, or raise naming file, record and field."""
    data = _load(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path}: expected a mapping of {', '.join(SECTIONS)}")
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise ValidationFailed(
            f"{path}: unknown section {quoted(unknown[0])} (expected {', '.join(SECTIONS)})"
        )
    parsed: dict[str, list[Entry]] = {}
    for section, items in data.items():
        if items is None:
            continue
        if not isinstance(items, list):
            raise ValidationFailed(f"{path}: {section}: expected a list")
        entries = []
        for i, item in enumerate(items):
            where = f"{path}: {section}[{i}]"
            if not isinstance(item, dict):
                raise ValidationFailed(f"{where}: expected a mapping of fields")
            if section == "sources":
                item = _with_text_file(path, where, item)
            try:
                record = SECTIONS[section].model_validate(item)
            except ValidationError as exc:
                raise ValidationFailed(f"{where}: {first_error(exc)}") from None
            entries.append(Entry(where, record))
        parsed[section] = entries
    return parsed


def import_files(
    session: Session,
    paths: list[Path],
    entered_by: str,
    progress: Callable[[int], AbstractContextManager[Any]] | None = None,
    *,
    hindsight_ok: bool = False,
) -> ImportSummary:
    """Validate every file, then write them all; the caller's transaction makes
    it all or nothing. ``progress(total)``, if given, is a context manager
    (such as ``click.progressbar``) whose ``update(n)`` is called as records land."""
    files = collect_files(paths)
    parsed = [parse_file(p) for p in files if p.suffix.lower() not in (".jsonl", ".csv")]
    summary = ImportSummary(files=[str(f) for f in files])
    total = sum(len(entries) for doc in parsed for entries in doc.values())
    rebuild = defer_upkeep(session, total)
    db = SessionWriter(session)  # the add-* services, on this session
    with progress(total) if progress else nullcontext() as bar:
        for section in SECTIONS:
            entries = [e for doc in parsed for e in doc.get(section, [])]
            if section == "outcomes":
                _import_outcomes(db, entries, entered_by, summary, hindsight_ok)
                if bar is not None:
                    bar.update(len(entries))
                continue
            for item in entries:
                action = _apply(db, section, item, entered_by)
                summary.counts[(section, action)] += 1
                if bar is not None:
                    bar.update(1)
            if section == "people":  # once every speaker, organisations too, is known
                _import_affiliations(session, entries, entered_by, summary)
    if rebuild:
        refresh(session)
    return summary


class located:  # lower case: used as a context manager, like contextlib's
    """Prefix an error with where its record came from ("file: claims[3]").

    A class, not a generator: bulk import enters it once a row, and a
    generator-based context manager costs several times as much."""

    __slots__ = ("where",)

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, _tb: Any) -> None:
        if isinstance(exc, TrackerError):
            raise type(exc)(f"{self.where}: {exc}") from None
        if isinstance(exc, IntegrityError):
            raise ValidationFailed(f"{self.where}: {describe_integrity_error(exc)}") from None


def _apply(db: Writer, section: str, item: Entry, entered_by: str) -> str:
    with located(item.where):
        rec = item.record
        if section == "sources":
            _, action = entry.save_source(db, rec)
        elif section == "people":
            _, action = entry.save_person(db, rec, entered_by, f"{SPELLING_ADDED} by an import")
        elif section == "questions":
            _, action = entry.save_question(db, rec, entered_by)
        else:  # a claim given by its words alone is read through the phrase book
            _, action = entry.save_claim(db, entry.read_claim_wording(db, rec)[0], entered_by)
        return action


def _import_affiliations(
    session: Session, entries: list[Entry], entered_by: str, summary: ImportSummary
) -> None:
    from tracker.services.affiliations import save_affiliation
    from tracker.services.people import require_person

    for item in entries:
        for n, affiliation in enumerate(item.record.affiliations):
            with located(f"{item.where}.affiliations[{n}]"):
                person = require_person(session, item.record.name)
                _, action = save_affiliation(session, person, affiliation, entered_by)
                session.flush()
                summary.counts[("affiliations", action)] += 1


def _import_outcomes(
    db: Writer,
    entries: list[Entry],
    entered_by: str,
    summary: ImportSummary,
    hindsight_ok: bool,
) -> None:
    by_question: dict[str, list[Entry]] = {}
    for item in entries:
        by_question.setdefault(item.record.question, []).append(item)
    for slug, group in by_question.items():
        with located(group[0].where):
            question = entry.require_question(db, slug)
            added = entry.sync_outcomes(
                db, question, [e.record for e in group], entered_by, hindsight_ok=hindsight_ok
            )
        summary.counts[("outcomes", "created")] += added
        summary.counts[("outcomes", "unchanged")] += len(group) - added
