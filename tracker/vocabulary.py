"""The tracker's fixed vocabularies, in one place.

The models turn them into CHECK constraints, the input records into allowed
values, the CLI into choices. Kept free of heavy imports so the CLI can read
them at start-up. (Migrations freeze their own copies: a migration states the
schema as it was.)
"""

PERSON_KINDS = ("person", "group", "organisation")
CLAIM_KINDS = ("forecast", "conditional", "directional", "opinion")
MAPPING_BASES = ("stated_number", "standard_scale", "survey_median", "analogy", "unscorable")
# How the phrase book reads a phrase: every basis but a stated number.
PHRASE_BASES = MAPPING_BASES[1:]
DIRECTIONS = ("increase", "decrease")
BINARY_RESULTS = ("yes", "no")
# "observed": a numeric question's value was found; "unresolvable": searched
# for, and what happened could not be established.
RESULTS = ("yes", "no", "partial", "ambiguous", "annulled", "observed", "unresolvable")
# What a question asks for: a yes or no, or a number (in its unit).
QUESTION_TYPES = ("binary", "numeric")
# A threshold claim on a numeric question: the value ends above or below it.
THRESHOLD_SIDES = ("above", "below")
# The kinds of record a revision (a correction with its reason) can change.
REVISED_RECORDS = ("claim", "question", "person", "source", "appearance")
SCALE_KINDS = ("standard", "survey")
QUESTION_STATUSES = ("open", "resolved", "overdue")
# The kinds of group scores are totalled by (tracker.score_views._GROUPS).
SCORE_DIMENSIONS = (
    "overall",
    "speaker",
    "tag",
    "basis",
    "horizon",
    "speaker_horizon",
    "organisation",
)
# The kinds of record the ledger seals, in the order a write's new rows are sealed.
LEDGER_KINDS = ("question", "claim", "appearance", "outcome", "evidence", "revision")
