"""Questions in the style of real FOI requests about officers investigated or dismissed
for sexual misconduct, domestic abuse and violence against women and girls, and about the
data wash (questions/questions.json): each says which statistic answers it, with which
parameters, and is answered here through the FOI service on a synthetic register, each
response's questions (``response``, 1 unless given) as one response, so disclosure control
runs across all of them. The first response holds 43 questions; the second, the questions by
gender, ethnicity and IOPC referral: one response of all 48 is checked, but slowly (the
breakdowns by many-valued dimensions multiply the pieces the linear programmes read; the
closing note of 2026-12-06 gives the figures)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from datawash.cases import service as cases
from datawash.config import Settings
from datawash.db import session_scope
from datawash.foi import service
from datawash.stats.registry import STATISTICS
from tests.review.helpers import FOI, ensure_users
from tests.stats.test_query import AS_OF, _register
from tests.stats.test_registry import PSD

QUESTIONS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "questions" / "questions.json").read_text("utf-8")
)


def test_at_least_thirty_questions_each_with_a_statistic_that_exists() -> None:
    assert len(QUESTIONS) >= 30
    assert len({q["id"] for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert q["statistic"] in STATISTICS, q["id"]


def test_every_question_is_answered_by_its_statistic_in_one_response(
    settings: Settings, tmp_path: Path
) -> None:
    _register(tmp_path)
    with session_scope(settings) as s:
        ensure_users(s)
        cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                              allegations_path=tmp_path / "a.csv")  # fmt: skip
    responses = sorted({q.get("response", 1) for q in QUESTIONS})
    assert responses == [1, 2]
    for number in responses:
        _answer_as_one_response(settings, [q for q in QUESTIONS if q.get("response", 1) == number])


def _answer_as_one_response(settings: Settings, questions: list[dict[str, Any]]) -> None:
    with session_scope(settings) as s:
        text = "\n".join(f"{n}. {q['question']}" for n, q in enumerate(questions, 1))
        req = service.receive_request(
            s, FOI, received_on=date(2023, 6, 1), title="Officer misconduct", text=text,
            requester_name="Synthetic Requester", today=AS_OF,
        )  # fmt: skip
        assert len(req.questions) == len(questions)
        for n, q in enumerate(questions, 1):
            params = {"as_of": AS_OF.isoformat(), **q["params"]}
            answer = service.answer_question(
                s, FOI, reference=req.reference, number=n, today=AS_OF,
                statistics=[service.StatisticAnswer(q["statistic"], params)],
            )  # fmt: skip
            tables = [b for b in answer.blocks if b["kind"] == "statistic"]
            assert len(tables) == 1 and tables[0]["name"] == q["statistic"], q["id"]
            assert tables[0]["table"]["rows"], f"question {q['id']}: an empty table"


def test_each_general_count_question_gives_what_the_csv_rows_say(
    settings: Settings, tmp_path: Path
) -> None:
    """Every question the general count answers, computed (before disclosure control) on
    the synthetic register, which fills every date and dimension: each cell is the count
    worked out from the CSV rows alone."""
    from datawash.stats import service as stats
    from datawash.stats.registry import StatParams
    from tests.stats.test_query import general_count_from_csv
    from tests.stats.test_registry import ANALYST

    day = _synthetic_register(settings, tmp_path)
    checked = 0
    for q in QUESTIONS:
        if q["statistic"] != "register_count":
            continue
        params = {"as_of": day.isoformat(), **q["params"]}
        with session_scope(settings) as s:
            table = stats.run_statistic(s, ANALYST, "register_count", StatParams.from_dict(params))
        got = {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in table.rows if r[-1]}
        assert got == general_count_from_csv(tmp_path, q["params"], day), q["id"]
        checked += sum(got.values())
    assert checked > 0


def test_each_question_a_preset_answers_gives_what_the_csv_rows_say(
    settings: Settings, tmp_path: Path
) -> None:
    """The questions answered by the named presets of the general count (outcomes by year,
    live investigations, the completed-case review), each cell against the count worked out
    from the CSV rows alone, with the parameters the preset documents."""
    from datawash.stats import service as stats
    from datawash.stats.registry import EVER, StatParams
    from tests.stats.test_query import general_count_from_csv
    from tests.stats.test_registry import ANALYST

    day = _synthetic_register(settings, tmp_path)
    ever = {"span_from": EVER.isoformat(), "span_to": day.isoformat(), "outcomes": ["any"]}
    presets = {
        "outcomes_by_year": {"date_field": "outcome"},
        "live_investigations": {"date_field": "recorded", "live": "live", **ever},
        "completed_case_review": {"date_field": "closed", **ever},
    }
    checked = 0
    for q in QUESTIONS:
        if q["statistic"] not in presets:
            continue
        params = {"as_of": day.isoformat(), **q["params"]}
        with session_scope(settings) as s:
            table = stats.run_statistic(s, ANALYST, q["statistic"], StatParams.from_dict(params))
        general = {**q["params"], **presets[q["statistic"]]}
        by = [b for b in q["params"].get("by", []) if b != "none"]
        if q["statistic"] == "outcomes_by_year":
            # A row per year, a column per value of --by (or one column, all).
            want = general_count_from_csv(tmp_path, {**general, "by": by}, day)
            for row in table.rows:
                for column, value in zip(table.columns[1:], row[1:], strict=True):
                    key = (str(row[0]), column) if by else (str(row[0]),)
                    assert value == want.get(key, 0), (q["id"], key)
                    checked += int(value)
        else:
            # A row per value of --by (and a total), or one row: cases and people.
            for count in ("cases", "people"):
                want = general_count_from_csv(tmp_path, {**general, "by": by, "count": count},
                                              day)  # fmt: skip
                period = f"{EVER:%d/%m/%Y} to {day:%d/%m/%Y}"
                column = table.columns.index(count)
                for row in table.rows:
                    label = "all" if row[0] in ("Total", "all in scope") else str(row[0])
                    key = (period, label) if by else (period,)
                    assert row[column] == want.get(key, 0), (q["id"], count, key)
                    checked += int(row[column])
    assert checked > 0


def test_each_duration_question_counts_what_the_csv_rows_say(
    settings: Settings, tmp_path: Path
) -> None:
    """The questions of how long things took: each year's count is the general count of the
    records placed by the later date (worked out from the CSV rows alone), and a year with
    records has its mean and median (tests/stats/test_query.py checks those days)."""
    from datawash.stats import service as stats
    from datawash.stats.query import DURATIONS
    from datawash.stats.registry import StatParams
    from tests.stats.test_query import general_count_from_csv
    from tests.stats.test_registry import ANALYST

    day = _synthetic_register(settings, tmp_path)
    checked = 0
    for q in QUESTIONS:
        if q["statistic"] != "register_duration":
            continue
        params = {"as_of": day.isoformat(), "outcomes": ["any"], **q["params"]}
        with session_scope(settings) as s:
            table = stats.run_statistic(s, ANALYST, q["statistic"], StatParams.from_dict(params))
        _first, last, unit, _words = DURATIONS[q["params"]["measure"]]
        general = {k: v for k, v in params.items() if k not in ("as_of", "measure")}
        want = general_count_from_csv(tmp_path, {**general, "date_field": last, "count": unit},
                                      day)  # fmt: skip
        for period, n, mean, median in table.rows:
            assert n == want.get((str(period),), 0), (q["id"], period)
            assert (n == 0) == (mean is None) == (median is None)
            checked += int(n)
    assert checked > 0


def _synthetic_register(settings: Settings, folder: Path) -> date:
    """The synthetic register, which fills every date and dimension, imported; the day the
    questions are answered on."""
    from datawash.synth import generate

    generate(folder, workforce=400, records=2000, seed=11)
    with session_scope(settings) as s:
        ensure_users(s)
        cases.import_register(s, PSD, cases_path=folder / "cases.csv",
                              allegations_path=folder / "allegations.csv")  # fmt: skip
    return date(2025, 3, 31)
