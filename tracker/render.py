"""Human renderings of one claim or one question (``tracker show``)."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from tracker.output import emit, number
from tracker.text import visible


def _echo(text: str) -> None:
    """A line for the terminal: stored control characters shown, not acted on."""
    click.echo(visible(text))


def _probability(row: dict[str, Any]) -> str:
    p = row.get("probability")
    if p is None:
        return f"unscorable ({row['basis']})"
    text = f"{p:.3g}"
    if row.get("prob_low") is not None and row["prob_low"] != row["prob_high"]:
        text += f" (range {row['prob_low']:.3g}–{row['prob_high']:.3g})"
    where = f"{row['scale']} '{row['scale_term']}'" if row.get("scale") else "stated"
    return f"{text} — {row['basis']}, {where}"


def _wrapped(text: str, indent: str = "  ") -> None:
    # Long words (URLs) stay whole, so they can still be copied or clicked.
    _echo(
        textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent + "  ",
                      break_long_words=False, break_on_hyphens=False)
    )  # fmt: skip


_OPENING = "“\"'‘«„"
_CLOSING = "”\"'’»“"


def _quoted(text: str) -> str:
    """A quote between quotation marks, unless it already carries its own."""
    if text[:1] in _OPENING and text[-1:] in _CLOSING and len(text) > 1:
        return text
    return f"“{text}”"


def _score_line(score: dict[str, Any] | None) -> str:
    if score is None:
        return "not scored (retracted)"
    if score["status"] == "numeric":
        if score.get("abs_error") is not None:
            share = score.get("pct_error")
            of_value = f" ({100 * share:.1f}% of the value)" if share is not None else ""
            return f"off by {score['abs_error']:,.6g}{of_value}"
        held = "held the value" if score.get("covered") else "missed the value"
        if score.get("interval_score") is not None:
            return f"{held}; interval score {score['interval_score']:,.6g}"
        return held
    if score["brier"] is None:
        return f"{score['status']} (not scored)"
    spread = ""
    if score["brier_best"] != score["brier_worst"]:
        spread = f" (over its range {score['brier_best']:.3f}–{score['brier_worst']:.3f})"
    return f"Brier {score['brier']:.3f}{spread}, log loss {score['log_loss']:.3f}"


def _outcomes(history: list[dict[str, Any]]) -> None:
    if not history:
        _echo("  no outcome recorded")
        return
    for o in history:
        mark = "current" if o["current"] else "superseded by a later record"
        value = f" {number(o['value'])}" if o.get("value") is not None else ""
        _echo(
            f"  #{o['id']} {o['result'].upper()}{value} on {o['occurred_on']} "
            f"(recorded {o['recorded_at']} by {o['recorded_by']}; {mark})"
        )
        if o["supersedes"]:
            _echo(f"      corrects #{o['supersedes']}")
        for label in ("evidence_url", "evidence_source", "note"):
            if o.get(label):
                _wrapped(f"{label.replace('_', ' ')}: {o[label]}", "      ")
        for url in o.get("more_evidence") or ():
            _wrapped(f"more evidence: {url}", "      ")


def _question_block(title: str, q: dict[str, Any] | None) -> None:
    if q is None:
        return
    _echo(f"\n{title}: {q['slug']} — {q['title']} (resolve by {q['resolve_by']})")
    if "required_result" in q:
        _echo(f"  counts only if it resolves {q['required_result'].upper()}")
    _outcomes(q["outcomes"])


def _estimate(e: dict[str, Any]) -> str:
    """A numeric claim's number as said: a point, a range, or a threshold."""
    if e["value"] is not None:
        return number(e["value"])
    if e["low"] is not None:
        return f"{number(e['low'])} to {number(e['high'])} (the probability is its level)"
    return f"ends {e['side']} {number(e['threshold'])} (the probability is of that)"


def render_claim(c: dict[str, Any]) -> None:
    _echo(f"Claim {c['id']} ({c['kind']}), made {c['made_on']}")
    if c.get("made_on_note"):
        _echo(f"  date note: {c['made_on_note']}")
    aliases = f" (also: {', '.join(c['speaker_aliases'])})" if c["speaker_aliases"] else ""
    _echo(f"Speaker: {c['speaker']}{aliases}")
    if c.get("role"):
        _echo(f"  role as stated: {c['role']}")
    _echo("Quote:")
    _echo(textwrap.indent(textwrap.fill(_quoted(c["quote"]), 96), "  "))
    if c.get("wording"):
        _echo(f"Wording: {c['wording']}")
    if c.get("estimate"):
        _echo(f"Estimate: {_estimate(c['estimate'])}")
    if c.get("side") == "no":
        _echo(f"Probability of NO (the claim is about the question's opposite): {_probability(c)}")
    else:
        _echo(f"Probability of YES: {_probability(c)}")
    _echo(f"Score: {_score_line(c['score'])}")
    if c.get("direction"):
        _echo(f"Direction: {c['direction']} (no level, not scored)")
    if c.get("mapping_note"):
        _wrapped(f"note: {c['mapping_note']}")
    s = c["source"]
    published = ", ".join(filter(None, [s["publisher"], s["published_on"] or "date unknown"]))
    _wrapped(f"Source: {s['title']} [{s['slug']}], {published}", "")
    if s.get("published_on_note"):
        _wrapped(f"date note: {s['published_on_note']}")
    if s.get("url"):
        _echo(f"  {s['url']}")
    for a in c["appearances"]:
        retracted = f" — retracted: {a['retracted_reason']}" if a["retracted_reason"] else ""
        _wrapped(
            f"Also in (appearance {a['id']}): {a['title']} [{a['source']}], "
            f"{a['appeared_on'] or 'date unknown'}{retracted}",
            "",
        )
        _wrapped(_quoted(a["quote"]))
    _question_block("Question", c["question_detail"])
    _question_block("Condition", c["condition"])
    _echo(f"\nEntered by {c['entered_by']} at {c['entered_at']}")
    if c.get("retracted"):
        _wrapped(f"RETRACTED {c['retracted']['at']}: {c['retracted']['reason']} "
                 "(not scored or counted)", "")  # fmt: skip
    _revisions(c["revisions"])
    for a in c["appearances"]:
        if a["revisions"]:
            _echo(f"Appearance {a['id']} in {a['source']}:")
            _revisions(a["revisions"])


def _revisions(revisions: list[dict[str, Any]]) -> None:
    """A record's corrections, oldest first: when, who, what changed and why."""
    if not revisions:
        return
    _echo("History of corrections:")
    for r in revisions:
        _wrapped(f"{r['revised_at']} by {r['revised_by']}: {r['field']} {r['old']} → {r['new']}")
        _wrapped(f"reason: {r['reason']}", "      ")


def render_question(q: dict[str, Any]) -> None:
    _echo(f"Question {q['id']}: {q['slug']}")
    _echo(f"  {q['title']}")
    _echo(
        f"Resolve by: {q['resolve_by']}"
        + (f" (as worded: {q['horizon']})" if q.get("horizon") else "")
    )
    if q.get("type") == "numeric":
        _echo(f"Numeric: resolves to the value observed, in {q['unit']}")
    _echo("Criteria:")
    _echo(textwrap.indent(textwrap.fill(q["criteria"], 96), "  "))
    if q["tags"]:
        _echo(f"Tags: {', '.join(q['tags'])}")
    _echo("Outcome history:")
    _outcomes(q["outcomes"])
    _echo("Claims:")
    emit(
        q["claims"],
        "table",
        ["id", "made_on", "speaker", "kind", "on_question", "wording", "probability", "basis"],
        width=40,
        empty="  no claims",
    )
    if q["retracted_claims"]:
        ids = ", ".join(str(c["id"]) for c in q["retracted_claims"])
        _echo(f"Retracted claims (not scored): {ids}")
    _revisions(q["revisions"])
