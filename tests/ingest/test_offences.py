import pytest

from datawash.ingest.offences import normalise_offence_code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("19C", "19C"),
        (" 19c ", "19C"),
        ("019C", "19C"),
        ("088/05", "88E"),
        ("88/5", "88E"),
        ("008/14", "8N"),
        ("004/01", "4.1"),
        # one form each: a decimal subclass is a number, and only class 4 has them
        ("4.01", "4.1"),
        ("4.10", "4.10"),
        ("004/10", "4.10"),
        ("88.5", None),
        ("4.0", None),
        ("021/00", "21"),
        ("8n", "8N"),
        ("105a", "105A"),
        ("", None),
        (None, None),
        ("not a code", None),
    ],
)
def test_code_normalisation(raw: str | None, code: str | None) -> None:
    assert normalise_offence_code(raw) == code
