"""What real forecasts say: numbers, organisations, unresolvable questions.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29

* ``questions.question_type`` ("binary", the default, or "numeric") and
  ``questions.unit``; ``claims.estimate`` (a point), ``estimate_low`` and
  ``estimate_high`` (a range), ``threshold`` and ``threshold_side`` (above or
  below); ``outcomes.observed_value`` with the result "observed". Triggers
  keep claims and outcomes fitting their question's type, which cannot
  change once anything refers to the question.
* The result "unresolvable": searched for, and what happened could not be
  established.
* A directional claim or an opinion may carry a condition
  (``ck_claims_condition_fields`` redefined).
* ``affiliations``: a speaker's place in an organisation over a period; the
  score groups gain "organisation" (``score_totals`` is derived data: it is
  re-created with its new columns and rebuilt on next read).
* Score views at version 0014 (``tracker.score_views``).

SQLite adds each column with the CHECKs that ride on it, and rewrites
``claims`` and ``outcomes`` from their own definitions to change a CHECK,
keeping every other part, their triggers and views
(``tracker.migration_tools``). Frozen: every
definition is stated here as it was at 0014, not read from the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.migration_tools import preserving_views_and_triggers, rewrite_sqlite_table
from tracker.revision_views import LATE_EDITS, LATE_EDITS_0013
from tracker.score_views import create_views, drop_views, with_clause

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

RESULTS_0013 = ("yes", "no", "partial", "ambiguous", "annulled")
RESULTS = (*RESULTS_0013, "observed", "unresolvable")
DIMENSIONS_0013 = ("overall", "speaker", "tag", "basis", "horizon", "speaker_horizon")
DIMENSIONS = (*DIMENSIONS_0013, "organisation")
COUNTS_0013 = ("claims", "scored", "hits", "sided", "yes", "open", "pending", "partial", "void",
               "hindsight", "unscorable", "directional", "opinion")  # fmt: skip
SUMS = ("brier_sum", "brier_squared_sum", "brier_best_sum", "brier_worst_sum", "log_loss_sum",
        "ape_sum")  # fmt: skip
TOTALS_0013 = ("claims", "scored", "brier_sum", "brier_squared_sum", "brier_best_sum",
               "brier_worst_sum", "log_loss_sum", "hits", "sided", "yes", "open", "pending",
               "partial", "void", "hindsight", "unscorable", "directional", "opinion")  # fmt: skip
NUMERIC_TOTALS = ("estimates", "points", "ape_sum", "ranges", "covered")

CONDITION_0013 = (
    "(kind = 'conditional') = (condition_question_id IS NOT NULL) "
    "AND (condition_question_id IS NULL) = (condition_result IS NULL)"
)
CONDITION = (
    "(condition_question_id IS NULL) = (condition_result IS NULL) "
    "AND (kind <> 'conditional' OR condition_question_id IS NOT NULL) "
    "AND (kind <> 'forecast' OR condition_question_id IS NULL)"
)
QUESTION_CHECKS = {
    "question_type_allowed": "question_type IN ('binary', 'numeric')",
    "unit_if_numeric": "(question_type = 'numeric') = (unit IS NOT NULL) "
    "AND (unit IS NULL OR length(trim(unit)) > 0)",
}
RESULT_0013 = "result IN (" + ", ".join(f"'{r}'" for r in RESULTS_0013) + ")"
RESULT = "result IN (" + ", ".join(f"'{r}'" for r in RESULTS) + ")"
OBSERVED = "(result = 'observed') = (observed_value IS NOT NULL)"
CLAIM_CHECKS = {
    "one_estimate_form": "(estimate IS NULL OR (estimate_low IS NULL AND threshold IS NULL)) "
    "AND (estimate_low IS NULL OR threshold IS NULL)",
    "estimate_range": "(estimate_low IS NULL) = (estimate_high IS NULL) "
    "AND (estimate_low IS NULL OR estimate_low <= estimate_high)",
    "threshold_fields": "(threshold IS NULL) = (threshold_side IS NULL) "
    "AND (threshold_side IS NULL OR threshold_side IN ('above', 'below'))",
    "estimate_kinds": "(estimate IS NULL AND estimate_low IS NULL AND threshold IS NULL) "
    "OR (kind IN ('forecast', 'conditional') AND side = 'yes')",
    "point_unscored": "estimate IS NULL OR mapping_basis = 'unscorable'",
}
ESTIMATED = "estimate IS NOT NULL OR estimate_low IS NOT NULL OR threshold IS NOT NULL"
NUMERIC_CLAIM = (
    "(new.estimate IS NOT NULL OR new.estimate_low IS NOT NULL OR new.threshold IS NOT NULL)"
)

# What the triggers say (tracker.constraint_messages turns each into a sentence).
CLAIM_FITS = "a claim must fit its question: a number for a numeric question"
CONDITION_FITS = "a condition must be a yes or no question"
OUTCOME_FITS = "an outcome must fit its question: a value for a numeric question"
TYPE_FIXED = "a question's type cannot change once claims or outcomes refer to it"
ORGANISATION = "an affiliation's organisation must be a speaker of kind organisation"
KIND_FIXED = "a speaker with affiliations as an organisation must stay an organisation"


def _type_of(column: str) -> str:
    return f"(SELECT question_type FROM questions WHERE id = new.{column})"


# Each trigger's firing condition, in SQL over ``new`` (and ``old``).
CLAIM_MISFIT = (
    f"new.question_id IS NOT NULL AND new.kind IN ('forecast', 'conditional') "
    f"AND ({_type_of('question_id')} = 'numeric') <> {NUMERIC_CLAIM}"
)
CONDITION_MISFIT = (
    f"new.condition_question_id IS NOT NULL AND {_type_of('condition_question_id')} <> 'binary'"
)
OUTCOME_MISFIT = (
    f"({_type_of('question_id')} = 'numeric' AND new.result IN ('yes', 'no', 'partial')) "
    f"OR ({_type_of('question_id')} = 'binary' AND new.result = 'observed')"
)
TYPE_CHANGE = (
    "new.question_type <> old.question_type AND (EXISTS (SELECT 1 FROM claims "
    "WHERE question_id = new.id OR condition_question_id = new.id) "
    "OR EXISTS (SELECT 1 FROM outcomes WHERE question_id = new.id))"
)
NOT_ORGANISATION = (
    "EXISTS (SELECT 1 FROM people WHERE id = new.organisation_id AND kind <> 'organisation')"
)
KIND_CHANGE = (
    "new.kind <> 'organisation' AND old.kind = 'organisation' "
    "AND EXISTS (SELECT 1 FROM affiliations WHERE organisation_id = new.id)"
)
# sqlite trigger name: (table, timing, condition, message)
SQLITE_TRIGGERS = {
    "claims_fit_question_insert": ("INSERT ON claims", CLAIM_MISFIT, CLAIM_FITS),
    "claims_fit_question_update": ("UPDATE ON claims", CLAIM_MISFIT, CLAIM_FITS),
    "claims_condition_binary_insert": ("INSERT ON claims", CONDITION_MISFIT, CONDITION_FITS),
    "claims_condition_binary_update": ("UPDATE ON claims", CONDITION_MISFIT, CONDITION_FITS),
    "outcomes_fit_question": ("INSERT ON outcomes", OUTCOME_MISFIT, OUTCOME_FITS),
    "questions_type_fixed": ("UPDATE ON questions", TYPE_CHANGE, TYPE_FIXED),
    "affiliations_organisation_insert": ("INSERT ON affiliations", NOT_ORGANISATION,
                                         ORGANISATION),
    "affiliations_organisation_update": ("UPDATE ON affiliations", NOT_ORGANISATION,
                                         ORGANISATION),
    "people_organisation_kept": ("UPDATE ON people", KIND_CHANGE, KIND_FIXED),
}  # fmt: skip
MARK_STALE = "UPDATE score_state SET stale = 1 WHERE stale = 0"
STALE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sql(message: str) -> str:
    """A message as the text of an SQL string literal."""
    return message.replace("'", "''")


def _pg(condition: str) -> str:
    """A firing condition in PostgreSQL's words."""
    return condition.replace("new.", "NEW.").replace("old.", "OLD.")


# PostgreSQL: one function and trigger per guarded table and event list.
PG_TRIGGERS = {
    "claims_fit_question": ("claims", "INSERT OR UPDATE",
                            [(CLAIM_MISFIT, CLAIM_FITS), (CONDITION_MISFIT, CONDITION_FITS)]),
    "outcomes_fit_question": ("outcomes", "INSERT", [(OUTCOME_MISFIT, OUTCOME_FITS)]),
    "questions_type_fixed": ("questions", "UPDATE", [(TYPE_CHANGE, TYPE_FIXED)]),
    "affiliations_organisation": ("affiliations", "INSERT OR UPDATE",
                                  [(NOT_ORGANISATION, ORGANISATION)]),
    "people_organisation_kept": ("people", "UPDATE", [(KIND_CHANGE, KIND_FIXED)]),
}  # fmt: skip


def _score_totals(dimensions: tuple[str, ...], numeric: bool, version: str) -> None:
    counts = COUNTS_0013 + (("estimates", "points", "ranges", "covered") if numeric else ())
    columns = TOTALS_0013 + (NUMERIC_TOTALS if numeric else ())
    consistent = "scored <= claims AND sided <= scored AND hits <= sided AND yes <= scored"
    if numeric:
        consistent += (
            " AND estimates <= claims AND points <= estimates AND ranges <= estimates "
            "AND covered <= ranges"
        )
    kinds = ", ".join(f"'{d}'" for d in dimensions)
    op.create_table(
        "score_totals",
        sa.Column("scale", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        *(sa.Column(c, sa.Float() if c in SUMS else sa.Integer(), nullable=False) for c in columns),
        sa.CheckConstraint(
            f"dimension IN ({kinds})", name=op.f("ck_score_totals_dimension_allowed")
        ),
        sa.CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in counts),
            name=op.f("ck_score_totals_counts_not_negative"),
        ),
        sa.CheckConstraint(consistent, name=op.f("ck_score_totals_counts_consistent")),
        sa.PrimaryKeyConstraint("scale", "dimension", "group_key", name=op.f("pk_score_totals")),
    )
    _fill(version)


def _fill(version: str) -> None:
    """Derived data: computed again from the claims by the templates of
    ``version``, unless the totals were stale already (then the next read
    rebuilds them)."""
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT stale FROM score_state").scalar():
        return
    prefix = with_clause(bind.dialect.name, "1 = 1", version=version)
    bind.execute(
        sa.text(
            f"INSERT INTO score_totals SELECT * FROM ({prefix} SELECT * FROM score_totals) AS t"
        ),
        {"as_of": "9999-12-31T23:59:59Z", "today": "2000-01-01"},
    )


def _iso_date(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IS NULL OR date({column}, '+0 days') IS {column}",
        name=op.f(f"ck_affiliations_{column}_iso"),
    ).ddl_if(dialect="sqlite")


def _checked(name: str, rule: str) -> str:
    return f"CONSTRAINT {name} CHECK ({rule})"


# SQLite adds each new column with the CHECKs that ride on it (on the last
# added column a rule reads), so the columns can be dropped again in reverse.
SQLITE_COLUMNS = {
    "questions": [
        "question_type TEXT DEFAULT 'binary' NOT NULL "
        + _checked("ck_questions_question_type_allowed", QUESTION_CHECKS["question_type_allowed"]),
        "unit TEXT " + _checked("ck_questions_unit_if_numeric", QUESTION_CHECKS["unit_if_numeric"]),
    ],
    "claims": [
        "estimate FLOAT " + _checked("ck_claims_point_unscored", CLAIM_CHECKS["point_unscored"]),
        "estimate_low FLOAT",
        "estimate_high FLOAT "
        + _checked("ck_claims_estimate_range", CLAIM_CHECKS["estimate_range"]),
        "threshold FLOAT "
        + _checked("ck_claims_one_estimate_form", CLAIM_CHECKS["one_estimate_form"])
        + " "
        + _checked("ck_claims_estimate_kinds", CLAIM_CHECKS["estimate_kinds"]),
        "threshold_side TEXT "
        + _checked("ck_claims_threshold_fields", CLAIM_CHECKS["threshold_fields"]),
    ],
    "outcomes": [
        "observed_value FLOAT " + _checked("ck_outcomes_value_if_observed", OBSERVED),
    ],
}
# The CHECKs whose rule changes, as their text stands in the table definition.
REWRITTEN = {
    "claims": (f"CONSTRAINT ck_claims_condition_fields CHECK ({CONDITION_0013})",
               f"CONSTRAINT ck_claims_condition_fields CHECK ({CONDITION})"),
    "outcomes": (f"CONSTRAINT ck_outcomes_result_allowed CHECK ({RESULT_0013})",
                 f"CONSTRAINT ck_outcomes_result_allowed CHECK ({RESULT})"),
}  # fmt: skip


def _server_columns(up: bool) -> None:
    """PostgreSQL: the same columns and rules by ALTER TABLE."""
    checks = {
        "questions": QUESTION_CHECKS,
        "claims": CLAIM_CHECKS,
        "outcomes": {"value_if_observed": OBSERVED},
    }
    columns = {
        "questions": [
            sa.Column("question_type", sa.Text(), server_default=sa.text("'binary'"),
                      nullable=False),
            sa.Column("unit", sa.Text(), nullable=True),
        ],
        "claims": [sa.Column(name, sa.Float(), nullable=True)
                   for name in ("estimate", "estimate_low", "estimate_high", "threshold")]
        + [sa.Column("threshold_side", sa.Text(), nullable=True)],
        "outcomes": [sa.Column("observed_value", sa.Float(), nullable=True)],
    }  # fmt: skip
    rewritten = {"claims": ("condition_fields", CONDITION_0013, CONDITION),
                 "outcomes": ("result_allowed", RESULT_0013, RESULT)}  # fmt: skip
    for table in ("questions", "claims", "outcomes"):
        if up:
            for column in columns[table]:
                op.add_column(table, column)
            for name, rule in checks[table].items():
                op.create_check_constraint(name, table, rule)
        else:
            for name in checks[table]:
                op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
            for column in reversed(columns[table]):
                op.drop_column(table, column.name)
        if table in rewritten:
            name, old, new = rewritten[table]
            op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
            op.create_check_constraint(name, table, new if up else old)


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    drop_views(op.execute, "0013")
    op.drop_table("score_totals")
    if dialect == "sqlite":
        with preserving_views_and_triggers(op):
            for table, (old, new) in REWRITTEN.items():
                rewrite_sqlite_table(bind, table, [(old, new)])
        for table, columns in SQLITE_COLUMNS.items():
            for column in columns:
                op.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    else:
        _server_columns(up=True)
    op.create_index(
        "ix_claims_numeric",
        "claims",
        ["question_id"],
        sqlite_where=sa.text(ESTIMATED),
        postgresql_where=sa.text(ESTIMATED),
    )

    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.CheckConstraint("person_id <> organisation_id", name=op.f("ck_affiliations_not_self")),
        sa.CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on",
            name=op.f("ck_affiliations_period_order"),
        ),
        sa.CheckConstraint(
            "role IS NULL OR length(trim(role)) > 0", name=op.f("ck_affiliations_role_nonblank")
        ),
        _iso_date("started_on"),
        _iso_date("ended_on"),
        sa.CheckConstraint(
            "created_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days') "
            "IS created_at",
            name=op.f("ck_affiliations_created_at_iso"),
        ).ddl_if(dialect="sqlite"),
        sa.CheckConstraint(
            "length(trim(created_by)) > 0", name=op.f("ck_affiliations_created_by_nonblank")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["people.id"],
            name=op.f("fk_affiliations_organisation_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_affiliations_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
        sa.UniqueConstraint(
            "person_id",
            "organisation_id",
            "started_on",
            name=op.f("uq_affiliations_person_id_organisation_id_started_on"),
        ),
    )
    op.create_index(op.f("ix_affiliations_organisation_id"), "affiliations", ["organisation_id"])
    _score_totals(DIMENSIONS, numeric=True, version="0014")
    _create_triggers(dialect)
    create_views(op.execute, dialect, "0014")
    # A change to a numeric claim's number after the outcome is a late edit too.
    op.execute("DROP VIEW late_edits")
    op.execute(f"CREATE VIEW late_edits AS {LATE_EDITS}")


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name, (event, condition, message) in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} WHEN {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{_sql(message)}'); END"
            )
        for event in STALE_EVENTS:
            op.execute(
                f"CREATE TRIGGER score_totals_stale_affiliations_{event.lower()} AFTER {event} "
                f"ON affiliations BEGIN {MARK_STALE}; END"
            )
    elif dialect == "postgresql":
        for name, (table, events, rules) in PG_TRIGGERS.items():
            body = " ".join(
                f"IF {_pg(condition)} THEN RAISE EXCEPTION '{_sql(message)}'; END IF;"
                for condition, message in rules
            )
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body} RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        op.execute(
            f"CREATE TRIGGER score_totals_stale AFTER {' OR '.join(STALE_EVENTS)} "
            "ON affiliations FOR EACH STATEMENT EXECUTE FUNCTION mark_score_totals_stale()"
        )


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for event in STALE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS score_totals_stale_affiliations_{event.lower()}")
    elif dialect == "postgresql":
        for name, (table, _, _) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


# What schema 0013 cannot hold: a downgrade would lose it, so it is refused.
BEYOND_0013 = {
    "numeric questions": "SELECT count(*) FROM questions WHERE question_type <> 'binary'",
    "claims that give a number": f"SELECT count(*) FROM claims WHERE {ESTIMATED}",
    "outcomes observed or unresolvable": "SELECT count(*) FROM outcomes "
    "WHERE result IN ('observed', 'unresolvable')",
    "directional claims or opinions with a condition": "SELECT count(*) FROM claims "
    "WHERE condition_question_id IS NOT NULL AND kind IN ('directional', 'opinion')",
}


def _refuse_what_0013_cannot_hold() -> None:
    bind = op.get_bind()
    found = {what: bind.exec_driver_sql(sql).scalar() for what, sql in BEYOND_0013.items()}
    held = [f"{n} {what}" for what, n in found.items() if n]
    if held:
        from tracker.errors import SchemaError

        raise SchemaError(
            f"schema 0013 cannot hold what this database records ({', '.join(held)}); "
            "nothing was changed"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    _refuse_what_0013_cannot_hold()
    drop_views(op.execute, "0014")
    op.execute("DROP VIEW late_edits")
    _drop_triggers(dialect)
    op.drop_table("score_totals")
    op.drop_index(op.f("ix_affiliations_organisation_id"), table_name="affiliations")
    op.drop_table("affiliations")
    op.drop_index("ix_claims_numeric", table_name="claims")
    if sqlite:
        for table, columns in SQLITE_COLUMNS.items():
            for column in reversed(columns):
                op.execute(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
        with preserving_views_and_triggers(op):
            for table, (old, new) in REWRITTEN.items():
                rewrite_sqlite_table(op.get_bind(), table, [(new, old)])
    else:
        _server_columns(up=False)
    _score_totals(DIMENSIONS_0013, numeric=False, version="0013")
    create_views(op.execute, dialect, "0013")
    op.execute(f"CREATE VIEW late_edits AS {LATE_EDITS_0013}")
