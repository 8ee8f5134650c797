"""How well ``tracker extract`` does against articles annotated by hand.

Each annotated article is a text and its gold seed file (every claim by hand,
with the speakers' spellings), optionally with a list of distractors: passages
that look predictive and are not a speaker's forecast. The draft made from
the text alone is compared with the gold:

- recall: the gold forecasts (every kind but opinion) that a candidate finds:
  its quote overlaps the gold quote and names the same speaker;
- precision: the candidates whose quote overlaps a gold forecast's;
- speaker accuracy: of the gold forecasts a candidate overlaps, those where
  it names the same speaker;
- term agreement: of the found forecasts, those read the same way (the same
  term, both unscorable, or the same stated number);
- distractors: candidates that overlap a passage marked as a distractor.

Speakers are compared as people: a candidate's spelling, or any alias of its
person in the draft, against every spelling of the gold speaker's person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracker.text import fold

FORECAST_KINDS = ("forecast", "conditional", "directional")


@dataclass
class Score:
    article: str
    gold: int = 0
    found: int = 0
    candidates: int = 0
    on_gold: int = 0
    overlapped: int = 0
    speaker_right: int = 0
    term_compared: int = 0
    term_agreed: int = 0
    distractors: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("gold", "found", "candidates", "on_gold", "overlapped", "speaker_right",
                     "term_compared", "term_agreed", "distractors"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def recall(self) -> float:
        return self._ratio(self.found, self.gold)

    @property
    def precision(self) -> float:
        return self._ratio(self.on_gold, self.candidates)

    @property
    def speaker_accuracy(self) -> float:
        return self._ratio(self.speaker_right, self.overlapped)

    @property
    def term_agreement(self) -> float:
        return self._ratio(self.term_agreed, self.term_compared)

    def row(self) -> dict[str, Any]:
        return {"article": self.article, "gold forecasts": self.gold, "found": self.found,
                "candidates": self.candidates, "recall": round(self.recall, 3),
                "precision": round(self.precision, 3),
                "speaker": round(self.speaker_accuracy, 3),
                "term": round(self.term_agreement, 3), "distractors": self.distractors}  # fmt: skip


def _people(data: dict[str, Any]) -> list[set[str]]:
    groups = []
    for person in data.get("people") or []:
        names = {fold(person["name"]), *(fold(a) for a in person.get("aliases") or [])}
        if person.get("kind") == "group":
            names.add("group:")  # an unnamed group: compared by its words (_same)
        groups.append(names)
    return groups


def _same(candidate: set[str], gold: set[str]) -> bool:
    """The same speaker: a spelling in common; for an unnamed group, the words of
    one spelling within another's ("others" is the "others who are skeptical")."""
    if (candidate & gold) - {"group:"}:
        return True
    if "group:" not in candidate:
        return False
    return any(set(c.split()) <= set(g.split()) or set(g.split()) <= set(c.split())
               for c in candidate - {"group:"} for g in gold - {"group:"})  # fmt: skip


def _person(spelling: str, people: list[set[str]]) -> set[str]:
    key = fold(spelling)
    for names in people:
        if key in names:
            return names
    return {key}


def _span(text: str, quote: str) -> tuple[int, int]:
    """Where a quote stands: in the body, past the headline, if it is there too."""
    at = text.find(quote, text.find("\n") + 1)
    if at < 0:
        at = text.find(quote)
    return (at, at + len(quote)) if at >= 0 else (-1, -1)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] >= 0 and b[0] >= 0 and a[0] < b[1] and b[0] < a[1]


def _reading(claim: dict[str, Any]) -> tuple[Any, ...]:
    if claim.get("probability") is not None:
        return ("number", round(float(claim["probability"]), 2))
    if claim.get("basis") == "unscorable" or (claim.get("term") is None):
        return ("unscorable",)
    return ("term", claim["term"])


def evaluate_article(text: str, gold: dict[str, Any], draft: dict[str, Any],
                     distractors: list[str], name: str) -> Score:  # fmt: skip
    score = Score(name)
    gold_people = _people(gold)
    draft_people = _people(draft)
    forecasts = [c for c in gold.get("claims") or [] if c.get("kind", "forecast") in FORECAST_KINDS]
    candidates = draft.get("claims") or []
    score.gold, score.candidates = len(forecasts), len(candidates)
    spans = [_span(text, c["quote"]) for c in candidates]
    people = [_person(c["speaker"], draft_people) for c in candidates]
    for claim in forecasts:
        span = _span(text, claim["quote"])
        names = _person(claim["speaker"], gold_people)
        over = [i for i, s in enumerate(spans) if _overlap(s, span)]
        if over:
            score.overlapped += 1
        right = [i for i in over if _same(people[i], names)]
        if right:
            score.speaker_right += 1
            score.found += 1
            score.term_compared += 1
            if _reading(candidates[right[0]]) == _reading(claim):
                score.term_agreed += 1
        else:
            score.missed.append(claim["quote"][:70])
    gold_spans = [_span(text, c["quote"]) for c in forecasts]
    for i, s in enumerate(spans):
        if any(_overlap(s, g) for g in gold_spans):
            score.on_gold += 1
        else:
            score.wrong.append(candidates[i]["quote"][:70])
        if any(_overlap(s, _span(text, d)) for d in distractors):
            score.distractors += 1
    return score


@dataclass(frozen=True)
class Annotated:
    name: str
    text: Path
    gold: Path
    distractors: Path | None
    published_on: dt.date | None = None


def annotated_set(root: Path) -> list[Annotated]:
    """The seed article and the articles in tests/extract, with their gold files."""
    seed = root / "seeds" / "trump-kim-north-korea-holds-the-cards"
    found = [Annotated("seed: trump-kim", seed.with_suffix(".txt"), seed.with_suffix(".yaml"), None,
                       dt.date(2025, 10, 24))]  # fmt: skip
    for gold in sorted((root / "tests" / "extract").glob("*.yaml")):
        if gold.name.endswith(".distractors.yaml"):
            continue
        stem = gold.name.removesuffix(".yaml")
        extra = gold.with_name(f"{stem}.distractors.yaml")
        found.append(Annotated(stem, gold.with_name(f"{stem}.txt"), gold,
                               extra if extra.exists() else None))  # fmt: skip
    return found


def evaluate(session: Any, items: list[Annotated]) -> tuple[list[Score], Score]:
    """Each article's score and the total, extracting with ``session``'s phrase book."""
    from tracker.services.extract import extract

    scores, total = [], Score("overall")
    for item in items:
        text = item.text.read_text(encoding="utf-8")
        _, draft = extract(session, text, name=item.text.name, published_on=item.published_on)
        gold = yaml.safe_load(item.gold.read_text(encoding="utf-8"))
        distractors = (
            [d["text"] for d in yaml.safe_load(item.distractors.read_text())]
            if (item.distractors)
            else []
        )
        score = evaluate_article(text, gold, draft.as_data(), distractors, item.name)
        scores.append(score)
        total.add(score)
    return scores, total


def main() -> None:
    """``make eval-extract``: the scores as a table, per article and overall."""
    import tempfile

    from tracker.db import get_engine, session_scope
    from tracker.output import emit
    from tracker.schema import ensure_schema

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{folder}/eval.db")
        ensure_schema(engine)
        with session_scope(engine) as session:
            scores, total = evaluate(session, annotated_set(root))
        engine.dispose()
    emit([s.row() for s in [*scores, total]], "table")
    for score in scores:
        for quote in score.missed:
            print(f"missed  {score.article}: {quote}")
        for quote in score.wrong:
            print(f"extra   {score.article}: {quote}")


if __name__ == "__main__":
    main()
