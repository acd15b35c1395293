"""register_count against an independent count of the same CSV rows in Python: people,
cases and allegations; by any date, over years and over spans that cross financial-year
boundaries; broken down and filtered on the register's dimensions."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from datawash.cases import service as cases
from datawash.config import Settings
from datawash.db import session_scope
from datawash.ingest.normalise import ethnic_group_of
from datawash.ingest.offences import normalise_offence_code
from datawash.stats import service
from datawash.stats.registry import StatParams
from datawash.triage.classify import offence_group_of
from tests.stats.test_registry import ANALYST, PSD

AS_OF = date(2023, 6, 30)
CATS = ("sexual", "domestic_abuse", "violence")
OUTS = ("dismissed", "final_written_warning", "no_case_to_answer")


def _register(tmp_path: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    rng = random.Random(4)
    case_rows: dict[str, dict[str, Any]] = {}
    allegations: list[dict[str, Any]] = []
    for n in range(60):
        recorded = date(2018, 1, 1) + timedelta(days=rng.randrange(0, 1800))
        closed = recorded + timedelta(days=rng.randrange(30, 700))
        closed = closed if closed <= AS_OF and rng.random() < 0.7 else None
        cid = f"K{n}"
        case_rows[cid] = {"case_id": cid, "recorded_on": recorded, "closed_on": closed,
                          "severity": rng.choice(["misconduct", "gross_misconduct"]),
                          "source": "complaint"}  # fmt: skip
        for k in range(rng.choice([1, 1, 2])):
            outcome = rng.choice(OUTS) if closed else None
            suspended = (
                recorded + timedelta(days=rng.randrange(0, 30)) if rng.random() < 0.3 else None
            )
            allegations.append({
                "allegation_id": f"A{n}-{k}", "case_id": cid, "person_id": f"P{rng.randrange(40)}",
                "role_at_time": rng.choice(["officer", "staff"]), "category": rng.choice(CATS),
                "outcome": outcome, "outcome_on": closed if outcome else None,
                "suspended_on": suspended if suspended and suspended <= AS_OF else None,
            })  # fmt: skip

    def cell(v: Any) -> str:
        return "" if v is None else str(v)

    c_lines = ["case_id,recorded_on,source,severity,closed_on"] + [
        ",".join(cell(c[k]) for k in ("case_id", "recorded_on", "source", "severity", "closed_on"))
        for c in case_rows.values()
    ]
    keys = ("allegation_id", "case_id", "person_id", "role_at_time", "category", "outcome",
            "outcome_on", "suspended_on")  # fmt: skip
    a_lines = [",".join(keys)] + [",".join(cell(a[k]) for k in keys) for a in allegations]
    (tmp_path / "c.csv").write_text("\n".join(c_lines) + "\n")
    (tmp_path / "a.csv").write_text("\n".join(a_lines) + "\n")
    return allegations, case_rows


def _expected(allegations: list[dict[str, Any]], case_rows: dict[str, dict[str, Any]],
              *, count: str, when: str, start: date, end: date, keep: Any) -> int:  # fmt: skip
    key = {"people": "person_id", "cases": "case_id", "allegations": "allegation_id"}[count]
    found = set()
    for a in allegations:
        c = case_rows[a["case_id"]]
        day = c["recorded_on"] if when == "recorded" else a[f"{when}_on"]
        if day is None or not start <= day <= end or day > AS_OF or not keep(a, c):
            continue
        found.add(a[key])
    return len(found)


@pytest.fixture
def register(settings: Settings, tmp_path: Path) -> tuple[Settings, list[dict[str, Any]], Any]:
    allegations, case_rows = _register(tmp_path)
    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                              allegations_path=tmp_path / "a.csv")  # fmt: skip
    return settings, allegations, case_rows


def _rows(settings: Settings, **params: Any) -> list[list[Any]]:
    with session_scope(settings) as s:
        wanted = StatParams(**{"as_of": AS_OF, "categories": CATS, **params})
        table = service.run_statistic(s, ANALYST, "register_count", wanted)
        return [list(r) for r in table.rows]


@pytest.mark.parametrize("count", ["people", "cases", "allegations"])
@pytest.mark.parametrize("when", ["recorded", "outcome", "suspended"])
def test_a_span_across_financial_years(register: Any, count: str, when: str) -> None:
    settings, allegations, case_rows = register
    start, end = date(2019, 5, 1), date(2022, 5, 31)
    rows = _rows(settings, count=count, date_field=when, span_from=start, span_to=end,
                 outcomes=("any",))  # fmt: skip
    expected = _expected(allegations, case_rows, count=count, when=when, start=start, end=end,
                         keep=lambda a, c: True)  # fmt: skip
    assert rows == [["01/05/2019 to 31/05/2022", expected]]
    assert expected > 0


def test_by_outcome_and_category_per_financial_year(register: Any) -> None:
    settings, allegations, case_rows = register
    rows = _rows(settings, count="people", date_field="outcome", from_period="2019/20",
                 to_period="2021/22", outcomes=OUTS, by=("outcome", "category"))  # fmt: skip
    for year, first in (("2019/20", date(2019, 4, 1)), ("2020/21", date(2020, 4, 1)),
                        ("2021/22", date(2021, 4, 1))):  # fmt: skip
        last = date(first.year + 1, 3, 31)
        for outcome in OUTS:
            for cat in CATS:
                want = _expected(allegations, case_rows, count="people", when="outcome",
                                 start=first, end=last,
                                 keep=lambda a, c, o=outcome, k=cat: a["outcome"] == o
                                 and a["category"] == k)  # fmt: skip
                assert [year, outcome, cat, want] in rows
        total = _expected(allegations, case_rows, count="people", when="outcome", start=first,
                          end=last, keep=lambda a, c: a["outcome"] in OUTS)  # fmt: skip
        assert [year, "all", "all", total] in rows


def test_filters_severity_and_live_cases(register: Any) -> None:
    settings, allegations, case_rows = register
    rows = _rows(settings, count="cases", date_field="recorded", from_period="2018/19",
                 to_period="2022/23", outcomes=("any",), severities=("gross_misconduct",),
                 live="live")  # fmt: skip
    for row in rows:
        year = str(row[0])
        first = date(int(year[:4]), 4, 1)
        want = _expected(
            allegations, case_rows, count="cases", when="recorded", start=first,
            end=date(first.year + 1, 3, 31),
            keep=lambda a, c: c["severity"] == "gross_misconduct"
            and (c["closed_on"] is None or c["closed_on"] > AS_OF),
        )  # fmt: skip
        assert row[-1] == want
    title = _title(settings)
    assert "gross misconduct" in title and "live cases" in title
    assert " in the misconduct register by financial year of the outcome (" in title


def test_every_date_reads_as_words_in_a_title() -> None:
    from datawash.stats.query import DATE_WORDS, DATES

    assert set(DATE_WORDS) == set(DATES)
    assert not any("_" in w for w in DATE_WORDS.values())


def _title(settings: Settings) -> str:
    with session_scope(settings) as s:
        return service.run_statistic(
            s, ANALYST, "register_count",
            StatParams(as_of=AS_OF, outcomes=("any",), severities=("gross_misconduct",),
                       live="live"),
        ).title  # fmt: skip


def test_bad_parameters_are_refused() -> None:
    from datawash.errors import InputError

    with pytest.raises(InputError, match="span"):
        StatParams(span_from=date(2020, 1, 1)).check()
    with pytest.raises(InputError, match="severities"):
        StatParams(severities=("enormous",)).check()
    with pytest.raises(InputError, match="allegations"):
        StatParams(count="officers").check()


def test_breakdowns_show_only_values_in_scope_and_a_row_for_not_recorded(register: Any) -> None:
    settings, allegations, case_rows = register
    rows = _rows(settings, count="allegations", date_field="recorded", from_period="2019/20",
                 to_period="2019/20", categories=("violence",), outcomes=("any",),
                 by=("outcome",))  # fmt: skip
    labels = [r[1] for r in rows]
    assert "not recorded" in labels and labels[-1] == "all"

    def still_open(a: dict[str, Any], c: dict[str, Any]) -> bool:
        return a["category"] == "violence" and not a["outcome"]

    open_ones = _expected(
        allegations, case_rows, count="allegations", when="recorded",
        start=date(2019, 4, 1), end=date(2020, 3, 31), keep=still_open,
    )  # fmt: skip
    assert next(r[-1] for r in rows if r[1] == "not recorded") == open_ones
    assert sum(r[-1] for r in rows[:-1]) == rows[-1][-1]  # one outcome each: parts add up
    by_cat = _rows(settings, categories=("violence",), by=("category",), outcomes=("any",))
    assert {r[1] for r in by_cat} == {"violence", "all"}  # no false 0 for other categories
    # Placed by the date of outcome (or closing), every record has its outcome: no row that
    # could only ever say 0.
    for when in ("outcome", "closed"):
        placed = _rows(settings, count="allegations", date_field=when, from_period="2019/20",
                       to_period="2019/20", categories=("violence",), outcomes=("any",),
                       by=("outcome",))  # fmt: skip
        assert "not recorded" not in [r[1] for r in placed] and placed[-1][1] == "all"
        assert sum(r[-1] for r in placed[:-1]) == placed[-1][-1]


# Where each date of the general count sits in the CSVs (docs/formats.md).
DATE_COLUMNS = {
    "assessed": "severity_assessed_on", "investigation_started": "investigation_started_on",
    "investigation_ended": "investigation_ended_on", "hearing": "hearing_held_on",
    "appeal": "appeal_on", "outcome": "outcome_on", "suspended": "suspended_on",
    "restricted": "restricted_on", "left": "left_force_on",
    "suspension_ended": "suspension_ended_on", "restriction_ended": "restriction_ended_on",
    "charged": "charged_on", "criminal_outcome": "criminal_outcome_on",
    "iopc_referred": "iopc_referred_on",
}  # fmt: skip


# Where each spell (stats/query.py SPELLS) begins and ends in the CSVs.
SPELL_COLUMNS = {
    "open": ("recorded_on", "closed_on"),
    "investigation": ("investigation_started_on", "investigation_ended_on"),
    "suspension": ("suspended_on", "suspension_ended_on"),
    "restriction": ("restricted_on", "restriction_ended_on"),
}


@pytest.fixture(scope="module")
def synthetic_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic register, with its history (stages, suspension, leaving, criminal
    proceedings), as `datawash synth` writes it."""
    from datawash.synth import generate

    out = tmp_path_factory.mktemp("register")
    generate(out, workforce=400, records=2000, seed=11)
    return out


def _independent(folder: Path, *, count: str, when: str, by: str, day: date,
                 years: list[str]) -> dict[tuple[str, str], int]:  # fmt: skip
    """Every category, role and outcome, by financial year of ``when`` and by ``by``,
    worked out from the CSV rows alone (general_count_from_csv, below)."""
    from datawash.stats.registry import CATEGORIES, ROLES

    params = {"count": count, "date_field": when, "by": [by], "categories": CATEGORIES,
              "roles": ROLES, "outcomes": ["any"], "from_period": years[0],
              "to_period": years[-1]}  # fmt: skip
    found = general_count_from_csv(folder, params, day)
    return {(k[0], k[1]): v for k, v in found.items()}


@pytest.mark.parametrize("when", ["recorded", "closed", *SPELL_COLUMNS, *DATE_COLUMNS])
def test_every_date_and_breakdown_against_the_csv_rows(
    synthetic_register: Path, settings: Settings, when: str
) -> None:
    """Each of the register's dates places records into financial years (and "open" into
    every year the case was open in), broken down by each dimension in turn, for people and
    for allegations: every cell is what the CSV rows say (the synthetic register fills every
    date and dimension)."""
    from datawash.stats.query import dimension_names
    from datawash.stats.registry import CATEGORIES, ROLES

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
    day = date(2025, 3, 31)
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2025)]
    counted = 0
    for by in dimension_names():
        if when in SPELL_COLUMNS and by == "live":
            continue  # refused beside a spell (for cases open, it is what live asks)
        for count in ("people", "allegations"):
            with session_scope(settings) as s:
                table = service.run_statistic(s, ANALYST, "register_count", StatParams(
                    as_of=day, from_period=years[0], to_period=years[-1], categories=CATEGORIES,
                    roles=ROLES, outcomes=("any",), by=(by,), count=count, date_field=when,
                ))  # fmt: skip
            got = {(str(r[0]), str(r[1])): int(r[2]) for r in table.rows}
            want = _independent(synthetic_register, count=count, when=when, by=by, day=day,
                                years=years)  # fmt: skip
            assert {k: v for k, v in got.items() if v} == want, (by, count)
            counted += sum(v for (_y, value), v in want.items() if value == "all")
    assert counted > 0  # the date is filled in the synthetic register


@pytest.mark.parametrize(
    ("dim", "param"),
    [("severity", "severities"), ("source", "sources"), ("stage", "stages"), ("rank", "ranks"),
     ("offence", "offences"),
     ("criminal_proceedings", "proceedings"), ("leaving_reason", "leaving"), ("live", "live"),
     ("left_under_investigation", "left_under_investigation"),
     ("gender", "genders"), ("ethnicity", "ethnicities"),
     ("outcome", "outcomes"), ("role", "roles"), ("category", "categories")],
)  # fmt: skip
def test_every_filter_against_the_csv_rows(
    synthetic_register: Path, settings: Settings, dim: str, param: str
) -> None:
    """Filtered on one value of a dimension, each year's count is that value's cell of the
    independent breakdown (people, placed by the date recorded)."""
    from datawash.stats.registry import CATEGORIES, ROLES

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
    day = date(2025, 3, 31)
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2025)]
    want = _independent(synthetic_register, count="people", when="recorded", by=dim, day=day,
                        years=years)  # fmt: skip
    values = sorted({v for (_y, v) in want if v not in ("all", "not recorded")})
    assert values
    base: dict[str, Any] = {"categories": CATEGORIES, "roles": ROLES, "outcomes": ("any",)}
    for value in values:
        chosen = value if param == "live" else (value,)
        with session_scope(settings) as s:
            table = service.run_statistic(s, ANALYST, "register_count", StatParams(**{
                **base, param: chosen, "as_of": day, "from_period": years[0],
                "to_period": years[-1], "date_field": "recorded", "count": "people"}))  # fmt: skip
        got = {str(r[0]): int(r[-1]) for r in table.rows}
        assert got == {y: want.get((y, value), 0) for y in years}, value


def general_count_from_csv(
    folder: Path, params: dict[str, Any], day: date
) -> dict[tuple[str, ...], int]:
    """The general count (register_count) worked out from the CSV rows alone, for any of its
    parameters as an FOI answer gives them: the non-zero cells, keyed (period, value of each
    --by dimension ...), with an "all" row per period."""
    import csv
    from collections import defaultdict

    from datawash.stats.registry import DISMISSAL, ROLES

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(newline="") as fh:
            return list(csv.DictReader(fh))

    p = dict(params)
    when = p.get("date_field", "outcome")
    categories = set(p.get("categories", ("sexual", "domestic_abuse")))
    roles = set(p.get("roles", ROLES))
    outcomes = set(p.get("outcomes", DISMISSAL))
    kind = p.get("period", "financial")
    by = [b for b in p.get("by", []) if b != "none"]
    key = {"people": "person_id", "cases": "case_id", "allegations": "allegation_id"}[
        p.get("count", "people")]  # fmt: skip

    def label(d: date) -> str:
        if kind == "calendar":
            return str(d.year)
        first = d.year if d.month >= 4 else d.year - 1
        return f"{first}/{(first + 1) % 100:02d}"

    if p.get("span_from"):
        start, end = date.fromisoformat(p["span_from"]), date.fromisoformat(p["span_to"])
        span_label = f"{start:%d/%m/%Y}" + ("" if end == start else f" to {end:%d/%m/%Y}")
        labels = None
    else:
        # By default the five years up to the one the day is in.
        now = int(label(day)[:4])
        first = int(p["from_period"][:4]) if p.get("from_period") else now - 4
        last = int(p["to_period"][:4]) if p.get("to_period") else now
        labels = {label(date(y, 6, 1)) for y in range(first, last + 1)}
    case_of = {c["case_id"]: c for c in rows("cases.csv")}
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)

    def bounds(name: str) -> tuple[date, date]:  # a year's first and last day
        y = int(name[:4])
        return (date(y, 1, 1), date(y, 12, 31)) if kind == "calendar" else (
            date(y, 4, 1), date(y + 1, 3, 31))  # fmt: skip

    on_days: dict[str, tuple[date, date]] = {}
    if p.get("on_day"):  # the day in each year ("03-31": the 31 March a financial year ends on)
        month, dd = (int(x) for x in p["on_day"].split("-"))
        for name in labels or ():
            first_day, last_day = bounds(name)
            d = next(x for x in (date(first_day.year, month, dd), date(last_day.year, month, dd))
                     if first_day <= x <= last_day)  # fmt: skip
            on_days[f"{d:%d/%m/%Y}"] = (d, d)
    for a in rows("allegations.csv"):
        c = case_of[a["case_id"]]
        closed = c["closed_on"]
        if when in SPELL_COLUMNS:  # every period the spell was in force in at some time
            begun, ended = (c.get(k) or a.get(k) for k in SPELL_COLUMNS[when])
            if not begun or date.fromisoformat(c["recorded_on"]) > day:
                continue
            spans = ({span_label: (start, end)} if labels is None
                     else on_days if p.get("on_day")
                     else {name: bounds(name) for name in labels})  # fmt: skip
            periods = [name for name, (first, last) in spans.items()
                       if first <= day and date.fromisoformat(begun) <= min(last, day)
                       and (not ended or date.fromisoformat(ended) >= first)]  # fmt: skip
        else:
            raw = c["recorded_on"] if when == "recorded" else closed if when == "closed" \
                else a[DATE_COLUMNS[when]]  # fmt: skip
            if not raw or date.fromisoformat(raw) > day or (
                    date.fromisoformat(c["recorded_on"]) > day):  # fmt: skip
                continue
            d = date.fromisoformat(raw)
            if labels is None:
                periods = [span_label] if start <= d <= end else []
            else:
                periods = [label(d)] if label(d) in labels else []
        value = {
            "category": a["category"], "role": a["role_at_time"],
            "rank": a.get("rank_at_time") or "not recorded",
            "offence": offence_group_of(normalise_offence_code(a.get("offence_code")))
            or "not recorded",
            "outcome": a["outcome"] or "not recorded",
            "severity": a.get("severity") or c["severity"] or "not recorded",
            "source": a.get("source") or c["source"], "stage": a["stage"] or "not recorded",
            "criminal_proceedings": a["criminal_proceedings"] or "not recorded",
            "leaving_reason": a["leaving_reason"] or "not recorded",
            "left_under_investigation": (
                "not recorded" if not a["left_force_on"]
                else "yes" if a["left_force_on"] >= c["recorded_on"]
                and (not a["outcome_on"] or a["outcome_on"] > a["left_force_on"])
                else "no"
            ),
            "gender": a["gender"].upper() or "not recorded",
            "ethnicity": ethnic_group_of(a["ethnicity"]) or "not recorded",
            "live": "live" if not closed or date.fromisoformat(closed) > day else "completed",
        }  # fmt: skip
        if a["category"] not in categories or a["role_at_time"] not in roles:
            continue
        if "any" not in outcomes and a["outcome"] not in outcomes:
            continue
        filters = {"ranks": "rank", "offences": "offence", "severities": "severity",
                   "sources": "source",
                   "stages": "stage",
                   "proceedings": "criminal_proceedings", "leaving": "leaving_reason",
                   "left_under_investigation": "left_under_investigation",
                   "genders": "gender", "ethnicities": "ethnicity"}  # fmt: skip
        if any(p.get(f) and value[dim] not in p[f] for f, dim in filters.items()):
            continue
        if p.get("live", "any") != "any" and value["live"] != p["live"]:
            continue
        for period in periods:
            found[(period, *[value[b] for b in by])].add(a[key])
            found[(period, *["all"] * len(by))].add(a[key])
    return {k: len(v) for k, v in found.items()}


def test_placed_by_the_charge_only_proceedings_that_follow_a_charge_have_rows(
    synthetic_register: Path, settings: Settings
) -> None:
    """A charge date comes with proceedings that follow a charge (the importer refuses
    anything else), so a table placed by it has no rows that could only ever say 0."""
    from datawash.ingest.schema import AFTER_CHARGE
    from datawash.stats.registry import CATEGORIES, ROLES

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
        table = service.run_statistic(s, ANALYST, "register_count", StatParams(
            as_of=date(2025, 3, 31), from_period="2017/18", to_period="2024/25",
            categories=CATEGORIES, roles=ROLES, outcomes=("any",), by=("criminal_proceedings",),
            count="people", date_field="charged"))  # fmt: skip
    assert {str(r[1]) for r in table.rows} == {*AFTER_CHARGE, "all"}
    assert "charge" in table.title
    assert sum(int(r[2]) for r in table.rows if r[1] == "all") > 0


def test_a_case_counts_in_every_year_it_was_open(settings: Settings, tmp_path: Path) -> None:
    """date_field=open: recorded by a year's last day and not closed before its first (open
    from the day recorded to the day closed, both included). A case closed on 1 April 2021
    was open in 2021/22 too, one closed on 31 March 2021 not; one recorded on 31 March 2021
    and still open is in 2020/21 and every year since; one recorded and closed on one day
    in its year. The live filter is refused beside it (it already says which were live)."""
    from datawash.errors import InputError

    (tmp_path / "c.csv").write_text(
        "case_id,recorded_on,source,severity,closed_on\n"
        "K1,2019-06-01,complaint,,2021-04-01\nK2,2021-03-31,complaint,,\n"
        "K3,2017-05-01,complaint,,2018-02-01\nK4,2020-01-01,complaint,,2021-03-31\n"
        "K5,2020-06-15,complaint,,2020-06-15\n"
    )
    (tmp_path / "a.csv").write_text(
        "allegation_id,case_id,person_id,role_at_time,category,outcome,outcome_on\n"
        "A1,K1,P1,officer,sexual,dismissed,2021-04-01\nA2,K2,P2,officer,sexual,,\n"
        "A3,K3,P3,officer,sexual,dismissed,2018-02-01\n"
        "A4,K4,P4,officer,sexual,dismissed,2021-03-31\nA5,K5,P5,officer,sexual,dismissed,2020-06-15\n"
    )
    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                              allegations_path=tmp_path / "a.csv")  # fmt: skip
    params = {"as_of": date(2022, 6, 30), "from_period": "2018/19", "to_period": "2022/23",
              "categories": ("sexual",), "outcomes": ("any",), "date_field": "open"}  # fmt: skip
    with session_scope(settings) as s:
        table = service.run_statistic(s, ANALYST, "register_count", StatParams(**params))
        years = {"from_period", "to_period"}  # a span of dates instead of the years
        span = service.run_statistic(s, ANALYST, "register_count", StatParams(**{
            **{k: v for k, v in params.items() if k not in years},
            "span_from": date(2021, 4, 1), "span_to": date(2021, 4, 1)}))  # fmt: skip
        with pytest.raises(InputError, match="live"):
            service.run_statistic(s, ANALYST, "register_count",
                                  StatParams(**{**params, "live": "live"}))  # fmt: skip
    assert [(r[0], r[-1]) for r in table.rows] == [
        ("2018/19", 0),
        ("2019/20", 2),
        ("2020/21", 4),
        ("2021/22", 2),
        ("2022/23", 1),
    ]
    assert "open" in table.title
    assert [r[-1] for r in span.rows] == [2]  # on 1 April 2021: K1 (closed that day), K2


def test_the_offence_group_in_sql_is_the_one_triage_gives(
    settings: Settings, tmp_path: Path
) -> None:
    """Each allegation's Home Office code counts in its offence group, the same in the SQL
    (SQLite here, PostgreSQL in CI) as in Python: codes the table lists, codes it does not
    list by their class where the class is one group (19A is rape, 4.11 violence), a class
    that mixes groups (8X) or is unknown (190, which begins like 19) as any other offence,
    and no code as not recorded."""
    from datawash.stats.registry import CATEGORIES, ROLES

    codes = ["19C", "19A", "17B", "20", "88E", "88B", "8U", "8Q", "8L", "8N", "8X", "4.1",
             "4.11", "28A", "190", "500A", "92E", ""]  # fmt: skip
    (tmp_path / "c.csv").write_text(
        "case_id,recorded_on,source,severity,closed_on\nK1,2021-06-01,complaint,,\n"
    )
    (tmp_path / "a.csv").write_text(
        "allegation_id,case_id,person_id,role_at_time,category,stage,offence_code\n"
        + "".join(f"A{i},K1,P{i},officer,other,assessment,{c}\n" for i, c in enumerate(codes))
    )
    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                              allegations_path=tmp_path / "a.csv")  # fmt: skip
        table = service.run_statistic(s, ANALYST, "register_count", StatParams(
            as_of=date(2022, 3, 31), span_from=date(2021, 1, 1), span_to=date(2021, 12, 31),
            categories=CATEGORIES, roles=ROLES, outcomes=("any",), by=("offence",),
            count="allegations",
            date_field="recorded"))  # fmt: skip
    got = {str(r[1]): int(r[2]) for r in table.rows if r[2]}
    want: dict[str, int] = {"all": len(codes)}
    for code in codes:
        group = offence_group_of(normalise_offence_code(code)) or "not recorded"
        want[group] = want.get(group, 0) + 1
    assert got == want
    assert want["rape"] == 2 and want["other_violence"] == 3 and want["other_offence"] == 5


# Each measure of register_duration as the CSVs hold it: (first date, last date, per case?).
DURATION_COLUMNS = {
    "case": ("recorded_on", "closed_on", True),
    "outcome": ("recorded_on", "outcome_on", False),
    "investigation": ("investigation_started_on", "investigation_ended_on", False),
    "suspension": ("suspended_on", "suspension_ended_on", False),
    "restriction": ("restricted_on", "restriction_ended_on", False),
}


@pytest.mark.parametrize("measure", list(DURATION_COLUMNS))
def test_durations_against_the_csv_rows(
    synthetic_register: Path, settings: Settings, measure: str
) -> None:
    """Days from a date to a later one, by financial year of the later: how many, the mean
    and the median (whole days, halves up), for officers' sexual and domestic abuse
    allegations, worked out from the CSV rows alone; the count is the general count's by
    the later date, so disclosure control reads them as one population."""
    import csv
    import statistics

    from datawash.stats.query import DURATIONS

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
    day = date(2025, 3, 31)
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2025)]
    params = {"as_of": day, "from_period": years[0], "to_period": years[-1],
              "roles": ("officer",), "outcomes": ("any",)}  # fmt: skip
    with session_scope(settings) as s:
        table = service.run_statistic(s, ANALYST, "register_duration",
                                      StatParams(**params, measure=measure))  # fmt: skip
        _first, last, unit, _words = DURATIONS[measure]
        by_last = StatParams(**params, date_field=last, count=unit)
        counted = service.run_statistic(s, ANALYST, "register_count", by_last)

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((synthetic_register / name).read_text().splitlines()))

    case_of = {c["case_id"]: c for c in rows("cases.csv")}
    begin, end, per_case = DURATION_COLUMNS[measure]
    taken: dict[str, dict[str, int]] = {}
    for a in rows("allegations.csv"):
        c = case_of[a["case_id"]]
        first, last_day = (c.get(begin) or a.get(begin)), (c.get(end) or a.get(end))
        if (a["category"] not in ("sexual", "domestic_abuse") or a["role_at_time"] != "officer"
                or not last_day or date.fromisoformat(last_day) > day
                or date.fromisoformat(c["recorded_on"]) > day):  # fmt: skip
            continue
        d = date.fromisoformat(last_day)
        year = f"{d.year if d.month >= 4 else d.year - 1}/{(d.year + (d.month >= 4)) % 100:02d}"
        key = a["case_id"] if per_case else a["allegation_id"]
        taken.setdefault(year, {})[key] = (d - date.fromisoformat(first)).days
    want = []
    for y in years:
        days = list(taken.get(y, {}).values())
        want.append([y, len(days),
                     int(statistics.mean(days) + 0.5) if days else None,
                     int(statistics.median(days) + 0.5) if days else None])  # fmt: skip
    assert [list(r) for r in table.rows] == want
    assert sum(r[1] for r in want) > 0  # the synthetic register has such records
    assert [r[1] for r in table.rows] == [r[-1] for r in counted.rows]
    assert table.measures == [(2, 1), (3, 1)] and table.count_columns == [1]


@pytest.mark.parametrize("spell", list(SPELL_COLUMNS))
def test_on_a_day_of_each_year_is_each_days_own_count(
    synthetic_register: Path, settings: Settings, spell: str
) -> None:
    """on_day=03-31: a row for 31 March of each financial year (the one the year ends on),
    each the count of that one day asked alone (a one-day span, itself checked against
    the CSV rows: questions 36 and the spell tests); calendar years take the day in the
    year. Only with a spell, a real month and day, and not beside a span."""
    from datawash.errors import InputError
    from datawash.stats.registry import CATEGORIES, ROLES

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
    base: dict[str, Any] = {"as_of": date(2025, 3, 31), "categories": CATEGORIES,
                            "roles": ROLES, "outcomes": ("any",), "date_field": spell}  # fmt: skip
    with session_scope(settings) as s:
        table = service.run_statistic(s, ANALYST, "register_count", StatParams(
            **base, from_period="2018/19", to_period="2024/25", on_day="03-31"))  # fmt: skip
        days = [date(y, 3, 31) for y in range(2019, 2026)]
        assert [r[0] for r in table.rows] == [f"{d:%d/%m/%Y}" for d in days]
        for row, d in zip(table.rows, days, strict=True):
            alone = service.run_statistic(s, ANALYST, "register_count", StatParams(
                **base, span_from=d, span_to=d))  # fmt: skip
            assert row[1] == alone.rows[0][1], d
        assert sum(int(r[1]) for r in table.rows) > 0
        calendar = service.run_statistic(
            s,
            ANALYST,
            "register_count",
            StatParams(
                **base, period="calendar", from_period="2020", to_period="2021", on_day="06-30"
            ),
        )
        assert [r[0] for r in calendar.rows] == ["30/06/2020", "30/06/2021"]
        for bad, why in (
            ({"date_field": "recorded", "on_day": "03-31"}, "spell"),
            ({"on_day": "02-29"}, "MM-DD"),
            ({"on_day": "31/03"}, "MM-DD"),
            ({"on_day": "03-31", "span_from": date(2020, 1, 1), "span_to": date(2020, 2, 1)},
             "span"),
        ):  # fmt: skip
            with pytest.raises(InputError, match=why):
                service.run_statistic(s, ANALYST, "register_count", StatParams(**{**base, **bad}))


def test_shares_are_each_rows_part_of_its_periods_all_row(
    synthetic_register: Path, settings: Settings
) -> None:
    """shares=yes: beside each count, its percentage of its period's "all" row (one decimal
    place), worked out from the independent count; allegations' shares add up to 100; the
    table's counts are the table without shares; refused without a breakdown."""
    from datawash.errors import InputError
    from datawash.stats.registry import CATEGORIES, ROLES

    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=synthetic_register / "cases.csv",
                              allegations_path=synthetic_register / "allegations.csv")  # fmt: skip
    day = date(2025, 3, 31)
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2020, 2025)]
    base = {"as_of": day, "from_period": years[0], "to_period": years[-1], "roles": ROLES,
            "categories": CATEGORIES, "outcomes": ("any",), "by": ("outcome",),
            "count": "allegations"}  # fmt: skip
    with session_scope(settings) as s:
        plain = service.run_statistic(s, ANALYST, "register_count", StatParams(**base))
        shared = service.run_statistic(s, ANALYST, "register_count",
                                       StatParams(**base, shares="yes"))  # fmt: skip
    want = _independent(synthetic_register, count="allegations", when="outcome", by="outcome",
                        day=day, years=years)  # fmt: skip
    assert [r[:-1] for r in shared.rows] == plain.rows
    assert shared.columns[-1] == "share_pct" and shared.measures == [(3, 2)]
    checked = 0
    for y, value, n, share in shared.rows:
        whole = want.get((str(y), "all"), 0)
        if value == "all":
            assert share is None
        elif whole:
            assert share == round(100 * want.get((str(y), str(value)), 0) / whole, 1)
            checked += bool(n)
    assert checked > 5
    for y in years:
        parts = [r[3] for r in shared.rows if r[0] == y and r[1] != "all" and r[3] is not None]
        assert not parts or abs(sum(parts) - 100) < 0.05 * len(parts) + 1e-9
    with session_scope(settings) as s, pytest.raises(InputError, match="breakdown"):
        service.run_statistic(s, ANALYST, "register_count",
                              StatParams(**{**base, "by": ()}, shares="yes"))  # fmt: skip
    with session_scope(settings) as s, pytest.raises(InputError, match="does not take shares"):
        service.run_statistic(s, ANALYST, "outcomes_by_year", StatParams(shares="yes"))
