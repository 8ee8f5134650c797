"""schema.org ClaimReview for each resolved, scored claim (``tracker export --claimreview``).

Fact-checking sites and search engines read ClaimReview markup: the claim
reviewed, who made it and where it appeared, who reviewed it and when, and a
verdict in words. A forecast checked against what happened fits it: the
verdict says whether the speaker was right, and the rating carries the Brier
score. Which claims count and how they scored come from the ``claim_scores``
view (status 'scored', on the scale as recorded), never recomputed here, so
the markup agrees with ``tracker report``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Engine, Float, text

from tracker.errors import ValidationFailed
from tracker.output import json_text

CONTEXT = "https://schema.org"
DEFAULT_REVIEWER = "Forecast Claim Tracker"

# Each scored claim with what the markup names: the speaker and the role at
# the time (as the claim states it, else the speaker's affiliation on the day),
# the first source, and the question's current outcome (the one not superseded).
_QUERY = """
SELECT s.claim_id, s.probability, s.outcome_value, s.hit, s.brier, s.result, s.occurred_on,
       c.quote, c.made_on, c.side, q.title AS question_title,
       p.name AS speaker, p.kind AS speaker_kind,
       COALESCE(c.role, (SELECT a.role FROM affiliations AS a
                         WHERE a.person_id = c.person_id AND a.role IS NOT NULL
                           AND (a.started_on IS NULL OR a.started_on <= c.made_on)
                           AND (a.ended_on IS NULL OR a.ended_on >= c.made_on)
                         ORDER BY a.started_on DESC LIMIT 1)) AS job_title,
       src.url AS source_url, src.title AS source_title, src.publisher AS publisher,
       src.published_on AS source_published_on,
       (SELECT o.recorded_at FROM outcomes AS o
        WHERE o.question_id = c.question_id
          AND NOT EXISTS (SELECT 1 FROM outcomes AS later WHERE later.supersedes_id = o.id)
       ) AS recorded_at
FROM claim_scores AS s
JOIN claims AS c ON c.id = s.claim_id
JOIN questions AS q ON q.id = c.question_id
JOIN people AS p ON p.id = c.person_id
JOIN sources AS src ON src.id = c.source_id
WHERE s.scale = 'recorded' AND s.status = 'scored'
ORDER BY s.claim_id
"""

# Typed by name (dates come back as dates on SQLite too).
_COLUMNS = {
    "probability": Float, "brier": Float, "made_on": Date, "occurred_on": Date,
    "source_published_on": Date,
}  # fmt: skip


def _percent(p: float) -> str:
    """A probability as people say it: 80%, 2.5%."""
    return f"{round(p * 100, 1):g}%"


def verdict(probability: float, happened: int, hit: int | None) -> str:
    """The verdict in words, from the view's hit and outcome: who was right,
    what was said, what happened."""
    said = f"said {_percent(probability)} likely"
    outcome = "it happened" if happened else "it did not happen"
    word = "Right" if hit == 1 else "Wrong" if hit == 0 else "Undecided (said even odds)"
    return f"{word}: {said}; {outcome}"


def _author(name: str, kind: str, job_title: str | None) -> dict[str, Any]:
    """The speaker: an Organization, else a Person (an unnamed group too:
    schema.org has no type for it, and a person's words are what it reports)."""
    if kind == "organisation":
        return {"@type": "Organization", "name": name}
    author: dict[str, Any] = {"@type": "Person", "name": name}
    if job_title:
        author["jobTitle"] = job_title
    return author


def _review(row: Any, reviewer: str, url_template: str | None) -> dict[str, Any]:
    appearance: dict[str, Any] = {"@type": "CreativeWork", "headline": row.source_title}
    if row.source_url:
        appearance["url"] = row.source_url
    if row.publisher:
        appearance["publisher"] = {"@type": "Organization", "name": row.publisher}
    if row.source_published_on is not None:
        appearance["datePublished"] = row.source_published_on.isoformat()
    brier = float(row.brier)
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "claimReviewed": row.quote,
        "itemReviewed": {
            "@type": "Claim",
            "author": _author(row.speaker, row.speaker_kind, row.job_title),
            "datePublished": row.made_on.isoformat(),
            "appearance": appearance,
            "firstAppearance": appearance,
        },
        "author": {"@type": "Organization", "name": reviewer},
        "datePublished": str(row.recorded_at)[:10],
        "reviewRating": {
            "@type": "Rating",
            "alternateName": verdict(float(row.probability), row.outcome_value, row.hit),
            # The rating is the Brier skill on 0..1 (1 - Brier): higher is better,
            # as readers of a rating expect.
            "ratingValue": round(1 - brier, 6),
            "bestRating": 1,
            "worstRating": 0,
            "ratingExplanation": (
                f"Brier score {brier:.4g} (0 is perfect, 1 the worst); the rating is 1 minus "
                f"it. Question: {row.question_title}. Outcome: {row.result} on "
                f"{row.occurred_on.isoformat()}."
            ),
        },
    }
    if url_template:
        review["url"] = url_template.replace("{id}", str(row.claim_id))
    return review


def claim_reviews(
    conn: Connection, reviewer: str = DEFAULT_REVIEWER, url_template: str | None = None
) -> Iterator[dict[str, Any]]:
    """One ClaimReview per resolved, scored claim, in claim order."""
    for row in conn.execute(text(_QUERY).columns(**_COLUMNS)):
        yield _review(row, reviewer, url_template)


def write_claim_reviews(
    engine: Engine,
    path: Path,
    reviewer: str = DEFAULT_REVIEWER,
    url_template: str | None = None,
) -> int:
    """Write the reviews to ``path`` as one JSON-LD document (an ``@graph``
    of ClaimReviews, each with its own context, so any one can be cut out
    and embedded in a page); returns how many."""
    if path.is_dir():
        raise ValidationFailed(f"{path}: is a folder (give a file name, e.g. reviews.jsonld)")
    count = 0
    try:
        with engine.connect() as conn, conn.begin(), path.open("w", encoding="utf-8") as out:
            out.write('{"@context": "https://schema.org", "@graph": [\n')
            for review in claim_reviews(conn, reviewer, url_template):
                out.write(("" if count == 0 else ",\n") + json_text(review))
                count += 1
            out.write("\n]}\n")
    except OSError as exc:
        raise ValidationFailed(f"{path}: cannot write ({exc.strerror})") from None
    return count
