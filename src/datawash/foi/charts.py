"""Charts for letters, as PNG bytes (matplotlib, no display): counts by year drawn from
the disclosure-controlled table (a suppressed count is a hatched column marked "<N", or
"withheld" where it was withheld to protect another count, never its true height), and the
data wash burn-down against its deadline."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from datawash import clock
from datawash.foi.disclosure import WITHHELD
from datawash.stats.tables import StatTable


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def bars_by_year(table: StatTable, threshold: int) -> bytes:
    """One group of bars per year, one bar per count column (see bars_by_year_figure)."""
    fig, _ax = bars_by_year_figure(table, threshold)
    return _png(fig)


WITHHELD_EDGE = "0.55"


# How a count that is not shown is drawn: (hatch, mark on the column, legend). A small
# count ("fewer than N") and a count withheld only so that another cannot be worked out
# (which may be any size) are told apart: marking both "<N" would tell the reader the
# second is small.
def _not_shown(value: object, threshold: int) -> tuple[str, str, str] | None:
    if isinstance(value, str) and value.startswith("fewer than"):
        return "//", f"<{threshold}", f"fewer than {threshold}: withheld (no height)"
    if value == WITHHELD:
        return "..", "withheld", "withheld to protect another count (no height; any size)"
    return None  # no count at all ("not applicable", empty): nothing is drawn


def bars_by_year_figure(table: StatTable, threshold: int) -> tuple[Any, Any]:
    """The bars of a disclosure-controlled table. A count not shown has no bar of any
    height that could be read as a value: its place is a grey hatched column the full
    height of the chart, marked "<N" where it is a small count and "withheld" where it is
    withheld to protect another (a different hatch), and the legend (below the chart, never
    over the bars) says so beside one colour per column."""
    from matplotlib.patches import Patch

    years = [str(r[0]) for r in table.rows]
    # One bar per count, never a measure of it (mean days are not a number of people).
    measured = {m for m, _c in table.measures}
    drawn = [c for c in range(1, len(table.columns)) if c not in measured]
    series = [table.display_columns[c] for c in drawn]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    width = 0.8 / max(len(series), 1)
    shown = [v for r in table.rows for c in drawn if isinstance(v := r[c], int)]
    top = max([*shown, threshold, 1]) * 1.18
    styles: dict[str, str] = {}  # hatch -> legend, in the order first drawn
    for k, _name in enumerate(series):
        for i, row in enumerate(table.rows):
            value = row[drawn[k]]
            x = i + (k - (len(series) - 1) / 2) * width
            style = None if isinstance(value, int) else _not_shown(value, threshold)
            if isinstance(value, int):
                ax.bar(x, value, width, color=f"C{k}")
                ax.annotate(str(value), (x, value), ha="center", va="bottom", fontsize=8)
            elif style is None:
                ax.annotate("n/a", (x, 0), ha="center", va="bottom", fontsize=8)
            else:
                hatch, mark, legend = style
                styles.setdefault(hatch, legend)
                ax.bar(x, top, width, fill=False, hatch=hatch, edgecolor=WITHHELD_EDGE,
                       linewidth=0, gid="withheld")  # fmt: skip
                ax.annotate(mark, (x, top / 2), ha="center", va="center",
                            fontsize=8, rotation=90,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
    ax.set_ylim(0, top)
    ax.set_xticks(range(len(years)), years)
    ax.set_ylabel("number")
    ax.set_title(table.title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Patch(color=f"C{k}", label=name) for k, name in enumerate(series)]
    handles += [Patch(fill=False, hatch=hatch, edgecolor=WITHHELD_EDGE, label=legend)
                for hatch, legend in sorted(styles.items(), reverse=True)]  # fmt: skip
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=min(len(handles), 3))  # fmt: skip
    return fig, ax


def burn_down(table: StatTable, due_on: date | None, threshold: int = 5) -> bytes:
    """Reviews remaining by day, with the straight line to zero at the deadline (see
    burn_down_figure)."""
    fig, _ax = burn_down_figure(table, due_on, threshold)
    return _png(fig)


def burn_down_figure(table: StatTable, due_on: date | None, threshold: int = 5) -> tuple[Any, Any]:
    """A day whose count is not shown has no point at any height: the line breaks there and
    the day is a hatched column the full height of the chart, styled as in the bars."""
    days = [date.fromisoformat(str(r[0])) for r in table.rows]
    remaining = [float(r[1]) if isinstance(r[1], int) else float("nan") for r in table.rows]
    first = days[0] if days else clock.today()
    x = [(d - first).days for d in days]
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    # Markers while there are few days, so a wash reviewed for one day still shows a point.
    marker = "o" if len(x) <= 31 else None
    ax.plot(x, remaining, color="C0", marker=marker, label="reviews remaining")
    labelled: set[str] = set()
    for k, row in enumerate(table.rows):
        style = None if isinstance(row[1], int) else _not_shown(row[1], threshold)
        if style is None:
            continue
        hatch, _mark, legend = style
        ax.axvspan(x[k] - 0.4, x[k] + 0.4, fill=False, hatch=hatch, edgecolor=WITHHELD_EDGE,
                   linewidth=0, gid="withheld",
                   label=None if legend in labelled else legend)  # fmt: skip
        labelled.add(legend)
    # The needed pace runs from the first day shown (a withheld first day is not a start).
    shown = [(x[k], v) for k, v in enumerate(remaining) if v == v]
    last = x[-1] if x else 0
    if due_on is not None and days:
        due = (due_on - first).days
        start = shown[0][1] if shown else 0.0
        if shown:  # no pace from a day not shown
            ax.plot([shown[0][0], due], [start, 0], "--", color="C3", label="needed pace")
        ax.axvline(due, color="C3", linewidth=0.8)
        ax.annotate(f"deadline {due_on:%d/%m/%Y}", (due, start), fontsize=8, ha="right")
        last = max(last, due)
    ticks = sorted({0, last, *x[:: max(len(x) // 5, 1)]})
    ax.set_xticks(ticks, [f"{first + timedelta(days=t):%d/%m/%y}" for t in ticks], fontsize=8)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("reviews remaining")
    ax.set_title(table.title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False)
    return fig, ax
