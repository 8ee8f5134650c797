"""The history of corrections, read by people: two views over ``revisions``.

``revision_log`` shows every revision with the record it changed and its values
as a person reads them (a question's slug for its id, a scale term's words);
``late_edits`` picks the changes to a claim's scoring fields made after an
outcome of its question was recorded. Both are created by migration 0007 from
the text below; the report, ``tracker show`` and Datasette read them, so the
rule of what counts as a late edit is written once.

Published at 0007: a change is a new constant and a new migration.
"""

from __future__ import annotations

# Stored column names as the user knows the field (the add-/edit- option), as
# the views of 0007 and 0013 spell them; a new label is a new view version.
FIELD_LABELS_0007 = {
    "question_id": "question", "condition_question_id": "condition",
    "scale_term_id": "term", "prob_low": "low", "prob_high": "high",
    "mapping_basis": "basis", "mapping_note": "note", "horizon_text": "horizon",
    "person_id": "speaker", "source_id": "source", "retracted_at": "retracted",
}  # fmt: skip
FIELD_LABELS = dict(FIELD_LABELS_0007)

# The fields of a claim whose change after its question resolved could move its
# score, or the speaker it counts for: such an edit is flagged beside the scores.
# As published at 0007, since 0013 (the side of the question a claim takes) and
# since 0014 (a numeric claim's point, range or threshold).
SCORING_FIELDS_0007 = ("probability", "prob_low", "prob_high", "scale_term_id", "mapping_basis",
                       "question_id", "condition_question_id", "condition_result", "made_on",
                       "kind", "person_id")  # fmt: skip
SCORING_FIELDS_0013 = (*SCORING_FIELDS_0007, "side")
SCORING_FIELDS = (*SCORING_FIELDS_0013, "estimate", "estimate_low", "estimate_high", "threshold",
                  "threshold_side")  # fmt: skip


def _label(column: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FIELD_LABELS_0007.items())
    return f"CASE {column} {cases} ELSE {column} END"


def _shown(value: str) -> str:
    """A stored value (text) as a person reads it: references by name, texts by size."""
    as_id = f"CAST({value} AS INTEGER)"
    return f"""CASE
        WHEN {value} IS NULL THEN NULL
        WHEN r.field IN ('question_id', 'condition_question_id')
            THEN (SELECT slug FROM questions WHERE id = {as_id})
        WHEN r.field = 'scale_term_id'
            THEN (SELECT s.slug || ' ' || t.term FROM scale_terms AS t
                  JOIN scales AS s ON s.id = t.scale_id WHERE t.id = {as_id})
        WHEN r.field = 'person_id' THEN (SELECT slug FROM people WHERE id = {as_id})
        WHEN r.field = 'source_id' THEN (SELECT slug FROM sources WHERE id = {as_id})
        WHEN r.field = 'text' THEN CAST(length({value}) AS TEXT) || ' characters'
        ELSE {value} END"""


REVISION_LOG = f"""
SELECT r.id, r.revised_at, r.revised_by, r.record_type, r.record_id,
       CASE r.record_type
           WHEN 'claim' THEN (SELECT substr(quote, 1, 80) FROM claims WHERE id = r.record_id)
           WHEN 'question' THEN (SELECT slug FROM questions WHERE id = r.record_id)
           WHEN 'person' THEN (SELECT name FROM people WHERE id = r.record_id)
           WHEN 'source' THEN (SELECT slug FROM sources WHERE id = r.record_id)
           WHEN 'appearance' THEN (SELECT substr(quote, 1, 80) FROM claim_appearances
                                   WHERE id = r.record_id)
       END AS record,
       r.field, {_label("r.field")} AS field_label,
       {_shown("r.old_value")} AS old_shown,
       {_shown("r.new_value")} AS new_shown,
       r.old_value, r.new_value, r.reason
FROM revisions AS r
"""

# An outcome of the question a claim is about (or conditional on), or of the
# question it was moved away from, recorded by the time of revision r.
_OUTCOME_BEFORE = """outcomes AS o
        WHERE o.recorded_at <= r.revised_at
          AND (o.question_id IN (c.question_id, c.condition_question_id)
               OR o.question_id = CASE WHEN r.field IN ('question_id', 'condition_question_id')
                                       THEN CAST(r.old_value AS INTEGER) END)"""


def _late_edits(fields: tuple[str, ...]) -> str:
    return f"""
SELECT r.id AS revision_id, r.record_id AS claim_id, c.person_id, p.name AS speaker,
       r.field, {_label("r.field")} AS field_label,
       {_shown("r.old_value")} AS old_shown, {_shown("r.new_value")} AS new_shown,
       r.old_value, r.new_value, r.reason, r.revised_by, r.revised_at,
       (SELECT min(o.recorded_at) FROM {_OUTCOME_BEFORE}) AS outcome_recorded_at
FROM revisions AS r
JOIN claims AS c ON c.id = r.record_id
JOIN people AS p ON p.id = c.person_id
WHERE r.record_type = 'claim'
  AND r.field IN ({", ".join(f"'{f}'" for f in fields)})
  AND EXISTS (SELECT 1 FROM {_OUTCOME_BEFORE})
"""


LATE_EDITS_0007 = _late_edits(SCORING_FIELDS_0007)
LATE_EDITS_0013 = _late_edits(SCORING_FIELDS_0013)
LATE_EDITS = _late_edits(SCORING_FIELDS)

# As created by 0007; 0013 re-creates late_edits with the side of a claim.
VIEWS = {"revision_log": REVISION_LOG, "late_edits": LATE_EDITS_0007}
