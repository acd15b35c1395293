"""The FOI register: receipt, questions, the clock, answers, NCND, sending, the log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from datawash.audit.models import AuditEvent
from datawash.auth.service import Actor, Role
from datawash.cases import service as cases
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import ForbiddenTransition, InputError, PermissionDenied
from datawash.foi import service
from datawash.foi.letter import build_letter, to_html
from datawash.foi.log import log_csv, write_disclosure_log
from datawash.foi.workflow import ALLOWED, Status, check_transition
from tests.stats.test_registry import ALLEGATIONS, CASES

FOI = Actor("fran", Role.FOI_OFFICER)
PSD = Actor("pat", Role.PSD_INVESTIGATOR)
TODAY = date(2023, 2, 20)
REQUEST = """Dear FOI team,
Please tell me:
1. How many officers are under live investigation for sexual offences?
2) How many were dismissed in each of the last five financial years?
Q3: Do you publish this anywhere?
Thanks
"""
NCND = ["30(3)", "31(3)", "38(2)", "40(5)"]


def _receive(s, **kw):  # type: ignore[no-untyped-def]
    args = {
        "received_on": date(2023, 2, 6),
        "title": "Officers investigated for sexual offences",
        "text": REQUEST,
        "requester_name": "Ada Example",
        "requester_contact": "ada@example.invalid",
        "today": TODAY,
    }
    args.update(kw)
    return service.receive_request(s, FOI, **args)


def test_split_questions_forms() -> None:
    assert service.split_questions(REQUEST) == [
        "How many officers are under live investigation for sexual offences?",
        "How many were dismissed in each of the last five financial years?",
        "Do you publish this anywhere?",  # the sign-off ("Thanks") is not a question
    ]
    assert service.split_questions("- one\n- two\n") == ["one", "two"]
    assert service.split_questions("Just one thing please.") == ["Just one thing please."]
    # "1." inside a sentence is not a question mark-up.
    assert len(service.split_questions("See section 1. of the act and (2) more")) == 1


def test_receive_sets_reference_questions_due_date_and_keeps_requester_apart(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        req = _receive(s)
        assert req.reference == "FOI-2023-0001"
        assert [q.number for q in req.questions] == [1, 2, 3]
        assert req.due_on == date(2023, 3, 6)
        assert service.get_requester(s, FOI, req.reference).name == "Ada Example"
        viewed = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "foi.requester_viewed")
        ).one()
        assert viewed.actor == "fran" and "Ada" not in str(viewed.after)
        with pytest.raises(PermissionDenied):
            service.get_requester(s, Actor("sam", Role.SUPERVISOR), req.reference)
        with pytest.raises(PermissionDenied):
            service.receive_request(
                s,
                Actor("alex", Role.ANALYST),
                received_on=date(2023, 2, 6),
                title="t",
                text="q",
                requester_name="n",
            )
        second = _receive(s)
        assert second.reference == "FOI-2023-0002"
    with session_scope(settings) as s, pytest.raises(InputError, match="future"):
        _receive(s, received_on=date(2023, 3, 1))


def test_questions_are_editable_and_audited(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        service.edit_question(s, FOI, reference=ref, number=3, text="Do you publish this anywhere?")
        service.add_question(s, FOI, reference=ref, text="And for police staff?")
        service.remove_question(s, FOI, reference=ref, number=1)
    with session_scope(settings) as s:
        req = service.get_request(s, FOI, ref)
        assert [(q.number, q.text) for q in req.questions] == [
            (1, "How many were dismissed in each of the last five financial years?"),
            (2, "Do you publish this anywhere?"),
            (3, "And for police staff?"),
        ]
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == ref)))
        assert {
            "foi.received",
            "foi.question_edited",
            "foi.question_added",
            "foi.question_removed",
        } <= actions


def test_clarification_restarts_clock_and_workflow_is_enforced(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        req = service.stop_clock(s, FOI, reference=ref, kind="clarification", on=date(2023, 2, 8))
        assert req.status == "awaiting_clarification" and req.due_on is None
        with pytest.raises(ForbiddenTransition):
            service.send_response(s, FOI, reference=ref, on=date(2023, 2, 9))
        req = service.restart_clock(
            s, FOI, reference=ref, on=date(2023, 2, 13), clarification="Officers only."
        )
        assert req.status == "open" and req.due_on == date(2023, 3, 13)
        assert "Officers only." in req.request_text
        with pytest.raises(InputError, match="not waiting"):
            service.restart_clock(s, FOI, reference=ref, on=date(2023, 2, 14))


def test_every_workflow_edge() -> None:
    for a in Status:
        for b in Status:
            if (a, b) in ALLOWED:
                check_transition(a, b)
            else:
                with pytest.raises(ForbiddenTransition):
                    check_transition(a, b)


def test_s12_cost_limit() -> None:
    assert not service.s12_estimate(18).exceeds
    over = service.s12_estimate(18.5)
    assert over.exceeds and over.cost == 462.5 and over.limit == 450


def _register(settings: Settings, tmp_path: Path, allegations: str = ALLEGATIONS) -> None:
    c, a = tmp_path / "cases.csv", tmp_path / "allegations.csv"
    c.write_text(CASES)
    a.write_text(allegations)
    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=c, allegations_path=a)


def test_statistic_answer_is_frozen_and_disclosure_controlled(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _receive(s).reference
        answer = service.answer_question(
            s,
            FOI,
            reference=ref,
            number=2,
            statistics=[
                service.StatisticAnswer(
                    "outcomes_by_year",
                    {"from_period": "2018/19", "to_period": "2022/23", "as_of": "2023-02-20"},
                )
            ],
        )
        table = answer.blocks[0]["table"]
        assert table["parameters"]["from_period"] == "2018/19"
        assert [r[1] for r in table["rows"]] == ["fewer than 5"] * 3 + [0, "fewer than 5"]
        assert answer.disclosure[0]["threshold"] == 5 and len(answer.disclosure[0]["primary"]) == 5
    # The register changes afterwards; the answer given does not.
    _register(
        settings,
        tmp_path,
        ALLEGATIONS.replace(
            "A2,C1,P2,staff,sexual,closed,final_written_warning",
            "A2,C1,P2,staff,sexual,closed,dismissed",
        ),
    )
    with session_scope(settings) as s:
        q = service.get_request(s, FOI, ref).questions[1]
        assert q.answer is not None and q.answer.blocks[0]["table"] == table
        # A case-by-case decision to publish small counts is recorded with its reason.
        again = service.answer_question(
            s,
            FOI,
            reference=ref,
            number=2,
            statistics=[
                service.StatisticAnswer(
                    "outcomes_by_year",
                    {"from_period": "2020/21", "to_period": "2020/21", "as_of": "2023-02-20"},
                )
            ],
            disclose_small_counts_reason="already published by the misconduct hearing",
        )
        assert again.blocks[0]["table"]["rows"] == [["2020/21", 2, 0]]
        assert again.disclosure[0]["applied"] is False


def test_ncnd_rules(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match="does not remove the duty"):
            service.answer_question(
                s, FOI, reference=ref, number=1, exemptions=["30(1)"], ncnd=True
            )
        with pytest.raises(InputError, match="cannot also give figures"):
            service.answer_question(
                s,
                FOI,
                reference=ref,
                number=1,
                exemptions=["30(3)"],
                ncnd=True,
                statistics=[service.StatisticAnswer("live_investigations")],
            )
        with pytest.raises(InputError, match="not a section"):
            service.answer_question(s, FOI, reference=ref, number=1, exemptions=["99"])


def test_a_small_count_written_in_the_text_is_refused_unless_a_reason_is_recorded(
    settings: Settings,
) -> None:
    """The tables show 1 to N-1 as "fewer than N": the answer's own text must not write
    them out ("two officers"), unless the FOI officer records why they may be disclosed."""
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match=r"from 1 to 4 \('Two officers'\)"):
            service.answer_question(
                s, FOI, reference=ref, number=1, text="Two officers were dismissed in 2021."
            )
        # Dates, sections and a count of 5 or more are not small counts of people.
        service.answer_question(
            s, FOI, reference=ref, number=1,
            text="Received on 1 May 2021; section 40(2) applies to 12 officers' names.",
        )  # fmt: skip
        answer = service.answer_question(
            s, FOI, reference=ref, number=2, text="Two officers were dismissed in 2021.",
            disclose_small_counts_reason="Already published by the force in a press release",
        )  # fmt: skip
        assert answer.blocks[-1]["text"] == "Two officers were dismissed in 2021."


def _ncnd_letter(settings: Settings) -> tuple[str, str]:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        service.answer_question(
            s, FOI, reference=ref, number=1, exemptions=NCND, ncnd=True, authority="Test Police"
        )
        service.answer_question(s, FOI, reference=ref, number=2, text="See below.")
        service.answer_question(s, FOI, reference=ref, number=3, text="No.")
        s.flush()
        letter = build_letter(s, FOI, ref, authority="Test Police", letter_date=TODAY)
        q1 = letter.questions[0]
        return " ".join(b.text for b in q1.blocks), to_html(letter)


def test_ncnd_worded_identically_whether_or_not_held(settings: Settings, tmp_path: Path) -> None:
    _register(settings, tmp_path)  # live investigations exist here
    held_q1, held_html = _ncnd_letter(settings)
    empty = Settings(data_dir=tmp_path / "empty")  # no case at all
    not_held_q1, not_held_html = _ncnd_letter(empty)
    assert held_q1 == not_held_q1
    assert held_html == not_held_html
    assert "neither confirm nor deny" in held_q1
    for cited in ("s30(3)", "s31(3)", "s38(2)", "s40(5)"):
        assert cited in held_q1


def test_refusal_notice_is_complete(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        service.answer_question(s, FOI, reference=ref, number=1, exemptions=NCND, ncnd=True)
        service.answer_question(
            s, FOI, reference=ref, number=2, exemptions=["21"], text="It is on our website."
        )
        service.answer_question(s, FOI, reference=ref, number=3, text="No.")
        s.flush()
        letter = build_letter(s, FOI, ref, authority="Test Police", letter_date=TODAY)
    kinds = {r.label.split()[0]: r for r in letter.refusal}
    assert set(kinds) == {"s21", "s30(3)", "s31(3)", "s38(2)", "s40(5)"}
    # Neither confirming nor denying: the evidence of harm, then (qualified) the public
    # interest in confirming or denying both ways and the balance; absolute: none needed.
    for qualified in ("s30(3)", "s31(3)", "s38(2)"):
        heads = [h for h, text in kinds[qualified].public_interest if text]
        assert heads == [
            "Evidence of harm",
            "Factors favouring confirming or denying",
            "Factors against confirming or denying",
            "Balance",
        ]
        balance = dict(kinds[qualified].public_interest)["Balance"]
        assert "neither confirms nor denies" in balance
    heads_40 = dict(kinds["s40(5)"].public_interest)
    assert "Evidence of harm" in heads_40 and "absolute" in heads_40["Public interest"]
    assert kinds["s30(3)"].ncnd and not kinds["s21"].ncnd
    assert (
        "internal review" in letter.internal_review
        and "Information Commissioner" in letter.ico_rights
    )


def test_send_and_disclosure_log_without_requester(settings: Settings, tmp_path: Path) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        service.answer_question(s, FOI, reference=ref, number=1, exemptions=NCND, ncnd=True)
        with pytest.raises(InputError, match="not answered"):
            service.send_response(s, FOI, reference=ref, on=date(2023, 3, 1))
        service.answer_question(s, FOI, reference=ref, number=2, text="Please see the table.")
        service.answer_question(
            s, FOI, reference=ref, number=3, exemptions=["21"], text="Yes, online."
        )
        req = service.send_response(s, FOI, reference=ref, on=date(2023, 3, 1))
        assert req.status == "sent"
    with session_scope(settings) as s:
        entries = service.disclosure_log(s, FOI)
        assert [(e.reference, e.exemptions) for e in entries] == [
            (ref, ["s21", "s30(3)", "s31(3)", "s38(2)", "s40(5)"])
        ]
        paths = write_disclosure_log(s, FOI, tmp_path / "log", authority="Test Police")
        csv_text = log_csv(entries)
    assert csv_text.splitlines()[0] == "reference,date,title,request,response,exemptions"
    for path in paths:
        body = path.read_text()
        assert "Ada Example" not in body and "ada@example.invalid" not in body
    assert {p.name for p in paths} == {"disclosure-log.csv", "index.html", f"{ref}.html"}
    assert "Dear Requester" in (tmp_path / "log" / f"{ref}.html").read_text()


def test_redact_requester_takes_out_name_contact_email_and_phone() -> None:
    text = (
        "How many officers were dismissed?\nRegards,\nADA Example (Ms Example), "
        "ada@example.invalid, other@example.invalid, 07700 900123, +44 20 7946 0000\n"
        "1 Example Street"
    )
    out = service.redact_requester(text, "Ada Example", "1 Example Street")
    assert out == (
        "How many officers were dismissed?\nRegards,\n[name removed] ([name removed]), "
        "[contact details removed], [contact details removed], [contact details removed], "
        "[contact details removed]\n[contact details removed]"
    )
    # Ordinary words and figures stay: only the name's parts as names are taken out.
    kept = "For example, 12,225 records by 29/09/2023 (ref 2023/0042)."
    assert service.redact_requester(kept, "Ada Example", None) == kept


def test_a_signed_off_request_is_published_without_the_requester(
    settings: Settings, tmp_path: Path
) -> None:
    with session_scope(settings) as s:
        ref = _receive(
            s,
            text="How many officers were dismissed in 2022? I am Ada Example, write to "
            "ada@example.invalid.\nRegards,\nAda Example\n1 Example Street",
        ).reference
        service.answer_question(s, FOI, reference=ref, number=1, text="None.")
        service.send_response(s, FOI, reference=ref, on=date(2023, 3, 1))
    with session_scope(settings) as s:
        paths = write_disclosure_log(s, FOI, tmp_path / "log", authority="Test Police")
        addressed = to_html(build_letter(s, FOI, ref, authority="Test Police", addressed=True))
    for path in paths:
        body = path.read_text()
        assert "Ada" not in body and "ada@example.invalid" not in body, path.name
        assert "How many officers were dismissed in 2022?" in body or path.suffix == ".html"
    assert "[name removed]" in (tmp_path / "log" / "disclosure-log.csv").read_text()
    # The copy sent to the requester is theirs: nothing is taken out of it.
    assert "Ada Example" in addressed and "ada@example.invalid" in addressed


def test_wash_figures_withheld_in_the_table_stay_withheld_in_chart_and_words(
    settings: Settings,
) -> None:
    from datawash.foi.seed import wash_narrative
    from datawash.review import service as review
    from tests.review.helpers import SUP, decided, make_run

    people = [f"P{k}" for k in range(9)]
    with session_scope(settings) as s:
        run_id = make_run(s, {(pid, f"R{pid}"): "a" for pid in people})
        review.set_deadline(s, SUP, run_id=run_id, due_on=date(2099, 1, 1))
        for pid in people[:6]:  # 6 finished, 3 remaining: "fewer than 5"
            decided(s, pid, "not_the_person")
    with session_scope(settings) as s:
        ref = _receive(s).reference
        answer = service.answer_question(
            s,
            FOI,
            reference=ref,
            number=1,
            statistics=[service.StatisticAnswer("wash_progress", chart=True)],
        )
        block = answer.blocks[0]
        shown = {r[0]: r[1] for r in block["table"]["rows"]}
        assert shown["reviews remaining"] == "fewer than 5"
        # The burn-down's last point is "remaining": no chart at all.
        assert block["burn_down"] is None
        assert not any("a day needed" in n for n in block["table"]["notes"])
        words = wash_narrative(s, authority="Test Police", as_of=date.today(), threshold=5)
    # The text says what the table says, never the exact figure or one that gives it away.
    assert "fewer than 5 remain" in words
    assert "an undisclosed number of reviews are finished" in words
    assert " 3 remain" not in words


def test_withholding_and_ncnd_subsections_are_not_mixed(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match="neither-confirm-nor-deny subsection"):
            service.answer_question(s, FOI, reference=ref, number=1, exemptions=["30(3)"])
        answer = service.answer_question(
            s, FOI, reference=ref, number=1, exemptions=["30(1)"], text="Some is withheld."
        )
        assert answer.exemptions == ["30(1)"] and not answer.ncnd
        s.flush()
        letter = build_letter(s, FOI, ref, authority="Test Police", letter_date=TODAY)
        (refusal,) = letter.refusal
        assert not refusal.ncnd and "exempt under section 30(1)" in refusal.reason


def test_s12_refusal_quotes_the_estimate_and_offers_advice(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match="estimate of hours"):
            service.answer_question(s, FOI, reference=ref, number=1, exemptions=["12"])
        service.set_hours_estimate(s, FOI, reference=ref, hours=18)
        with pytest.raises(InputError, match="within the"):
            service.answer_question(s, FOI, reference=ref, number=1, exemptions=["12"])
        service.set_hours_estimate(s, FOI, reference=ref, hours=30)
        with pytest.raises(InputError, match="refuses the whole request"):
            service.answer_question(s, FOI, reference=ref, number=1, exemptions=["12", "40(2)"])
        answer = service.answer_question(s, FOI, reference=ref, number=1, exemptions=["12"])
        text = answer.blocks[0]["text"]
        assert "30 hours" in text and "£750.00" in text and "£450" in text
        assert "section 16" in text
        with pytest.raises(InputError, match="number of hours"):
            service.set_hours_estimate(s, FOI, reference=ref, hours=-1)


def test_an_answer_freezes_the_day_and_the_years_it_counted(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _receive(s).reference
        answer = service.answer_question(
            s,
            FOI,
            reference=ref,
            number=1,
            statistics=[service.StatisticAnswer("outcomes_by_year")],
            today=date(2023, 2, 20),
        )
        params = answer.blocks[0]["params"]
        # "The last five years" as they were on the day: written in, so it can be re-run.
        assert (params["as_of"], params["from_period"], params["to_period"]) == (
            "2023-02-20",
            "2018/19",
            "2022/23",
        )
        assert "40(2)" in answer.exemptions  # small counts withheld: a refusal under s40(2)


def test_redaction_covers_postcodes_and_international_numbers() -> None:
    text = "Write to 12 High Street, Leeds LS1 4AB or call +44 (0)20 7946 0000."
    out = service.redact_requester(text, "Someone Else", None)
    assert "LS1 4AB" not in out and "7946" not in out
    assert out.count("[contact details removed]") == 2


def test_dates_in_the_future_and_fee_with_clarification_text_are_refused(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match="in the future"):
            service.stop_clock(s, FOI, reference=ref, kind="fee", on=date(2023, 3, 1), today=TODAY)
        service.stop_clock(s, FOI, reference=ref, kind="fee", on=date(2023, 2, 10), today=TODAY)
        with pytest.raises(InputError, match="waiting for a fee"):
            service.restart_clock(
                s, FOI, reference=ref, on=date(2023, 2, 14), clarification="x", today=TODAY
            )
        service.restart_clock(s, FOI, reference=ref, on=date(2023, 2, 14), today=TODAY)
        for number in (1, 2, 3):
            service.answer_question(s, FOI, reference=ref, number=number, text="No.")
        with pytest.raises(InputError, match="in the future"):
            service.send_response(s, FOI, reference=ref, on=date(2023, 2, 21), today=TODAY)


def test_the_log_csv_cannot_carry_a_formula() -> None:
    entry = service.LogEntry(
        reference="FOI-2023-0001",
        date=date(2023, 3, 1),
        title="=HYPERLINK(1)",
        request="+1 officers",
        response="@SUM",
        exemptions=[],
    )
    row = log_csv([entry]).splitlines()[1]
    assert "'=HYPERLINK(1)" in row and "'+1 officers" in row and "'@SUM" in row


def test_sign_offs_and_salutations_are_not_questions() -> None:
    assert service.split_questions(
        "Dear Sir or Madam,\nHow many officers were dismissed in 2022?\n\nKind regards,\n"
        "A. Person\n07700 900123"
    ) == ["How many officers were dismissed in 2022?"]
    # Only a line that is a sign-off and nothing else ends the request.
    assert service.split_questions("- one\n- Best practice: is there any?\nBest wishes\nBo") == [
        "one",
        "Best practice: is there any?",
    ]
    assert service.split_questions("Thanks for your help. How many?") == [
        "Thanks for your help. How many?"
    ]


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), -1.0, 1e9])
def test_an_estimate_must_be_a_real_number_of_hours(settings: Settings, hours: float) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        with pytest.raises(InputError, match="number of hours"):
            service.set_hours_estimate(s, FOI, reference=ref, hours=hours)


@pytest.mark.parametrize(
    ("requester", "text", "expected"),
    [
        ("Sarah West", "Does West Midlands Police hold this?\nRegards,\nSarah West",
         "Does West Midlands Police hold this?\nRegards,\n[name removed]"),
        ("Sarah West", "Ms West asks about the west of the county.\nS. West",
         "[name removed] asks about the west of the county.\n[name removed]"),
        ("Tom Kent", "How many Kent Police officers?\nThanks, Tom",
         "How many Kent Police officers?\nThanks, [name removed]"),
        ("Tom Kent", "Kent\nsent from Kent", "[name removed]\nsent from Kent"),
        ("Ann Durham", "Officers in Durham Constabulary and County Durham.\nMrs A Durham",
         "Officers in Durham Constabulary and County Durham.\n[name removed]"),
        ("Ann Durham", "Regards\nANN DURHAM", "Regards\n[name removed]"),
        # An article is not an initial; a sign-off word before a place is not a signature.
        ("Amy West", "Is a West Midlands force included? A West Midlands one?",
         "Is a West Midlands force included? A West Midlands one?"),
        ("Ann Durham", "Was a Durham officer dismissed?", "Was a Durham officer dismissed?"),
        ("Tom Kent", "Many thanks Kent Police for your help.",
         "Many thanks Kent Police for your help."),
        ("Sarah West", "Thanks\nWest Yorkshire Police", "Thanks\nWest Yorkshire Police"),
        ("Ann Durham", "My name is Ann and I work in Durham.",
         "My name is [name removed] and I work in Durham."),
        ("Sarah West", "Thanks, Sarah.\nMrs S J West", "Thanks, [name removed].\n[name removed]"),
        ("Amy West", "Best wishes\nA. West", "Best wishes\n[name removed]"),
        # Signed however people sign: with a smile, a kiss, a job, a carriage return, bare
        # initials on a line of their own; a dotted initial in any case.
        ("Sarah West", "Thanks, Sarah :)", "Thanks, [name removed] :)"),
        ("Sarah West", "Cheers, Sarah x", "Cheers, [name removed] x"),
        ("Sarah West", "Many thanks,\nSarah (journalist)",
         "Many thanks,\n[name removed] (journalist)"),
        ("Sarah West", "Thanks Sarah, I look forward.", "Thanks [name removed], I look forward."),
        ("Sarah West", "Kind regards, Sarah\r\nSent from my phone",
         "Kind regards, [name removed]\r\nSent from my phone"),
        ("Anna Ingram", "Yours,\nA Ingram", "Yours,\n[name removed]"),
        ("Ian Adams", "Best wishes\nA I Adams", "Best wishes\n[name removed]"),
        ("Sarah West", "s. west wrote this", "[name removed] wrote this"),
        # A requester whose forename is an initial takes no article with them.
        ("A West", "Is a West Midlands force included?\nRegards\nA West",
         "Is a West Midlands force included?\nRegards\n[name removed]"),
    ],
)  # fmt: skip
def test_the_requester_is_removed_as_a_name_never_as_a_word_or_a_place(
    requester: str, text: str, expected: str
) -> None:
    assert service.redact_requester(text, requester, None) == expected


def test_the_authoritys_own_name_is_never_redacted() -> None:
    out = service.redact_requester(
        "Synthetic Constabulary can neither confirm nor deny.\nRegards, Sam Synthetic",
        "Sam Synthetic", None, protect=("Synthetic Constabulary",),
    )  # fmt: skip
    assert out == "Synthetic Constabulary can neither confirm nor deny.\nRegards, [name removed]"


def test_s12_refuses_the_whole_request_or_nothing_is_sent(settings: Settings) -> None:
    with session_scope(settings) as s:
        ref = _receive(s).reference
        n = len(service.get_request(s, FOI, ref).questions)
        assert n >= 2
        for q in range(1, n + 1):
            service.answer_question(s, FOI, reference=ref, number=q, text="We hold 3 records.")
        service.set_hours_estimate(s, FOI, reference=ref, hours=30)  # over the limit
        with pytest.raises(InputError, match="s12 refuses the whole request"):
            service.send_response(s, FOI, reference=ref, on=TODAY, today=TODAY)
        service.answer_question(s, FOI, reference=ref, number=1, exemptions=["12"])
        with pytest.raises(InputError, match=r"refuse question\(s\) 2"):
            service.send_response(s, FOI, reference=ref, on=TODAY, today=TODAY)
        # The letter agrees with send: no draft refuses one question on cost and answers
        # the others.
        with pytest.raises(InputError, match=r"refuse question\(s\) 2.*no letter is written"):
            build_letter(s, FOI, ref, authority="Test Police", letter_date=TODAY)
        for q in range(2, n + 1):
            service.answer_question(s, FOI, reference=ref, number=q, exemptions=["12"])
        assert "30 hours" in build_letter(s, FOI, ref, authority="Test Police").questions[0].blocks[
            0].text  # fmt: skip
        # A revised estimate: the refusals quoting 30 hours are stale, and within the limit
        # s12 no longer applies at all.
        service.set_hours_estimate(s, FOI, reference=ref, hours=40)
        for attempt in (
            lambda: service.send_response(s, FOI, reference=ref, on=TODAY, today=TODAY),
            lambda: build_letter(s, FOI, ref, authority="Test Police"),
        ):
            with pytest.raises(InputError, match="revised to 40 hours"):
                attempt()
        service.set_hours_estimate(s, FOI, reference=ref, hours=10)
        with pytest.raises(InputError, match="now within the cost limit: answer them again"):
            service.send_response(s, FOI, reference=ref, on=TODAY, today=TODAY)
        service.set_hours_estimate(s, FOI, reference=ref, hours=40)
        for q in range(1, n + 1):  # s12 however it is cited
            cited = ["12"] if q == 1 else ["12(1)"]
            service.answer_question(s, FOI, reference=ref, number=q, exemptions=cited)
        sent = service.send_response(s, FOI, reference=ref, on=TODAY, today=TODAY)
        assert sent.status == "sent"
        assert "40 hours" in build_letter(s, FOI, ref, authority="Test Police").questions[
            0].blocks[0].text  # fmt: skip


def test_people_with_nothing_to_review_is_a_declared_sum_not_free_arithmetic(
    settings: Settings,
) -> None:
    from datawash.stats import service as stats
    from datawash.wash.models import WashRun
    from tests.review.helpers import make_run

    with session_scope(settings) as s:
        run_id = make_run(s, {(f"P{k}", f"R{k}"): "a" for k in range(3)})
        run = s.get(WashRun, run_id)
        assert run is not None
        run.n_people = 20
    with session_scope(settings) as s:
        raw = {r[0]: r[1] for r in stats.run_statistic(s, FOI, "wash_progress").rows}
        assert (raw["people checked"], raw["people with records to review"]) == (20, 3)
        assert raw["people checked with nothing to review"] == 17
        ref = _receive(s).reference
        answer = service.answer_question(
            s, FOI, reference=ref, number=1,
            statistics=[service.StatisticAnswer("wash_progress")],
        )  # fmt: skip
        shown = {r[0]: r[1] for r in answer.blocks[0]["table"]["rows"]}
    assert shown["people with records to review"] == "fewer than 5"
    # 20 checked beside 17 with nothing to review would give the 3 away.
    assert "withheld" in (shown["people checked"], shown["people checked with nothing to review"])
