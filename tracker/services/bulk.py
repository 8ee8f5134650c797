"""Bulk import: JSON lines and CSV, streamed in batched transactions.

Each file holds one section, named in its file name (``claims.jsonl``,
``2026.claims.csv``). Files are read line by line, so memory stays flat however
large they are (a CSV file's rows as lists under one header); rows are
validated with the same record models as every other write (``tracker.records``;
a claim row already in canonical form by ``bulk_screen``, which applies the
models' own rules and hands any other row to them) and the same rules
(``mapping_columns``, ``check_quote``, the outcome chain), and references are
resolved through in-memory maps of natural keys instead of a query per row.

Rows are written in batches, one transaction each: a killed import leaves whole
batches behind (each connection runs WAL with ``synchronous=NORMAL``, which a
killed process cannot undo, see ``tracker.db``), and running it again skips
what is there (every section is matched on its natural key and compared:
another record under the same key is refused, as ``add-*`` refuses it) and
finishes the rest. Claims are written set-wise: staged in a temporary table,
moved by one INSERT … SELECT, and a row the database refuses is found and
named by its line and the rule in words (``BulkImporter._write_claims``). Each
batch keeps the score totals current while that is cheaper than one rebuild at
the end (adding to a large archive); past that the batches leave them marked
stale and the import rebuilds them at its end (a killed one leaves them stale,
to be rebuilt). An error stops the import at the row that caused it, naming
file and line; the batches before it stay.

While it writes batches the importer's connection keeps a larger page cache
(``IMPORT_CACHE_KIB``, 16 MiB against SQLite's 2 MB) and its temporary storage
in memory. Together they cost 14 MB of peak memory at 100,000 claims (94 to
108 MB), 27 MB at 300,000 and 52 MB at a million (133 to 185 MB), and save
12%, 8% and 9% of the import's CPU.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Engine, column, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tracker.constraint_messages import describe_integrity_error as explain
from tracker.constraint_messages import refused_by_rule
from tracker.db import WRITE_OPTION
from tracker.errors import Conflict, GuardsAltered, NotFound, TrackerError, ValidationFailed
from tracker.guards import before_write
from tracker.ledger import seal
from tracker.models import (
    Claim,
    ClaimAppearance,
    Outcome,
    OutcomeEvidence,
    Person,
    PersonAlias,
    Question,
    QuestionTag,
    Revision,
    Scale,
    ScaleTerm,
    Source,
    Tag,
)
from tracker.records import (
    ClaimIn,
    OutcomeIn,
    PersonIn,
    QuestionIn,
    SourceIn,
    estimate_columns,
    first_error,
)
from tracker.services.bulk_outcomes import write_outcomes
from tracker.services.bulk_screen import csv_screen, json_screen
from tracker.services.claims import (
    CLAIM_FIELDS,
    TermRef,
    appearance_values,
    check_made_on,
    check_quote,
    claim_value_shower,
    mapping_columns,
    refuse_other_appearance,
    refuse_other_claim,
)
from tracker.services.differences import shown
from tracker.services.importer import SECTIONS, ImportSummary, located
from tracker.services.outcomes import chain_order
from tracker.services.people import SPELLING_ADDED, alias_taken, refuse_other_person
from tracker.services.questions import question_values, refuse_other_question
from tracker.services.scores import Upkeep, is_stale, no_score_change, refresh
from tracker.services.sources import (
    SOURCE_FIELDS,
    content_hash,
    refuse_other_source,
    source_values,
)
from tracker.text import alias_key, quoted, slugify
from tracker.types import utcnow

BATCH_SIZE = 5000
SUFFIXES = (".jsonl", ".csv")
LIST_COLUMNS = {
    "aliases",
    "tags",
    "more_evidence",
    "range",
}  # CSV cells holding lists, separated by ';'
MODELS: dict[str, type[BaseModel]] = {
    "sources": SourceIn,
    "people": PersonIn,
    "questions": QuestionIn,
    "claims": ClaimIn,
    "outcomes": OutcomeIn,
}


def is_bulk_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def section_of(path: Path) -> str:
    """The section a bulk file holds, from its name: ``x.claims.jsonl`` -> claims."""
    section = path.name.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower()
    if section not in SECTIONS:
        raise ValidationFailed(
            f"{path}: name a JSON-lines or CSV file after its section "
            f"({', '.join(f'{s}{path.suffix}' for s in SECTIONS)})"
        )
    return section


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            raise ValueError("more cells than columns")
        if value is None or value == "":
            continue
        out[key] = value.split(";") if key in LIST_COLUMNS else value
    if "condition_question" in out or "condition_result" in out:
        out["condition"] = {
            "question": out.pop("condition_question", None),
            "result": out.pop("condition_result", None),
        }
    return out


# The longest cell a CSV file may hold: a source's full text (records.LongText).
CSV_CELL_LIMIT = 50_000_000


def read_records(path: Path, section: str) -> Iterator[tuple[int, int, Any]]:
    """(line number, bytes read so far, validated record) for each row of a
    bulk file. A line that is not UTF-8 text, a CSV cell past the limit, or a
    row its section's model refuses is named by file and line.

    A claim row already in canonical form is vouched for by the screen
    (``bulk_screen``); any other row is validated by the model, as every row
    of the other sections is."""
    model = MODELS[section]
    claims = section == "claims"
    with path.open("rb") as fh:
        lines = _Lines(path, fh)
        if path.suffix.lower() == ".csv":
            screen = None
            for number, header, row in _csv_rows(path, lines):
                if claims:
                    screen = screen or csv_screen(header)
                    if (record := screen(row)) is not None:
                        yield number, lines.read, record
                        continue
                try:
                    raw = _csv_row(_csv_dict(header, row))
                except ValueError as exc:
                    raise ValidationFailed(f"{path}:{number}: {exc}") from None
                yield number, lines.read, _validate(model, path, number, raw)
            return
        for number, row in _json_rows(path, lines):
            record = json_screen(row) if claims else None
            if record is None:
                record = _validate(model, path, number, row)
            yield number, lines.read, record


def _csv_rows(path: Path, lines: _Lines) -> Iterator[tuple[int, list[str], list[str]]]:
    """(line number, header, cells) for each row of a CSV file: the header is
    read once and rows stay lists (a dict a row cost as much as its checks).
    Blank lines are skipped; the line number is the row's last line."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_CELL_LIMIT))
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            return
        for row in reader:
            if row:
                yield reader.line_num, header, row
    except csv.Error as exc:
        raise ValidationFailed(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def _csv_dict(header: list[str], row: list[str]) -> dict[Any, Any]:
    """A row as a dict of its columns, as csv.DictReader gives it: a missing
    cell is None, cells past the header are a list under None."""
    out: dict[Any, Any] = dict(zip(header, row, strict=False))
    if len(row) > len(header):
        out[None] = row[len(header) :]
    for name in header[len(row) :]:
        out[name] = None
    return out


def _json_rows(path: Path, lines: _Lines) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        yield number, row


def _validate(model: type[BaseModel], path: Path, number: int, row: Any) -> Any:
    if not isinstance(row, dict):
        raise ValidationFailed(f"{path}:{number}: expected an object of fields")
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        raise ValidationFailed(f"{path}:{number}: {first_error(exc)}") from None


def check_files(files: list[Path]) -> None:
    """Read and validate every row of bulk files, writing nothing: for an
    import that also writes seed files, which must not be committed when a
    bulk file beside them is broken. (What needs the database, a speaker's
    name say, is checked as the rows are written.)"""
    for path in order_files(files):
        for _ in read_records(path, section_of(path)):
            pass


def _placeholder(conn: Connection) -> str:
    """The driver's positional placeholder (sqlite3: ?, psycopg: %s)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


# A claim's columns as the batch stages them, after its line (its place in
# the batch); entered_by and entered_at are the batch's own, bound once.
_STAGED = (
    "person_id", "source_id", "quote", "made_on", "question_id", "made_on_note", "role", "kind",
    "wording", "mapping_note", "condition_question_id", "condition_result", "direction", "side",
    "estimate", "estimate_low", "estimate_high", "threshold", "threshold_side", "scale_term_id",
    "probability", "prob_low", "prob_high", "mapping_basis",
)  # fmt: skip
_PERSON, _SOURCE, _QUOTE = (_STAGED.index(c) for c in ("person_id", "source_id", "quote"))


class _Staging:
    """The temporary table a batch of claims is staged in, and the statements
    that fill it and move its rows into ``claims``, in the connection's dialect.

    Staging the rows and moving them with one INSERT … SELECT costs 40% less
    than executing the insert once a row (2.2 s against 3.7 s of CPU at
    100,000 claims): SQLite sets up its cursors on the table's b-trees and the
    foreign keys' parents once for the statement, not once a row."""

    def __init__(self, conn: Connection) -> None:
        self.dialect = conn.dialect.name
        mark = _placeholder(conn)
        columns = ", ".join(_STAGED)
        if self.dialect == "sqlite":
            # Untyped columns keep each value as bound; claims' own column
            # types convert it as they would convert it bound directly.
            self.ddl = (
                "CREATE TEMP TABLE IF NOT EXISTS claims_staging "
                f"(line INTEGER PRIMARY KEY, {columns})"
            )
        else:  # PostgreSQL wants types: claims' own, without its constraints
            self.ddl = (
                "CREATE TEMP TABLE IF NOT EXISTS claims_staging AS "
                f"SELECT 0 AS line, {columns} FROM claims WHERE false"
            )
        self.insert_staged = (
            f"INSERT INTO claims_staging (line, {columns}) "
            f"VALUES ({', '.join([mark] * (len(_STAGED) + 1))})"
        )
        # ON CONFLICT DO NOTHING skips a duplicate key and nothing else (SQLite
        # wants a WHERE before it in an INSERT … SELECT).
        moved = (
            f"INSERT INTO claims ({columns}, entered_by, entered_at) "
            f"SELECT {columns}, {mark}, {mark} FROM claims_staging"
        )
        self.insert_all = f"{moved} WHERE true ORDER BY line ON CONFLICT DO NOTHING"
        self.insert_one = f"{moved} WHERE line = {mark} ON CONFLICT DO NOTHING"
        table = Claim.__table__
        self.processors = [
            (1 + i, proc)
            for i, name in enumerate(_STAGED)
            if (proc := table.c[name].type.bind_processor(conn.dialect)) is not None
        ]

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(self.ddl)

    def bound(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``rows`` with their values as SQLAlchemy binds them (dates as the
        text SQLite stores), each distinct value converted once."""
        if not self.processors:
            return rows
        done: dict[tuple[int, Any], Any] = {}
        out = []
        for row in rows:
            values = list(row)
            for i, proc in self.processors:
                value = values[i]
                if value is not None:
                    key = (i, value)
                    if key not in done:
                        done[key] = proc(value)
                    values[i] = done[key]
            out.append(tuple(values))
        return out


def _bound(conn: Connection, column: Any, value: Any) -> Any:
    """``value`` as SQLAlchemy binds it for ``column``."""
    proc = column.type.bind_processor(conn.dialect)
    return proc(value) if proc is not None else value


_TRIGGER = re.compile(r"(.*?)\bBEGIN\b(.*)\bEND\s*;?\s*$", re.IGNORECASE | re.DOTALL)


@contextmanager
def _triggers_once_per_batch(conn: Connection, table: str, after_id: int) -> Iterator[None]:
    """Insert many rows with the table's per-row AFTER INSERT triggers set
    aside, then do their work once for the whole batch.

    SQLite triggers fire row by row: at 100,000 claims the stale flag of the
    score totals alone took a third of the insert's time, and the full-text
    sync is an order of magnitude faster set-wise. So the full-text sync
    (``<table>_ai``) is replaced by one INSERT into ``<table>_fts`` of the
    batch's rows, and a trigger that does not read the row (the stale flag)
    runs its body once if the batch added a row. Each is dropped and
    put back, from its own saved SQL, in the same transaction, so no other
    connection ever sees the table without it. A trigger that reads the row
    and is not the full-text sync (one a user added) is left to fire.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    saved: dict[str, tuple[str, str]] = {}  # name: (its SQL, its body)
    for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ):
        head, body = _TRIGGER.match(sql).groups()  # type: ignore[union-attr]
        if not re.search(r"\bAFTER\s+INSERT\s+ON\b", head, re.IGNORECASE):
            continue
        if name == f"{table}_ai" or not re.search(r"\bnew\.", sql, re.IGNORECASE):
            saved[name] = (sql, body)
    for name in saved:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    added = conn.exec_driver_sql(
        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id > ?)", (after_id,)
    ).scalar()
    for name, (_, body) in saved.items() if added else ():
        if name == f"{table}_ai":
            columns = ", ".join(
                row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table}_fts)")
            )
            conn.exec_driver_sql(
                f"INSERT INTO {table}_fts (rowid, {columns}) "
                f"SELECT id, {columns} FROM {table} WHERE id > ?",
                (after_id,),
            )
        else:  # statements of a trigger body (ours hold no ';' inside a literal)
            for statement in filter(str.strip, body.split(";")):
                conn.exec_driver_sql(statement)
    for sql, _ in saved.values():
        conn.exec_driver_sql(sql)


class _Lines:
    """Lines of a file decoded as UTF-8 one at a time, so a line that is not
    UTF-8 is named exactly; counts the bytes read (for the progress bar)."""

    def __init__(self, path: Path, fh: Any) -> None:
        self.path, self.fh = path, fh
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.fh, start=1):
            self.read += len(line)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationFailed(
                    f"{self.path}:{number}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                ) from None


class _Maps:
    """Natural keys to ids, loaded once and kept current as batches commit."""

    def __init__(self, conn: Connection) -> None:
        self.sources: dict[str, tuple[int, str | None, dt.date | None]] = {
            slug: (id_, txt, published) for id_, slug, txt, published in conn.execute(
                select(Source.id, Source.slug, Source.text, Source.published_on))
        }  # fmt: skip
        self.person_slugs: dict[str, int] = dict(conn.execute(select(Person.slug, Person.id)).all())
        self.person_names: dict[str, int] = dict(conn.execute(select(Person.name, Person.id)).all())
        self.aliases: dict[str, int] = dict(
            conn.execute(select(PersonAlias.alias_key, PersonAlias.person_id)).all()
        )
        self.questions: dict[str, int] = dict(
            conn.execute(select(Question.slug, Question.id)).all()
        )
        self.tags: dict[str, int] = dict(conn.execute(select(Tag.name, Tag.id)).all())
        self.terms: dict[tuple[str, str], TermRef] = {}
        self.default_scale = ""
        for term_id, term, slug, kind, default in conn.execute(
            select(ScaleTerm.id, ScaleTerm.term, Scale.slug, Scale.kind, Scale.is_default).join(
                Scale
            )
        ):
            self.terms[(slug, term)] = TermRef(term_id, slug, kind)
            if default:
                self.default_scale = slug
        self.chains: dict[int, list[tuple[int, tuple[Any, ...]]]] | None = None
        self.recorded_at: dict[int, Any] = {}  # outcome id: when it was recorded
        self.seen: dict[int, int] = {}

    def term(self, scale: str | None, term: str) -> TermRef:
        slug = scale or self.default_scale
        found = self.terms.get((slug, " ".join(term.casefold().split())))
        if found is None:
            if not any(s == slug for s, _ in self.terms):
                raise NotFound(f"no scale {quoted(slug)}")
            raise NotFound(f"term {quoted(term)} is not on scale {slug}")
        return found

    def question(self, slug: str) -> int:
        if slug not in self.questions:
            raise NotFound(f"no question {quoted(slug)}")
        return self.questions[slug]

    def load_chains(self, conn: Connection) -> dict[int, list[tuple[int, tuple[Any, ...]]]]:
        if self.chains is None:
            rows = conn.execute(
                select(Outcome.id, Outcome.question_id, Outcome.supersedes_id, *_OUTCOME_KEY)
            ).all()
            self.recorded_at = dict(conn.execute(select(Outcome.id, Outcome.recorded_at)).all())
            links: dict[int, list[str]] = {}
            for outcome_id, url in conn.execute(
                select(OutcomeEvidence.outcome_id, OutcomeEvidence.url).order_by(
                    OutcomeEvidence.outcome_id, OutcomeEvidence.position
                )
            ):
                links.setdefault(outcome_id, []).append(url)
            by_question: dict[int, list[Any]] = {}
            for row in rows:
                by_question.setdefault(row[1], []).append(row)
            self.chains = {
                qid: [(r[0], (*r[3:], tuple(links.get(r[0], ()))))
                      for r in chain_order(items, id_=0, parent=2)]
                for qid, items in by_question.items()
            }  # fmt: skip
        return self.chains


_OUTCOME_KEY = (
    Outcome.result,
    Outcome.occurred_on,
    Outcome.evidence_url,
    Outcome.evidence_source_id,
    Outcome.note,
    Outcome.observed_value,
)


class BulkImporter:
    def __init__(self, engine: Engine, entered_by: str, hindsight_ok: bool = False) -> None:
        self.engine = engine.execution_options(**{WRITE_OPTION: True})
        self.entered_by = entered_by
        self.hindsight_ok = hindsight_ok
        self._staging: _Staging | None = None
        with engine.connect() as conn:
            self.maps = _Maps(conn)
            # Score upkeep batch by batch costs about twice a from-scratch
            # rebuild per claim it evaluates, and a rebuild evaluates every
            # claim: so batches keep the totals current while they have
            # evaluated fewer claims than the database held (adding to a big
            # archive), and past that the import rebuilds once at its end.
            claims = conn.execute(select(func.count()).select_from(Claim)).scalar_one()
            self.budget = 0 if is_stale(conn) else claims
            questions = conn.execute(select(func.count()).select_from(Question)).scalar_one()
            self.claims_per_question = claims / max(questions, 1)

    def plan(self, files: list[Path]) -> None:
        """Outcomes cost upkeep twice over the claims on their questions: when
        the outcome files would spend more than the budget, the import leaves
        the totals to its one rebuild from the start, instead of after
        spending the budget (which made such an import pay about twice)."""
        rows = 0
        for path in files:
            if section_of(path) == "outcomes":
                with path.open("rb") as fh:
                    rows += sum(1 for line in fh if line.strip())
        if 2 * rows * self.claims_per_question > self.budget:
            self.budget = 0

    def _upkeep(self, conn: Connection, scope: str, cost: int, **params: Any) -> Upkeep | None:
        """Upkeep of the totals for one batch whose writes change the scores of
        the claims in ``scope`` (``cost`` of them), or None once over budget:
        the batch's writes then leave the totals stale (the triggers say so)."""
        if cost > self.budget:
            self.budget = 0
            return None
        self.budget -= cost
        return Upkeep(conn, scope, params)

    # Each _write_* takes the batch's validated records and writes them on
    # ``conn``; it returns (created, unchanged) and a function that applies
    # the batch's new keys to the maps once the batch has committed.

    def _write_sources(self, conn: Connection, batch: list[tuple[str, SourceIn]]) -> Any:
        now = utcnow()
        firsts: dict[str, dict[str, Any]] = {}  # this batch's first record of each slug
        recorded = self._recorded(
            conn, Source, Source.slug, SOURCE_FIELDS,
            [r.slug for _, r in batch if r.slug in self.maps.sources],
        )  # fmt: skip
        new: list[SourceIn] = []
        for where, r in batch:
            values = source_values(r)
            earlier = recorded.get(r.slug) or firsts.get(r.slug)
            if earlier is not None:
                with located(where):
                    refuse_other_source(r.slug, earlier, values)
                continue
            firsts[r.slug] = values
            new.append(r)
        rows = [
            {**source_values(r), "slug": r.slug, "content_hash": content_hash(r.text),
             "created_at": now}
            for r in new
        ]  # fmt: skip
        if rows:
            conn.execute(Source.__table__.insert(), rows)
        ids = self._ids(conn, Source, Source.slug, [r.slug for r in new])
        known = {r.slug: (r.text, r.published_on) for r in new}

        def apply() -> None:
            self.maps.sources.update({s: (i, *known[s]) for s, i in ids.items()})

        return len(rows), len(batch) - len(rows), apply

    def _recorded_questions(self, conn: Connection, slugs: list[str]) -> dict[str, dict[str, Any]]:
        """The recorded questions of ``slugs`` with their tags, to compare with."""
        found = self._recorded(
            conn, Question, Question.slug,
            ("title", "criteria", "resolve_by", "horizon_text", "question_type", "unit"), slugs,
        )  # fmt: skip
        ids = {self.maps.questions[slug]: slug for slug in found}
        tags: dict[int, list[str]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            for question_id, name in conn.execute(
                select(QuestionTag.question_id, Tag.name)
                .join(Tag, Tag.id == QuestionTag.tag_id)
                .where(QuestionTag.question_id.in_(ordered[start : start + 900]))
            ):
                tags.setdefault(question_id, []).append(name)
        for question_id, slug in ids.items():
            row = found[slug]
            row["horizon"] = row.pop("horizon_text")
            row["type"] = row.pop("question_type")
            row["tags"] = sorted(tags.get(question_id, []))
        return found

    @staticmethod
    def _recorded(
        conn: Connection, model: Any, key: Any, fields: tuple[str, ...], keys: list[Any]
    ) -> dict[Any, dict[str, Any]]:
        """The recorded rows of ``keys`` (natural keys or ids), as field dicts to compare with."""
        found: dict[Any, dict[str, Any]] = {}
        columns = [getattr(model, f) for f in fields]
        for start in range(0, len(keys), 900):
            rows = conn.execute(select(key, *columns).where(key.in_(keys[start : start + 900])))
            found.update({row[0]: dict(zip(fields, row[1:], strict=True)) for row in rows})
        return found

    def _write_people(self, conn: Connection, batch: list[tuple[str, PersonIn]]) -> Any:
        now = utcnow()
        people, aliases, seen_keys = [], [], dict(self.maps.aliases)
        pending_slugs: dict[str, str] = {}
        known = self._known_people(conn, batch)
        for where, r in batch:
            if r.affiliations:
                raise ValidationFailed(
                    f"{where}: affiliations: give them in a YAML seed file or with "
                    "`tracker add-affiliation`; a bulk file of people takes speakers only"
                )
            slug = r.slug or slugify(r.name)
            by_slug = self.maps.person_slugs.get(slug)
            by_name = self.maps.aliases.get(alias_key(r.name))
            if by_slug is not None and by_name is not None and by_slug != by_name:
                raise Conflict(
                    f"{where}: name {shown(r.name)} is a spelling of {known[by_name]['name']}, "
                    f"but slug {slug} is {known[by_slug]['name']}"
                )
            existing = by_name if by_name is not None else by_slug
            owner: int | str = existing if existing is not None else slug
            if existing is not None:
                with located(where):
                    refuse_other_person(known[existing], r, name_known=by_name is not None)
            elif slug not in pending_slugs:
                if r.name in self.maps.person_names or r.name in pending_slugs.values():
                    raise Conflict(f"{where}: another speaker is already called {shown(r.name)}")
                people.append({"slug": slug, "name": r.name, "kind": r.kind or "person",
                               "description": r.description, "created_at": now})  # fmt: skip
                pending_slugs[slug] = r.name
            for alias in (r.name, *r.aliases):
                key = alias_key(alias)
                if key in seen_keys:
                    if seen_keys[key] != owner:
                        other = seen_keys[key]
                        name, other_slug = (
                            (pending_slugs.get(other, other), other)
                            if isinstance(other, str)
                            else self._person_name(conn, other)
                        )
                        with located(where):
                            raise alias_taken(alias, name, other_slug)
                    continue
                seen_keys[key] = owner
                aliases.append((owner, alias, key))
        if people:
            conn.execute(Person.__table__.insert(), people)
        ids = self._ids(conn, Person, Person.slug, list(pending_slugs))
        alias_rows = [
            {"person_id": ids[o] if isinstance(o, str) else o, "alias": a, "alias_key": k}
            for o, a, k in aliases
        ]
        if alias_rows:
            conn.execute(PersonAlias.__table__.insert(), alias_rows)
        # Spellings added to speakers recorded before: part of their history.
        history = [
            {"record_type": "person", "record_id": o, "field": "alias", "old_value": None,
             "new_value": a, "reason": f"{SPELLING_ADDED} by an import",
             "revised_by": self.entered_by, "revised_at": now}
            for o, a, _ in aliases if isinstance(o, int)
        ]  # fmt: skip
        if history:
            conn.execute(Revision.__table__.insert(), history)

        def apply() -> None:
            self.maps.person_slugs.update(ids)
            self.maps.person_names.update({pending_slugs[s]: i for s, i in ids.items()})
            self.maps.aliases.update({row["alias_key"]: row["person_id"] for row in alias_rows})

        return len(people), len(batch) - len(people), apply

    def _known_people(
        self, conn: Connection, batch: list[tuple[str, PersonIn]]
    ) -> dict[int, dict[str, Any]]:
        """The recorded speakers a batch names (by slug or name), to compare with."""
        wanted = {
            found
            for _, r in batch
            for found in (
                self.maps.person_slugs.get(r.slug or slugify(r.name)),
                self.maps.aliases.get(alias_key(r.name)),
            )
            if found is not None
        }
        fields = ("name", "slug", "kind", "description")
        return self._recorded(conn, Person, Person.id, fields, sorted(wanted))

    @staticmethod
    def _person_name(conn: Connection, person_id: int) -> tuple[str, str]:
        """Name and slug of a recorded speaker (the owner of an alias)."""
        row = conn.execute(select(Person.name, Person.slug).where(Person.id == person_id)).one()
        return row[0], row[1]

    def _write_questions(self, conn: Connection, batch: list[tuple[str, QuestionIn]]) -> Any:
        now = utcnow()
        new: dict[str, QuestionIn] = {}
        recorded = self._recorded_questions(
            conn, [r.slug for _, r in batch if r.slug in self.maps.questions]
        )
        for where, r in batch:
            earlier = recorded.get(r.slug)
            if earlier is None and r.slug in new:
                earlier = question_values(new[r.slug])
            if earlier is not None:
                with located(where):
                    refuse_other_question(r.slug, earlier, question_values(r))
                continue
            new[r.slug] = r
        rows = [
            {"slug": r.slug, "title": r.title, "criteria": r.criteria, "resolve_by": r.resolve_by,
             "horizon_text": r.horizon, "question_type": r.type, "unit": r.unit,
             "created_at": now, "created_by": self.entered_by}
            for r in new.values()
        ]  # fmt: skip
        if rows:
            conn.execute(Question.__table__.insert(), rows)
        ids = self._ids(conn, Question, Question.slug, list(new))
        # New tags in order of first use, as single-record imports create them.
        wanted = list(
            dict.fromkeys(
                t for r in new.values() for t in sorted(set(r.tags)) if t not in self.maps.tags
            )
        )
        if wanted:
            conn.execute(Tag.__table__.insert(), [{"name": t} for t in wanted])
        tag_ids = {**self.maps.tags, **self._ids(conn, Tag, Tag.name, wanted)}
        links = [
            {"question_id": ids[r.slug], "tag_id": tag_ids[t]}
            for r in new.values()
            for t in sorted(set(r.tags))
        ]
        if links:
            upkeep = no_score_change(conn)  # new questions: no claim is about them yet
            conn.execute(QuestionTag.__table__.insert(), links)
            upkeep.after()

        def apply() -> None:
            self.maps.questions.update(ids)
            self.maps.tags.update(tag_ids)

        return len(rows), len(batch) - len(rows), apply

    def _write_claims(self, conn: Connection, batch: list[tuple[str, Any]]) -> Any:
        """Write a batch of claims set-wise: resolve each row's references in
        memory, stage the rows in a temporary table, then move them into
        ``claims`` in one INSERT … SELECT in line order.

        The insert skips only a key already recorded (``ON CONFLICT DO
        NOTHING``, on SQLite as on PostgreSQL): each skipped row is then
        compared with the claim under its key, "unchanged" or refused with the
        field named. Every other rule the database holds (CHECKs, foreign
        keys, triggers) fails the statement rather than dropping a row
        unseen, as ``INSERT OR IGNORE`` would drop a CHECK failure; the batch
        is then inserted row by row to name the row and its rule."""
        rows = self._claim_rows(batch)
        staging = self._stage_claims(conn, rows)
        entered = (self.entered_by, _bound(conn, Claim.entered_at, utcnow()))
        before = conn.execute(select(func.coalesce(func.max(Claim.id), 0))).scalar_one()
        upkeep = self._upkeep(conn, "c.id > :upkeep_after", len(rows), upkeep_after=before)
        with _triggers_once_per_batch(conn, "claims", before):
            try:
                with conn.begin_nested():
                    created = conn.exec_driver_sql(staging.insert_all, entered).rowcount
            except DBAPIError as exc:
                if not refused_by_rule(exc):
                    raise
                created = self._insert_claims_one_by_one(conn, batch, rows, staging, entered)
            if created < len(rows):
                self._compare_skipped_claims(conn, batch, rows, before)
        if upkeep is not None:  # new claims only: nothing to take away first
            upkeep.after()
        if any(r.appearances for _, r in batch):
            self._write_appearances(conn, batch, rows)
        return created, len(batch) - created, lambda: None

    def _claim_rows(self, batch: list[tuple[str, Any]]) -> list[tuple[Any, ...]]:
        """The batch's claims as rows of ``_STAGED`` columns, after their line
        (their place in the batch): speaker, source, questions and scale term
        resolved through the maps, the quote found in its source, the date
        checked against the source's, the numbers mapped by the one rule."""
        m = self.maps
        aliases, sources, question = m.aliases, m.sources, m.question
        rows = []
        line = 0
        try:
            for line, (_, r) in enumerate(batch):
                person = aliases.get(alias_key(r.speaker))
                if person is None:
                    raise NotFound(f"no speaker called {quoted(r.speaker)}")
                found = sources.get(r.source)
                if found is None:
                    raise NotFound(f"no source {quoted(r.source)}")
                source_id, source_text, published_on = found
                check_made_on(r.made_on, r.source, published_on)
                quote = check_quote(r.quote, r.source, source_text)
                term = m.term(r.scale, r.term) if r.term is not None else None
                condition = r.condition
                estimate = estimate_columns(r)
                mapping = mapping_columns(r, term)
                rows.append((
                    line, person, source_id, quote, r.made_on,
                    question(r.question) if r.question else None,
                    r.made_on_note, r.role, r.kind, r.wording, r.note,
                    question(condition.question) if condition else None,
                    condition.result if condition else None,
                    r.direction, r.side,
                    estimate["estimate"], estimate["estimate_low"], estimate["estimate_high"],
                    estimate["threshold"], estimate["threshold_side"],
                    mapping["scale_term_id"], mapping["probability"], mapping["prob_low"],
                    mapping["prob_high"], mapping["mapping_basis"],
                ))  # fmt: skip
        except TrackerError as exc:
            raise type(exc)(f"{batch[line][0]}: {exc}") from None
        return rows

    def _stage_claims(self, conn: Connection, rows: list[tuple[Any, ...]]) -> _Staging:
        """Put ``rows`` in the connection's staging table (emptied first)."""
        staging = self._staging
        if staging is None or staging.dialect != conn.dialect.name:
            staging = self._staging = _Staging(conn)
        staging.create(conn)
        conn.exec_driver_sql("DELETE FROM claims_staging")
        conn.exec_driver_sql(staging.insert_staged, staging.bound(rows))
        return staging

    def _insert_claims_one_by_one(
        self,
        conn: Connection,
        batch: list[tuple[str, Any]],
        rows: list[tuple[Any, ...]],
        staging: _Staging,
        entered: tuple[Any, ...],
    ) -> int:
        """The database refused the batch: insert its rows one at a time, in
        line order, each in a savepoint, until the first refused one, whose
        line and rule are named in the user's words (a duplicate met on the
        way is compared at once, so the first problem in the file is the one
        reported). The caller's transaction is then rolled back whole."""
        created = 0
        for row in rows:
            where = batch[row[0]][0]
            try:
                with conn.begin_nested():
                    inserted = conn.exec_driver_sql(staging.insert_one, (*entered, row[0])).rowcount
            except DBAPIError as exc:
                if not refused_by_rule(exc):
                    raise
                raise ValidationFailed(f"{where}: {explain(exc)}") from None
            if inserted:
                created += 1
            else:
                self._compare_skipped_claims(conn, batch, [row], None)
        return created

    def _write_appearances(
        self, conn: Connection, batch: list[tuple[str, Any]], rows: list[tuple[Any, ...]]
    ) -> None:
        """A claim's later appearances (a seed file lists them under the claim),
        held to the rules of ``add-appearance``: the later source exists and
        has the quote, it is not the claim's own source, and it is not dated
        before the claim; the same appearance again is skipped, another under
        the same claim and source is refused with the field named."""
        m = self.maps
        for (where, r), row in zip(batch, rows, strict=True):
            if not r.appearances:
                continue
            claim_source, claim_person, claim_quote = (
                row[1 + _SOURCE],
                row[1 + _PERSON],
                row[1 + _QUOTE],
            )
            claim_id = conn.execute(
                select(Claim.id).where(Claim.source_id == claim_source,
                                       Claim.person_id == claim_person,
                                       Claim.quote == claim_quote)
            ).scalar_one()  # fmt: skip
            for n, a in enumerate(r.appearances):
                with located(where):
                    if a.source not in m.sources:
                        raise NotFound(f"appearances[{n}]: no source {quoted(a.source)}")
                    source_id, source_text, _ = m.sources[a.source]
                    new = appearance_values(a, claim_source, r.made_on, source_id, source_text)
                    found = conn.execute(
                        select(ClaimAppearance.id, ClaimAppearance.quote,
                               ClaimAppearance.appeared_on, ClaimAppearance.retracted_at)
                        .where(ClaimAppearance.claim_id == claim_id,
                               ClaimAppearance.source_id == source_id)
                    ).first()  # fmt: skip
                    if found is not None:
                        old = {"quote": found[1], "appeared_on": found[2]}
                        refuse_other_appearance(claim_id, a.source, old, new, found[0],
                                                found[3] is not None)  # fmt: skip
                        continue
                    conn.execute(
                        ClaimAppearance.__table__.insert(),
                        {"claim_id": claim_id, "source_id": source_id, **new},
                    )

    def _compare_skipped_claims(
        self,
        conn: Connection,
        batch: list[tuple[str, Any]],
        rows: list[tuple[Any, ...]],
        before: int | None,
    ) -> None:
        """Rows the insert skipped hold a key already recorded (before this
        batch, or earlier in it): each must be the same claim, else it is
        refused as a single add-claim would refuse it. With ``before`` (the
        last id before the batch), the first row of each key the batch
        inserted is the one written; without it every row given was skipped."""
        skipped: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = []
        inserted: set[tuple[Any, ...]] = set()
        if before is not None:
            key_columns = (Claim.source_id, Claim.person_id, Claim.quote)
            inserted = {
                tuple(r) for r in conn.execute(select(*key_columns).where(Claim.id > before))
            }
        for row in rows:
            key = (row[1 + _SOURCE], row[1 + _PERSON], row[1 + _QUOTE])
            if key in inserted:
                inserted.discard(key)  # its first row in the batch: the one written
            else:
                skipped.append((batch[row[0]][0], row, key))
        # The recorded claims of the skipped keys, in one join through the
        # claims' unique key from a temporary table of those keys.
        mark = _placeholder(conn)
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS skipped_keys "
            "(source_id INTEGER, person_id INTEGER, quote TEXT)"
        )
        conn.exec_driver_sql("DELETE FROM skipped_keys")
        conn.exec_driver_sql(
            f"INSERT INTO skipped_keys VALUES ({mark}, {mark}, {mark})",
            sorted({key for _, _, key in skipped}),
        )
        fields = ("source_id", "person_id", "quote", "id", "retracted_reason", *CLAIM_FIELDS)
        recorded: dict[tuple[Any, ...], Any] = {}
        for found in conn.execute(
            text(
                f"SELECT {', '.join(f'c.{f}' for f in fields)} FROM skipped_keys AS k "
                "JOIN claims AS c ON c.source_id = k.source_id AND c.person_id = k.person_id "
                "AND c.quote = k.quote"
            ).columns(*(column(f, Claim.__table__.c[f].type) for f in fields))  # typed: dates
        ):
            recorded[tuple(found[:3])] = found[3:]
        questions = {i: slug for slug, i in self.maps.questions.items()}
        terms = {t.id: f'{t.scale} "{term}"' for (_, term), t in self.maps.terms.items()}
        show = claim_value_shower(lambda i: questions.get(i, str(i)), lambda i: terms[i])
        for where, row, key in skipped:
            claim_id, retracted, *values = recorded[key]
            new = dict(zip(_STAGED, row[1:], strict=True))
            with located(where):
                refuse_other_claim(
                    claim_id, dict(zip(CLAIM_FIELDS, values, strict=True)), new, show, retracted
                )

    def _write_outcomes(self, conn: Connection, batch: list[tuple[str, OutcomeIn]]) -> Any:
        upkeep = self._outcome_upkeep(conn, {
            self.maps.questions[r.question] for _, r in batch if r.question in self.maps.questions
        })  # fmt: skip
        if upkeep is not None:
            upkeep.before()
        written = write_outcomes(conn, self.maps, batch, self.entered_by, self.hindsight_ok)
        if upkeep is not None:
            upkeep.after()
        return written

    def _outcome_upkeep(self, conn: Connection, questions: set[int]) -> Upkeep | None:
        """Upkeep for outcomes of ``questions``: their claims and the claims
        conditional on them, evaluated twice (before and after)."""
        if not self.budget:
            return None
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS upkeep_questions (id INTEGER PRIMARY KEY)"
        )
        conn.exec_driver_sql("DELETE FROM upkeep_questions")
        if questions:
            conn.exec_driver_sql(
                f"INSERT INTO upkeep_questions (id) VALUES ({_placeholder(conn)})",
                [(q,) for q in questions],
            )
        scope = (
            "(c.question_id IN (SELECT id FROM upkeep_questions) "
            "OR c.condition_question_id IN (SELECT id FROM upkeep_questions))"
        )
        claims = conn.execute(text(f"SELECT count(*) FROM claims AS c WHERE {scope}")).scalar_one()
        return self._upkeep(conn, scope, 2 * claims)

    @staticmethod
    def _ids(conn: Connection, model: Any, column: Any, keys: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            ids.update(conn.execute(select(column, model.id).where(column.in_(chunk))).all())
        return ids

    def import_file(
        self,
        conn: Connection,
        path: Path,
        summary: ImportSummary,
        advance: Callable[[int], None],
    ) -> None:
        section = section_of(path)
        write = getattr(self, f"_write_{section}")
        batch: list[tuple[str, Any]] = []
        done = 0

        def flush() -> None:
            nonlocal done
            first, last = batch[0][0], batch[-1][0]
            try:
                with conn.begin():
                    created, unchanged, apply = write(conn, batch)
                    seal(conn)
            except IntegrityError as exc:
                raise ValidationFailed(f"{first} to {last}: {explain(exc)}") from None
            apply()
            summary.counts[(section, "created")] += created
            summary.counts[(section, "unchanged")] += unchanged
            batch.clear()

        imported = 0  # the last line of the last batch written
        name = str(path)
        try:
            for number, position, record in read_records(path, section):
                batch.append((f"{name}:{number}", record))
                if len(batch) >= BATCH_SIZE:
                    flush()
                    imported = number
                    advance(position - done)
                    done = position
            if batch:
                flush()
        except TrackerError as exc:  # a refused row, whatever refused it
            if imported:  # say where the import stopped: whole batches stay
                raise type(exc)(
                    f"{exc} (lines up to {imported} of {path.name} were imported; "
                    "fix this one and import again: what is there is skipped)"
                ) from None
            raise
        advance(path.stat().st_size - done)


def order_files(files: list[Path]) -> list[Path]:
    """Bulk files in dependency order: sources, people, questions, claims, outcomes."""
    order = list(SECTIONS)
    return sorted(files, key=lambda p: (order.index(section_of(p)), str(p)))


# The page cache of the importer's connection while it writes batches, in
# KiB (SQLite's default is 2,000). Each batch's rows land all over the claims'
# indexes; with the default cache most of those pages are read again from the
# file a batch later. Alone it took 10% off the batches' CPU at 100,000 and
# 300,000 claims (half their system time) for 16 MB; a larger cache saved no
# more. The batches also keep temporary storage in memory: the staging table,
# and the journal of the pages each batch's insert changes (kept so that a
# refused statement can be undone), which SQLite otherwise writes to a
# temporary file, 50 MB a batch at 100,000 claims. That journal grows with the
# archive up to the pages one batch touches (5,000 rows in each of the claims'
# b-trees). Both together: see the module's docstring. The rebuild of the
# score totals after the batches runs with SQLite's defaults again: it sizes
# its sorts by the cache, and its temporary tables grow with the archive (in
# memory they cost 90 MB at 300,000 claims, the larger cache 120 MB, and
# neither saved time).
IMPORT_CACHE_KIB = 16_384


def _set_cache(conn: Connection, size: str | int) -> Any:
    """Set the page cache of ``conn`` (SQLite only); returns the size it had."""
    if conn.dialect.name != "sqlite":
        return None
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")
    return before


def _set_temp_store(conn: Connection, mode: str | int | None) -> Any:
    """Keep ``conn``'s temporary tables and statement journals in memory
    ("MEMORY") or where SQLite keeps them by default; returns the setting it
    had (SQLite only). SQLite takes it outside a transaction only, hence the
    driver's own connection, and drops the connection's temporary tables
    (each user here creates its own again)."""
    if conn.dialect.name != "sqlite" or mode is None:
        return None
    raw = conn.connection.driver_connection
    before = raw.execute("PRAGMA temp_store").fetchone()[0]
    raw.execute(f"PRAGMA temp_store = {mode}")
    return before


def bulk_import(
    engine: Engine,
    files: list[Path],
    entered_by: str,
    progress: Callable[[int], AbstractContextManager[Any]] | None = None,
    summary: ImportSummary | None = None,
    notice: Callable[[str], None] | None = None,
    hindsight_ok: bool = False,
) -> ImportSummary:
    """Import bulk files in dependency order; ``progress(total)`` as in
    ``import_files``; ``notice`` hears of the long step after the files (the
    score totals rebuilt), which a progress bar does not cover."""
    summary = summary or ImportSummary()
    files = order_files(files)
    summary.files.extend(str(f) for f in files)
    importer = BulkImporter(engine, entered_by, hindsight_ok)
    importer.plan(files)
    total = sum(f.stat().st_size for f in files)
    # One connection for the whole import, one transaction a batch: SQLite's
    # page cache stays warm from batch to batch, and is made larger while the
    # batches write (IMPORT_CACHE_KIB).
    with importer.engine.connect() as conn, progress(total) if progress else nullcontext() as bar:
        temp_store = _set_temp_store(conn, "MEMORY")
        with conn.begin():
            cache = _set_cache(conn, f"-{IMPORT_CACHE_KIB}")
            why = before_write(conn)
        if why is not None:
            raise GuardsAltered(why)
        for path in files:
            importer.import_file(
                conn, path, summary, bar.update if bar is not None else lambda n: None
            )
        # Batches past the upkeep budget left the totals stale (the triggers
        # say so): one set-wise rebuild now. (A killed import leaves them
        # stale, and the next report rebuilds them.)
        _set_temp_store(conn, temp_store)
        with conn.begin():
            _set_cache(conn, cache)
            if notice is not None and is_stale(conn):
                notice("scoring every claim for the score totals…")
            refresh(conn)
    return summary
