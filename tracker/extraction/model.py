"""``tracker extract --model NAME``: a language model proposes, the records check.

The model (any the ``llm`` library and its plugins know: a hosted one with a
key, or a local one) reads the article and proposes claims as JSON: speaker,
role, the exact quote, the estimative words, the kind. Nothing it says is
taken on trust: a quote must be found in the text (``tracker.quotes``, as for
``add-claim``: quote marks and dashes aside) and is stored as the text has
it; the words are read by the phrase book, as in the offline path; speakers
are gathered into people with their spellings; the date said and the horizon
come from the text. What fails a check is left out and counted. The draft is
built by the same code as the offline one, so it imports the same way.

``llm`` is an optional extra (``pip install 'forecast-claim-tracker[llm]'``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracker.config import DISTRIBUTION
from tracker.errors import ValidationFailed
from tracker.extraction.article import Article
from tracker.extraction.candidates import _MOVES, Candidate, _rank, _signals
from tracker.extraction.horizons import horizon, said_on
from tracker.extraction.speakers import GROUP, Attribution, Cast
from tracker.services.phrases import Reading
from tracker.vocabulary import CLAIM_KINDS, DIRECTIONS

INSTALL = (
    f"--model needs the llm library: pip install '{DISTRIBUTION}[llm]' (and a plugin for the model)"
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "speaker": {"type": "string"},
                    "role": {"type": "string"},
                    "quote": {"type": "string"},
                    "wording": {"type": "string"},
                    "kind": {"type": "string", "enum": list(CLAIM_KINDS)},
                    "condition": {"type": "string"},
                    "direction": {"type": "string", "enum": list(DIRECTIONS)},
                },
                "required": ["speaker", "quote"],
            },
        }
    },
    "required": ["claims"],
}

PROMPT = """You find forecasts in news articles for a tracker that later checks who was right.
List every forecast that the article attributes to a speaker (a named person, an organisation,
or an unnamed group such as "many economists"): a statement about what will or will not
happen, with or without a stated likelihood. Leave out the reporter's own analysis, schedules
already fixed, rules, background facts and predictions reported as already settled.

For each forecast give: "speaker" (as the article writes the name at that place), "role" (as
the article gives it, if it does), "quote" (the forecast's words copied EXACTLY from the
article, one clause, no ellipsis), "wording" (the words that say how likely, e.g. "very
likely", "a long shot", "could"), "kind" ("forecast", "conditional" with "condition" the "if"
clause, or "directional" with "direction" "increase" or "decrease" when only a change in the
odds is stated). Answer with JSON: {"claims": [...]}.

The article:

"""


def _ask(model_name: str, article: Article) -> list[dict[str, Any]]:
    try:
        import llm
    except ImportError:
        raise ValidationFailed(INSTALL) from None
    try:
        model = llm.get_model(model_name)
    except llm.UnknownModelError:
        raise ValidationFailed(
            f"--model: no model {model_name!r} is known to llm (`llm models` lists them)"
        ) from None
    prompt = PROMPT + article.text
    try:
        if getattr(model, "supports_schema", False):
            answer = model.prompt(prompt, schema=SCHEMA).text()
        else:
            answer = model.prompt(prompt).text()
    except Exception as exc:  # a plugin's own error: a key missing, a server down
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValidationFailed(f"--model {model_name}: the model failed: {reason}") from None
    match = re.search(r"\{.*\}", answer, re.DOTALL)
    try:
        data = json.loads(match.group() if match else answer)
    except json.JSONDecodeError:
        raise ValidationFailed(f"--model {model_name}: the answer was not JSON") from None
    claims = data.get("claims") if isinstance(data, dict) else data
    if not isinstance(claims, list):
        raise ValidationFailed(f"--model {model_name}: the answer had no list of claims")
    return [c for c in claims if isinstance(c, dict)]


def propose(model_name: str, article: Article, book: list[Reading]) -> tuple[list[Candidate], int]:
    """The model's claims that pass the checks, as candidates; and how many did not."""
    from tracker.quotes import find_passage

    assert article.published_on is not None
    cast = Cast()
    found: list[Candidate] = []
    rejected = 0
    for item in _ask(model_name, article):
        speaker = str(item.get("speaker") or "").strip()
        passage = find_passage(str(item.get("quote") or ""), article.text) if speaker else None
        if not speaker or not passage:
            rejected += 1
            continue
        start = article.text.find(passage)
        index, sentence = next(
            ((i, s) for i, s in enumerate(article.sentences) if s.start <= start < s.end + 1),
            (0, None),
        )
        role = str(item.get("role") or "").strip() or None
        if GROUP.fullmatch(speaker):
            person, how = cast.group(speaker, index), "group"
        else:
            person, how = cast.person(speaker, role, index)
        attribution = Attribution(speaker, person, how, role, (0, 0))
        signals = _signals(passage, book)
        wording = str(item.get("wording") or "").strip()
        reading: Reading | None = None
        probability = None
        if signals:
            at, stop, reading, probability = min(signals, key=_rank)
            wording = passage[at:stop]
        kind = item.get("kind") if item.get("kind") in CLAIM_KINDS else "forecast"
        if reading is not None and reading.direction is not None:
            kind = "directional"
        condition = str(item.get("condition") or "").strip() or None
        if kind == "conditional" and condition is None:
            kind = "forecast"
        around = sentence.text.replace(passage, " ") if sentence is not None else ""
        made_on, note = said_on(around, article.published_on)
        reasons = [f"proposed by {model_name}", "quote found in the text"]
        confidence = 0.6 + (0.2 if reading is not None and reading.term else 0.0)
        if probability is not None:
            reasons.append(f"a stated chance ({wording})")
            confidence = 0.85
        elif reading is not None:
            reasons.append(f'"{wording}" is in the phrase book')
        else:
            reasons.append("no phrase of the book in the quote: unscorable")
            confidence = 0.45
        if kind == "directional" and (reading is None or reading.direction is None):
            direction = item.get("direction") if item.get("direction") in DIRECTIONS else None
            if direction is None:
                kind = "forecast"
            else:
                reading = Reading(wording or passage, "", None, None, "unscorable", direction,
                                  _MOVES)  # fmt: skip
        found.append(Candidate(
            index, start, start + len(passage), passage, attribution, wording or passage[:40],
            reading, probability, kind, condition if kind == "conditional" else None, made_on,
            note, horizon(passage, article.published_on), round(confidence, 2), reasons,
        ))  # fmt: skip
    return found, rejected
