"""Which forenames count as the same name: nicknames, short forms and transliterations.

Splink has no nickname level (#906), so the evidence is prepared here as "name keys": the
keys of a name are the name itself, every formal name it is a short form of, and its
transliteration group. Two forenames are equivalent when their keys intersect, which keeps
aliases non-transitive: robin -> {robin}, rob -> {rob, robert, robin}, robert -> {robert};
rob matches both, robin never matches robert.

Sources: the `nicknames` package (US-biased) extended with the UK short forms in
data/uk_nicknames.csv, and data/transliterations.csv (South Asian, Irish and Polish forms).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from importlib.resources import files

import jellyfish
from nicknames import name_triplets


def _read(name: str) -> list[dict[str, str]]:
    text = files("datawash.linkage").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def _formal_names_of() -> dict[str, frozenset[str]]:
    """short form -> the formal names it is a short form of (both sources together)."""
    table: dict[str, set[str]] = defaultdict(set)
    # The package lists many pairs in both directions ("bill has_nickname robert"), which
    # would chain robert -> bill -> william. Keep one direction: the formal name is the
    # longer one (or, at equal length, the one listed only as name1).
    pairs = {(t.name1.strip().lower(), t.name2.strip().lower()) for t in name_triplets()}
    for formal, short in pairs:
        if len(formal) > len(short) or (len(formal) == len(short) and (short, formal) not in pairs):
            table[short].add(formal)
    for row in _read("uk_nicknames.csv"):
        table[row["nickname"]].add(row["name"])
    return {k: frozenset(v) for k, v in table.items()}


@cache
def _transliteration_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for row in _read("transliterations.csv"):
        groups[row["variant"]].add("~" + row["group"])
    return {k: frozenset(v) for k, v in groups.items()}


def forename_keys(name: str | None) -> list[str]:
    """The keys of one normalised forename (sorted, so results are reproducible)."""
    if not name:
        return []
    keys = {name}
    formal = _formal_names_of().get(name, frozenset())
    keys |= formal
    groups = _transliteration_groups()
    for n in (name, *formal):
        keys |= groups.get(n, frozenset())
    return sorted(keys)


def surname_keys(name: str | None) -> list[str]:
    """Transliteration group of a surname (Hussain/Hussein, Choudhury/Chowdhury …)."""
    if not name:
        return []
    return sorted({name} | _transliteration_groups().get(name, frozenset()))


def phonetic(name: str | None) -> str | None:
    """A phonetic code (NYSIIS), robust to vowel changes in transliterated names."""
    if not name:
        return None
    code: str = jellyfish.nysiis(name)
    return code or None
