from datawash.linkage.names import forename_keys, phonetic, surname_keys


def _equivalent(a: str, b: str) -> bool:
    return bool(set(forename_keys(a)) & set(forename_keys(b)))


def test_uk_short_forms_in_both_directions() -> None:
    for formal, short in [
        ("robert", "bob"),
        ("margaret", "peggy"),
        ("william", "liam"),
        ("elizabeth", "betty"),
        ("edward", "ted"),
    ]:
        assert _equivalent(formal, short)
        assert _equivalent(short, formal)


def test_short_forms_are_not_transitive() -> None:
    assert _equivalent("rob", "robert")
    assert not _equivalent("robin", "robert")
    assert not _equivalent("robert", "william")


def test_transliterations() -> None:
    assert _equivalent("mohammed", "muhammad")
    assert _equivalent("catherine", "kathryn")
    assert "~hussain" in surname_keys("hussein")
    assert set(surname_keys("hussain")) & set(surname_keys("hussein"))
    assert not set(surname_keys("khan")) & set(surname_keys("hussain"))


def test_unrelated_names_are_not_equivalent() -> None:
    assert not _equivalent("john", "james")
    assert forename_keys(None) == []
    assert forename_keys("") == []


def test_phonetic_code() -> None:
    assert phonetic("hussain") == phonetic("hussein")
    assert phonetic(None) is None
