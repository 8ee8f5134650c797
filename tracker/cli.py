"""The ``tracker`` command line: parse, call a service, render.

Only click is imported at start-up; SQLAlchemy, Alembic, YAML and pydantic are
imported inside the commands that need them, so ``tracker --help`` stays fast.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker import __version__
from tracker.output import emit, emit_record, output_options
from tracker.vocabulary import (
    BINARY_RESULTS,
    CLAIM_KINDS,
    DIRECTIONS,
    MAPPING_BASES,
    PERSON_KINDS,
    PHRASE_BASES,
    QUESTION_STATUSES,
    RESULTS,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from tracker.reads import Reader
    from tracker.writes import Writer

T = TypeVar("T")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class InputError(click.ClickException):
    """A bad value on the command line: one line, exit status 2 (as for usage errors)."""

    exit_code = 2


class TrackerGroup(click.Group):
    """Turns every error the user can act on into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # click prints usage lines around its own message; ours is one line
            # that says where to look.
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            raise InputError(f"{exc.format_message()} (see `{where} -h`)") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            raise click.ClickException(_one_line(exc)) from None


def _one_line(exc: Exception) -> str:
    from tracker.errors import TrackerError

    if isinstance(exc, TrackerError):
        return str(exc)
    module = type(exc).__module__
    if module.startswith("sqlalchemy") or module == "sqlite3":  # sqlite3: the quick reads
        orig = getattr(exc, "orig", None) or exc
        return f"database error: {str(orig).splitlines()[0]}"
    if isinstance(exc, AssertionError):  # a row another refers to is gone
        return (
            "the database is inconsistent (a row others refer to is missing): run `tracker verify`"
        )
    if isinstance(exc, OverflowError):  # a number or date past what can be stored
        return "a number or date is out of range"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    if module.startswith("pydantic"):
        from tracker.records import first_error

        return first_error(exc)  # type: ignore[arg-type]
    raise exc


def _who(by: str | None) -> str:
    """Who is writing: --by, else $TRACKER_USER, else the login; held to the
    rules of every text field (no control characters), since it is stored and
    printed like one."""
    import getpass

    from tracker.records import clean_text

    name, where = (by, "--by") if by else (os.environ.get("TRACKER_USER"), "$TRACKER_USER")
    if not name:
        name, where = getpass.getuser(), "your login name"
    try:
        return clean_text(name)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def _engine(ctx: click.Context) -> Engine:
    """The database engine, its schema migrated on first use. A SQLite file
    that does not exist yet is created, and stderr says so."""
    from tracker.config import database_url, sqlite_path
    from tracker.db import get_engine
    from tracker.schema import ensure_schema

    url = database_url(ctx.find_root().params.get("db"))
    path = sqlite_path(url)
    new = path is not None and not path.exists()
    engine = get_engine(url)
    ensure_schema(engine)
    if new:
        click.echo(f"created a new database at {path}", err=True)
    return engine


def _existing(ctx: click.Context) -> None:
    """A read command never creates a database: a file that is not there is
    an error (a typo in --db would otherwise answer "no claims match")."""
    from tracker.config import database_url, sqlite_path

    path = sqlite_path(database_url(ctx.find_root().params.get("db")))
    if path is not None and not path.exists():
        raise InputError(
            f"no database at {path} (record something with `tracker add-…` or "
            "`tracker import`, or pass --db)"
        )


def _transact(
    ctx: click.Context,
    work: Callable[[Session], T],
    *,
    write: bool = False,
    warn: bool = True,
    record: bool = True,
) -> T:
    """Run ``work`` in one transaction (retried if SQLite stays busy). A read
    on a database whose guards were changed says so on stderr (a write is
    refused: ``tracker.db.session_scope``); ``warn=False`` for the commands
    that look into it."""
    from tracker.db import run_in_transaction

    def warned(session: Session) -> T:
        from tracker.guards import altered

        _warn_altered(altered(session.connection()))
        return work(session)

    return run_in_transaction(
        _engine(ctx), warned if warn and not write else work, write=write, record=record
    )


def _write(ctx: click.Context, work: Callable[[Writer], T]) -> T:
    """Run ``work`` in one write transaction: straight on sqlite3 when the
    database is a SQLite file at this tracker's schema (no SQLAlchemy import:
    a quick start), else through SQLAlchemy, which creates, upgrades or
    explains first (``tracker.writes``). The same checks, ledger and retries
    either way."""
    from tracker.config import database_url
    from tracker.writes import sqlite_write

    done = sqlite_write(database_url(ctx.find_root().params.get("db")), work)
    if done is not None:
        return done[0]
    from tracker.writes import SessionWriter

    return _transact(ctx, lambda session: work(SessionWriter(session)), write=True)


def _warn_altered(problems: list[str]) -> None:
    """One line on stderr, once a command, when the guards were changed."""
    meta = click.get_current_context().find_root().meta
    if problems and not meta.get("tracker.guards_warned"):
        meta["tracker.guards_warned"] = True
        click.echo(
            f"tracker: warning: the database's guards were changed outside the tracker "
            f"({problems[0]}); what it shows may have been altered: run `tracker verify`",
            err=True,
        )


def _read(ctx: click.Context, work: Callable[[Reader], T]) -> T:
    """Run read-only ``work``: straight on sqlite3 when the database is a SQLite
    file at this tracker's schema (no SQLAlchemy import: a quick start), else
    in a transaction through SQLAlchemy, which creates or upgrades it first."""
    from tracker.config import database_url
    from tracker.reads import sqlite_reader

    _existing(ctx)
    with sqlite_reader(database_url(ctx.find_root().params.get("db"))) as reader:
        if reader is not None:
            from tracker.guards import sqlite_altered

            _warn_altered(sqlite_altered(reader.conn))
            result = work(reader)
            if not reader.changed():
                return result  # else a writer came: read again, waiting for it
    from tracker.reads import SessionReader

    return _transact(ctx, lambda session: work(SessionReader(session)))


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(value: Any, option: str, prompt: str) -> Any:
    """A required value: prompted for in a terminal, an error elsewhere. A
    typed answer is checked as it is given and asked again if it is wrong
    (a date is a real YYYY-MM-DD date, a text is not blank and has no control
    characters), so nothing typed before it is lost."""
    if value is not None:
        return value
    if _interactive():
        return click.prompt(prompt, value_proc=_checked_date if "YYYY" in prompt else _checked_text)
    raise InputError(f"missing {option}")


def _checked_date(value: str) -> str:
    from tracker.dates import parse_iso_date

    try:
        parse_iso_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip()


def _checked_text(value: str) -> str:
    from tracker.records import clean_text

    try:
        return clean_text(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _record(model: Any, **fields: Any) -> Any:
    """Validate command-line values with the same record the importer uses."""
    from pydantic import ValidationError

    from tracker.records import first_error

    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        message = first_error(exc)
        if not loc:  # a rule across fields: its message names them
            raise InputError(message) from None
        field = str(loc[0])
        option = _OPTION_FOR_FIELD.get(field, field.replace("_", "-"))
        raise InputError(f"--{option}: {message.partition(': ')[2]}") from None


# Record fields whose command-line option has another name.
_OPTION_FOR_FIELD = {"evidence_url": "evidence", "more_evidence": "evidence", "occurred_on": "on",
                     "aliases": "alias"}  # fmt: skip


# Numbers a user types, bounded where they enter: a row id fits the database's
# integers, a count of rows a sane maximum (0 often means "all").
ROW_ID = click.IntRange(1, 2**63 - 1)
COUNT = click.IntRange(0, 1_000_000_000)

db_option = click.option(
    "-d",
    "--db",
    envvar="TRACKER_DB",
    metavar="PATH_OR_URL",
    help="Database file or SQLAlchemy URL (default ./tracker.db; env TRACKER_DB).",
)
by_option = click.option(
    "--by", metavar="NAME", help="Who is entering this (default $TRACKER_USER or your login)."
)


@click.group(cls=TrackerGroup, context_settings=CONTEXT)
@db_option
@click.version_option(__version__, "-V", "--version")
def cli(db: str | None) -> None:
    """Track public forecasts: who said what would happen, and whether it did.

    Claims are stored with their sources in a SQLite file (./tracker.db unless
    --db or TRACKER_DB says otherwise); outcomes record what happened, with
    evidence.

    \b
    Example:
        tracker import seeds/
        tracker list --speaker "Ban Kil-joo"
        tracker add-outcome trump-kim-meet-during-korea-visit no --on 2025-10-29 \\
            --evidence https://example.org/report
    """


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or upgrade it to this version's schema.

    \b
    Example:
        tracker --db forecasts.db init
    """
    from tracker.schema import schema_state

    state = schema_state(_engine(ctx))
    click.echo(f"database ready at schema {state.revision} ({state.status})")


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@by_option
@click.option("--yes", "confirmed", is_flag=True,
              help="Record corrections that turn scored claims into hindsight.")  # fmt: skip
@output_options
@click.pass_context
def import_(
    ctx: click.Context, paths: tuple[Path, ...], by: str | None, confirmed: bool, fmt: str
) -> None:
    """Load sources, people, questions, claims and outcomes from seed or bulk files.

    PATHS are files or folders. YAML and JSON seed files are validated whole
    before anything is written, and written in one transaction. JSON-lines and
    CSV files (one section each, named after it: claims.jsonl, people.csv) are
    streamed in batches of 5,000 rows, one transaction each, for large data;
    given with seed files, they are read and checked first. Importing the
    same files again changes nothing.

    \b
    Example:
        tracker import seeds/
        tracker import archive/sources.jsonl archive/people.jsonl archive/claims.jsonl
    """
    from tracker.services.bulk import bulk_import, check_files, is_bulk_file
    from tracker.services.importer import ImportSummary, collect_files, import_files

    def progress(total: int) -> Any:
        return click.progressbar(length=total, label="importing", file=sys.stderr)

    show = progress if sys.stderr.isatty() else None
    files = collect_files(list(paths))
    seed_files = [f for f in files if not is_bulk_file(f)]
    bulk_files = [f for f in files if is_bulk_file(f)]
    summary = ImportSummary()
    if seed_files and bulk_files:  # nothing of the seeds is written if a bulk file is broken
        check_files(bulk_files)
    if seed_files:
        summary = _transact(
            ctx,
            lambda s: import_files(s, seed_files, _who(by), show, hindsight_ok=confirmed),
            write=True,
        )
    if bulk_files:
        notice = (lambda message: click.echo(message, err=True)) if show else None
        bulk_import(_engine(ctx), bulk_files, _who(by), show, summary, notice, confirmed)
    emit(summary.rows(), fmt)
    if fmt == "table":
        click.echo(f"{len(summary.files)} file(s); {summary.changed} row(s) written", err=True)


@cli.command(name="export")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--csv", "claims_csv", is_flag=True,
              help="Claims as claims.csv (those with appearances: claims.jsonl).")  # fmt: skip
@click.option("--since", metavar="YYYY-MM-DD",
              help="Only what was entered or recorded on or after this day.")  # fmt: skip
@click.option("--claimreview", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also a schema.org ClaimReview per scored claim, to FILE.")  # fmt: skip
@click.option("--reviewer", default="Forecast Claim Tracker", show_default=True,
              help="The organisation named as the ClaimReviews' author.")  # fmt: skip
@click.option("--review-url", metavar="TEMPLATE",
              help="Each review's page, {id} standing for the claim id.")  # fmt: skip
@click.pass_context
def export(ctx: click.Context, folder: Path | None, claims_csv: bool, since: str | None,
           claimreview: Path | None, reviewer: str, review_url: str | None) -> None:  # fmt: skip
    """Write the record as the bulk files `tracker import` reads back.

    FOLDER gets sources.jsonl, people.jsonl, questions.jsonl, claims.jsonl
    and outcomes.jsonl, affiliations.yaml if there are any, and the edit
    history (revisions.ndjson) and retracted claims (retracted.ndjson) for
    reading only. Importing the folder into an empty database gives the
    same record.

    \b
    Example:
        tracker export backup/
        tracker export backup-2026-06/ --since 2026-06-01
        tracker export --claimreview reviews.jsonld --reviewer "Example Desk"
    """  # fmt: skip
    from tracker.claimreview import write_claim_reviews
    from tracker.services.export import export_bulk

    if folder is None and claimreview is None:
        raise InputError("give a FOLDER to export into, or --claimreview FILE")
    day = None
    if since is not None:
        import datetime as dt

        day = dt.date.fromisoformat(_checked_date(since))
    _existing(ctx)
    engine = _engine(ctx)
    rows: list[dict[str, Any]] = []
    if folder is not None:
        rows = export_bulk(engine, folder, claims_csv=claims_csv, since=day)
    if claimreview is not None:
        count = write_claim_reviews(engine, claimreview, _checked_text(reviewer), review_url)
        rows.append({"file": str(claimreview), "rows": count, "import": False})
    emit(rows, "table")


@cli.command(name="add-source")
@click.option("--title", help="The document's title.")
@click.option("--slug", help="Short id (default: made from the title).")
@click.option("--url", help="Where it was published (unique).")
@click.option("--publisher")
@click.option("--author")
@click.option("--published-on", metavar="YYYY-MM-DD")
@click.option("--published-on-note", metavar="TEXT", help="How the date is known, if not printed.")
@click.option("--retrieved-on", metavar="YYYY-MM-DD")
@click.option(
    "--text-file",
    type=click.File("r", encoding="utf-8"),
    help="The document's full text ('-' for stdin), kept to verify quotes.",
)
@output_options
@click.pass_context
def add_source(
    ctx: click.Context, title: str | None, slug: str | None, text_file: Any, fmt: str, **fields: Any
) -> None:
    """Record a source: an article or document that claims appear in.

    \b
    Example:
        tracker add-source --title "Trump has revived speculation…" \\
            --publisher "Example News" --published-on 2025-10-24 --text-file article.txt
    """
    from tracker.records import SourceIn
    from tracker.services.entry import save_source
    from tracker.text import slugify

    title = _ask(title, "--title", "Title")
    rec = _record(
        SourceIn,
        title=title,
        slug=slug or slugify(title),
        text=text_file.read() if text_file else None,
        **fields,
    )

    def work(db: Writer) -> dict[str, Any]:
        source, action = save_source(db, rec)
        return {**source, "action": action}

    emit_record(_write(ctx, work), fmt)


@cli.command(name="add-person")
@click.argument("name", required=False)
@click.option(
    "--kind",
    type=click.Choice(PERSON_KINDS),
    help="What kind of speaker. [default: person, for a new speaker]",
)
@click.option("--alias", "aliases", multiple=True, help="Another spelling (repeatable).")
@click.option("--slug", help="Short id (default: made from the name).")
@click.option("--description")
@by_option
@output_options
@click.pass_context
def add_person(
    ctx: click.Context,
    name: str | None,
    aliases: tuple[str, ...],
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Record a speaker, or add spellings to one already known.

    Any alias finds the person afterwards (case, accents and hyphens ignored).
    A recorded speaker is never renamed or changed here: other values are
    refused (use `tracker edit person`), and so is a spelling that names
    someone else.

    \b
    Example:
        tracker add-person "Ban Kil-joo" --alias "Pan Kil-ju" --alias Ban
        tracker add-person "Many experts (unnamed)" --kind group
    """
    from tracker.records import PersonIn
    from tracker.services.entry import save_person

    name = _ask(name, "NAME", "Name")
    rec = _record(PersonIn, name=name, aliases=list(aliases), **fields)
    who = _who(by)

    def work(db: Writer) -> dict[str, Any]:
        person, action = save_person(db, rec, who)
        return {**person, "action": action}

    emit_record(_write(ctx, work), fmt)


@cli.command(name="add-affiliation")
@click.argument("person", required=False)
@click.option("--organisation", help="The organisation (a speaker of kind organisation).")
@click.option("--role", help="The role there, as stated ('chief economist').")
@click.option("--from", "started_on", metavar="YYYY-MM-DD", help="Since when (default: unknown).")
@click.option("--to", "ended_on", metavar="YYYY-MM-DD", help="Until when (default: still there).")
@by_option
@output_options
@click.pass_context
def add_affiliation(
    ctx: click.Context, person: str | None, by: str | None, fmt: str, **fields: Any
) -> None:
    """Record that a speaker belongs to an organisation over a period.

    `tracker report --by organisation` then counts each of their claims for
    the organisations they belonged to on the day it was made (an
    organisation's own claims count for itself).

    \b
    Example:
        tracker add-person "Korea Institute for National Unification" --kind organisation
        tracker add-affiliation "Kim Tae-hyung" \\
            --organisation "Korea Institute for National Unification" \\
            --role "senior research fellow" --from 2020-03-01
    """
    from tracker.records import AffiliationIn
    from tracker.services.affiliations import save_affiliation
    from tracker.services.people import require_person

    person = _ask(person, "PERSON", "Speaker")
    fields["organisation"] = _ask(fields["organisation"], "--organisation", "Organisation")
    rec = _record(AffiliationIn, **fields)
    who = _who(by)

    def work(session: Session) -> dict[str, Any]:
        speaker = require_person(session, person)
        row, action = save_affiliation(session, speaker, rec, who)
        return {"id": row.id, "person": speaker.name, "organisation": rec.organisation,
                "role": row.role, "from": row.started_on, "to": row.ended_on,
                "action": action}  # fmt: skip

    emit_record(_transact(ctx, work, write=True), fmt)


@cli.command()
@click.argument("article", type=click.File("r", encoding="utf-8", errors="strict"))
@click.option("--title", help="The headline, if the text's first line is not it.")
@click.option("--publisher", help="Who published it, if the text does not say.")
@click.option("--published-on", metavar="YYYY-MM-DD",
              help="When it was published, if the text does not say.")  # fmt: skip
@click.option("--url", help="Where it was published.")
@click.option("--slug", help="The source's short id (default: made from the title).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft here instead of standard output.")  # fmt: skip
@click.option("--model", metavar="NAME",
              help="Ask this language model (via the llm library) instead of the offline "
                   "rules; its proposals are checked the same way.")  # fmt: skip
@click.pass_context
def extract(ctx: click.Context, article: Any, output: Path | None, **fields: Any) -> None:
    """Draft the claims of an article for review: a seed file to check and import.

    ARTICLE is a text file, or - for standard input: the headline on the first
    line and, if it has one, a byline such as "By A. Reporter | Example Times |
    17 March 2026" below it (options give what the text does not). Each
    forecast someone is quoted making becomes a claim: the exact quote, the
    speaker (every spelling the article uses kept as aliases; unnamed groups
    named for the article), the phrase book's reading of the words, the kind,
    when it was said, and a suggested question with a resolve-by date from the
    horizon words. Speakers and questions already in the database are reused.
    Each claim carries its confidence and the reasons as a comment, the
    doubtful first. Nothing is written to the database. --model NAME asks a
    language model through the llm library (pip install 'forecast-claim-tracker[llm]'), and
    checks its answer the same way: a quote not in the text is left out.

    \b
    Example:
        tracker extract article.txt --published-on 2026-03-17 -o draft.yaml
        $EDITOR draft.yaml
        tracker import draft.yaml
    """
    from tracker.services.extract import extract as draft_claims
    from tracker.text import visible as _shown_path

    try:
        text = article.read()
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{_shown_path(article.name)} is not UTF-8 text (byte {exc.start})"
        ) from None
    fields["published_on"] = _date_option(fields["published_on"], "--published-on")
    name = "standard input" if article.name == "<stdin>" else _shown_path(article.name)
    body, draft = _transact(ctx, lambda s: draft_claims(s, text, name=name, **fields))
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
    if draft.left_out:
        click.echo(f"{draft.left_out} proposal(s) of the model left out: a quote not in the "
                   "text, or no speaker", err=True)  # fmt: skip
    click.echo(f"{len(draft.claims)} candidate claim(s), {len(draft.people)} speaker(s), "
               f"{len(draft.questions)} question(s) drafted"
               + (f" in {_shown_path(str(output))}" if output else ""), err=True)  # fmt: skip


@cli.command(name="add-phrase")
@click.argument("phrase", required=False)
@click.option("--term", help="The scale term it reads as (none for --basis unscorable).")
@click.option("--scale", help="The term's scale (slug). [default: the default scale]")
@click.option("--basis", type=click.Choice(PHRASE_BASES),
              help="standard_scale: a scale's own term; survey_median: readers measured it; "
                   "analogy: your nearest term; unscorable: no level.")  # fmt: skip
@click.option("--direction", type=click.Choice(DIRECTIONS),
              help="For words that move the odds ('odds rise'): unscorable.")  # fmt: skip
@click.option("--note", help="Why it reads so, in a line (kept with every claim read by it).")
@click.option("--group", help="A group of phrases it belongs to (as in Datasette).")
@by_option
@output_options
@click.pass_context
def add_phrase(ctx: click.Context, phrase: str | None, by: str | None, fmt: str,
               **fields: Any) -> None:  # fmt: skip
    """Add a phrase to the phrase book: how the tracker reads the words pundits use.

    `add-claim --wording` with no term, and `tracker extract`, look phrases up
    in the book (case, accents and punctuation aside). The same phrase again
    with the same reading changes nothing; another reading is refused.

    \b
    Example:
        tracker add-phrase "on a knife edge" --term "roughly even chance" --basis analogy \\
            --note "Balanced either way: an even chance, like the surveyed 'about even' (50)."
        tracker add-phrase "anyone's guess" --basis unscorable --note "Says no level at all."
    """
    from tracker.records import PhraseIn
    from tracker.services.phrases import add_phrase as record_phrase

    phrase = _ask(phrase, "PHRASE", "Phrase")
    fields["basis"] = _ask(fields["basis"], "--basis", "Basis")
    fields["note"] = _ask(fields["note"], "--note", "Why it reads so")
    rec = _record(PhraseIn, phrase=phrase, **fields)
    who = _who(by)

    def work(session: Session) -> dict[str, Any]:
        row, action = record_phrase(session, rec, who)
        term = row.term
        return {"id": row.id, "phrase": row.phrase, "scale": term.scale.slug if term else None,
                "term": term.term if term else None, "basis": row.basis,
                "direction": row.direction, "action": action}  # fmt: skip

    emit_record(_transact(ctx, work, write=True), fmt)


@cli.command(name="add-question")
@click.option("--slug", help="Short id used to refer to it (default: made from the title).")
@click.option("--title", help="The event, in a line.")
@click.option("--criteria", help="Exactly what counts as YES.")
@click.option("--resolve-by", metavar="YYYY-MM-DD", help="The date by which it resolves.")
@click.option("--horizon", help="The time frame as worded in the source.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--unit", help="A numeric question: the unit its value is in ('US$ per ounce').")
@by_option
@output_options
@click.pass_context
def add_question(
    ctx: click.Context,
    slug: str | None,
    title: str | None,
    criteria: str | None,
    resolve_by: str | None,
    tags: tuple[str, ...],
    unit: str | None,
    by: str | None,
    fmt: str,
    horizon: str | None,
) -> None:
    """Record a question: a future event worded so it can be resolved.

    A yes-or-no question by default; with --unit a numeric one, resolved by
    the value observed, which claims estimate (--value, --range, --above).

    \b
    Example:
        tracker add-question --title "Trump and Kim meet during the APEC week" \\
            --criteria "An in-person meeting between 29 Oct and 1 Nov 2025" \\
            --resolve-by 2025-11-01 --horizon "this time" --tag north-korea
        tracker add-question --title "Gold price at the end of June 2026" --unit "US$ per ounce" \\
            --criteria "LBMA PM price on 30 June 2026" --resolve-by 2026-06-30
    """
    from tracker.records import QuestionIn
    from tracker.services.entry import save_question
    from tracker.text import slugify

    title = _ask(title, "--title", "Title")
    criteria = _ask(criteria, "--criteria", "Resolution criteria")
    resolve_by = _ask(resolve_by, "--resolve-by", "Resolve by (YYYY-MM-DD)")
    rec = _record(
        QuestionIn,
        slug=slug or slugify(title),
        title=title,
        criteria=criteria,
        resolve_by=resolve_by,
        horizon=horizon,
        tags=list(tags),
        type="numeric" if unit is not None else "binary",
        unit=unit,
    )

    def work(db: Writer) -> dict[str, Any]:
        question, action = save_question(db, rec, _who(by))
        return {**question, "action": action}

    emit_record(_write(ctx, work), fmt)


@cli.command(name="add-claim")
@click.option("--speaker", help="Who said it (any known spelling).")
@click.option("--source", help="Source slug, URL or id.")
@click.option("--made-on", metavar="YYYY-MM-DD", help="When it was said.")
@click.option("--made-on-note", metavar="TEXT", help="How the date is known, if not printed.")
@click.option("--quote", help="The exact words, as they stand in the source.")
@click.option("--question", help="Question slug or id the claim is about.")
@click.option("--new-question", metavar="TITLE",
              help="Record the claim's question here too: its title (with --criteria, "
                   "--resolve-by, optional --horizon and --slug-for-question).")  # fmt: skip
@click.option("--criteria", help="For --new-question: exactly what counts as YES.")
@click.option("--resolve-by", metavar="YYYY-MM-DD", help="For --new-question: when it resolves.")
@click.option("--horizon", help="For --new-question: the time frame as worded in the source.")
@click.option("--slug-for-question", metavar="SLUG",
              help="For --new-question: its short id (default: made from the title).")  # fmt: skip
@click.option(
    "--kind",
    type=click.Choice(CLAIM_KINDS),
    default="forecast",
    show_default=True,
)
@click.option("--role", help="Role or affiliation as stated at the time.")
@click.option("--wording", help="The probability words used ('unlikely').")
@click.option("--probability", type=float, help="A stated probability, 0..1.")
@click.option("--low", type=float, help="Low end of a stated range.")
@click.option("--high", type=float, help="High end of a stated range.")
@click.option("--scale", help="Scale to read --term on (default icd203).")
@click.option("--term", help="The scale term the wording maps to.")
@click.option(
    "--basis",
    type=click.Choice(MAPPING_BASES),
    help="Basis of the mapping (default: from what is given).",
)
@click.option("--note", help="Why the wording was mapped this way.")
@click.option(
    "--condition", metavar="QUESTION", help="For a conditional: the question it depends on."
)
@click.option(
    "--condition-result", type=click.Choice(BINARY_RESULTS), help="The result the condition needs."
)
@click.option("--direction", type=click.Choice(DIRECTIONS), help="For a directional claim.")
@click.option("--side", type=click.Choice(BINARY_RESULTS), default="yes", show_default=True,
              help="The question's side the claim is about: no for its opposite "
                   "('the Chiefs will win' on 'the Eagles win').")  # fmt: skip
@click.option("--value", type=float, metavar="N",
              help="A numeric question: the value said ('sales of 4.3 million').")  # fmt: skip
@click.option("--range", "range_", type=float, nargs=2, metavar="LOW HIGH",
              help="A numeric question: the range said; its level is --probability or the "
                   "wording's term ('80% sure: 4 to 5').")  # fmt: skip
@click.option(
    "--above",
    type=float,
    metavar="N",
    help="A numeric question: the value ends above N (scored yes/no by its probability).",
)
@click.option(
    "--below", type=float, metavar="N", help="A numeric question: the value ends below N."
)
@click.option("--unit", help="For a numeric --new-question: the unit its value is in.")
@by_option
@output_options
@click.pass_context
def add_claim(
    ctx: click.Context,
    condition: str | None,
    condition_result: str | None,
    new_question: str | None,
    criteria: str | None,
    resolve_by: str | None,
    horizon: str | None,
    slug_for_question: str | None,
    range_: tuple[float, float] | None,
    unit: str | None,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Record a claim: who said what, where, when, about which question, how likely.

    The quote must appear word for word in the source's text when the source
    has one. Give a number (--probability), or the words mapped to a scale
    term (--wording, --term, --scale), or neither for an unscorable claim.

    \b
    Example:
        tracker add-claim --speaker "Koh Yu-hwan" --source trump-kim-holds-the-cards \\
            --made-on 2025-10-24 --question apec-meeting-brings-results --kind conditional \\
            --condition trump-kim-meet-during-korea-visit --condition-result yes \\
            --quote "unlikely to produce meaningful results" --wording unlikely --term unlikely
        tracker add-claim --speaker "Ana Ruiz" --source bank-outlook --question gold-june-2026 \\
            --quote "likely between $3,800 and $4,200" --range 3800 4200 --wording likely

    On a numeric question the claim gives --value, --range or --above/--below.
    """
    from tracker.records import ClaimIn
    from tracker.services.entry import read_claim_wording, save_claim

    fields["speaker"] = _ask(fields["speaker"], "--speaker", "Speaker")
    fields["source"] = _ask(fields["source"], "--source", "Source")
    fields["quote"] = _ask(fields["quote"], "--quote", "Exact quote")
    if condition or condition_result:
        fields["condition"] = {"question": condition, "result": condition_result}
    fields["range"] = list(range_) if range_ else None
    question_rec = None
    if new_question is not None:
        if fields["question"] is not None:
            raise InputError("--question or --new-question: the claim is about one question")
        from tracker.records import QuestionIn
        from tracker.text import slugify

        question_rec = _record(
            QuestionIn, slug=slug_for_question or slugify(new_question), title=new_question,
            criteria=_ask(criteria, "--criteria", "What counts as YES"),
            resolve_by=_ask(resolve_by, "--resolve-by", "Resolves by (YYYY-MM-DD)"),
            horizon=horizon, type="numeric" if unit is not None else "binary", unit=unit,
        )  # fmt: skip
        fields["question"] = question_rec.slug
    elif any(v is not None for v in (criteria, resolve_by, horizon, slug_for_question, unit)):
        raise InputError("--criteria, --resolve-by, --horizon, --unit and --slug-for-question go "
                         "with --new-question")  # fmt: skip
    who = _who(by)

    def work(db: Writer) -> dict[str, Any]:
        from tracker.services.entry import require_source, save_question

        if question_rec is not None:
            _, made = save_question(db, question_rec, who)
            click.echo(f"question {question_rec.slug}: {made}", err=True)
        values = dict(fields)
        if values["made_on"] is None:
            published = require_source(db, values["source"])["published_on"]
            if published is None:
                raise InputError("--made-on: the source has no published date to default to")
            values["made_on"] = published.isoformat()
            values["made_on_note"] = values["made_on_note"] or (
                "reported in the source; its date of publication"
            )
            click.echo(f"made on {published}: the source's published date", err=True)
        given = _record(ClaimIn, **values)
        rec, reading = read_claim_wording(db, given)
        if reading is not None:
            click.echo(reading.describe(), err=True)
        claim, action = save_claim(db, rec, who)
        retracted = claim.pop("retracted")
        if retracted is not None:
            click.echo(f"claim {claim['id']} was retracted: {retracted}", err=True)
        return {**claim, "action": action}

    emit_record(_write(ctx, work), fmt)


@cli.command(name="add-appearance")
@click.argument("claim_id", type=ROW_ID)
@click.option("--source", help="The later source (slug, URL or id).")
@click.option("--quote", help="The claim's words as they stand in that source.")
@click.option("--on", "appeared_on", metavar="YYYY-MM-DD", help="When it appeared there.")
@output_options
@click.pass_context
def add_appearance(
    ctx: click.Context,
    claim_id: int,
    source: str | None,
    quote: str | None,
    appeared_on: str | None,
    fmt: str,
) -> None:
    """Record that a claim appears again in another source (another outlet).

    The claim keeps its first source; this adds a later appearance, its quote
    checked against that source's text.

    \b
    Example:
        tracker add-appearance 6 --source wire-copy --on 2025-10-25 \\
            --quote "Kim will likely decide whether to resume diplomacy"
    """
    from tracker.records import AppearanceIn
    from tracker.services.entry import add_appearance as record_appearance
    from tracker.services.entry import require_claim
    from tracker.writes import SessionWriter

    source = _ask(source, "--source", "Source")
    quote = _ask(quote, "--quote", "Quote as it stands there")
    rec = _record(AppearanceIn, source=source, quote=quote, appeared_on=appeared_on)

    def work(session: Session) -> bool:
        db = SessionWriter(session)
        return record_appearance(db, require_claim(db, claim_id), rec)

    added = _transact(ctx, work, write=True)
    emit_record(
        {"claim": claim_id, "source": rec.source, "action": "created" if added else "unchanged"},
        fmt,
    )


@cli.command(name="add-outcome")
@click.argument("args", nargs=-1, metavar="QUESTION... RESULT")
@click.option("--claim", "claim_id", type=ROW_ID, help="Resolve the question of this claim.")
@click.option(
    "--on", "occurred_on", metavar="YYYY-MM-DD", help="When it happened (or became settled)."
)
@click.option("--evidence", "evidence_urls", metavar="URL", multiple=True,
              help="A URL that shows it (repeatable: several links, in order).")  # fmt: skip
@click.option("--evidence-source", metavar="SOURCE", help="A recorded source that shows it.")
@click.option("--note", help="Why this call: what the evidence says.")
@click.option("--yes", "confirmed", is_flag=True,
              help="Record it even though it turns scored claims into hindsight.")  # fmt: skip
@by_option
@output_options
@click.pass_context
def add_outcome(
    ctx: click.Context,
    args: tuple[str, ...],
    claim_id: int | None,
    occurred_on: str | None,
    evidence_urls: tuple[str, ...],
    confirmed: bool,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Record what happened to one or more questions: yes, no, partial, ambiguous, annulled,
    unresolvable, or a numeric question's value observed.

    "unresolvable": what happened could not be established after a search;
    say what was searched in --note and give the best evidence found. The
    question leaves "overdue", its claims are void, and a real outcome found
    later corrects it like any other.

    The outcome resolves every claim on the question. Outcomes are never
    changed: recording another for the same question is a correction that
    supersedes the current one, and both stay in the history. Several
    questions settled by the same event, on the same date and evidence, take
    one command: all are recorded, or none.

    \b
    Example:
        tracker add-outcome trump-kim-meet-during-korea-visit no --on 2025-10-29 \\
            --evidence https://example.org/afp-report --note "Trump: timing didn't work out"
        tracker add-outcome trump-kim-meet-during-korea-visit trump-kim-meet-at-panmunjom-2025 \\
            no --on 2025-10-29 --evidence https://example.org/afp-report
        tracker add-outcome --claim 4 annulled --on 2025-11-01 --evidence https://example.org/x
        tracker add-outcome gold-june-2026 4120 --on 2026-06-30 --evidence https://example.org/lbma
    """
    from tracker.records import OutcomeIn
    from tracker.services.entry import question_of_claim, record_outcome, require_question
    from tracker.text import quoted

    if claim_id is not None and len(args) != 1:
        raise InputError(f"expected --claim ID RESULT, got {len(args)} argument(s)")
    if claim_id is None and len(args) < 2:
        raise InputError(f"expected QUESTION... RESULT, got {len(args)} argument(s)")
    if len(set(args[:-1])) != len(args[:-1]):
        raise InputError("a question is named twice")
    result: str | None = args[-1]
    value = None
    if result not in RESULTS:
        import math

        try:  # a numeric question's value observed ("4120", "4,120.5")
            value = float(result.replace(",", "").replace("_", ""))
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise InputError(
                f"RESULT must be one of {', '.join(RESULTS)}, or the value observed of a numeric "
                f"question, not {quoted(result)}"
            )
        result = None
    occurred_on = _ask(occurred_on, "--on", "Happened on (YYYY-MM-DD)")

    def work(db: Writer) -> list[tuple[str, Any]]:
        if claim_id is not None:
            questions = [question_of_claim(db, claim_id)]
        else:
            questions = [require_question(db, ref) for ref in args[:-1]]
        done = []
        for question in questions:
            rec = _record(
                OutcomeIn, question=question.slug, result=result, value=value,
                occurred_on=occurred_on,
                evidence_url=evidence_urls[0] if evidence_urls else None,
                more_evidence=list(evidence_urls[1:]), **fields,
            )  # fmt: skip
            recorded = record_outcome(db, question, rec, _who(by), hindsight_ok=confirmed)
            done.append((question.slug, recorded))
        return done

    from dataclasses import asdict

    rows = []
    for slug, recorded in _write(ctx, work):
        if recorded is None:
            click.echo(f"{slug} already has this outcome; nothing recorded", err=True)
            continue
        _say_outcome(slug, recorded)
        shown = asdict(recorded)
        if fmt == "table":
            shown["hindsight"] = ", ".join(map(str, recorded.hindsight)) or "none"
        rows.append(shown)
    if len(rows) == 1:
        emit_record(rows[0], fmt)
    elif rows:
        emit(rows, fmt)


def _say_outcome(slug: str, recorded: Any) -> None:
    """What an outcome did, on stderr: hindsight, a correction, or the claims it resolves."""
    if recorded.hindsight:
        ids = ", ".join(str(i) for i in recorded.hindsight)
        click.echo(
            f"note: claim(s) {ids} on {slug} were made on or after {recorded.occurred_on}, "
            "when it happened: they count as hindsight, not scored",
            err=True,
        )
    if recorded.supersedes is not None:
        click.echo(
            f"correction: outcome #{recorded.id} ({recorded.result}) supersedes "
            f"#{recorded.supersedes} ({recorded.previous_result}) for {recorded.question}",
            err=True,
        )
    else:
        click.echo(
            f"recorded outcome #{recorded.id}: {recorded.question} resolved "
            f"{recorded.result}; {recorded.claims_resolved} claim(s) on it",
            err=True,
        )


def _reason(reason: str | None) -> str:
    return _ask(reason, "--reason (why the record is corrected)", "Reason for the correction")


reason_option = click.option(
    "--reason", metavar="TEXT", help="Why the record is corrected (required; kept in its history)."
)


def _emit_edit(edit: Any, fmt: str) -> None:
    """The changes of one correction: a row per field, or a note that nothing changed."""
    if not edit.changes:
        click.echo(f"{edit.record}: nothing to change; nothing recorded", err=True)
    rows = [{"record": edit.record, **c} for c in edit.changes]
    emit(rows, fmt, ["record", "field", "old", "new"], width=50, empty="")
    if edit.changes and fmt == "table":
        click.echo(f"{edit.record}: {len(edit.changes)} field(s) corrected", err=True)


@cli.group(cls=TrackerGroup, context_settings=CONTEXT)
def edit() -> None:
    """Correct a recorded claim, question, speaker or source, with a reason.

    Every changed field is kept in the record's history (the revisions table;
    `tracker show` lists it), and nothing else about the record changes.

    \b
    Example:
        tracker edit claim 3 --quote "a deal is very likely" --reason "typo in the quote"
        tracker edit question deal-by-june --resolve-by 2026-07-31 --reason "criteria say July"
    """


@edit.command(name="claim")
@click.argument("claim_id", type=ROW_ID)
@click.option("--speaker", help="Who said it (any known spelling).")
@click.option("--source", help="Source slug, URL or id.")
@click.option("--made-on", metavar="YYYY-MM-DD", help="When it was said.")
@click.option("--made-on-note", metavar="TEXT", help="How the date is known.")
@click.option("--quote", help="The exact words, as they stand in the source.")
@click.option("--question", help="Question slug or id ('' for none: an opinion).")
@click.option("--kind", type=click.Choice(CLAIM_KINDS))
@click.option("--role", help="Role or affiliation as stated at the time ('' to clear).")
@click.option("--wording", help="The probability words used.")
@click.option("--probability", type=float, help="A stated probability, 0..1.")
@click.option("--low", type=float, help="Low end of a stated range.")
@click.option("--high", type=float, help="High end of a stated range.")
@click.option("--scale", help="Scale to read --term on (default icd203).")
@click.option("--term", help="The scale term the wording maps to.")
@click.option("--basis", type=click.Choice(MAPPING_BASES), help="Basis of the mapping.")
@click.option("--note", help="Why the wording was mapped this way ('' to clear).")
@click.option("--condition", metavar="QUESTION", help="For a conditional: the question.")
@click.option("--condition-result", type=click.Choice(BINARY_RESULTS))
@click.option("--direction", type=click.Choice(DIRECTIONS), help="For a directional claim.")
@click.option("--side", type=click.Choice(BINARY_RESULTS),
              help="The question's side the claim is about: no for its opposite.")  # fmt: skip
@click.option("--value", type=float, metavar="N", help="A numeric claim's point estimate.")
@click.option("--range", "range_", type=float, nargs=2, metavar="LOW HIGH",
              help="A numeric claim's range.")  # fmt: skip
@click.option("--above", type=float, metavar="N", help="A numeric claim: ends above N.")
@click.option("--below", type=float, metavar="N", help="A numeric claim: ends below N.")
@reason_option
@by_option
@output_options
@click.pass_context
def edit_claim(
    ctx: click.Context,
    claim_id: int,
    condition: str | None,
    condition_result: str | None,
    range_: tuple[float, float] | None,
    reason: str | None,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Correct claim CLAIM_ID: only the options given change.

    Any of --probability, --low, --high, --scale, --term, --basis replaces the
    whole probability reading; --kind, --condition or --direction the kind;
    --value, --range, --above or --below a numeric claim's number.
    A claim edited after its question resolved is flagged in the report.

    \b
    Example:
        tracker edit claim 3 --term unlikely --basis analogy \\
            --note "'not bright' read as unlikely" --reason "mapped to the wrong term"
    """
    from tracker.services.edits import edit_claim as correct

    reason = _reason(reason)
    if condition or condition_result:
        fields["condition"] = {"question": condition, "result": condition_result}
    fields["range"] = list(range_) if range_ else None
    edit_result = _transact(
        ctx, lambda s: correct(s, claim_id, fields, reason, _who(by)), write=True
    )
    _emit_edit(edit_result, fmt)


@edit.command(name="question")
@click.argument("ref")
@click.option("--title", help="The event, in a line.")
@click.option("--criteria", help="Exactly what counts as YES.")
@click.option("--resolve-by", metavar="YYYY-MM-DD")
@click.option("--horizon", help="The time frame as worded in the source ('' to clear).")
@click.option("--add-tag", "add_tags", multiple=True, metavar="TAG", help="Repeatable.")
@click.option("--remove-tag", "remove_tags", multiple=True, metavar="TAG", help="Repeatable.")
@reason_option
@by_option
@output_options
@click.pass_context
def edit_question(
    ctx: click.Context,
    ref: str,
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    reason: str | None,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Correct question REF (slug or id): title, criteria, resolve-by, horizon, tags.

    \b
    Example:
        tracker edit question deal-by-june --criteria "A signed agreement by 30 June 2026" \\
            --reason "criteria named the wrong year"
    """
    from tracker.services.edits import edit_question as correct

    reason = _reason(reason)
    edit_result = _transact(
        ctx,
        lambda s: correct(s, ref, fields, add_tags, remove_tags, reason, _who(by)),
        write=True,
    )
    _emit_edit(edit_result, fmt)


@edit.command(name="person")
@click.argument("ref")
@click.option("--name", help="The speaker's name (the old one stays a spelling).")
@click.option("--kind", type=click.Choice(PERSON_KINDS))
@click.option("--description", help="Who they are ('' to clear).")
@click.option("--add-alias", "add_aliases", multiple=True, metavar="NAME", help="Repeatable.")
@click.option("--remove-alias", "remove_aliases", multiple=True, metavar="NAME",
              help="Repeatable.")  # fmt: skip
@reason_option
@by_option
@output_options
@click.pass_context
def edit_person(
    ctx: click.Context,
    ref: str,
    add_aliases: tuple[str, ...],
    remove_aliases: tuple[str, ...],
    reason: str | None,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Correct speaker REF (any spelling or slug): name, kind, description, spellings.

    \b
    Example:
        tracker edit person "Observers" --kind group --reason "an unnamed group, not a person"
        tracker edit person "J. Roe" --remove-alias "J. Ro" --reason "typo"
    """
    from tracker.services.edits import edit_person as correct

    reason = _reason(reason)
    edit_result = _transact(
        ctx,
        lambda s: correct(s, ref, fields, add_aliases, remove_aliases, reason, _who(by)),
        write=True,
    )
    _emit_edit(edit_result, fmt)


@edit.command(name="source")
@click.argument("ref")
@click.option("--title")
@click.option("--url")
@click.option("--publisher")
@click.option("--author")
@click.option("--published-on", metavar="YYYY-MM-DD")
@click.option("--published-on-note", metavar="TEXT")
@click.option("--retrieved-on", metavar="YYYY-MM-DD")
@click.option("--text-file", type=click.File("r", encoding="utf-8"),
              help="The corrected full text ('-' for stdin).")  # fmt: skip
@reason_option
@by_option
@output_options
@click.pass_context
def edit_source(
    ctx: click.Context,
    ref: str,
    text_file: Any,
    reason: str | None,
    by: str | None,
    fmt: str,
    **fields: Any,
) -> None:
    """Correct source REF (slug, URL or id). A new text must still hold every
    quote recorded from it; '' clears an optional field.

    \b
    Example:
        tracker edit source minister-expects-deal --published-on 2026-01-06 \\
            --reason "the article is dated the 6th"
    """
    from tracker.services.edits import edit_source as correct

    reason = _reason(reason)
    text = text_file.read() if text_file else None
    edit_result = _transact(
        ctx, lambda s: correct(s, ref, fields, text, reason, _who(by)), write=True
    )
    _emit_edit(edit_result, fmt)


@cli.group(cls=TrackerGroup, context_settings=CONTEXT)
def retract() -> None:
    """Retract a claim or an appearance: it stays, marked, with the reason.

    A retracted claim is no longer scored or counted, is listed apart in the
    report, and cannot be changed again. Nothing is ever deleted.

    \b
    Example:
        tracker retract claim 7 --reason "the speaker was misquoted; the outlet corrected it"
    """


@retract.command(name="claim")
@click.argument("claim_id", type=ROW_ID)
@reason_option
@by_option
@output_options
@click.pass_context
def retract_claim(
    ctx: click.Context, claim_id: int, reason: str | None, by: str | None, fmt: str
) -> None:
    """Retract claim CLAIM_ID.

    \b
    Example:
        tracker retract claim 7 --reason "entered twice; see claim 8"
    """
    from tracker.services.edits import retract_claim as withdraw

    reason = _reason(reason)
    _emit_edit(_transact(ctx, lambda s: withdraw(s, claim_id, reason, _who(by)), write=True),
               fmt)  # fmt: skip


@retract.command(name="appearance")
@click.argument("appearance_id", type=ROW_ID)
@reason_option
@by_option
@output_options
@click.pass_context
def retract_appearance(
    ctx: click.Context, appearance_id: int, reason: str | None, by: str | None, fmt: str
) -> None:
    """Retract appearance APPEARANCE_ID (a later source of a claim; `tracker show`
    lists them with their ids).

    \b
    Example:
        tracker retract appearance 2 --reason "the wire copy quotes someone else"
    """
    from tracker.services.edits import retract_appearance as withdraw

    reason = _reason(reason)
    _emit_edit(
        _transact(ctx, lambda s: withdraw(s, appearance_id, reason, _who(by)), write=True),
        fmt,
    )


@cli.command(name="list")
@click.option("--speaker", help="Only this speaker (any alias).")
@click.option("--question", help="Only claims about this question (slug or id).")
@click.option("--status", type=click.Choice(QUESTION_STATUSES), help="By the question's status.")
@click.option("--tag", help="Only questions with this tag.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only claims made on or after this date.")
@click.option(
    "--limit",
    type=COUNT,
    metavar="N",
    help="Show the first N (oldest) only; 0 for all. [default: 100 in a table, all otherwise]",
)
@output_options
@click.pass_context
def list_(
    ctx: click.Context, since: str | None, limit: int | None, fmt: str, **filters: Any
) -> None:
    """List claims with their probability, question, status and outcome.

    A table shows the first 100 and says how many more there are; --limit 0
    shows all, and --json, --csv and --nl give all unless --limit is given.

    \b
    Example:
        tracker list --speaker "Pan Kil-ju"
        tracker list --status overdue --csv
        tracker list --limit 0
    """
    from tracker.services.listing import count_claims, list_claims
    from tracker.services.report import COUNT_UP_TO

    filters["since"] = _date_option(since, "--since")
    if limit is None:
        limit = 100 if fmt == "table" else 0

    def read(db: Any) -> tuple[list[dict[str, Any]], int]:
        rows = list_claims(db, limit=limit or None, **filters)
        if not limit or len(rows) < limit:
            return rows, len(rows)
        return rows, count_claims(db, up_to=limit + COUNT_UP_TO + 1, **filters)

    rows, total = _read(ctx, read)
    emit(
        rows,
        fmt,
        [
            "id",
            "made_on",
            "speaker",
            "kind",
            *(["on_question"] if filters.get("question") else []),
            "question",
            "wording",
            "probability",
            "basis",
            "status",
            "outcome",
        ],
        width=40,
        empty="no claims match",
    )
    if total > len(rows):
        extra = total - len(rows)
        more = f"over {COUNT_UP_TO:,}" if extra > COUNT_UP_TO else str(extra)
        click.echo(f"… and {more} more (--limit 0 for all)", err=True)


def _instant_option(value: str | None) -> Any:
    from tracker.dates import parse_instant

    try:
        return parse_instant(value) if value else None
    except ValueError as exc:
        raise InputError(f"--as-recorded: {exc}") from None


def _date_option(value: str | None, option: str) -> Any:
    import datetime as dt

    from tracker.dates import parse_iso_date

    try:
        day = parse_iso_date(value) if value else None
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None
    if day is not None and day > dt.date(9999, 11, 30):  # the report looks 30 days ahead
        raise InputError(f"{option}: {day} is out of range (the last date is 9999-11-30)")
    return day


@cli.command()
@click.option(
    "--scale",
    default="recorded",
    show_default=True,
    metavar="NAME",
    help="Read every claim on this scale (icd203, phia, kent1964, survey) instead of as recorded.",
)
@click.option("--strict", is_flag=True, help="Leave out claims mapped by analogy.")
@click.option(
    "--by",
    "by_group",
    type=click.Choice(["speaker", "organisation"]),
    default="speaker",
    show_default=True,
    help="The scoreboard's rows: speakers, or the organisations they spoke for "
    "(affiliations on the day of each claim).",
)
@click.option("--speaker", help="Only this speaker's claims (any alias).")
@click.option("--tag", help="Only claims about questions with this tag.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only claims made on or after this date.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only claims made on or before this date.")
@click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    help="The world as it stood on that date: claims made and outcomes that had happened by "
    "then (as recorded today, corrections included).",
)
@click.option(
    "--as-recorded",
    metavar="DATETIME",
    help="What this database said at that moment (YYYY-MM-DD: the end of that day, UTC; or "
    "2026-03-01T09:30:00Z): rows, outcomes and corrections recorded by then, nothing later.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json", "csv"]),
    default="table",
    show_default=True,
    help="csv writes the score table, one row a group.",
)
@click.option(
    "--rows",
    type=COUNT,
    metavar="N",
    help="Rows per group table (by speaker, tag, ...); 0 for all. "
    "[default: 20 in table and markdown, all in json and csv]",
)
@click.option(
    "--claims",
    "claim_rows",
    type=COUNT,
    default=100,
    show_default=True,
    metavar="N",
    help="How many of the latest claims to list; 0 for all.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.png|svg",
    help="Also draw the calibration curve and the scoreboard (needs forecast-claim-tracker[plot]).",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--csv", "as_csv", is_flag=True, help="The same as --format csv.")
@click.pass_context
def report(ctx: click.Context, scale: str, strict: bool, by_group: str, speaker: str | None,
           tag: str | None,
           since: str | None, until: str | None, as_of: str | None, as_recorded: str | None,
           fmt: str,
           rows: int | None, claim_rows: int, plot: Path | None, as_json: bool,
           as_csv: bool) -> None:  # fmt: skip
    """Who was right and how well calibrated: scores, calibration, what is overdue.

    In order: an overview; overdue questions and those due in 30 days; the
    scoreboard by speaker (mean Brier, skill, log loss, hit rate, with 95%
    intervals); calibration with the Murphy decomposition; the same scores on
    every shipped scale; recent outcomes; every claim with its status.

    \b
    Example:
        tracker report
        tracker report --speaker "Pan Kil-ju" --format markdown
        tracker report --as-of 2025-10-28 --scale phia --plot report.png
        tracker report --as-recorded 2026-03-01T12:00:00Z
        tracker report --by organisation
    """
    from tracker.render_report import emit_report
    from tracker.services.report import ReportOptions, build_report
    from tracker.services.score_state import totals_stale

    if as_json and as_csv:
        raise InputError("--json and --csv: choose one")
    fmt = "json" if as_json else "csv" if as_csv else fmt
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"--plot: {plot} must end in .png or .svg")
    if rows is None:
        rows = 20 if fmt in ("table", "markdown") else 0
    opts = ReportOptions(
        scale=scale, strict=strict, by=by_group, speaker=speaker, tag=tag,
        since=_date_option(since, "--since"), until=_date_option(until, "--until"),
        as_of=_date_option(as_of, "--as-of"), as_recorded=_instant_option(as_recorded),
        rows=rows or None, claims=claim_rows or None,
    )  # fmt: skip
    if _read(ctx, totals_stale):
        from tracker.config import database_url, sqlite_path, sqlite_read_only

        path = sqlite_path(database_url(ctx.find_root().params.get("db")))
        if path is not None and sqlite_read_only(path) is not None:
            import dataclasses

            # Nothing can be kept here: every score computed from the claims instead.
            opts = dataclasses.replace(opts, fresh=True)
        else:
            from tracker.services.scores import refresh

            click.echo(
                "rebuilding the score totals: data was written outside the tracker "
                "or an import was interrupted…",
                err=True,
            )
            _transact(ctx, refresh, write=True, record=False)  # derived data only
    data = _read(ctx, lambda db: build_report(db, opts))
    emit_report(data, fmt)
    if plot is not None:
        from tracker.plot import draw_report

        draw_report(data, plot)
        click.echo(f"plot written to {plot}", err=True)


@cli.command()
@click.option(
    "--limit",
    type=COUNT,
    metavar="N",
    help="Show the first N (soonest) only; 0 for all. [default: 50 in a table, all otherwise]",
)
@output_options
@click.pass_context
def due(ctx: click.Context, limit: int | None, fmt: str) -> None:
    """List overdue questions and those due in the next 30 days.

    Exits with status 3 when any question is overdue, so it can run from cron
    and nag someone to record what happened.

    \b
    Example:
        tracker due
        tracker due --limit 0
        tracker due --json || mail -s "tracker: questions overdue" desk@example.org
    """
    from tracker.services.report import COUNT_UP_TO, due_questions

    if limit is None:
        limit = 50 if fmt == "table" else 0
    rows, total = _read(ctx, lambda db: due_questions(db, limit or None))
    emit(rows, fmt, ["status", "resolve_by", "slug", "title", "claims"], empty="nothing due")
    if total > len(rows):
        extra = total - len(rows)
        more = f"over {COUNT_UP_TO:,}" if extra > COUNT_UP_TO else str(extra)
        click.echo(f"… and {more} more (--limit 0 for all)", err=True)
    if any(r["status"] == "overdue" for r in rows):
        ctx.exit(3)


@cli.command()
@click.argument("ref")
@output_options
@click.pass_context
def show(ctx: click.Context, ref: str, fmt: str) -> None:
    """Show a claim (by id) or a question (by slug, or q:ID) in full.

    A claim comes with its quote, speaker, source, score and the outcome
    history of its question; a question with its criteria, claims and outcome
    history. Both end with the record's history of corrections.

    \b
    Example:
        tracker show 3
        tracker show trump-kim-meet-during-korea-visit
    """
    from tracker.render import render_claim, render_question
    from tracker.services.claims import show_claim, show_question

    _existing(ctx)
    if ref.isdigit() and int(ref) > ROW_ID.max:  # type: ignore[operator]
        raise InputError(f"no claim {ref[:20]}… (ids are smaller numbers)")
    if ref.isdigit():
        data, render = _transact(ctx, lambda s: show_claim(s, int(ref))), render_claim
    else:
        data = _transact(ctx, lambda s: show_question(s, ref.removeprefix("q:")))
        render = render_question
    if fmt == "table":
        render(data)
    else:
        emit([data], fmt)


@cli.command()
@click.option("-p", "--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 to serve on.")  # fmt: skip
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Browse the database in Datasette: scoreboard, calibration, search, every table.

    Serves on 127.0.0.1 only, read-only for visitors, with the metadata that
    describes every table and the stored queries. Needs the optional extra:
    pip install 'forecast-claim-tracker[datasette]'. On a PostgreSQL database
    it serves a snapshot taken as it starts (as `tracker copy` makes one) from
    a temporary file, removed when it stops.

    \b
    Example:
        tracker serve
        tracker --db forecasts.db serve --port 8002
    """
    from tracker.config import database_url, sqlite_path
    from tracker.site import INSTALL_HINT
    from tracker.site import serve as run_site

    if importlib.util.find_spec("datasette") is None:
        raise click.ClickException(INSTALL_HINT)
    url = database_url(ctx.find_root().params.get("db"))
    path = sqlite_path(url)
    if path is None and not url.startswith("sqlite"):  # a server: serve a snapshot of it
        from tracker.snapshots import serve as serve_snapshot

        serve_snapshot(url, port, lambda line: click.echo(f"tracker: {line}", err=True))
        return
    if path is None:
        raise InputError("tracker serve works on a SQLite file; Datasette cannot open " + url)
    _existing(ctx)
    _engine(ctx)  # create or upgrade the schema first
    click.echo(f"Serving {path.name} at http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
    run_site(path, port)


@cli.command(name="datasette-metadata")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (.yaml or .json) instead of printing YAML.")  # fmt: skip
@click.option("--database", metavar="NAME",
              help="Database name in Datasette: the file's stem (default: from --db).")  # fmt: skip
@click.pass_context
def datasette_metadata(ctx: click.Context, output: Path | None, database: str | None) -> None:
    """Write the Datasette metadata, for running datasette yourself.

    \b
    Example:
        tracker datasette-metadata -o metadata.yaml
        datasette tracker.db -m metadata.yaml
    """
    import yaml

    from tracker.config import database_url, sqlite_path
    from tracker.site import metadata, write_metadata

    path = sqlite_path(database_url(ctx.find_root().params.get("db")))
    name = database or (path.stem if path else "tracker")
    if output is None:
        click.echo(yaml.safe_dump(metadata(name), sort_keys=False, allow_unicode=True), nl=False)
    else:
        write_metadata(output, name)
        click.echo(f"wrote {output}; run: datasette {path or 'tracker.db'} -m {output}", err=True)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("-n", "--claims", type=click.IntRange(1, 100_000_000), default=10_000,
              show_default=True, help="How many claims (the rest scale with it).")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
def synth(folder: Path, claims: int, seed: int) -> None:
    """Write a synthetic data set to FOLDER, to try the tracker at scale.

    Deterministic for a given seed and size: JSON-lines files per section
    (sources, people, questions, claims, outcomes) and the claims as CSV, ready
    for `tracker import`.

    \b
    Example:
        tracker synth demo-data --claims 100000
        tracker --db big.db import demo-data/*.jsonl
    """
    from tracker.synthetic import generate

    counts = generate(folder, claims, seed)
    emit([{"file": f"{folder}/{k}.jsonl", "rows": v} for k, v in counts.items()], "table")


@cli.command(name="verify")
@click.option(
    "--head",
    "show_head",
    is_flag=True,
    help="Print the ledger's head (ENTRIES:HASH) once every check passes: publish it.",
)
@click.option(
    "--published",
    metavar="ENTRIES:HASH",
    help="Also check that the record up to a head published earlier is unchanged.",
)
@output_options
@click.pass_context
def verify_(ctx: click.Context, show_head: bool, published: str | None, fmt: str) -> None:
    """Check the database against what the tracker made it; exit 1 on any problem.

    Checks the file (SQLite's integrity check) and every reference (rows
    written with foreign keys off), every table, index, trigger and view
    against this tracker's migrations (a dropped or altered trigger, an added
    one), each question's chain of outcome corrections, the kept score totals
    against a fresh computation, and the ledger: the hash chain over every
    question, claim, appearance, outcome, evidence link and revision,
    recomputed from the records.

    --head prints the head of the ledger, the number of entries and the last
    hash: published (on the newsroom's site, in an article), it lets anyone
    check later with --published that nothing recorded before it changed,
    even if the whole ledger was rebuilt to match.

    \b
    Example:
        tracker verify
        tracker verify --head
        tracker verify --published 1234:5f0c…(the 64 hex digits printed by --head)
        tracker --db archive.db verify --json
    """
    from tracker.services.verify import Head, parse_head, verify
    from tracker.text import quoted

    try:
        against = parse_head(published) if published is not None else None
    except ValueError as exc:
        raise InputError(f"--published {quoted(published or '')}: {exc}") from None
    _existing(ctx)
    heads: list[Head] = []
    results = _transact(ctx, lambda s: verify(s.connection(), against, heads), warn=False)
    problems = sum(len(found) for found in results.values())
    if show_head and not problems:
        head = heads[0]
        if fmt == "table":
            click.echo(str(head))
        else:
            emit([{"entries": head.entries, "hash": head.hash}], fmt, ["entries", "hash"])
        return
    rows = []
    for name, findings in results.items():
        if not findings:
            rows.append({"check": name, "result": "ok", "problem": ""})
        rows += [{"check": name, "result": "problem", "problem": f.problem} for f in findings]
    emit(rows, fmt, ["check", "result", "problem"], width=None)
    if problems:
        raise click.ClickException(
            f"{problems} problem(s) found; the record cannot be trusted as it is"
        )


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@click.pass_context
def backup(ctx: click.Context, target: Path, force: bool) -> None:
    """Write a consistent copy of the database to TARGET, even while others write.

    Uses SQLite's online backup into a temporary file next to TARGET; the copy
    is one self-contained file and must pass PRAGMA integrity_check and
    foreign_key_check before it is renamed onto TARGET. A damaged database, or
    a TARGET that is the database itself (under any path, link or its -wal
    file), is refused and nothing is written; --force replaces an existing
    TARGET only with a copy that passed.

    \b
    Example:
        tracker backup backups/tracker-$(date +%F).db
    """
    from tracker.config import database_url, sqlite_path
    from tracker.schema import copy_database

    url = database_url(ctx.find_root().params.get("db"))
    path = sqlite_path(url)
    if path is None and url.startswith("sqlite"):
        raise InputError("an in-memory database has no file to back up")
    if path is None:
        raise InputError(
            "tracker backup copies SQLite files; back up a server with its own tools (pg_dump)"
        )
    if not path.is_file():
        raise InputError(f"no database at {path}")
    if not target.parent.is_dir():
        raise InputError(f"folder {target.parent} does not exist")
    try:
        copy_database(path, target, replace=force)
    except FileExistsError:
        raise InputError(f"{target} exists; pass --force to replace it") from None
    click.echo(f"backed up {path.name} to {target} (integrity and foreign keys ok)", err=True)


def _copy_progress() -> Any:
    """A progress bar on stderr for a copy, when stderr is a terminal."""

    def progress(total: int) -> Any:
        return click.progressbar(length=total, label="copying", file=sys.stderr)

    return progress if sys.stderr.isatty() else None


@cli.command(name="copy")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--replace", is_flag=True,
              help="Empty TO first when it holds a record (or a copy cut off).")  # fmt: skip
@output_options
def copy_(source: str, target: str, replace: bool, fmt: str) -> None:
    """Copy the whole record from one database to another: SQLite to PostgreSQL or back.

    FROM and TO are SQLite files or postgresql:// URLs. Every table is
    copied with its ids, in batches of 5,000 rows (one transaction each), into
    a TO created or migrated to the same schema; PostgreSQL's id sequences are
    then set past the copied ids. Each table's row count and a checksum of its
    rows are compared on both sides: a difference exits 1. A TO that holds a
    record is refused unless --replace, which empties it first (and so
    completes a copy that was cut off).

    \b
    Example:
        tracker copy tracker.db postgresql://user@db.example.org/tracker
        tracker copy postgresql://user@db.example.org/tracker snapshot.db --replace
    """
    from tracker.services.transfer import copy_record, describe, endpoints

    src, dst = endpoints(source, target)
    result = copy_record(src, dst, replace=replace, progress=_copy_progress())
    for note in result.notes:
        click.echo(f"tracker: {note}", err=True)
    rows = [
        {"table": t.table, "rows": t.target_rows, "result": "match" if t.ok else "MISMATCH",
         "source_rows": t.source_rows, "sha256": t.target_sum, "source_sha256": t.source_sum}
        for t in result.tables
    ]  # fmt: skip
    emit(rows, fmt, ["table", "rows", "result", "sha256"], width=None)
    if result.mismatched:
        names = ", ".join(t.table for t in result.mismatched)
        raise click.ClickException(
            f"the copy at {describe(dst)} does not match {describe(src)} in {names}: "
            "run it again with --replace"
        )
    click.echo(
        f"copied {result.rows} rows in {len(result.tables)} tables from {describe(src)} to "
        f"{describe(dst)} in {result.seconds:.1f} s; every row count and checksum match",
        err=True,
    )


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-m", "--metadata", "metadata_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the metadata (default: OUT.metadata.yaml).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.pass_context
def publish(ctx: click.Context, out: Path, metadata_file: Path | None, force: bool) -> None:
    """Write a SQLite snapshot of the record, from any database, with its Datasette metadata.

    The snapshot is made as `tracker copy` makes one (every table checked)
    into a temporary file next to OUT, one self-contained file, renamed onto
    OUT once it matches; the metadata goes beside it, for `datasette publish`
    or `datasette` on a static host.

    \b
    Example:
        tracker publish site.db
        tracker --db postgresql://user@db.example.org/tracker publish site.db --force
        datasette publish cloudrun site.db -m site.metadata.yaml
    """
    from shlex import quote

    from tracker.config import database_url
    from tracker.snapshots import publish as publish_snapshot

    url = database_url(ctx.find_root().params.get("db"))
    result, metadata_path = publish_snapshot(
        url, out, metadata_file, replace=force, progress=_copy_progress()
    )
    click.echo(
        f"wrote {out} ({result.rows} rows, every table checked) and {metadata_path}; "
        f"run: datasette {quote(str(out))} -m {quote(str(metadata_path))} "
        "--setting suggest_facets off",
        err=True,
    )


@cli.group(cls=TrackerGroup, context_settings=CONTEXT)
def db() -> None:
    """Inspect and migrate the database schema.

    \b
    Example:
        tracker db current
        tracker db upgrade
    """


def _raw_engine(ctx: click.Context) -> Engine:
    from tracker.config import database_url
    from tracker.db import get_engine

    return get_engine(database_url(ctx.find_root().params.get("db")))


@db.command()
@click.argument("revision", default="head")
@click.pass_context
def upgrade(ctx: click.Context, revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest).

    \b
    Example:
        tracker db upgrade
    """
    from tracker.revisions import known_revisions
    from tracker.schema import schema_state
    from tracker.schema import upgrade as do_upgrade

    if revision not in (*known_revisions(), "head"):
        raise InputError(
            f"no schema revision {revision} (known: {', '.join(known_revisions())} and head)"
        )
    engine = _raw_engine(ctx)
    do_upgrade(engine, revision)
    state = schema_state(engine)
    click.echo(f"schema at {state.revision} ({state.status})")


@db.command()
@click.argument("revision")
@click.pass_context
def downgrade(ctx: click.Context, revision: str) -> None:
    """Downgrade the schema to REVISION ('base' removes every table).

    A SQLite file is first copied to a backup next to it, so nothing a
    downgrade drops is lost.

    \b
    Example:
        tracker db downgrade 0001
    """
    from tracker.config import sqlite_path
    from tracker.revisions import known_revisions
    from tracker.schema import backup_sqlite, schema_state
    from tracker.schema import downgrade as do_downgrade
    from tracker.types import utcnow

    if revision not in (*known_revisions(), "base"):
        raise InputError(
            f"no schema revision {revision} (known: {', '.join(known_revisions())} and base)"
        )
    engine = _raw_engine(ctx)
    path = sqlite_path(str(engine.url))
    if path is not None and path.is_file():
        state = schema_state(engine)
        stem = f"{path.stem}.backup-{state.revision}-{utcnow():%Y%m%dT%H%M%SZ}"
        click.echo(f"backup at {backup_sqlite(path, stem)}", err=True)
    do_downgrade(engine, revision)
    state = schema_state(engine)
    click.echo(f"schema at {state.revision or 'base'} ({state.status})")


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the database's schema revision and whether it is up to date.

    \b
    Example:
        tracker db current
    """
    from tracker.guards import altered
    from tracker.schema import schema_state

    engine = _raw_engine(ctx)
    state = schema_state(engine)
    guards = ""
    if state.status == "up to date":
        with engine.connect() as conn:
            problems = altered(conn)
        if problems:
            guards = f"; but {problems[0]}: run `tracker verify`"
    click.echo(f"{state.revision or 'none'} (head {state.head}, {state.status}{guards})")


@db.command()
@click.pass_context
def repair(ctx: click.Context) -> None:
    """Restore the tracker's triggers, views and indexes as its migrations define them.

    For a database whose guards were changed outside the tracker (a dropped
    or rewritten trigger, a view replaced, a trigger added): each definition
    is put back exactly, triggers that are not the tracker's are removed, and
    the kept score totals are marked to be computed afresh. No row of the
    record is written: run `tracker verify` afterwards to see whether the
    data changed while the guards were down, and restore a backup if it did.

    \b
    Example:
        tracker verify
        tracker db repair
        tracker verify
    """
    from tracker.services.repair import repair as do_repair

    _existing(ctx)
    engine = _engine(ctx)
    done, left = do_repair(engine)
    for line in done or ["nothing to repair: every definition is as the migrations make it"]:
        click.echo(line)
    for line in left:
        click.echo(f"not repaired: {line}", err=True)
    if done:
        click.echo("now run `tracker verify`: repair restores definitions, never data", err=True)
    if left:
        raise click.ClickException(f"{len(left)} problem(s) need a backup")


@db.command()
@click.option("--yes", "confirmed", is_flag=True, help="Seal them; without it, list them.")
@click.pass_context
def seal(ctx: click.Context, confirmed: bool) -> None:
    """Take rows written outside the tracker into the record, as they are.

    Every write seals what it wrote in the ledger; a row put in with SQL (a
    script, another tool) is not, and the tracker refuses to write until it is
    sealed here, deliberately, or the database restored from a backup. Check
    the rows first (`tracker verify` names them): once sealed they are part
    of the record. A head published before still proves what came before.

    \b
    Example:
        tracker verify
        tracker db seal
        tracker db seal --yes
    """
    from tracker.db import run_in_transaction
    from tracker.guards import altered, refusal
    from tracker.ledger import head, unsealed
    from tracker.ledger import seal as seal_rows

    _existing(ctx)
    engine = _engine(ctx)

    def work(session: Session) -> tuple[dict[str, tuple[int, int]], int, tuple[int, str]]:
        from tracker.db import hold_write_lock

        conn = session.connection()
        problems = altered(conn)
        if problems:
            raise InputError(refusal(problems))
        hold_write_lock(session)
        outside = unsealed(conn)
        sealed = seal_rows(conn) if confirmed and outside else 0
        return outside, sealed, head(conn)

    outside, sealed, (entries, last) = run_in_transaction(engine, work, write=False)
    if not outside:
        click.echo("nothing to seal: every row is in the ledger")
        return
    for kind, (count, first) in outside.items():
        click.echo(f"{count} {kind} row(s) written outside the tracker, from {kind} {first}")
    if not confirmed:
        raise click.ClickException("nothing sealed: check them (`tracker verify`), then add --yes")
    click.echo(f"sealed {sealed} row(s); the ledger's head is now {entries}:{last} (publish it)")


@db.command()
@output_options
def history(fmt: str) -> None:
    """List every schema migration, oldest first.

    \b
    Example:
        tracker db history
    """
    from dataclasses import asdict

    from tracker.schema import history as revisions

    emit([asdict(r) for r in revisions()], fmt, width=None)
