"""The FOIA section catalogue: every section the issue names, NCND subsections as the Act
spells them, and the wording that fits withholding or neither confirming nor denying."""

from __future__ import annotations

import pytest

from datawash.errors import InputError
from datawash.foi.catalogue import catalogue, cite


def test_every_section_the_team_cites_is_there_with_its_kind() -> None:
    sections = catalogue()
    assert set(sections) >= {"12", "14", "21", "22", "23", "24", "30", "31", "38", "40", "41", "43"}
    kinds = {k: e.kind for k, e in sections.items()}
    assert kinds["12"] == kinds["14"] == "procedural"
    assert kinds["21"] == kinds["23"] == kinds["40"] == kinds["41"] == "absolute"
    for qualified in ("22", "24", "30", "31", "38", "43"):
        e = sections[qualified]
        assert e.kind == "qualified"
        assert e.for_disclosure and e.for_exemption and e.balance


@pytest.mark.parametrize(
    ("written", "cited", "ncnd"),
    [
        ("30(3)", "30(3)", True),
        ("s 30(1)", "30(1)", False),
        ("section 40(5b)", "40(5B)", True),
        ("40(5A)", "40(5A)", True),
        ("40(5)", "40(5)", True),
        ("40(2)", "40(2)", False),
        ("S31(2)(B)", "31(2)(b)", False),
        ("12", "12", False),
        ("12(2)", "12(2)", True),
    ],
)
def test_citations_are_spelt_as_the_act_spells_them(written: str, cited: str, ncnd: bool) -> None:
    c = cite(written)
    assert (c.cited, c.ncnd) == (cited, ncnd)


def test_the_wording_fits_what_is_done() -> None:
    assert cite("30(3)").reason.startswith("Information held for investigations")
    assert "would itself reveal whether investigations" in cite("30(3)").reason
    assert "confirm" not in cite("30(1)").reason.lower()
    assert "40(5B)" in cite("40(5)").reason and "40(2)" in cite("40(2)").reason
    for section in ("24", "30", "31", "38", "43"):
        # The public interest test reads right for both (it is shared).
        assert "confirming or denying" not in (catalogue()[section].balance or "")


def test_unknown_sections_are_refused() -> None:
    with pytest.raises(InputError, match="not a section in the catalogue"):
        cite("99")
    with pytest.raises(InputError, match="not a section"):
        cite("thirty")
