"""Charts for letters, as PNG bytes (matplotlib, no display): counts by year drawn from
the disclosure-controlled table (a suppressed count is a hatched bar marked "<N", never
its true height), and the data wash burn-down against its deadline."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from datawash import clock
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


def bars_by_year_figure(table: StatTable, threshold: int) -> tuple[Any, Any]:
    """The bars of a disclosure-controlled table. A withheld count ("fewer than N") has no
    bar of any height that could be read as a value: its place is a grey hatched column the
    full height of the chart, marked "<N", and the legend (below the chart, never over the
    bars) says so beside one colour per column."""
    from matplotlib.patches import Patch

    years = [str(r[0]) for r in table.rows]
    series = table.display_columns[1:]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    width = 0.8 / max(len(series), 1)
    shown = [v for r in table.rows for v in r[1:] if isinstance(v, int)]
    top = max([*shown, threshold, 1]) * 1.18
    withheld = False
    for k, _name in enumerate(series):
        for i, row in enumerate(table.rows):
            value = row[k + 1]
            x = i + (k - (len(series) - 1) / 2) * width
            if isinstance(value, int):
                ax.bar(x, value, width, color=f"C{k}")
                ax.annotate(str(value), (x, value), ha="center", va="bottom", fontsize=8)
            else:
                withheld = True
                ax.bar(x, top, width, fill=False, hatch="//", edgecolor=WITHHELD_EDGE,
                       linewidth=0, gid="withheld")  # fmt: skip
                ax.annotate(f"<{threshold}", (x, top / 2), ha="center", va="center",
                            fontsize=8, rotation=90,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
    ax.set_ylim(0, top)
    ax.set_xticks(range(len(years)), years)
    ax.set_ylabel("number")
    ax.set_title(table.title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Patch(color=f"C{k}", label=name) for k, name in enumerate(series)]
    if withheld:
        handles.append(Patch(fill=False, hatch="//", edgecolor=WITHHELD_EDGE,
                             label=f"fewer than {threshold}: withheld (no height)"))  # fmt: skip
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=min(len(handles), 3))  # fmt: skip
    return fig, ax


def burn_down(table: StatTable, due_on: date | None, threshold: int = 5) -> bytes:
    """Reviews remaining by day, with the straight line to zero at the deadline. A day
    withheld by disclosure control is drawn at N as a hollow marker ("fewer than N")."""
    days = [date.fromisoformat(str(r[0])) for r in table.rows]
    remaining = [int(r[1]) if isinstance(r[1], int) else threshold for r in table.rows]
    withheld = [k for k, r in enumerate(table.rows) if not isinstance(r[1], int)]
    first = days[0] if days else clock.today()
    x = [(d - first).days for d in days]
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    # Markers while there are few days, so a wash reviewed for one day still shows a point.
    marker = "o" if len(x) <= 31 else None
    ax.plot(x, remaining, color="C0", marker=marker, label="reviews remaining")
    if withheld:
        ax.plot(
            [x[k] for k in withheld],
            [threshold] * len(withheld),
            "o",
            mfc="white",
            color="C0",
            label=f"fewer than {threshold} (not drawn to scale)",
        )
    last = x[-1] if x else 0
    if due_on is not None and days:
        due = (due_on - first).days
        ax.plot([0, due], [remaining[0], 0], "--", color="C3", label="needed pace")
        ax.axvline(due, color="C3", linewidth=0.8)
        ax.annotate(f"deadline {due_on:%d/%m/%Y}", (due, remaining[0]), fontsize=8, ha="right")
        last = max(last, due)
    ticks = sorted({0, last, *x[:: max(len(x) // 5, 1)]})
    ax.set_xticks(ticks, [f"{first + timedelta(days=t):%d/%m/%y}" for t in ticks], fontsize=8)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("reviews remaining")
    ax.set_title(table.title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)
