"""One vocabulary: the triage data, the formats and the register all use it."""

from __future__ import annotations

import csv
import json
from importlib.resources import files

import pytest

from datawash.errors import InputError
from datawash.vocabulary import (
    Category,
    OffenceGroup,
    Outcome,
    ReviewState,
    WorkforceRole,
    label_of,
    parse,
)


def test_offence_codes_and_priority_rules_use_the_categories() -> None:
    data = files("datawash.triage").joinpath("data")
    codes = list(csv.DictReader(data.joinpath("offence_codes.csv").read_text().splitlines()))
    assert codes and {r["category"] for r in codes} <= {c.value for c in Category}
    assert {r["offence_group"] for r in codes} == {g.value for g in OffenceGroup}
    rules = json.loads(data.joinpath("priority_rules.json").read_text())
    used = {c for r in rules for c in (r["categories"] or [])}
    assert used and used <= {c.value for c in Category}
    assert {r["role_kind"] for r in rules} <= {"integrity", "welfare"}


def test_the_synthetic_generator_speaks_the_vocabulary() -> None:
    from datawash.synth import generator

    assert set(generator.ROLE_SHARES) == {r.value for r in WorkforceRole}
    assert set(generator.CATEGORY_SHARES) <= {c.value for c in Category}
    assert set(generator.COMPLETED_OUTCOMES) <= {o.value for o in Outcome}


def test_parse_names_what_is_allowed() -> None:
    assert parse(Outcome, " Dismissed ") is Outcome.DISMISSED
    with pytest.raises(InputError, match="unknown outcome; one of: no_case_to_answer"):
        parse(Outcome, "dismised")
    assert ReviewState.NEEDS_INFORMATION.label == "unsure: needs more information"
    assert Category.DRUGS.label == "drugs"


def test_a_code_reads_as_its_label_and_other_text_as_it_is() -> None:
    assert label_of("chief_inspector") == "chief inspector"
    assert label_of("sexual") == "sexual offence related"
    assert label_of("coercive_control") == "controlling or coercive behaviour"
    # Two kinds, one word: the category "violence" keeps its own label.
    assert Category.VIOLENCE.label == "violence"
    assert OffenceGroup.OTHER_VIOLENCE.label == "other violence against the person"
    assert label_of("2019/20") == "2019/20" and label_of("not recorded") == "not recorded"


def test_a_value_two_kinds_share_reads_the_same_in_both() -> None:
    """label_of reads a value without its kind: every value shared by two kinds (closed,
    dismissed, other …) must then have one label."""
    from datawash.vocabulary import Labelled

    labels: dict[str, set[str]] = {}
    todo = list(Labelled.__subclasses__())
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        for member in kind:
            labels.setdefault(member.value, set()).add(member.label)
    assert {v: ls for v, ls in labels.items() if len(ls) > 1} == {}
    assert all(label_of(v) == next(iter(ls)) for v, ls in labels.items())
