"""A withheld count is drawn so that no height can be read from it, and the legend says
what each style means without covering the bars."""

from __future__ import annotations

import matplotlib.pyplot as plt

from datawash.foi.charts import WITHHELD_EDGE, bars_by_year, bars_by_year_figure
from datawash.stats.tables import StatTable

TABLE = StatTable(
    name="dismissals", title="Dismissals by financial year", columns=["year", "officers", "staff"],
    rows=[["2019/20", 12, "fewer than 5"], ["2020/21", "fewer than 5", 7]],
)  # fmt: skip


def test_withheld_counts_have_no_height_and_their_own_legend() -> None:
    fig, ax = bars_by_year_figure(TABLE, threshold=5)
    try:
        withheld = [p for p in ax.patches if p.get_gid() == "withheld"]
        drawn = [p for p in ax.patches if p.get_gid() != "withheld"]
        assert len(withheld) == 2 and len(drawn) == 2
        top = ax.get_ylim()[1]
        for bar in withheld:  # the full height of the chart: it reads as no value at all
            assert bar.get_height() == top and bar.get_hatch() == "//"
            assert bar.get_fill() is False
        assert sorted(b.get_height() for b in drawn) == [7, 12]
        assert all(b.get_height() != 5 for b in ax.patches)  # never drawn as a real 5
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["officers", "staff", "fewer than 5: withheld (no height)"]
        handles = ax.get_legend().legend_handles
        assert handles[0].get_facecolor() != handles[1].get_facecolor()  # one colour each
        assert handles[2].get_hatch() == "//" and handles[2].get_edgecolor()[:3] == (
            float(WITHHELD_EDGE),) * 3  # fmt: skip
        fig.canvas.draw()
        legend_box = ax.get_legend().get_window_extent()
        axes_box = ax.get_window_extent()
        assert legend_box.y1 <= axes_box.y0  # below the chart, never over a bar
    finally:
        plt.close(fig)


def test_the_chart_renders_as_png() -> None:
    assert bars_by_year(TABLE, threshold=5)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_count_withheld_to_protect_another_is_not_drawn_as_a_small_one() -> None:
    """A secondary suppression may hide a count of any size: it is not marked "<5"."""
    rows: list[list[object]] = [["2019/20", 12, "fewer than 5"], ["2020/21", "withheld", 7]]
    table = StatTable(name="d", title="t", columns=["year", "officers", "staff"], rows=rows)
    fig, ax = bars_by_year_figure(table, threshold=5)
    try:
        hatches = sorted(p.get_hatch() for p in ax.patches if p.get_gid() == "withheld")
        assert hatches == ["..", "//"]
        marks = sorted(t.get_text() for t in ax.texts)
        assert marks == ["12", "7", "<5", "withheld"]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[2:] == [
            "fewer than 5: withheld (no height)",
            "withheld to protect another count (no height; any size)",
        ]
    finally:
        plt.close(fig)


def test_the_burn_down_draws_no_height_for_a_day_not_shown() -> None:
    from datetime import date

    from datawash.foi.charts import burn_down_figure

    table = StatTable(name="wash_burn_down", title="t", columns=["day", "remaining"],
                      rows=[["2023-05-01", 40], ["2023-05-02", "withheld"],
                            ["2023-05-03", "fewer than 5"]])  # fmt: skip
    fig, ax = burn_down_figure(table, date(2023, 5, 10), threshold=5)
    try:
        line = ax.get_lines()[0]
        ys = list(line.get_ydata())
        assert ys[0] == 40 and all(y != y for y in ys[1:])  # no point at any height
        spans = [p for p in ax.patches if p.get_gid() == "withheld"]
        assert sorted(p.get_hatch() for p in spans) == ["..", "//"]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "fewer than 5: withheld (no height)" in labels
        assert "withheld to protect another count (no height; any size)" in labels
    finally:
        plt.close(fig)


def test_a_cell_with_no_count_is_not_drawn_as_withheld_and_a_hidden_start_has_no_pace() -> None:
    from datetime import date

    from datawash.foi.charts import burn_down_figure

    rows: list[list[object]] = [["2019/20", 12, "not applicable"]]
    fig, ax = bars_by_year_figure(
        StatTable(name="d", title="t", columns=["year", "a", "b"], rows=rows), threshold=5
    )
    try:
        assert not [p for p in ax.patches if p.get_gid() == "withheld"]
        assert "n/a" in [t.get_text() for t in ax.texts]
        assert ax.get_legend().get_texts()[-1].get_text() == "b"
    finally:
        plt.close(fig)
    days: list[list[object]] = [["2023-05-01", "withheld"], ["2023-05-02", "fewer than 5"]]
    hidden = StatTable(name="wash_burn_down", title="t", columns=["day", "remaining"], rows=days)
    fig, ax = burn_down_figure(hidden, date(2023, 5, 10), threshold=5)
    try:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "needed pace" not in labels  # nothing shown to start it from
    finally:
        plt.close(fig)
