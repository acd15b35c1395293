"""`datawash stats NAME|list` on the small hand-made register of tests/stats/test_registry.py:
exact figures in every output format, financial and calendar years, cases versus people,
disclosure control on request, bad options named in the message, and who may run it."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner, Result

from datawash.cli.main import app
from datawash.errors import InputError, PermissionDenied
from datawash.stats.registry import STATISTICS

runner = CliRunner()
# Wide enough that rich never wraps or truncates a table cell or a message.
WIDE = {"COLUMNS": "250"}
FIVE_YEARS = ["--from", "2018/19", "--to", "2022/23", "--as-of", "2023-02-20"]

# Dismissals in the register (A9, dishonesty, is out of the default scope):
#   A7 P5 sexual 31/03/2019 -> 2018/19     A8 P6 sexual 01/04/2019 -> 2019/20
#   A1 P1 sexual 20/05/2020 -> 2020/21     nothing in 2021/22
#   A4/A5 P3 domestic abuse and sexual 01/12/2022 -> 2022/23 (one person, in both columns)
OUTCOMES_CSV = """year,sexual,domestic_abuse
2018/19,1,0
2019/20,1,0
2020/21,1,0
2021/22,0,0
2022/23,1,1
"""


def stats(base: list[str], *args: str, user: str | None = "alex.analyst") -> Result:
    who = ["--user", user] if user else []
    return runner.invoke(app, [*base, *who, "stats", *args], env=WIDE)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_list_names_every_statistic(base: list[str]) -> None:
    out = ok(stats(base, "list"))
    for name, statistic in STATISTICS.items():
        assert name in out
        assert statistic.title in out
    # One row per statistic, in name order.
    first_cells = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│ ")]
    named = [cell for cell in first_cells if cell]
    assert named == sorted(STATISTICS)


def test_outcomes_by_financial_year_as_csv(base: list[str]) -> None:
    # Financial years run 1 April - 31 March: 31/03/2019 and 01/04/2019 fall in different
    # years; a year with no dismissal is printed as 0, not left out.
    assert ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--format", "csv")) == OUTCOMES_CSV
    # Not broken down, P3 (dismissed for both categories in 2022/23) is one person.
    flat = stats(base, "outcomes_by_year", *FIVE_YEARS, "--by", "none", "--format", "csv")
    assert ok(flat) == "year,all\n2018/19,1\n2019/20,1\n2020/21,1\n2021/22,0\n2022/23,1\n"
    # By role: A2 (staff) was given a final written warning, not dismissed.
    by_role = ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--by", "role", "--format", "csv"))
    assert by_role.splitlines()[0] == "year,officer,staff,special,volunteer"
    assert by_role.splitlines()[-1] == "2022/23,1,0,0,0"


def test_outcomes_as_json_carry_the_parameters(base: list[str]) -> None:
    data = json.loads(ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--format", "json")))
    assert data["name"] == "outcomes_by_year"
    assert data["columns"] == ["year", "sexual", "domestic_abuse"]
    assert data["rows"] == [
        ["2018/19", 1, 0],
        ["2019/20", 1, 0],
        ["2020/21", 1, 0],
        ["2021/22", 0, 0],
        ["2022/23", 1, 1],
    ]
    params = data["parameters"]
    assert params["from_period"] == "2018/19" and params["to_period"] == "2022/23"
    assert params["as_of"] == "2023-02-20"
    assert params["period"] == "financial"
    assert params["categories"] == ["sexual", "domestic_abuse"]
    assert params["outcomes"] == ["dismissed", "would_have_been_dismissed"]
    assert params["count"] == "people"
    assert "financial year (1 April - 31 March)" in data["title"]


def test_outcomes_as_markdown_and_as_a_table(base: list[str]) -> None:
    md = ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--format", "md")).splitlines()
    assert md[0].startswith("**People with the outcome dismissed or would have been dismissed")
    align = md.index("|---|---:|---:|")  # one label column, two right-aligned counts
    # The headings are for readers (their wording may change); they name the columns.
    headings = [h.strip().lower() for h in md[align - 1].strip("|").split("|")]
    assert len(headings) == 3
    assert "year" in headings[0] and "sexual" in headings[1] and "domestic" in headings[2]
    header = align - 1
    assert md[header + 2 : header + 7] == [
        "| 2018/19 | 1 | 0 |",
        "| 2019/20 | 1 | 0 |",
        "| 2020/21 | 1 | 0 |",
        "| 2021/22 | 0 | 0 |",
        "| 2022/23 | 1 | 1 |",
    ]
    assert any("A year with none is shown as 0." in line for line in md)
    # The default format is a table with the title and the notes.
    table = ok(stats(base, "outcomes_by_year", *FIVE_YEARS))
    assert re.search(r"│ 2021/22\s+│\s+0\s+│\s+0\s+│", table)
    assert re.search(r"│ 2022/23\s+│\s+1\s+│\s+1\s+│", table)
    assert "A year with none is shown as 0." in table


def test_calendar_years(base: list[str]) -> None:
    out = stats(
        base,
        "outcomes_by_year",
        "--period",
        "calendar",
        "--from",
        "2018",
        "--to",
        "2022",
        "--format",
        "csv",
    )
    # Calendar 2019 holds both the 31 March and the 1 April 2019 dismissals.
    assert ok(out).splitlines() == [
        "year,sexual,domestic_abuse",
        "2018,0,0",
        "2019,2,0",
        "2020,1,0",
        "2021,0,0",
        "2022,1,1",
    ]
    # Only one category in scope, one column.
    sexual = stats(
        base,
        "outcomes_by_year",
        "--period",
        "calendar",
        "--from",
        "2019",
        "--to",
        "2020",
        "--category",
        "sexual",
        "--format",
        "csv",
    )
    assert ok(sexual) == "year,sexual\n2019,2\n2020,1\n"


def test_live_investigations_cases_versus_people(base: list[str]) -> None:
    # Live on 20/01/2023: C2 (P1 officer, domestic abuse; P4 special, sexual) and C4 (P1
    # officer, sexual). Officers: 2 cases but 1 person. The total of cases (2) is less than
    # the sum of the rows (3) because C2 concerns an officer and a special constable.
    out = stats(
        base, "live_investigations", "--by", "role", "--as-of", "2023-01-20", "--format", "csv"
    )
    assert ok(out) == (
        "role,cases,people\nofficer,2,1\nstaff,0,0\nspecial,1,1\nvolunteer,0,0\nTotal,2,2\n"
    )
    flat = stats(base, "live_investigations", "--as-of", "2023-01-20", "--format", "csv")
    assert ok(flat) == "scope,cases,people\nall in scope,2,2\n"
    # A year earlier C3 was live and C4 not yet recorded: 2 cases, 3 people.
    earlier = stats(base, "live_investigations", "--as-of", "2022-04-01", "--format", "csv")
    assert ok(earlier) == "scope,cases,people\nall in scope,2,3\n"


def test_disclosure_control_only_on_request(base: list[str]) -> None:
    # By default `stats` prints the exact counts (it is an internal tool) ...
    assert ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--format", "csv")) == OUTCOMES_CSV
    # ... and with --disclosure-control, counts of 1-4 become "fewer than 5" (the default
    # threshold); zeros stay 0.
    controlled = stats(
        base, "outcomes_by_year", *FIVE_YEARS, "--disclosure-control", "--format", "csv"
    )
    assert ok(controlled) == (
        "year,sexual,domestic_abuse\n"
        "2018/19,fewer than 5,0\n"
        "2019/20,fewer than 5,0\n"
        "2020/21,fewer than 5,0\n"
        "2021/22,0,0\n"
        "2022/23,fewer than 5,fewer than 5\n"
    )
    as_json = stats(
        base,
        "live_investigations",
        "--by",
        "role",
        "--as-of",
        "2023-01-20",
        "--disclosure-control",
        "--format",
        "json",
    )
    data = json.loads(ok(as_json))
    assert data["rows"][0] == ["officer", "fewer than 5", "fewer than 5"]
    assert data["rows"][1] == ["staff", 0, 0]
    assert data["rows"][-1] == ["Total", "fewer than 5", "fewer than 5"]
    assert any("fewer than 5" in note and "s40(2)" in note for note in data["notes"])
    assert "1" not in {str(c) for row in data["rows"] for c in row[1:]}


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["nonsense"], ["no statistic called 'nonsense'", "outcomes_by_year"]),
        (["outcomes_by_year", "--from", "2018/20"], ["--from", "'2018/20'", "2019"]),
        (["outcomes_by_year", "--from", "2018/19", "--to", "2022/2024"], ["--to", "2022/2024"]),
        (["outcomes_by_year", "--from", "2018"], ["--from", "bare year"]),
        (["outcomes_by_year", "--period", "calendar", "--from", "2018/19"], ["--from"]),
        (["outcomes_by_year", "--as-of", "2023-13-01"], ["--as-of", "'2023-13-01'"]),
        (["outcomes_by_year", "--category", "sexy"], ["--category", "'sexy'", "domestic_abuse"]),
        (["live_investigations", "--category", "sexual,sexy"], ["--category", "'sexy'"]),
        (["live_investigations", "--role", "chief"], ["--role", "'chief'", "volunteer"]),
        (["outcomes_by_year", "--outcome", "sacked"], ["--outcome", "'sacked'", "dismissed"]),
        (["outcomes_by_year", "--count", "heads"], ["--count", "'heads'"]),
        (["live_investigations", "--by", "rank"], ["'rank'", "category or role"]),
    ],
    ids=[
        "unknown-statistic",
        "from-2018/20",
        "to-2022/2024",
        "bare-financial-year",
        "financial-year-as-calendar",
        "as-of-month-13",
        "unknown-category",
        "unknown-category-in-list",
        "unknown-role",
        "unknown-outcome",
        "unknown-count",
        "unknown-by",
    ],
)
def test_bad_input_is_refused_with_the_option_named(
    base: list[str], args: list[str], fragments: list[str]
) -> None:
    result = stats(base, *args)
    assert result.exit_code == InputError.exit_code, result.output
    assert isinstance(result.exception, SystemExit)  # a handled error, not a traceback
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in result.stderr


def test_a_bad_format_or_period_is_refused_by_the_option_parser(base: list[str]) -> None:
    bad_format = stats(base, "outcomes_by_year", "--format", "xml")
    assert bad_format.exit_code == 2 and "--format" in bad_format.stderr
    bad_period = stats(base, "outcomes_by_year", "--period", "weekly")
    assert bad_period.exit_code == 2 and "--period" in bad_period.stderr


@pytest.mark.parametrize("user", ["riley.reviewer", "pat.psd", "admin", "nobody", None])
def test_roles_without_stats_run_are_refused(base: list[str], user: str | None) -> None:
    for args in (["list"], ["outcomes_by_year", *FIVE_YEARS, "--format", "csv"]):
        result = stats(base, *args, user=user)
        assert result.exit_code == PermissionDenied.exit_code, result.output
        assert result.stdout == ""
        assert "2018/19" not in result.output
    if user in ("riley.reviewer", "pat.psd", "admin"):
        assert "may not stats.run" in result.stderr


@pytest.mark.parametrize("user", ["alex.analyst", "fran.foi", "sam.supervisor"])
def test_roles_with_stats_run_are_allowed(base: list[str], user: str) -> None:
    out = stats(base, "outcomes_by_year", *FIVE_YEARS, "--format", "csv", user=user)
    assert ok(out) == OUTCOMES_CSV


def test_stats_query_is_the_general_count_with_named_options(base: list[str]) -> None:
    # The same dismissals as outcomes_by_year, by the general count and its own options.
    dismissals = ["--outcome", "dismissed,would_have_been_dismissed"]
    query = ok(stats(base, "query", *FIVE_YEARS, "--date-field", "outcome", "--category",
                     "sexual", *dismissals, "--format", "csv"))  # fmt: skip
    same = ok(stats(base, "register_count", *FIVE_YEARS, "--param", "date_field=outcome",
                    "--category", "sexual", *dismissals, "--format", "csv"))  # fmt: skip
    assert query == same
    rows = {line.split(",")[0]: line.split(",")[-1] for line in query.splitlines()[1:]}
    assert rows == {"2018/19": "1", "2019/20": "1", "2020/21": "1", "2021/22": "0",
                    "2022/23": "1"}  # fmt: skip
    # One span of dates across a financial-year boundary (31/03/2019 and 01/04/2019).
    span = ok(stats(base, "query", "--as-of", "2023-02-20", "--date-field", "outcome",
                    "--span-from", "2019-03-01", "--span-to", "2019-04-30", "--category",
                    "sexual", *dismissals, "--format", "csv"))  # fmt: skip
    assert span.splitlines()[1].endswith(",2")
    bad = stats(base, "query", "--severity", "grave")
    assert bad.exit_code == InputError.exit_code and "grave" in bad.stderr
    bad_span = stats(base, "query", "--span-from", "2019-03-01")
    assert bad_span.exit_code == InputError.exit_code and "span_to" in bad_span.stderr
    # A named option a statistic does not take, or given twice, is refused, not ignored.
    unused = stats(base, "outcomes_by_year", "--date-field", "recorded")
    assert unused.exit_code == InputError.exit_code and "--date-field" in unused.stderr
    twice = stats(base, "query", "--severity", "misconduct", "--param", "severities=misconduct")
    assert twice.exit_code == InputError.exit_code and "same parameter" in twice.stderr
    spaced = ok(stats(base, "query", *FIVE_YEARS, "--severity", "misconduct, gross_misconduct",
                      "--format", "csv"))  # fmt: skip
    assert spaced == ok(stats(base, "query", *FIVE_YEARS, "--format", "csv"))  # both: all


def test_what_a_statistic_would_not_do_is_refused_not_recorded(base: list[str]) -> None:
    """Found by a helper trying real requests: live_investigations took --outcome dismissed,
    gave the same table as without it and stored the filter as applied; years beside a span
    were dropped without a word; a general count of people suspended today gave 0, because
    it counted dismissals unless told otherwise."""
    for args, flag in (
        (["live_investigations", "--outcome", "dismissed"], "--outcome"),
        (["live_investigations", "--count", "allegations"], "--count"),
        (["live_investigations", "--period", "calendar"], "--period"),
        (["completed_case_review", "--outcome", "dismissed"], "--outcome"),
        (["wash_progress", "--category", "sexual"], "--category"),
        (["outcomes_by_year", "--severity", "gross_misconduct"], "--severity"),
        (["query", "--from", "2020/21", "--span-from", "2023-01-01", "--span-to", "2023-12-31"],
         "--span-from"),
        (["query", "--rank", "sergeant", "--role", "staff"], "--rank"),
    ):  # fmt: skip
        refused = stats(base, *args, "--as-of", "2023-02-20")
        assert refused.exit_code == InputError.exit_code, (args, refused.output)
        assert refused.stderr.startswith(f"error: {flag}: "), refused.stderr
        assert refused.stdout == ""
    # What the statistic does take is still taken: outcomes_by_year counts cases on request.
    cases = ok(stats(base, "outcomes_by_year", *FIVE_YEARS, "--count", "cases", "--format", "csv"))
    assert cases.splitlines()[0] == "year,sexual,domestic_abuse"
    # The general count counts every outcome unless asked: the same as --outcome any.
    every = ok(stats(base, "query", *FIVE_YEARS, "--date-field", "recorded", "--format", "csv"))
    anyway = ok(stats(base, "query", *FIVE_YEARS, "--date-field", "recorded", "--outcome", "any",
                      "--format", "csv"))  # fmt: skip
    only = ok(stats(base, "query", *FIVE_YEARS, "--date-field", "recorded", "--outcome",
                    "dismissed", "--format", "csv"))  # fmt: skip
    assert every == anyway != only
    unknown = stats(base, "run")
    assert unknown.exit_code == InputError.exit_code
    assert "query (the general count)" in unknown.stderr and "stats list" in unknown.stderr


def test_a_table_read_by_people_shows_labels_and_a_year_not_over(base: list[str]) -> None:
    """The terminal, Markdown and letters show "chief inspector", not chief_inspector; CSV
    keeps the codes. A year that is not over on the day counted says so."""
    args = ["query", "--from", "2021/22", "--to", "2022/23", "--as-of", "2023-02-20",
            "--date-field", "recorded", "--by", "outcome"]  # fmt: skip
    csv = ok(stats(base, *args, "--format", "csv"))
    md = ok(stats(base, *args, "--format", "md"))
    assert "no_case_to_answer" in csv and "no_case_to_answer" not in md
    assert "no case to answer" in md
    assert "2022/23 is not over: its figures are to 20/02/2023." in md
    assert "2021/22 is not over" not in md


def test_duration_gives_the_days_things_took(base: list[str]) -> None:
    """`stats duration`: the count, mean and median days by year of the later date; what
    it counts follows --measure, so --count is refused; a measure not known is named."""
    out = ok(stats(base, "duration", *FIVE_YEARS, "--measure", "outcome", "--format", "csv"))
    header, *rows = out.splitlines()
    assert header == "period,allegations,mean_days,median_days"
    assert [r.split(",")[0] for r in rows] == ["2018/19", "2019/20", "2020/21", "2021/22",
                                               "2022/23"]  # fmt: skip
    assert any(r.split(",")[1] != "0" for r in rows)
    for r in rows:  # a year with records has its mean and median, one without has neither
        n, mean, median = r.split(",")[1:]
        assert (n == "0") == (mean == "") == (median == "")
    counted = stats(base, "duration", "--count", "people")
    assert counted.exit_code == InputError.exit_code and "--count" in counted.stderr
    unknown = stats(base, "duration", "--measure", "lunch")
    assert unknown.exit_code == InputError.exit_code and "--measure" in unknown.stderr
    assert "investigation" in unknown.stderr
