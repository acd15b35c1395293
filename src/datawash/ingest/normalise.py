"""Normalisation of names, dates, postcodes and addresses (pure functions, cheap enough to
run over every distinct value of a national extract)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from unidecode import unidecode

_APOSTROPHES = re.compile(r"['\u2019\u2018`´]")
_NON_LETTERS = re.compile(r"[^a-z\- ]+")
_SPACES = re.compile(r"\s+")
# "Mc Donald" / "Mc-Donald" / "O' Brien" glued to the name that follows.
_PREFIX_GAP = re.compile(r"\b(mc|mac|o)[ \-]+(?=[a-z]{2,})")


@lru_cache(maxsize=200_000)
def normalise_name(text: str | None) -> str:
    """Lower case, no diacritics or apostrophes, punctuation to spaces, hyphens kept.

    O'Brien -> obrien; Mc Donald -> mcdonald; Mac Donald -> macdonald;
    Zoë  Smith-Jones -> zoe smith-jones.
    """
    if not text:
        return ""
    s = unidecode(text).lower()
    s = _APOSTROPHES.sub("", s)
    s = _NON_LETTERS.sub(" ", s)
    s = _SPACES.sub(" ", s).strip()
    s = re.sub(r"\s*-\s*", "-", s).strip("-")
    s = _PREFIX_GAP.sub(lambda m: m.group(1), s)
    return s


def forename_tokens(forenames: str | None) -> list[str]:
    """Several forenames, first name first; hyphenated names stay one token joined."""
    return [t.replace("-", "") for t in normalise_name(forenames).split() if t.strip("-")]


def _mac_alternate(name: str) -> str | None:
    # Only clear Gaelic prefixes: "Mack", "Macey", "Machin" keep their one form.
    if name.startswith("mc") and len(name) > 4:
        return "mac" + name[2:]
    if name.startswith("mac") and len(name) > 5 and name[3] not in "aeiouhky":
        return "mc" + name[3:]
    return None


def surname_forms(surname: str | None) -> list[str]:
    """The forms of a surname: full (joined), each half of a double-barrelled or two-word
    name, and the Mc/Mac alternate of each; de-duplicated, full form first."""
    norm = normalise_name(surname)
    if not norm:
        return []
    parts = [p for p in re.split(r"[\- ]+", norm) if p]
    forms: list[str] = ["".join(parts)]
    if len(parts) > 1:
        forms.extend(parts)
    for f in list(forms):
        alt = _mac_alternate(f)
        if alt:
            forms.append(alt)
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class Postcode:
    unit: str  # "B11 1AA"
    sector: str  # "B11 1"
    district: str  # "B11"
    area: str  # "B"


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_postcode(text: str | None) -> Postcode | None:
    """A UK postcode in any spacing or case; None if it is not one."""
    if not text:
        return None
    compact = re.sub(r"[^A-Z0-9]", "", text.upper())
    if compact == "GIR0AA":
        return Postcode("GIR 0AA", "GIR 0", "GIR", "GIR")
    m = _POSTCODE.match(compact)
    if not m:
        return None
    outward, inward = m.groups()
    area = re.match(r"[A-Z]+", outward)
    return Postcode(
        f"{outward} {inward}", f"{outward} {inward[0]}", outward, area.group(0) if area else outward
    )


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str | None) -> date | None:
    """ISO `1987-11-07` or UK `07/11/1987` (day first). None for empty; ValueError for a
    string that is not a date or not a real date (31 February)."""
    if text is None or not text.strip():
        return None
    s = text.strip()[:10] if "T" in text or " " in text.strip() else text.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _UK.match(s)
        if not m:
            raise ValueError("not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError("not a real date") from None


def swap_day_month(d: date | None) -> date | None:
    """The date with day and month exchanged, if that is a different real date."""
    if d is None or d.day > 12 or d.day == d.month:
        return None
    return date(d.year, d.day, d.month)


ADDRESS_WORDS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "ct": "court",
    "cres": "crescent",
    "gdns": "gardens",
    "gr": "grove",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "hse": "house",
    "flt": "flat",
    "apt": "flat",
    "apartment": "flat",
}


def normalise_address(text: str | None) -> str:
    """Lower case, punctuation out, common abbreviations spelt out (rd -> road)."""
    if not text:
        return ""
    s = re.sub(r"[^a-z0-9 ]", " ", unidecode(text).lower())
    return " ".join(ADDRESS_WORDS.get(w, w) for w in s.split())


# The self-defined ethnicity codes police and HR systems hold (the 18+1 and 16+1 lists: `A1`
# Indian ... `W9` any other White background, `NS` not stated), read by the letter of their
# group. `O1` is Arab in the 18+1 list and Chinese in the 16+1 list; both lists class it as
# other. Codes in neither list (`W7`) are refused, not guessed.
_ETHNIC_CODE = re.compile(r"^(?:([AM])[1-49]|(A)5|(B)[1-39]|(O)[19]|(W)[1-49])$")
_ETHNIC_LETTER = {"A": "asian", "B": "black", "M": "mixed", "O": "other", "W": "white"}


def ethnic_group_of(text: str | None) -> str | None:
    """The 2021 Census high-level ethnic group (vocabulary.EthnicGroup) of a register cell: the
    group's own name (`white`, `not stated`) or a self-defined ethnicity code (`W1`, `b2`,
    `NS`); None for a value that is neither. Written here: a table of six groups and a code's
    first letter is all there is to it."""
    cleaned = _SPACES.sub(" ", (text or "").strip().lower().replace("_", " "))
    if cleaned in ("ns", "not stated"):
        return "not_stated"
    if cleaned in _ETHNIC_LETTER.values():
        return cleaned
    found = _ETHNIC_CODE.match(cleaned.upper())
    return _ETHNIC_LETTER[next(g for g in found.groups() if g)] if found else None
