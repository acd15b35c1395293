from datetime import date

import pytest

from datawash.ingest.normalise import (
    ethnic_group_of,
    forename_tokens,
    normalise_address,
    normalise_name,
    normalise_postcode,
    parse_date,
    surname_forms,
    swap_day_month,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  JOHN  ", "john"),
        ("Zoë", "zoe"),
        ("Siobhán", "siobhan"),
        ("O'Brien", "obrien"),
        ("O’Neill", "oneill"),
        ("Mc Donald", "mcdonald"),
        ("Mc-Donald", "mcdonald"),
        ("Mac Donald", "macdonald"),
        ("Smith - Jones", "smith-jones"),
        ("St. John", "st john"),
        ("Łukasz", "lukasz"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_name(raw: str | None, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_forename_tokens_keep_order_and_join_hyphenated() -> None:
    assert forename_tokens("Mary-Jane Elizabeth  Ann") == ["maryjane", "elizabeth", "ann"]
    assert forename_tokens(None) == []


def test_surname_forms() -> None:
    assert surname_forms("Smith-Jones") == ["smithjones", "smith", "jones"]
    assert surname_forms("Van Der Berg")[0] == "vanderberg"
    assert "macdonald" in surname_forms("McDonald")
    assert "mcdonald" in surname_forms("MacDonald")
    # Not a Gaelic prefix: no alternate form
    assert surname_forms("Mack") == ["mack"]
    assert surname_forms("Macey") == ["macey"]
    assert surname_forms("Machin") == ["machin"]
    assert surname_forms("O'Brien") == ["obrien"]
    assert surname_forms("") == []


@pytest.mark.parametrize(
    ("raw", "unit", "sector", "district", "area"),
    [
        ("b11 1aa", "B11 1AA", "B11 1", "B11", "B"),
        ("B111AA", "B11 1AA", "B11 1", "B11", "B"),
        ("m1 1ae", "M1 1AE", "M1 1", "M1", "M"),
        ("CR2 6XH", "CR2 6XH", "CR2 6", "CR2", "CR"),
        ("DN55 1PT", "DN55 1PT", "DN55 1", "DN55", "DN"),
        ("W1A 1HQ", "W1A 1HQ", "W1A 1", "W1A", "W"),
        ("EC1A 1BB", "EC1A 1BB", "EC1A 1", "EC1A", "EC"),
        (" gir 0aa ", "GIR 0AA", "GIR 0", "GIR", "GIR"),
    ],
)
def test_postcodes(raw: str, unit: str, sector: str, district: str, area: str) -> None:
    pc = normalise_postcode(raw)
    assert pc is not None
    assert (pc.unit, pc.sector, pc.district, pc.area) == (unit, sector, district, area)


@pytest.mark.parametrize("raw", ["", None, "B1", "12345", "ABC 123", "B11 1A"])
def test_invalid_postcodes(raw: str | None) -> None:
    assert normalise_postcode(raw) is None


def test_dates() -> None:
    assert parse_date("1987-11-07") == date(1987, 11, 7)
    assert parse_date("07/11/1987") == date(1987, 11, 7)
    assert parse_date("7/1/1987") == date(1987, 1, 7)
    assert parse_date("") is None
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("1990-02-30")
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("31/04/1990")
    with pytest.raises(ValueError, match="not a date"):
        parse_date("Nov 7 1987")


def test_swap_day_month() -> None:
    assert swap_day_month(date(1985, 3, 7)) == date(1985, 7, 3)
    assert swap_day_month(date(1985, 3, 13)) is None
    assert swap_day_month(date(1985, 5, 5)) is None
    assert swap_day_month(None) is None


def test_normalise_address() -> None:
    assert normalise_address("12 High St., Walsall") == "12 high street walsall"
    assert normalise_address("Flat 2, 7 Mill Rd") == "flat 2 7 mill road"
    assert normalise_address(None) == ""


@pytest.mark.parametrize(
    ("written", "group"),
    [("W1", "white"), ("w9", "white"), ("A4", "asian"), ("A9", "asian"), ("B2", "black"),
     ("M3", "mixed"), ("O1", "other"), ("O9", "other"), ("NS", "not_stated"),
     ("Not Stated", "not_stated"), ("not_stated", "not_stated"), (" Black ", "black"),
     ("W7", None), ("A6", None), ("O2", None), ("Caucasian", None), ("", None), (None, None)],
)  # fmt: skip
def test_ethnicity_is_read_as_its_census_group(written: str | None, group: str | None) -> None:
    """A self-defined ethnicity code of the 18+1 or 16+1 list, or a group's own name, is its
    2021 Census high-level group; anything else is not guessed."""
    assert ethnic_group_of(written) == group
