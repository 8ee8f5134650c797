"""``tracker report --plot``: the calibration curve and the scoreboard, drawn.

matplotlib is an optional extra (``pip install 'forecast-claim-tracker[plot]'``) and is
imported only here, only when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.config import DISTRIBUTION
from tracker.errors import TrackerError
from tracker.render_report import SCALE_NAMES

MAX_LABELS = 8  # calibration bins labelled with their term and count
MAX_SPEAKERS = 25  # speakers drawn on the scoreboard (those with the most scored claims)


def draw_report(report: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TrackerError(
            f"--plot needs matplotlib: pip install '{DISTRIBUTION}[plot]' "
            "(or pip install matplotlib)"
        ) from None

    overview = report["overview"]
    rows = min(MAX_SPEAKERS, sum(1 for g in report["scoreboard"] if g["scored"]))
    fig, (cal, board) = plt.subplots(
        1, 2, figsize=(13, max(5.8, 0.32 * rows + 1.5)),
        gridspec_kw={"width_ratios": [1, 1.25]}, layout="constrained",
    )  # fmt: skip
    fig.suptitle(
        f"Tracker report as of {overview['as_of']} — scale: "
        f"{SCALE_NAMES.get(overview['scale'], overview['scale'])}",
        fontsize=13,
    )

    # Calibration: each bin a point sized by its count, on the diagonal if calibrated.
    bins = [b for b in report["calibration"] if b["claims"]]
    cal.plot(
        [0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1, label="perfect calibration"
    )
    if bins:
        xs = [b["forecast"] for b in bins]
        ys = [b["observed"] for b in bins]
        most = max(b["claims"] for b in bins)
        sizes = [40 + 460 * b["claims"] / most for b in bins]
        cal.scatter(xs, ys, s=sizes, color="#1f77b4", alpha=0.75, edgecolor="white", zorder=3)
        labelled = sorted(bins, key=lambda b: -b["claims"])[:MAX_LABELS]
        for i, b in enumerate(sorted(labelled, key=lambda b: b["forecast"])):
            cal.annotate(
                f"{b['term']}: {b['happened']} of {b['claims']}",
                (b["forecast"], b["observed"]),
                textcoords="offset points",
                xytext=(4, 14 + 16 * (i % 3)),
                fontsize=8.5,
                arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "linewidth": 0.8},
            )
    murphy = report["murphy"]
    if murphy:
        cal.text(
            0.02, 0.86,
            f"Brier {murphy['brier']:.3f} = reliability {murphy['reliability']:.3f}\n"
            f"  − resolution {murphy['resolution']:.3f} + uncertainty {murphy['uncertainty']:.3f}\n"
            f"  ({murphy['claims']} scored claims)",
            transform=cal.transAxes, ha="left", va="top", fontsize=9, color="#444444",
        )  # fmt: skip
    else:
        cal.text(0.5, 0.5, "nothing scored yet", ha="center", transform=cal.transAxes)
    cal.set(
        xlim=(-0.02, 1.02), ylim=(-0.05, 1.05), xlabel="forecast probability of YES",
        ylabel="share that happened", title="Calibration (point size = number of claims)",
    )  # fmt: skip
    cal.grid(alpha=0.3)
    cal.legend(loc="upper left", fontsize=9)

    # Scoreboard: mean Brier per speaker with its 95% interval; with many
    # speakers, the ones with the most scored claims.
    everyone = [g for g in report["scoreboard"] if g["scored"]]
    scored = sorted(everyone, key=lambda g: -g["scored"])[:MAX_SPEAKERS]
    scored.sort(key=lambda g: g["mean_brier"], reverse=True)
    if scored:
        ys = range(len(scored))
        means = [g["mean_brier"] for g in scored]
        errors = [
            [g["mean_brier"] - g["brier_low"] for g in scored],
            [g["brier_high"] - g["mean_brier"] for g in scored],
        ]
        colours = ["#d62728" if g["mean_brier"] > 0.25 else "#2ca02c" for g in scored]
        board.barh(ys, means, xerr=errors, color=colours, alpha=0.8, capsize=4)
        board.set_yticks(list(ys), [f"{g['label']} (n={g['scored']})" for g in scored])
        board.axvline(0.25, color="#999999", linestyle="--", linewidth=1)
        board.text(0.255, -0.45, "always saying 50%", fontsize=8.5, color="#666666", va="center")
        for y, g in zip(ys, scored, strict=True):
            board.text(g["mean_brier"] + 0.01, y + 0.3, f"{g['mean_brier']:.3f}", fontsize=8.5)
    else:
        board.text(0.5, 0.5, "nothing scored yet", ha="center", transform=board.transAxes)
    shown = "" if len(scored) == len(everyone) else f" ({len(scored)} of {len(everyone)} speakers)"
    board.set(
        xlim=(0, 1), xlabel="mean Brier score (0 perfect, 1 certain and wrong)",
        title=f"Scoreboard with 95% intervals{shown}\n(green: better than always saying 50%)",
    )  # fmt: skip
    board.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=130)
    plt.close(fig)
