"""Synthetic data at any size, for trying the tracker at scale and benchmarking it.

Deterministic: the same seed and size always give the same files. Proportions
follow a newsroom archive: one source per 20 claims, one question per 10 claims,
one speaker per 50 claims; 60% of questions resolved, some of them corrected.
Every kind of claim and every mapping basis appears. Written as JSON lines, one
file per section (``sources.jsonl`` … ``outcomes.jsonl``), plus the claims as a
flat CSV (``claims.csv``); every file streams, so memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Eun-ji",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jae-won",
    "Kofi",
    "Lena",
    "Min-seo",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sung-ho",
    "Tomas",
]
LAST = [
    "Kim",
    "Lee",
    "Park",
    "Smith",
    "Garcia",
    "Chen",
    "Okafor",
    "Novak",
    "Haddad",
    "Silva",
    "Tanaka",
    "Moreau",
    "Rossi",
    "Jensen",
    "Ivanova",
    "Cohen",
    "Mensah",
    "Kaur",
    "Yilmaz",
]
PUBLISHERS = [
    "Daily Ledger",
    "Wire Service",
    "Evening Post",
    "Policy Review",
    "Broadcast News",
    "Regional Times",
    "Analysis Quarterly",
]
TOPICS = [
    "election",
    "summit",
    "sanctions",
    "inflation",
    "ceasefire",
    "treaty",
    "tariffs",
    "referendum",
    "merger",
    "launch",
    "strike",
    "talks",
    "default",
    "recession",
]
TAGS = [
    f"{t}-{r}"
    for t in ("politics", "economy", "security", "tech", "health", "energy")
    for r in ("asia", "europe", "americas", "africa", "mena")
]
HORIZONS = [
    "in the coming months",
    "by the end of the year",
    "next year",
    "within weeks",
    "before the election",
    "in the long run",
    "soon",
    "by the summit",
]
ICD_WORDS = {
    "almost no chance": "almost no chance",
    "very unlikely": "very unlikely",
    "unlikely": "unlikely",
    "remains unlikely": "unlikely",
    "a toss-up": "roughly even chance",
    "likely": "likely",
    "will likely": "likely",
    "very likely": "very likely",
    "almost certainly": "almost certain",
}
SURVEY_WORDS = {
    "little chance": "little chance",
    "probably": "probably",
    "a real possibility": "realistic possibility",
    "we doubt": "we doubt",
}
ANALOGY_WORDS = {
    "prospects are not bright": ("survey", "probably not"),
    "hard to imagine": ("icd203", "very unlikely"),
    "we expect": ("icd203", "likely"),
}
UNSCORABLE_WORDS = ["possible", "could", "may", "might"]
CSV_COLUMNS = [
    "speaker",
    "source",
    "made_on",
    "quote",
    "question",
    "kind",
    "role",
    "wording",
    "probability",
    "low",
    "high",
    "scale",
    "term",
    "basis",
    "note",
    "condition_question",
    "condition_result",
    "direction",
    "value",
    "range",
    "above",
    "below",
]
EPOCH = dt.date(2015, 1, 1)
TODAY = dt.date(2026, 11, 1)


def sizes(claims: int) -> dict[str, int]:
    return {
        "sources": max(1, claims // 20),
        "people": max(20, claims // 50),
        "questions": max(10, claims // 10),
        "claims": claims,
    }


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def _write_jsonl(path: Path, rows: Any) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def _numeric(row: dict[str, Any], rng: random.Random, questions: int) -> dict[str, Any]:
    """A forecast turned into one on a numeric question: a point, a range
    (with a level or without) or a threshold with its probability."""
    kept = {k: row[k] for k in ("speaker", "source", "made_on", "quote", "role")}
    kept["question"] = f"n-{rng.randrange(questions):06d}"
    guess = round(rng.uniform(60, 140), 1)
    form = rng.choice(["value", "range", "above", "below"])
    if form == "value":
        kept["value"] = guess
    elif form == "range":
        width = round(rng.uniform(2, 30), 1)
        kept["range"] = [round(guess - width, 1), round(guess + width, 1)]
        level = rng.choice([None, 0.5, 0.8, 0.9])
        if level is not None:
            kept["probability"] = level
    else:
        kept[form] = guess
        kept["probability"] = round(rng.randint(1, 19) * 0.05, 2)
    return kept


def generate(folder: Path, claims: int, seed: int = 1) -> dict[str, int]:
    """Write the data set into ``folder``; returns the row count of each file."""
    folder.mkdir(parents=True, exist_ok=True)
    n = sizes(claims)
    rng = random.Random(seed)
    # Numeric questions and the claims on them draw from a second generator,
    # so the rest of the data set is the same as before they were added.
    numbers = random.Random(seed + 1)
    numeric_dates = [_day(numbers, dt.date(2016, 1, 1), dt.date(2030, 12, 31))
                     for _ in range(max(2, n["questions"] // 40))]  # fmt: skip
    counts: dict[str, int] = {}

    source_dates: list[dt.date] = []

    def sources() -> Any:
        for i in range(n["sources"]):
            published = _day(rng, EPOCH, TODAY)
            source_dates.append(published)
            yield {
                "slug": f"src-{i:07d}",
                "title": f"{rng.choice(TOPICS).title()} watch, part {i}",
                "url": f"https://news.example/{published:%Y/%m}/{i}",
                "publisher": rng.choice(PUBLISHERS),
                "published_on": published.isoformat(),
            }

    def people() -> Any:
        for i in range(n["people"]):
            roll = rng.random()
            if roll < 0.9:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name = f"{first} {last} {i}"
                names.append(name)
                aliases = [f"{first[0]}. {last} {i}"] if rng.random() < 0.3 else []
                yield {"name": name, "slug": f"p-{i:06d}", "kind": "person", "aliases": aliases}
            else:
                kind = "group" if roll < 0.97 else "organisation"
                label = "analysts" if kind == "group" else "institute"
                names.append(f"Unnamed {label} {i}")
                yield {"name": names[-1], "slug": f"p-{i:06d}", "kind": kind}

    question_dates: list[dt.date] = []
    names: list[str] = []

    def questions() -> Any:
        for i in range(n["questions"]):
            resolve_by = _day(rng, dt.date(2016, 1, 1), dt.date(2030, 12, 31))
            question_dates.append(resolve_by)
            topic = rng.choice(TOPICS)
            yield {
                "slug": f"q-{i:07d}",
                "title": f"The {topic} question {i} resolves YES",
                "criteria": f"YES if the {topic} event {i} happens by {resolve_by.isoformat()}.",
                "resolve_by": resolve_by.isoformat(),
                "horizon": rng.choice(HORIZONS),
                "tags": sorted(rng.sample(TAGS, rng.randint(1, 3))),
            }
        for j, resolve_by in enumerate(numeric_dates):
            yield {
                "slug": f"n-{j:06d}",
                "title": f"Index {j} at its close",
                "criteria": f"The published value of index {j} on {resolve_by.isoformat()}.",
                "resolve_by": resolve_by.isoformat(),
                "type": "numeric",
                "unit": "index points",
                "tags": ["economy-asia"],
            }

    def claim_rows() -> Any:
        for i in range(claims):
            q = rng.randrange(n["questions"])
            resolve_by = question_dates[q]
            made_on = resolve_by - dt.timedelta(days=rng.randint(5, 720))
            if made_on > TODAY:  # a question still open: said in the last two years
                made_on = TODAY - dt.timedelta(days=rng.randint(0, 720))
            kind_roll = rng.random()
            source = rng.randrange(n["sources"])
            # A source quotes what was said by the day it was published.
            made_on = min(max(made_on, EPOCH), source_dates[source])
            row: dict[str, Any] = {
                "speaker": names[rng.randrange(n["people"])],
                "source": f"src-{source:07d}",
                "made_on": made_on.isoformat(),
                "quote": f"On record {i}: the {rng.choice(TOPICS)} outcome is in doubt",
                "role": rng.choice(["analyst", "former minister", "professor", "spokesperson"]),
            }
            if kind_roll < 0.15:
                row.update(kind="opinion", basis="unscorable")
                yield row
                continue
            row["question"] = f"q-{q:07d}"
            if kind_roll < 0.22:
                row.update(
                    kind="directional",
                    basis="unscorable",
                    wording="odds are rising",
                    direction=rng.choice(["increase", "decrease"]),
                )
                yield row
                continue
            if kind_roll < 0.30:
                other = (q + 1 + rng.randrange(n["questions"] - 1)) % n["questions"]
                row.update(
                    kind="conditional",
                    condition={"question": f"q-{other:07d}", "result": rng.choice(["yes", "no"])},
                )
            mapping = rng.random()
            if mapping < 0.40:
                p = round(rng.randint(1, 19) * 0.05, 2)
                row["probability"] = p
                if rng.random() < 0.1:
                    row.update(low=round(max(0.0, p - 0.05), 2), high=round(min(1.0, p + 0.05), 2))
            elif mapping < 0.75:
                wording = rng.choice(list(ICD_WORDS))
                row.update(wording=wording, term=ICD_WORDS[wording])
            elif mapping < 0.85:
                wording = rng.choice(list(SURVEY_WORDS))
                row.update(wording=wording, scale="survey", term=SURVEY_WORDS[wording])
            elif mapping < 0.90:
                wording = rng.choice(list(ANALOGY_WORDS))
                scale, term = ANALOGY_WORDS[wording]
                row.update(
                    wording=wording,
                    scale=scale,
                    term=term,
                    basis="analogy",
                    note="nearest term, our reading",
                )
            else:
                row.update(wording=rng.choice(UNSCORABLE_WORDS), basis="unscorable")
            if i % 40 == 7 and "kind" not in row and row.get("basis") != "unscorable":
                row = _numeric(row, numbers, len(numeric_dates))
            yield row

    def outcomes() -> Any:
        results = (
            ["yes"] * 45 + ["no"] * 45 + ["partial"] * 4 + ["ambiguous"] * 3 + ["annulled"] * 3
        )
        for q, resolve_by in enumerate(question_dates):
            if resolve_by > TODAY or rng.random() > 0.83:
                continue  # about 60% of all questions end up resolved
            occurred = min(_day(rng, resolve_by - dt.timedelta(days=60), resolve_by), TODAY)
            recorded = min(occurred + dt.timedelta(days=rng.randint(1, 30)), TODAY)
            row = {
                "question": f"q-{q:07d}",
                "result": rng.choice(results),
                "occurred_on": occurred.isoformat(),
                "evidence_url": f"https://evidence.example/{q}",
                "recorded_at": f"{recorded.isoformat()}T12:00:00Z",
            }
            if row["result"] == "annulled" and q % 2 == 0:
                row["result"] = "unresolvable"  # searched for, not established
            yield row
            if rng.random() < 0.05:
                later = min(recorded + dt.timedelta(days=rng.randint(1, 60)), TODAY)
                yield {
                    **row,
                    "result": "no" if row["result"] == "yes" else "yes",
                    "note": "correction: the first report was wrong",
                    "recorded_at": f"{later.isoformat()}T12:00:00Z",
                }
        for j, resolve_by in enumerate(numeric_dates):
            if resolve_by > TODAY or numbers.random() > 0.8:
                continue
            occurred = min(_day(numbers, resolve_by - dt.timedelta(days=30), resolve_by), TODAY)
            yield {
                "question": f"n-{j:06d}",
                "result": "observed",
                "value": round(numbers.uniform(60, 140), 1),
                "occurred_on": occurred.isoformat(),
                "evidence_url": f"https://evidence.example/index/{j}",
                "recorded_at": f"{occurred.isoformat()}T18:00:00Z",
            }

    counts["sources"] = _write_jsonl(folder / "sources.jsonl", sources())
    counts["people"] = _write_jsonl(folder / "people.jsonl", people())
    counts["questions"] = _write_jsonl(folder / "questions.jsonl", questions())
    rng_claims_state = rng.getstate(), numbers.getstate()
    counts["claims"] = _write_jsonl(folder / "claims.jsonl", claim_rows())
    counts["outcomes"] = _write_jsonl(folder / "outcomes.jsonl", outcomes())
    rng.setstate(rng_claims_state[0])  # the CSV holds exactly the same claims
    numbers.setstate(rng_claims_state[1])
    with (folder / "claims.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in claim_rows():
            condition = row.pop("condition", None) or {}
            writer.writerow(
                {
                    **row,
                    "condition_question": condition.get("question"),
                    "condition_result": condition.get("result"),
                    "range": ";".join(map(str, row.pop("range"))) if "range" in row else None,
                }
            )
    return counts
