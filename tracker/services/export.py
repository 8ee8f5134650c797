"""Export: the record as the bulk files ``tracker import`` reads back.

Each section is written in the format its reader takes (``tracker.services.bulk``
and the records of ``tracker.records``), so importing the files into an empty
database gives the same record, up to what an import stamps anew (creation and
entry times, the claims' ``entered_by``: see the README). Outcomes carry
``recorded_at`` and ``recorded_by``, which the import keeps.

What the bulk files cannot hold is written beside them:

- affiliations, which bulk people rows refuse, as a YAML seed file
  (``affiliations.yaml``: the speakers concerned and their organisations with
  their affiliations), which ``tracker import`` reads in the same run;
- the edit history (``revisions.ndjson``) and retracted claims
  (``retracted.ndjson``), for reading only: an import cannot write them, and
  the suffix keeps ``tracker import DIR`` from trying.

Every section is one query streamed row by row (the lists a row carries,
aliases, tags, appearances and evidence links, are read by a second query in
the same order and merged), all in one transaction, so the files are one
consistent snapshot and memory stays flat however large the record is.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, and_, exists, select
from sqlalchemy.orm import aliased

from tracker.errors import ValidationFailed
from tracker.models import (
    Affiliation,
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
from tracker.output import json_default
from tracker.services.outcomes import chain_order
from tracker.text import alias_key
from tracker.types import TIMESTAMP_FORMAT

# Rows fetched from the database at a time while a section streams.
CHUNK = 1000

# The columns of claims.csv, as the CSV reader takes them (a condition as two
# cells, a range as "low;high"). Appearances are lists of records, which a
# CSV cell cannot hold: claims that have them stay in claims.jsonl.
CLAIM_CSV_COLUMNS = (
    "speaker", "source", "made_on", "quote", "kind", "question", "role", "made_on_note",
    "wording", "probability", "low", "high", "scale", "term", "basis", "note",
    "condition_question", "condition_result", "direction", "side", "value", "range", "above",
    "below",
)  # fmt: skip


def _stamp(value: dt.datetime | None) -> str | None:
    return value.strftime(TIMESTAMP_FORMAT) if value is not None else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _compact(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its empty fields: what the reader takes as not given."""
    return {k: v for k, v in row.items() if v is not None and v != [] and v != ()}


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=json_default) + "\n"


def _stream(conn: Connection, statement: Any) -> Iterator[Any]:
    """Rows of ``statement`` fetched a chunk at a time (a server-side cursor
    on PostgreSQL; SQLite's cursor steps through the result as it is read)."""
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(statement)
    yield from result


class _Merged:
    """The items of a stream of rows sorted by their first ``keys`` columns,
    handed out key by key to a main stream read in the same order: each list
    is built only while its row is written."""

    def __init__(self, rows: Iterable[Any], keys: int = 1) -> None:
        self.rows, self.keys = iter(rows), keys
        self.head: Any = next(self.rows, None)

    def _key(self) -> Any:
        return self.head[0] if self.keys == 1 else tuple(self.head[: self.keys])

    def take(self, key: Any) -> list[Any]:
        items = []
        while self.head is not None and self._key() < key:
            self.head = next(self.rows, None)
        while self.head is not None and self._key() == key:
            items.append(tuple(self.head[self.keys :]))
            self.head = next(self.rows, None)
        return items


def prepare_folder(folder: Path) -> None:
    """Make ``folder`` ready to write into, or say in one line why it is not."""
    if folder.exists() and not folder.is_dir():
        raise ValidationFailed(f"{folder}: is a file, not a folder (give a folder to export into)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationFailed(f"{folder}: cannot create the folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationFailed(f"{folder}: cannot write into this folder (permission denied)")


def _open(stack: ExitStack, path: Path) -> IO[str]:
    try:
        return stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    except OSError as exc:
        raise ValidationFailed(f"{path}: cannot write ({exc.strerror})") from None


def _sources(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    s = Source
    query = select(s.slug, s.title, s.url, s.publisher, s.author, s.published_on,
                   s.published_on_note, s.retrieved_on, s.text).order_by(s.id)  # fmt: skip
    if since is not None:
        query = query.where(s.created_at >= _midnight(since))
    for row in _stream(conn, query):
        yield _compact({**row._asdict(), "published_on": _day(row.published_on),
                        "retrieved_on": _day(row.retrieved_on)})  # fmt: skip


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _person_row(row: Any, aliases: list[Any]) -> dict[str, Any]:
    """A speaker as a people row: every spelling but the name itself."""
    own = alias_key(row.name)
    return _compact({
        "name": row.name, "slug": row.slug, "kind": row.kind, "description": row.description,
        "aliases": [a for (a, key) in aliases if key != own],
    })  # fmt: skip


def _people_query(since: dt.date | None) -> Any:
    query = select(Person.id, Person.name, Person.slug, Person.kind, Person.description)
    if since is not None:
        query = query.where(Person.created_at >= _midnight(since))
    return query.order_by(Person.id)


def _aliases(conn: Connection) -> _Merged:
    return _Merged(_stream(conn, select(PersonAlias.person_id, PersonAlias.alias,
                                        PersonAlias.alias_key)
                           .order_by(PersonAlias.person_id, PersonAlias.id)))  # fmt: skip


def _people(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    aliases = _aliases(conn)
    for row in _stream(conn, _people_query(since)):
        yield _person_row(row, aliases.take(row.id))


def _questions(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    q = Question
    query = select(q.id, q.slug, q.title, q.criteria, q.resolve_by, q.horizon_text,
                   q.question_type, q.unit).order_by(q.id)  # fmt: skip
    if since is not None:
        query = query.where(q.created_at >= _midnight(since))
    tags = _Merged(_stream(conn, select(QuestionTag.question_id, Tag.name)
                           .join(Tag, Tag.id == QuestionTag.tag_id)
                           .order_by(QuestionTag.question_id, Tag.name)))  # fmt: skip
    for row in _stream(conn, query):
        yield _compact({
            "slug": row.slug, "title": row.title, "criteria": row.criteria,
            "resolve_by": row.resolve_by.isoformat(), "horizon": row.horizon_text,
            "tags": [name for (name,) in tags.take(row.id)],
            "type": row.question_type if row.question_type != "binary" else None,
            "unit": row.unit,
        })  # fmt: skip


def _claims_query(retracted: bool, since: dt.date | None) -> Any:
    """Every claim with its references as natural keys, joined in the database."""
    c = Claim
    question, condition = aliased(Question), aliased(Question)
    query = (
        select(*c.__table__.c, Person.name.label("speaker"), Source.slug.label("source_slug"),
               question.slug.label("question_slug"), condition.slug.label("condition_slug"),
               Scale.slug.label("scale_slug"), ScaleTerm.term.label("term"))
        .join(Person, Person.id == c.person_id)
        .join(Source, Source.id == c.source_id)
        .outerjoin(question, question.id == c.question_id)
        .outerjoin(condition, condition.id == c.condition_question_id)
        .outerjoin(ScaleTerm, ScaleTerm.id == c.scale_term_id)
        .outerjoin(Scale, Scale.id == ScaleTerm.scale_id)
        .where(c.retracted_at.is_not(None) if retracted else c.retracted_at.is_(None))
        .order_by(c.id)
    )  # fmt: skip
    if since is not None:
        query = query.where(c.entered_at >= _midnight(since))
    return query


def _claim_row(row: Any, appearances: list[Any]) -> dict[str, Any]:
    """A claim as a claims row (``ClaimIn``): the probability as stored, the
    basis always given (so a stated range keeps its recorded midpoint and an
    analogy stays one), the number in the form it was given."""
    c = row  # the claim's columns, beside its references' natural keys
    threshold = c.threshold_side  # "above" or "below": the field's name
    return _compact({
        "speaker": row.speaker, "source": row.source_slug, "made_on": c.made_on.isoformat(),
        "quote": c.quote, "kind": c.kind, "question": row.question_slug, "role": c.role,
        "made_on_note": c.made_on_note, "wording": c.wording, "probability": c.probability,
        "low": c.prob_low, "high": c.prob_high, "scale": row.scale_slug, "term": row.term,
        "basis": c.mapping_basis, "note": c.mapping_note,
        "condition": (
            {"question": row.condition_slug, "result": c.condition_result}
            if row.condition_slug else None
        ),
        "direction": c.direction, "side": c.side, "value": c.estimate,
        "range": [c.estimate_low, c.estimate_high] if c.estimate_low is not None else None,
        **({threshold: c.threshold} if threshold else {}),
        "appearances": [
            _compact({"source": slug, "quote": quote, "appeared_on": _day(on)})
            for slug, quote, on in appearances
        ],
    })  # fmt: skip


def _appearances(conn: Connection, retracted: bool = False) -> _Merged:
    a = ClaimAppearance
    query = (
        select(a.claim_id, Source.slug, a.quote, a.appeared_on)
        .join(Source, Source.id == a.source_id)
        .where(a.retracted_at.is_not(None) if retracted else a.retracted_at.is_(None))
        .order_by(a.claim_id, a.appeared_on, a.id)
    )
    return _Merged(_stream(conn, query))


def _claims(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    appearances = _appearances(conn)
    for row in _stream(conn, _claims_query(False, since)):
        yield _claim_row(row, appearances.take(row.id))


def _retracted(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    """Retracted claims, and retracted appearances of live ones, with when
    and why: for reading (an import would bring them back unretracted)."""
    appearances = _appearances(conn)
    for row in _stream(conn, _claims_query(True, since)):
        c = row
        yield {
            "record": "claim",
            **_claim_row(row, appearances.take(c.id)),
            "retracted_at": _stamp(c.retracted_at),
            "retracted_reason": c.retracted_reason,
        }
    a, source, claim_source = ClaimAppearance, aliased(Source), aliased(Source)
    query = (
        select(a.quote, a.appeared_on, a.retracted_at, a.retracted_reason,
               source.slug.label("source"), claim_source.slug.label("claim_source"),
               Person.name.label("speaker"), Claim.quote.label("claim_quote"))
        .join(source, source.id == a.source_id)
        .join(Claim, Claim.id == a.claim_id)
        .join(claim_source, claim_source.id == Claim.source_id)
        .join(Person, Person.id == Claim.person_id)
        .where(a.retracted_at.is_not(None))
        .order_by(a.id)
    )  # fmt: skip
    if since is not None:
        query = query.where(a.retracted_at >= _midnight(since))
    for row in _stream(conn, query):
        yield _compact({
            "record": "appearance",
            "claim": {"source": row.claim_source, "speaker": row.speaker,
                      "quote": row.claim_quote},
            "source": row.source, "quote": row.quote, "appeared_on": _day(row.appeared_on),
            "retracted_at": _stamp(row.retracted_at), "retracted_reason": row.retracted_reason,
        })  # fmt: skip


def _outcomes(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    """Every question's outcomes in chain order, first to current (the order
    the importer appends corrections in). With ``since``, the whole chain of
    each question with an outcome recorded since: the importer matches
    outcomes by their place in the chain, so those an earlier export carried
    are skipped as unchanged and the new ones appended."""
    o = Outcome
    query = (
        select(o.id, o.question_id, o.supersedes_id, Question.slug, o.result, o.observed_value,
               o.occurred_on, o.evidence_url, Source.slug.label("evidence_source"), o.note,
               o.recorded_by, o.recorded_at)
        .join(Question, Question.id == o.question_id)
        .outerjoin(Source, Source.id == o.evidence_source_id)
        .order_by(o.question_id, o.id)
    )  # fmt: skip
    if since is not None:
        later = aliased(Outcome)
        recent = and_(later.question_id == o.question_id, later.recorded_at >= _midnight(since))
        query = query.where(exists().where(recent))
    # Further evidence links, keyed and ordered as the outcomes are read.
    links = _Merged(_stream(conn, select(
        Outcome.question_id, OutcomeEvidence.outcome_id, OutcomeEvidence.url
    ).join(Outcome, Outcome.id == OutcomeEvidence.outcome_id).order_by(
        Outcome.question_id, OutcomeEvidence.outcome_id, OutcomeEvidence.position
    )), keys=2)  # fmt: skip
    group: list[dict[str, Any]] = []

    def chain() -> Iterator[dict[str, Any]]:
        for link in chain_order(group, id_="id", parent="supersedes"):
            r, more = link["row"], link["more"]
            yield _compact({
                "question": r.slug,
                "result": r.result if r.result != "observed" else None,
                "value": r.observed_value, "occurred_on": r.occurred_on.isoformat(),
                "evidence_url": r.evidence_url, "more_evidence": more,
                "evidence_source": r.evidence_source, "note": r.note,
                "recorded_by": r.recorded_by, "recorded_at": _stamp(r.recorded_at),
            })  # fmt: skip

    for row in _stream(conn, query):
        if group and group[0]["row"].question_id != row.question_id:
            yield from chain()
            group = []
        more = [url for (url,) in links.take((row.question_id, row.id))]
        group.append({"id": row.id, "supersedes": row.supersedes_id, "row": row, "more": more})
    if group:
        yield from chain()


def _revision_queries(since: dt.date | None) -> dict[str, Any]:
    """For each kind of record, its revisions with the record's natural key
    (ids differ from database to database), oldest first."""
    r = Revision
    source, claim_source = aliased(Source), aliased(Source)
    base = (r.id, r.revised_at, r.field, r.old_value, r.new_value, r.reason, r.revised_by)

    def of(kind: str, *columns: Any) -> Any:
        query = select(*base, *columns).where(r.record_type == kind)
        if since is not None:
            query = query.where(r.revised_at >= _midnight(since))
        return query.order_by(r.revised_at, r.id)

    claim_key = (claim_source.slug.label("claim_source"), Person.name.label("speaker"),
                 Claim.quote.label("claim_quote"))  # fmt: skip
    return {
        "claim": of("claim", *claim_key)
        .join(Claim, Claim.id == r.record_id)
        .join(claim_source, claim_source.id == Claim.source_id)
        .join(Person, Person.id == Claim.person_id),
        "appearance": of("appearance", *claim_key, source.slug.label("source"))
        .join(ClaimAppearance, ClaimAppearance.id == r.record_id)
        .join(source, source.id == ClaimAppearance.source_id)
        .join(Claim, Claim.id == ClaimAppearance.claim_id)
        .join(claim_source, claim_source.id == Claim.source_id)
        .join(Person, Person.id == Claim.person_id),
        "question": of("question", Question.slug).join(Question, Question.id == r.record_id),
        "person": of("person", Person.slug).join(Person, Person.id == r.record_id),
        "source": of("source", Source.slug).join(Source, Source.id == r.record_id),
    }


def _record_key(kind: str, row: Any) -> Any:
    if kind in ("claim", "appearance"):
        claim = {"source": row.claim_source, "speaker": row.speaker, "quote": row.claim_quote}
        return claim if kind == "claim" else {"claim": claim, "source": row.source}
    return row.slug


def _revisions(conn: Connection, since: dt.date | None) -> Iterator[dict[str, Any]]:
    """The edit history, oldest first, each revision naming its record by its
    natural key and a reference it changed by slug (the stored ids mean
    nothing in another database)."""
    import heapq

    names: dict[tuple[str, str], str] = {}

    def named(field: str, value: str | None) -> str | None:
        if value is None or field not in _REFERENCES:
            return value
        if (field, value) not in names:
            names[(field, value)] = _reference(conn, field, int(value)) or value
        return names[(field, value)]

    def tagged(kind: str, query: Any) -> Iterator[tuple[str, Any]]:
        for row in _stream(conn, query):
            yield kind, row

    streams = [tagged(kind, query) for kind, query in _revision_queries(since).items()]
    for kind, row in heapq.merge(*streams, key=lambda item: (item[1].revised_at, item[1].id)):
        yield _compact({
            "record_type": kind, "record": _record_key(kind, row), "field": row.field,
            "old_value": named(row.field, row.old_value),
            "new_value": named(row.field, row.new_value),
            "reason": row.reason, "revised_by": row.revised_by,
            "revised_at": _stamp(row.revised_at),
        })  # fmt: skip


_REFERENCES = ("question_id", "condition_question_id", "person_id", "source_id", "scale_term_id")


def _reference(conn: Connection, field: str, id_: int) -> str | None:
    """A referenced row's natural key: a slug, or a scale term as 'scale: term'."""
    if field == "scale_term_id":
        row = conn.execute(
            select(Scale.slug, ScaleTerm.term).join(Scale).where(ScaleTerm.id == id_)
        ).first()
        return f"{row[0]}: {row[1]}" if row is not None else None
    model = {"person_id": Person, "source_id": Source}.get(field, Question)
    return conn.execute(select(model.slug).where(model.id == id_)).scalar()


def _affiliations(conn: Connection, since: dt.date | None) -> dict[str, Any] | None:
    """Affiliations as a seed file's people section: each speaker with one,
    and each organisation named, as a full people row (the same as in
    people.jsonl, so the bulk rows find them unchanged), the speakers with
    their affiliations. Few rows, so built in memory."""
    query = select(*Affiliation.__table__.c).order_by(Affiliation.person_id, Affiliation.id)
    if since is not None:
        query = query.where(Affiliation.created_at >= _midnight(since))
    rows = conn.execute(query).all()
    if not rows:
        return None
    ids = sorted({a.person_id for a in rows} | {a.organisation_id for a in rows})
    people = {row.id: row for row in conn.execute(_people_query(None).where(Person.id.in_(ids)))}
    aliases = _Merged(conn.execute(
        select(PersonAlias.person_id, PersonAlias.alias, PersonAlias.alias_key)
        .where(PersonAlias.person_id.in_(ids))
        .order_by(PersonAlias.person_id, PersonAlias.id)
    ))  # fmt: skip
    entries = {i: _person_row(people[i], aliases.take(i)) for i in ids}
    for a in rows:
        entries[a.person_id].setdefault("affiliations", []).append(_compact({
            "organisation": people[a.organisation_id].name, "role": a.role,
            "started_on": _day(a.started_on), "ended_on": _day(a.ended_on),
        }))  # fmt: skip
    return {"people": list(entries.values())}


# The files a bulk export writes, in the order they are written.
IMPORTABLE = ("sources", "people", "questions", "claims", "outcomes")
READ_ONLY = ("revisions", "retracted")


def export_bulk(
    engine: Engine,
    folder: Path,
    *,
    claims_csv: bool = False,
    since: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Write the record into ``folder`` as bulk files; returns one row per
    file written (its name, rows, and whether ``tracker import`` reads it)."""
    prepare_folder(folder)
    written: list[dict[str, Any]] = []
    readers: dict[str, Callable[[Connection, dt.date | None], Iterator[dict[str, Any]]]] = {
        "sources": _sources, "people": _people, "questions": _questions, "claims": _claims,
        "outcomes": _outcomes, "revisions": _revisions, "retracted": _retracted,
    }  # fmt: skip
    with engine.connect() as conn, conn.begin():
        for section, read in readers.items():
            suffix = ".jsonl" if section in IMPORTABLE else ".ndjson"
            path = folder / f"{section}{suffix}"
            if section == "claims" and claims_csv:
                written.extend(_write_claims_csv(folder, read(conn, since)))
                continue
            with ExitStack() as stack:
                out = _open(stack, path)
                count = 0
                for row in read(conn, since):
                    out.write(_line(row))
                    count += 1
            written.append({"file": path.name, "rows": count,
                            "import": section in IMPORTABLE})  # fmt: skip
        seed = _affiliations(conn, since)
        path = folder / "affiliations.yaml"
        if seed is not None:
            import yaml

            with ExitStack() as stack:
                out = _open(stack, path)
                out.write("# Affiliations, which bulk people rows cannot carry: "
                          "`tracker import` reads this file with the others.\n")  # fmt: skip
                yaml.safe_dump(seed, out, allow_unicode=True, sort_keys=False, width=100)
            count = sum(len(p.get("affiliations", [])) for p in seed["people"])
            written.append({"file": path.name, "rows": count, "import": True})
        elif path.exists():
            path.unlink()  # an earlier export's, which this one does not carry
    return written


def _write_claims_csv(folder: Path, rows: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims as claims.csv; a claim with appearances, which a CSV row cannot
    hold, goes to claims.jsonl (importing the folder reads both)."""
    counts = {"claims.csv": 0, "claims.jsonl": 0}
    with ExitStack() as stack:
        table = csv.DictWriter(_open(stack, folder / "claims.csv"), CLAIM_CSV_COLUMNS)
        table.writeheader()
        lines = _open(stack, folder / "claims.jsonl")
        for row in rows:
            if "appearances" in row:
                lines.write(_line(row))
                counts["claims.jsonl"] += 1
                continue
            condition = row.pop("condition", None) or {}
            numbers = row.pop("range", None)
            table.writerow({
                **{k: _cell(v) for k, v in row.items()},
                "condition_question": condition.get("question"),
                "condition_result": condition.get("result"),
                "range": ";".join(map(repr, numbers)) if numbers else None,
            })  # fmt: skip
            counts["claims.csv"] += 1
    return [{"file": name, "rows": n, "import": True} for name, n in counts.items()]


def _cell(value: Any) -> Any:
    """A CSV cell: numbers exactly as JSON writes them (repr keeps every digit)."""
    return repr(value) if isinstance(value, float) else value
