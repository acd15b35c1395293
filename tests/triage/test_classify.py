from datetime import date

from datawash.triage import classify_event, person_priority


def _classify(
    code: str | None, desc: str | None = None, da: str | None = None, role: str = "suspect"
):
    return classify_event(offence_code=code, offence_description=desc, domestic_abuse=da, role=role)


def test_codes_map_to_categories() -> None:
    assert _classify("19C").categories == {"sexual"}
    assert _classify("088/05").categories == {"sexual"}
    assert _classify("8Q").categories == {"other_vawg"}
    assert _classify("8N").categories == {"violence"}
    assert _classify("28A").categories == {"dishonesty"}
    assert _classify("92D").categories == {"drugs"}
    assert _classify("58A").categories == {"other"}
    assert _classify("8U").categories == {"domestic_abuse"}
    assert _classify("19C").basis == "code"


def test_domestic_abuse_flag_adds_a_label() -> None:
    t = _classify("8N", da="Y")
    assert t.categories == {"violence", "domestic_abuse"}
    assert _classify(None, da="Y").categories == {"domestic_abuse"}
    assert _classify(None, da="Y").basis == "flag"


def test_description_is_the_fallback() -> None:
    t = _classify(None, "Sexual assault on a female")
    assert t.categories == {"sexual"} and t.basis == "description"
    assert _classify("ZZZ9", "theft of a bicycle").categories == {"dishonesty"}
    assert _classify(None, "noise complaint").categories == {"other"}
    assert _classify(None, None).categories == frozenset()


def test_roles() -> None:
    assert _classify("19C", role="Suspect").role_kind == "integrity"
    assert _classify("19C", role="arrested").role_kind == "integrity"
    assert _classify("19C", role="victim").role_kind == "welfare"
    assert _classify("19C", role="witness").role_kind == "welfare"
    assert _classify("19C", role="informant").role_kind == "other"


def test_priority_rules() -> None:
    today = date(2025, 6, 1)
    recent_sex = (_classify("19C"), date(2020, 1, 1))
    old_sex = (_classify("19C"), date(2001, 1, 1))
    theft = (_classify("46"), date(2022, 1, 1))
    victim = (_classify("19C", role="victim"), date(2022, 1, 1))
    assert person_priority([theft, recent_sex], as_of=today)[0] == 1
    assert person_priority([old_sex], as_of=today)[0] == 3
    assert person_priority([theft], as_of=today)[0] == 4
    assert person_priority([victim], as_of=today)[0] == 5
    assert person_priority([], as_of=today)[0] == 9
