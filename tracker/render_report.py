"""Rendering ``tracker report``: human tables or Markdown, JSON, or CSV."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import click

from tracker.output import json_text, number, write_csv
from tracker.text import visible

SCALE_NAMES = {
    "recorded": "as recorded (each claim on its own mapping)",
    "icd203": "ICD 203",
    "phia": "UK PHIA yardstick",
    "kent1964": "Kent 1964",
    "survey": "reader-survey medians",
}


def num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def interval(low: Any, high: Any, fmt: Any = num) -> str:
    return "" if low is None else f"[{fmt(low)}, {fmt(high)}]"


def brier_cell(group: dict[str, Any]) -> str:
    bounds = interval(group["brier_low"], group["brier_high"], lambda v: num(v, 2))
    return f"{num(group['mean_brier'])} {bounds}"


# Terminal tables fit 100 columns: text columns wrap at these widths.
WIDTH = 100
WRAP = {"speaker": 16, "speaker and horizon": 16, "tag": 16, "mapping basis": 16,
        "horizon": 16, "note": 12, "question": 20, "title": 30, "slug": 24, "reason": 20,
        "from": 14, "to": 14, "scale": 16, "by": 12, "field": 10}  # fmt: skip


def _score_rows(groups: Sequence[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    numbers = any(g.get("estimates") for g in groups)  # numeric columns where they apply
    return [
        {
            label: g["label"],
            "scored": g["scored"],
            "mean Brier\n[95%]": brier_cell(g),
            "skill\nvs 50%": num(g["skill_vs_even"], 2),
            "skill vs\nbase rate": num(g["skill_vs_base_rate"], 2),
            "log\nloss": num(g["mean_log_loss"]),
            "right side\n[95%]": (
                f"{g['hits']}/{g['sided']} [{pct(g['hit_low'])}–{pct(g['hit_high'])}]"
                if g["sided"]
                else "–"
            ),
            **(_number_cells(g) if numbers else {}),
            "note": _note(g),
        }
        for g in groups
    ]


def _number_cells(group: dict[str, Any]) -> dict[str, str]:
    """A group's point and range estimates, in one narrow column: the points' mean
    percentage error, and how many of its ranges held the value."""
    error = pct(group["mean_pct_error"]) if group["points"] else "–"
    held = f"{group['covered']}/{group['ranges']}" if group["ranges"] else "–"
    return {"numbers: %\nerr · held": f"{error} · {held}"}


def said(n: dict[str, Any]) -> str:
    """A numeric claim's number as said: a point, a range with its level, a threshold."""
    if n["form"] == "point":
        return number(n["estimate"])
    if n["form"] == "range":
        level = f" ({pct(n['probability'])})" if n["probability"] is not None else ""
        return f"{number(n['estimate_low'])} to {number(n['estimate_high'])}{level}"
    chance = f" (p {num(n['probability'], 2)})" if n["probability"] is not None else ""
    return f"{n['threshold_side']} {number(n['threshold'])}{chance}"


def _numeric_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": n["claim_id"],
            "speaker": n["speaker"],
            "question": n["question"],
            "said": said(n),
            "unit": n["unit"],
            "observed": number(n["observed_value"]),
            "status": n["status"],
            "error": (
                f"{number(n['abs_error'])} ({pct(n['pct_error'])})"
                if n["abs_error"] is not None
                else ""
            ),
            "held": {1: "yes", 0: "no"}.get(n["covered"], ""),
            "interval\nscore": number(n["interval_score"]) if n["interval_score"] is not None
            else "",
            "Brier": num(n["brier"]) if n["brier"] is not None else "",
        }
        for n in rows
    ]  # fmt: skip


def _note(group: dict[str, Any]) -> str:
    notes = ["too few to judge"] if group["too_few"] and group["scored"] else []
    late = group.get("edited_after_outcome")
    if late:
        notes.append(f"{late} edited after the outcome")
    return "; ".join(notes)


def _status_rows(groups: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("claims", "open", "pending", "partial", "void", "hindsight", "unscorable",
            "directional", "opinion")  # fmt: skip
    return [
        {"speaker": g["label"], **{k: g[k] for k in keys}, "numeric": g.get("estimates") or 0}
        for g in groups
    ]


def _more(groups: Sequence[dict[str, Any]]) -> str:
    """A title's note when a group table shows only its first rows."""
    total = groups[0]["of_groups"] if groups else 0
    return f" (first {len(groups)} of {total}; --rows N)" if total > len(groups) else ""


def _fill(text: str) -> str:
    """Prose wrapped to the terminal table width, line by line."""
    return "\n".join(textwrap.fill(line, WIDTH) for line in text.splitlines())


def _table(rows: Sequence[dict[str, Any]], markdown: bool, empty: str) -> str:
    """A table: Markdown (one line a row), or for a terminal with its text
    columns wrapped (``WRAP``) and headers on two lines, to fit ``WIDTH``."""
    if not rows:
        return f"({empty})"
    import tabulate as tabulating
    from tabulate import tabulate

    tabulating.MIN_PADDING = 0  # columns as wide as their widest cell or header line
    headers = list(rows[0])
    cells = [[("" if v is None else v) for v in r.values()] for r in rows]
    if markdown:
        return tabulate(
            cells,
            headers=[h.replace("\n", " ") for h in headers],
            tablefmt="github",
            disable_numparse=True,
        )
    # Wrap only the columns that need it: tabulate wraps every cell it is asked to.
    widest = [max(len(str(row[i])) for row in cells) for i in range(len(headers))]
    limits = [
        WRAP.get(h) if WRAP.get(h) and max(widest[i], len(h)) > WRAP[h] else None
        for i, h in enumerate(headers)
    ]
    return tabulate(
        cells,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        maxcolwidths=limits if any(limits) else None,
        maxheadercolwidths=limits if any(limits) else None,
    )


def render_text(report: dict[str, Any], markdown: bool = False) -> str:
    """The report as tables, in the order a reader acts on it."""
    o = report["overview"]
    h = "## " if markdown else ""
    out: list[str] = []

    def section(title: str, body: str, note: str = "") -> None:
        out.append(f"\n{h}{title}" + ("" if markdown else "\n" + "─" * len(title)))
        if note:
            out.append(note if markdown else _fill(note))
        out.append(body)

    title = "Tracker report"
    out.append(f"# {title}" if markdown else f"{title}\n{'═' * len(title)}")
    when = f"As of {o['as_of']}"
    if o.get("world_as_of"):
        when = (f"The world as of {o['world_as_of']}: claims made and outcomes that had happened "
                "by then")  # fmt: skip
    if o.get("as_recorded") and o.get("world_as_of"):
        when += f", as this database recorded it at {o['as_recorded']}"
    elif o.get("as_recorded"):
        when = f"As recorded at {o['as_recorded']}: what this database said then"
    heading = (
        f"{when}. Scale: {SCALE_NAMES.get(o['scale'], o['scale'])}"
        + ("; analogy-mapped claims left out (--strict)" if o["strict"] else "")
        + ".\nBrier scores use the binary form: 0 is perfect, 0.25 is what always saying 50% "
        "earns, 1 is certain and wrong."
    )
    out.append(heading if markdown else _fill(heading))
    section(
        "Overview",
        f"{o['sources']} sources · {o['speakers']} speakers · {o['questions']} questions · "
        f"{o['claims']} claims\nquestions: {o['resolved']} resolved · {o['open']} open · "
        f"{o['overdue']} overdue · {o['due_soon']} due in the next 30 days",
    )
    question_cols = ("slug", "title", "resolve_by", "claims")
    section(
        "Overdue: past resolve-by, no outcome yet",
        _table([{k: q[k] for k in question_cols} for q in report["overdue"]], markdown, "none"),
        "Record what happened with `tracker add-outcome QUESTION RESULT --on DATE --evidence URL`.",
    )
    section(
        "Due in the next 30 days",
        _table([{k: q[k] for k in question_cols} for q in report["due_soon"]], markdown, "none"),
    )
    by = report.get("scoreboard_by", "speaker")
    section(
        f"Scoreboard by {by}" + _more(report["scoreboard"]),
        _table(_score_rows(report["scoreboard"], by), markdown, "no claims"),
        "Mean Brier with a 95% interval (small samples kept wide); skill 1 is perfect, 0 no "
        "better than the "
        "reference, below 0 worse; right side = p > 50% and it happened, or p < 50% and it "
        "did not (Wilson 95% interval)."
        + (
            " By organisation: each claim counts for the organisations its speaker belonged to "
            "that day (`tracker add-affiliation`), an organisation's own claims for itself."
            if by == "organisation"
            else ""
        ),
    )
    section(
        f"What each {by} said, by status" + _more(report["scoreboard"]),
        _table(_status_rows(report["scoreboard"]), markdown, "no claims"),
        "void: ambiguous, annulled, or a condition that failed; hindsight: made on or after "
        "the outcome happened (not scored); unscorable, directional and opinion claims are "
        "tracked but never scored; numeric: a point or range measured against the value "
        "observed (below).",
    )
    other = "organisation" if by == "speaker" else "speaker"
    for dimension, label in (
        *([(other, other)] if any(g["dimension"] == other for g in report["groups"]) else []),
        ("tag", "tag"),
        ("basis", "mapping basis"),
        ("horizon", "horizon"),
        ("speaker_horizon", "speaker and horizon"),
    ):
        groups = [g for g in report["groups"] if g["dimension"] == dimension]
        section(
            f"By {label}" + _more(groups),
            _table(_score_rows([g for g in groups if g["scored"]], label), markdown,
                   "nothing scored"),
        )  # fmt: skip
    calibration = [
        {
            "term": c["term"],
            "forecast": num(c["forecast"]),
            "claims": c["claims"],
            "happened": c["happened"],
            "observed": pct(c["observed"]),
        }
        for c in report["calibration"]
    ]
    m = report["murphy"]
    decomposition = (
        f"Brier {num(m['brier'])} = reliability {num(m['reliability'])} − resolution "
        f"{num(m['resolution'])} + uncertainty {num(m['uncertainty'])} "
        f"({m['claims']} scored claims, base rate of YES {pct(m['base_rate'])})"
        if m
        else "nothing scored yet"
    )
    section(
        "Calibration",
        _table(calibration, markdown, "nothing scored") + "\n" + _fill(decomposition),
        "Of the claims given each probability, how many came true. Well calibrated: "
        "observed close to forecast. Reliability is the calibration error (lower is better); "
        "resolution is how far forecasts sort outcomes from the base rate (higher is better).",
    )
    if report.get("numeric"):
        listed, total = len(report["numeric"]), report.get("numeric_total", len(report["numeric"]))
        section(
            "Numeric forecasts"
            + (f" (the latest {listed} of {total}; --claims N)" if total > listed else ""),
            _table(_numeric_rows(report["numeric"]), markdown, "none"),
            "A point is measured by its error (absolute, and as a share of the value observed); "
            "a range by whether it held the value and its interval score (its width plus 2/α "
            "times any miss, α = 1 − its level; lower is better, in the question's unit); a "
            "threshold with a probability is a yes/no forecast and has a Brier score.",
        )
        coverage = [
            {"speaker": r["speaker"], "level": pct(r["level"]) if r["level"] is not None
             else "not said", "ranges": r["ranges"], "held": r["covered"],
             "coverage": pct(r["coverage"])}
            for r in report["range_coverage"]
        ]  # fmt: skip
        if coverage:
            section(
                "Calibration of ranges",
                _table(coverage, markdown, "none"),
                "How often each speaker's ranges held the value, by the level they gave: "
                "well calibrated, 80% ranges hold about 80% of the time.",
            )
    sensitivity = [
        {
            "scale": SCALE_NAMES.get(r["scale"], r["scale"]),
            "scored": r["scored"],
            "mean Brier [95%]": brier_cell(r),
            "skill vs 50%": num(r["skill_vs_even"], 2),
            "log loss": num(r["mean_log_loss"]),
            "right side": f"{r['hits']}/{r['sided']}" if r["sided"] else "–",
        }
        for r in report["sensitivity"]
    ]
    section(
        "Sensitivity: the same claims read on every scale",
        _table(sensitivity, markdown, "nothing scored"),
        "If the verdict changes from one scale to another, it depends on how words were read.",
    )
    recent = [
        {
            "question": r["question"],
            "result": r["result"],
            "happened": r["occurred_on"],
            "recorded": r["recorded_at"],
            "by": r["recorded_by"],
            "corrects": f"#{r['corrects']}" if r["corrects"] else "",
        }
        for r in report["recent_outcomes"]
    ]
    section("Recent outcomes", _table(recent, markdown, "none recorded"))
    if report["late_edits"]:
        late = [
            {"claim": e["claim_id"], "speaker": e["speaker"], "field": e["field"],
             "from": e["old_value"] or "", "to": e["new_value"] or "",
             "edited": e["revised_at"], "reason": e["reason"]}
            for e in report["late_edits"]
        ]  # fmt: skip
        section(
            "Edited after the outcome",
            _table(late, markdown, "none"),
            "Changes to a claim's probability, term, question, condition, kind, side or date made "
            "after its question's outcome was recorded. Each is kept in the claim's history "
            "(`tracker show ID`); `--as-recorded` shows the scores as they stood before.",
        )
    if report["retracted"]:
        retracted = [
            {"claim": r["claim_id"], "speaker": r["speaker"], "question": r["question"] or "",
             "made": r["made_on"], "retracted": r["retracted_at"], "reason": r["retracted_reason"]}
            for r in report["retracted"]
        ]  # fmt: skip
        section(
            "Retracted claims",
            _table(retracted, markdown, "none"),
            "Withdrawn from the record with a reason; kept, but never scored or counted.",
        )
    listed = report["claims"]
    claims = [
        {
            "id": c["claim_id"],
            "speaker": c["speaker"],
            "question": c["question"] or "",
            "p": num(c["probability"], 3) if c["probability"] is not None else "",
            "range": f"{num(c['prob_low'], 2)}–{num(c['prob_high'], 2)}"
            if c["prob_low"] != c["prob_high"]
            else "",
            "status": c["status"],
            "Brier (best–worst)": (
                f"{num(c['brier'])} ({num(c['brier_best'])}–{num(c['brier_worst'])})"
                if c["brier"] is not None
                else ""
            ),
        }
        for c in listed
        if c["status"] not in ("opinion",)
    ]
    total = o["claims"] - (o.get("opinions") or 0)
    section(
        "Claims (opinions are counted above, not listed)"
        if total <= len(listed)
        else f"The latest {len(listed)} of {total} claims, opinions aside (--claims N)",
        _table(claims, markdown, "no claims"),
        "For a verbal range, the Brier score at both ends of the range shows how much the "
        "verdict rests on the point chosen.",
    )
    return "\n".join(out) + "\n"


def emit_report(report: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json_text(report, indent=2))
    elif fmt == "csv":
        write_csv(report["scoreboard"] + report["groups"])
    else:
        click.echo(visible(render_text(report, markdown=fmt == "markdown")), nl=False)
