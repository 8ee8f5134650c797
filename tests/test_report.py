"""Every figure of the report checked against values worked out by hand.

The fixture (tests/fixtures/scoring.yaml) has seven scored claims:

    claim  speaker  p      outcome  Brier     log loss (-ln p_outcome)  right side
    c1     Alice    0.8    yes      0.04      0.223144                  yes
    c2     Alice    0.3    no       0.09      0.356675                  yes
    c3     Alice    0.6    no*      0.36      0.916291                  no
    c4     Bob      0.9    no*      0.81      2.302585                  no
    c5     Bob      0.5    yes      0.25      0.693147                  (neither)
    c12    Bob      0.3    yes      0.49      1.203973                  no
    c9     Carol    0.325  no       0.105625  0.393043                  yes
    (* q-flip was first recorded YES, then corrected to NO)

c9 is ICD 203 "unlikely" (0.20-0.45): best Brier 0.2^2 = 0.04, worst 0.45^2 = 0.2025.
Not scored: c6 (annulled question: void), c7 (its condition q-yes=NO failed: void),
c8 (made 2025-03-05, after q-late happened on 2025-03-01: hindsight), c10 and c13
(open), c11 (opinion).

Overall: N = 7, base rate 3/7, mean Brier 2.145625 / 7 = 0.306518.
Murphy (bins by forecast value; only 0.3 holds two claims, one YES one NO):
  REL = (2(0.3-0.5)^2 + 0.105625 + 0.25 + 0.36 + 0.04 + 0.81) / 7 = 0.235089
  RES = (2(0.5-3/7)^2 + 3(3/7)^2 + 2(4/7)^2) / 7                 = 0.173469
  UNC = (3/7)(4/7)                                                 = 0.244898
Alice: mean Brier 0.49/3 = 0.163333; skill vs 50% = 1 - 0.163333/0.25 = 0.346667;
  skill vs base rate: reference mean((3/7 - o)^2) over her outcomes (1,0,0) = 34/147,
  so 1 - 0.163333/(34/147) = 0.293824; right side 2 of 3.
Bob: mean Brier 1.55/3 = 0.516667; right side 0 of 2 (c5 at 50% is on neither side).
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Invoke

from tracker.services.report import mean_interval, t95, wilson

FIXTURE = ROOT / "tests" / "fixtures" / "scoring.yaml"
approx = pytest.approx


@pytest.fixture
def world(invoke: Invoke, db_path: Path) -> Path:
    invoke("import", str(FIXTURE))
    return db_path


def report(invoke: Invoke, *args: str) -> dict:
    return json.loads(invoke("report", "--format", "json", *args).output)


def by_claim(data: dict) -> dict[str, dict]:
    conn_quotes = {c["claim_id"]: c for c in data["claims"]}
    return conn_quotes


def quotes(db: Path) -> dict[str, int]:
    return {q: i for i, q in sqlite3.connect(db).execute("SELECT id, quote FROM claims")}


def test_per_claim_scores(world: Path, invoke: Invoke) -> None:
    ids = quotes(world)
    claims = by_claim(report(invoke))
    expected = {
        "c1": ("scored", 0.04, 0.223144, 1),
        "c2": ("scored", 0.09, 0.356675, 1),
        "c3": ("scored", 0.36, 0.916291, 0),
        "c4": ("scored", 0.81, 2.302585, 0),
        "c5": ("scored", 0.25, 0.693147, None),
        "c12": ("scored", 0.49, 1.203973, 0),
        "c9": ("scored", 0.105625, 0.393043, 1),
    }
    for quote, (status, brier, log_loss, hit) in expected.items():
        c = claims[ids[quote]]
        assert c["status"] == status, quote
        assert c["brier"] == approx(brier), quote
        assert c["log_loss"] == approx(log_loss, abs=1e-6), quote
        assert c["hit"] == hit, quote
    for quote, status in {"c6": "void", "c7": "void", "c8": "hindsight", "c10": "open",
                          "c13": "open"}.items():  # fmt: skip
        assert claims[ids[quote]]["status"] == status, quote
        assert claims[ids[quote]]["brier"] is None
    assert ids["c11"] not in claims  # an opinion: counted by speaker, not listed
    verbal = claims[ids["c9"]]
    assert (verbal["prob_low"], verbal["probability"], verbal["prob_high"]) == (0.2, 0.325, 0.45)
    assert (verbal["brier_best"], verbal["brier_worst"]) == (approx(0.04), approx(0.2025))


def test_scoreboard_and_aliases(world: Path, invoke: Invoke) -> None:
    board = {g["label"]: g for g in report(invoke)["scoreboard"]}
    alice, bob, carol = board["Alice Able"], board["Bob Baker"], board["Carol Chen"]
    assert (alice["claims"], alice["scored"]) == (4, 3)
    assert alice["mean_brier"] == approx(0.49 / 3)
    assert alice["skill_vs_even"] == approx(1 - (0.49 / 3) / 0.25)
    assert alice["skill_vs_base_rate"] == approx(1 - (0.49 / 3) / (34 / 147))
    assert alice["mean_log_loss"] == approx((0.223144 + 0.356675 + 0.916291) / 3, abs=1e-6)
    assert (alice["hits"], alice["sided"]) == (2, 3)
    assert alice["too_few"] is True
    assert (bob["claims"], bob["scored"], bob["void"], bob["opinion"]) == (5, 3, 1, 1)
    assert bob["mean_brier"] == approx(1.55 / 3)
    assert (bob["hits"], bob["sided"]) == (0, 2)
    assert (carol["claims"], carol["scored"], carol["void"], carol["hindsight"], carol["open"]) == (
        4, 1, 1, 1, 1,
    )  # fmt: skip
    # Either alias finds Alice, and the filtered report holds only her claims.
    for alias in ("A. Able", "alice a"):
        only = report(invoke, "--speaker", alias)
        assert [g["label"] for g in only["scoreboard"]] == ["Alice Able"]
        assert only["scoreboard"][0]["mean_brier"] == approx(0.49 / 3)


def test_overall_murphy_decomposition_and_calibration(world: Path, invoke: Invoke) -> None:
    data = report(invoke)
    m = data["murphy"]
    assert m["claims"] == 7
    assert m["base_rate"] == approx(3 / 7)
    assert m["brier"] == approx(2.145625 / 7)
    assert m["reliability"] == approx(1.645625 / 7)
    assert m["resolution"] == approx((2 / 196 + 3 * 9 / 49 + 2 * 16 / 49) / 7)
    assert m["uncertainty"] == approx(12 / 49)
    assert m["brier"] == approx(m["reliability"] - m["resolution"] + m["uncertainty"])
    bins = {(b["term"], b["forecast"]): b for b in data["calibration"] if b["claims"]}
    assert bins[("stated", 0.3)]["claims"] == 2 and bins[("stated", 0.3)]["observed"] == 0.5
    assert bins[("unlikely", 0.325)]["happened"] == 0
    assert sum(b["claims"] for b in bins.values()) == 7
    overall = next(g for g in data["groups"] if g["dimension"] == "overall")
    assert overall["skill_vs_base_rate"] == approx(1 - (2.145625 / 7) / (12 / 49))


def test_groups_by_tag_basis_and_horizon(world: Path, invoke: Invoke) -> None:
    groups = {(g["dimension"], g["label"]): g for g in report(invoke)["groups"]}
    assert groups[("tag", "econ")]["mean_brier"] == approx((0.04 + 0.09 + 0.25 + 0.49) / 4)
    assert groups[("tag", "politics")]["mean_brier"] == approx((0.36 + 0.81 + 0.105625) / 3)
    assert groups[("basis", "standard_scale")]["scored"] == 1
    assert groups[("basis", "stated_number")]["scored"] == 6
    # q-yes resolves 19 days after the claims; the rest 364 days after.
    assert groups[("horizon", "0-30 days")]["scored"] == 3
    assert groups[("horizon", "91-365 days")]["scored"] == 4


def test_as_of_is_the_world_as_it_stood_on_that_date(world: Path, invoke: Invoke) -> None:
    ids = quotes(world)
    before_any = report(invoke, "--as-of", "2025-01-10")  # before anything happened
    assert before_any["overview"]["resolved"] == 0
    assert all(c["status"] not in ("scored", "void") for c in before_any["claims"])
    # The world on 15 June, between the first call on q-flip (YES, recorded 2 June)
    # and its correction (NO, recorded 1 July): today's record says NO, on 1 June.
    flipped = by_claim(report(invoke, "--as-of", "2025-06-15"))
    assert flipped[ids["c3"]]["brier"] == approx(0.36)
    assert flipped[ids["c4"]]["brier"] == approx(0.81)
    assert ids["c8"] in flipped  # made 5 March: before the as-of date
    # On 31 May q-flip had not happened yet.
    assert by_claim(report(invoke, "--as-of", "2025-05-31"))[ids["c3"]]["status"] == "open"
    early = by_claim(report(invoke, "--as-of", "2025-03-01"))
    assert ids["c8"] not in early  # not yet made
    now = by_claim(report(invoke))
    assert now[ids["c3"]]["brier"] == approx(0.36)


def test_strict_and_scale_and_sensitivity(world: Path, invoke: Invoke) -> None:
    alice = next(g for g in report(invoke, "--strict")["scoreboard"] if g["label"] == "Alice Able")
    assert alice["claims"] == 3  # c13 was mapped by analogy
    sensitivity = {r["scale"]: r for r in report(invoke)["sensitivity"]}
    assert list(sensitivity) == ["recorded", "icd203", "phia", "kent1964", "survey"]
    # Only c9 is verbal: "unlikely" is 0.30 on PHIA, "probably not" 0.30 on Kent, 0.20 in surveys.
    assert sensitivity["recorded"]["mean_brier"] == approx(2.145625 / 7)
    assert sensitivity["icd203"]["mean_brier"] == approx(2.145625 / 7)
    assert sensitivity["phia"]["mean_brier"] == approx((2.04 + 0.09) / 7)
    assert sensitivity["kent1964"]["mean_brier"] == approx((2.04 + 0.09) / 7)
    assert sensitivity["survey"]["mean_brier"] == approx((2.04 + 0.04) / 7)
    survey = report(invoke, "--scale", "survey")
    carol = next(g for g in survey["scoreboard"] if g["label"] == "Carol Chen")
    assert carol["mean_brier"] == approx(0.04)
    assert 'no scale "nope"' in invoke("report", "--scale", "nope", ok=False).output


def test_the_views_and_the_report_agree(world: Path, invoke: Invoke) -> None:
    data = report(invoke)
    conn = sqlite3.connect(world)
    conn.row_factory = sqlite3.Row
    view = {
        (r["dimension"], r["group_key"]): dict(r)
        for r in conn.execute("SELECT * FROM score_groups WHERE scale = 'recorded'")
    }
    for g in data["scoreboard"] + data["groups"]:
        row = view[(g["dimension"], g["group_key"])]
        for key in ("claims", "scored", "mean_brier", "mean_log_loss", "hits", "skill_vs_even",
                    "mean_brier_squared"):  # fmt: skip
            assert g[key] == approx(row[key]) if row[key] is not None else g[key] is None
    murphy = dict(conn.execute("SELECT * FROM murphy WHERE scale = 'recorded'").fetchone())
    assert {k: approx(v) for k, v in murphy.items() if k != "scale"} == {
        k: v for k, v in data["murphy"].items() if k != "scale"
    }
    scores = {r["claim_id"]: r["brier"] for r in conn.execute(
        "SELECT claim_id, brier FROM claim_scores WHERE scale = 'recorded' "
        "AND status <> 'opinion'")}  # fmt: skip
    assert scores == {c["claim_id"]: c["brier"] for c in data["claims"]}


def test_intervals() -> None:
    low, high = wilson(2, 3)
    assert (low, high) == (approx(0.2077, abs=1e-4), approx(0.9385, abs=1e-4))
    assert wilson(0, 0) == (None, None)

    def interval(values: list[float]):  # type: ignore[no-untyped-def]
        n = len(values)
        return mean_interval(n, sum(values) / n if n else None,
                             sum(v * v for v in values) / n if n else None)  # fmt: skip

    assert interval([]) == (None, None)
    assert interval([0.3]) == (0.0, 1.0)  # one claim says nothing about the mean
    # Alice's three Brier scores: mean 0.16333; observed variance 0.029633 pooled
    # with the bound 0.16333 * (1 - 0.16333) = 0.136656 as two claims; t(2) = 4.303.
    low, high = interval([0.04, 0.09, 0.36])
    variance = (2 * 0.029633 + 2 * 0.136656) / 4
    half = 4.303 * math.sqrt(variance / 3)
    assert (low, high) == (approx(max(0, 0.163333 - half), abs=1e-4),
                           approx(min(1, 0.163333 + half), abs=1e-4))  # fmt: skip
    assert t95(1000) == approx(1.9623, abs=1e-3)


def _width(values: list[float]) -> float:
    n = len(values)
    low, high = mean_interval(n, sum(values) / n, sum(v * v for v in values) / n)
    assert low is not None and high is not None
    return high - low


@pytest.mark.parametrize("score", [0.0, 0.04, 0.106, 0.5])
def test_identical_scores_never_look_certain(score: float) -> None:
    """Two, five or thirty equal Brier scores: the plain t interval had zero width."""
    widths = [_width([score] * n) for n in (1, 2, 5, 30)]
    assert widths[0] == 1.0  # one claim: anything
    assert widths[1] >= 0.5 or score == 0.0  # two claims: still wide
    assert all(w > 0 for w in widths[1:]) or score == 0.0
    assert widths == sorted(widths, reverse=True)  # more claims, narrower
    if score == 0.0:  # all perfect: the bound is 0 too, and so is the interval past one claim
        assert widths[1:] == [0.0, 0.0, 0.0]


def test_spread_scores_converge_on_the_usual_interval() -> None:
    import random

    rng = random.Random(7)
    for n, most in ((5, 3.0), (30, 1.3), (1000, 1.02)):
        values = [rng.random() ** 2 * 0.6 for _ in range(n)]
        mean = sum(values) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        plain = 2 * t95(n - 1) * sd / math.sqrt(n)
        assert plain <= _width(values) <= most * plain, n


def test_seed_report(seeded: Path, invoke: Invoke) -> None:
    data = report(invoke)
    claims = data["claims"]
    meeting = [c for c in claims if c["question"] == "trump-kim-meet-during-korea-visit"]
    assert {c["result"] for c in meeting} == {"no"}
    scored = {c["speaker"] for c in meeting if c["status"] == "scored"}
    assert scored == {"Many experts (unnamed)"}
    speculation = [c for c in meeting if c["speaker"] == "Speculation (unnamed)"]
    assert [c["status"] for c in speculation] == ["unscorable"]
    assert {c["status"] for c in meeting if c["speaker"] == "Ban Kil-joo"} == {"directional"}
    # Void: a condition that failed (no meeting, so no results), and a question whose
    # outcome could not be established (recorded unresolvable).
    void = {(c["speaker"], c["question"]) for c in claims if c["status"] == "void"}
    assert void == {("Koh Yu-hwan", "apec-meeting-produces-results"),
                    ("Many experts (unnamed)", "trump-kim-meet-within-months")}  # fmt: skip
    congress = {c["question"]: (c["result"], c["status"]) for c in claims
                if c["question"] in ("wpk-congress-in-january-2026",
                                     "kim-decides-on-diplomacy-at-congress")}  # fmt: skip
    assert congress == {
        "wpk-congress-in-january-2026": ("no", "scored"),
        "kim-decides-on-diplomacy-at-congress": ("partial", "partial"),
    }
    assert {c["status"] for c in claims if c["result"] is None} <= {
        "open", "unscorable", "opinion", "directional",
    }  # fmt: skip
    assert data["overdue"] == []  # every question past its date has an outcome
    then = report(invoke, "--as-of", "2025-10-28")
    assert then["overview"]["resolved"] == 0
    assert "us-nk-diplomacy-resumes-quickly" not in {q["slug"] for q in then["overdue"]}
    text = invoke("report").output
    for heading in ("Overview", "Overdue", "Scoreboard by speaker", "Calibration",
                    "Sensitivity", "Recent outcomes"):  # fmt: skip
        assert heading in text
    order = [text.index(h) for h in ("Overview", "Overdue", "Scoreboard", "Calibration",
                                     "Sensitivity", "Recent outcomes")]  # fmt: skip
    assert order == sorted(order)


def test_report_formats_and_plot(seeded: Path, invoke: Invoke, tmp_path: Path) -> None:
    markdown = invoke("report", "--format", "markdown").output
    assert markdown.startswith("# Tracker report") and "## Scoreboard by speaker" in markdown
    assert "| speaker" in markdown
    csv_out = invoke("report", "--format", "csv").output.splitlines()
    assert csv_out[0].startswith("scale,dimension,group_key,label,claims,scored,mean_brier")
    for name in ("report.png", "report.svg"):
        target = tmp_path / name
        invoke("report", "--plot", str(target))
        assert target.stat().st_size > 10_000
    assert target.read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "must end in .png or .svg" in invoke("report", "--plot", "x.pdf", ok=False).output


def test_due_exits_non_zero_when_something_is_overdue(seeded: Path, tmp_path: Path) -> None:
    run = [sys.executable, "-m", "tracker", "--db", str(seeded), "due", "--json"]
    assert subprocess.run(run, capture_output=True, text=True).returncode == 0  # all resolved
    subprocess.run([*run[:5], "add-question", "--slug", "past-due", "--title", "Past due",
                    "--criteria", "c", "--resolve-by", "2025-01-01"], check=True)  # fmt: skip
    result = subprocess.run(run, capture_output=True, text=True)
    assert result.returncode == 3
    assert {r["slug"] for r in json.loads(result.stdout)} == {"past-due"}
    calm = tmp_path / "calm.db"
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(calm), "init"], check=True)
    assert subprocess.run([*run[:3], "--db", str(calm), "due"]).returncode == 0


def test_log_loss_clipping(invoke: Invoke, db_path: Path, tmp_path: Path) -> None:
    seed = tmp_path / "sure.yaml"
    seed.write_text(
        "sources: [{slug: s, title: S}]\npeople: [{name: P}]\n"
        "questions: [{slug: q, title: Q, criteria: c, resolve_by: 2025-01-31}]\n"
        "claims: [{speaker: P, source: s, made_on: 2025-01-01, quote: x, question: q,"
        " probability: 0.0}]\n"
        "outcomes: [{question: q, result: 'yes', occurred_on: 2025-01-20,"
        " evidence_url: 'https://e.x'}]\n",
        encoding="utf-8",
    )
    invoke("import", str(seed))
    claim = report(invoke)["claims"][0]
    assert claim["brier"] == 1.0
    assert claim["log_loss"] == approx(-math.log(0.01))
