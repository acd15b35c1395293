"""The domain's words, once: every category, outcome, stage, role, source, severity,
review state and decision as an enum with a label a person reads.

Importers, services, statistics, triage data and the synthetic generator all take their
allowed values from here, and :func:`parse` turns a typed or imported value into a member
or a message that lists what is allowed, so `cases update` refuses what import refuses.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TypeVar

from datawash.errors import InputError


class Labelled(StrEnum):
    """A StrEnum whose members carry a label for people (tables, letters, pages)."""

    @property
    def label(self) -> str:
        # By kind and value: members of two kinds with one value ("violence", a category and
        # once an offence group) are equal as strings, and would share one entry.
        return _BY_KIND.get((type(self), self.value), self.value.replace("_", " "))


class Category(Labelled):
    SEXUAL = "sexual"
    DOMESTIC_ABUSE = "domestic_abuse"
    OTHER_VAWG = "other_vawg"
    VIOLENCE = "violence"
    DISHONESTY = "dishonesty"
    DRUGS = "drugs"
    OTHER = "other"


class WorkforceRole(Labelled):
    OFFICER = "officer"
    STAFF = "staff"
    SPECIAL = "special"
    VOLUNTEER = "volunteer"


class Source(Labelled):
    COMPLAINT = "complaint"
    CONDUCT_MATTER = "conduct_matter"
    DATA_WASH = "data_wash"
    VETTING = "vetting"
    OTHER = "other"


class Severity(Labelled):
    MISCONDUCT = "misconduct"
    GROSS_MISCONDUCT = "gross_misconduct"


class CriminalProceedings(Labelled):
    """Where criminal proceedings for the conduct in an allegation reached."""

    NONE = "none"
    UNDER_INVESTIGATION = "under_investigation"
    NO_FURTHER_ACTION = "no_further_action"
    CHARGED = "charged"
    PROSECUTED = "prosecuted"
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"


class Rank(Labelled):
    """A police officer's rank (a special constable's: the special rank's equivalent).
    Assistant, deputy and chief constables, and commanders and above in London, are chief
    officers."""

    CONSTABLE = "constable"
    SERGEANT = "sergeant"
    INSPECTOR = "inspector"
    CHIEF_INSPECTOR = "chief_inspector"
    SUPERINTENDENT = "superintendent"
    CHIEF_SUPERINTENDENT = "chief_superintendent"
    CHIEF_OFFICER = "chief_officer"


class Gender(Labelled):
    """A person's gender as HR and the register record it (docs/formats.md)."""

    MALE = "M"
    FEMALE = "F"
    OTHER = "X"


class EthnicGroup(Labelled):
    """The five high-level ethnic groups of the 2021 Census of England and Wales, and not
    stated: what forces publish by. The self-defined ethnicity codes police systems hold
    (18+1: `W1`, `A2`, `NS` ...) are read as their group (ingest/normalise.py)."""

    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE = "white"
    OTHER = "other"
    NOT_STATED = "not_stated"


class LeavingReason(Labelled):
    """How a person left the force."""

    RESIGNED = "resigned"
    RETIRED = "retired"
    DISMISSED = "dismissed"
    OTHER = "other"


class Stage(Labelled):
    ASSESSMENT = "assessment"
    INVESTIGATION = "investigation"
    MEETING = "meeting"
    HEARING = "hearing"
    ACCELERATED_HEARING = "accelerated_hearing"
    APPEAL = "appeal"
    CLOSED = "closed"


class Outcome(Labelled):
    NO_CASE_TO_ANSWER = "no_case_to_answer"
    NO_FURTHER_ACTION = "no_further_action"
    REFLECTIVE_PRACTICE = "reflective_practice"
    MANAGEMENT_ADVICE = "management_advice"
    MANAGEMENT_ACTION = "management_action"
    WRITTEN_WARNING = "written_warning"
    FINAL_WRITTEN_WARNING = "final_written_warning"
    REDUCTION_IN_RANK = "reduction_in_rank"
    DISMISSED = "dismissed"
    WOULD_HAVE_BEEN_DISMISSED = "would_have_been_dismissed"
    RESIGNED_OR_RETIRED = "resigned_or_retired"
    NOT_PROVEN = "not_proven"
    CRIMINAL_CONVICTION = "criminal_conviction"


class RoleKind(Labelled):
    """The person's part in a national record's event, as triage reads it."""

    INTEGRITY = "integrity"  # suspect, offender, accused …
    WELFARE = "welfare"  # victim or witness
    OTHER = "other"


class ReviewState(Labelled):
    """Where a person's review stands (an item's state once decisions take effect)."""

    NEW = "new"
    NEEDS_INFORMATION = "needs_information"
    IDENTITY_CONFIRMED = "identity_confirmed"
    NOT_THE_PERSON = "not_the_person"
    ASSESSED = "assessed"
    REFERRED = "referred"
    NO_FURTHER_ACTION = "no_further_action"
    CLOSED = "closed"


class RecordIdentity(Labelled):
    """A reviewer's mark on one candidate record: is it this person?"""

    UNMARKED = "unmarked"
    THIS_PERSON = "this_person"
    NOT_THIS_PERSON = "not_this_person"
    UNSURE = "unsure"


class DecisionStatus(Labelled):
    PENDING = "pending"  # awaiting a second person's countersignature
    EFFECTIVE = "effective"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # a later wash reopened the item before it was countersigned


class Referral(Labelled):
    CRIMINAL_INVESTIGATION = "criminal_investigation"
    MISCONDUCT_INVESTIGATION = "misconduct_investigation"
    VETTING_REVIEW = "vetting_review"
    MANAGEMENT_INTERVENTION = "management_intervention"
    WELFARE_SUPPORT = "welfare_support"


class OffenceGroup(Labelled):
    """What a Home Office offence code of an allegation is, in the groups FOI requests ask
    about (triage/data/offence_codes.csv gives each known code its group)."""

    RAPE = "rape"
    SEXUAL_ASSAULT = "sexual_assault"
    OTHER_SEXUAL = "other_sexual"
    COERCIVE_CONTROL = "coercive_control"
    STALKING_HARASSMENT = "stalking_harassment"
    OTHER_VIOLENCE = "other_violence"
    OTHER_OFFENCE = "other_offence"


# Labels that are not the value read with spaces; pairs, not a dict: members of two kinds
# with one value are equal as strings (a dict would keep one of them).
_LABELS: tuple[tuple[StrEnum, str], ...] = (
    (Category.SEXUAL, "sexual offence related"),
    (Category.DOMESTIC_ABUSE, "domestic abuse related"),
    (Category.OTHER_VAWG, "other violence against women and girls"),
    (WorkforceRole.OFFICER, "police officer"),
    (WorkforceRole.STAFF, "police staff"),
    (WorkforceRole.SPECIAL, "special constable"),
    (WorkforceRole.VOLUNTEER, "police support volunteer"),
    (Source.CONDUCT_MATTER, "conduct matter"),
    (Source.DATA_WASH, "data wash"),
    (Severity.GROSS_MISCONDUCT, "gross misconduct"),
    (Outcome.MANAGEMENT_ADVICE, "management advice (before February 2020)"),
    (Outcome.MANAGEMENT_ACTION, "management action (before February 2020)"),
    (ReviewState.NEEDS_INFORMATION, "unsure: needs more information"),
    (ReviewState.IDENTITY_CONFIRMED, "identity confirmed"),
    (ReviewState.NOT_THE_PERSON, "not the person"),
    (ReviewState.ASSESSED, "events assessed"),
    (RecordIdentity.THIS_PERSON, "this person"),
    (RecordIdentity.NOT_THIS_PERSON, "not this person"),
    (DecisionStatus.PENDING, "awaiting countersignature"),
    (Gender.MALE, "male"),
    (Gender.FEMALE, "female"),
    (Gender.OTHER, "another gender (X)"),
    (EthnicGroup.ASIAN, "Asian, Asian British or Asian Welsh"),
    (EthnicGroup.BLACK, "Black, Black British, Black Welsh, Caribbean or African"),
    (EthnicGroup.MIXED, "mixed or multiple ethnic groups"),
    (EthnicGroup.WHITE, "White"),
    (EthnicGroup.NOT_STATED, "ethnicity not stated"),
    (OffenceGroup.OTHER_SEXUAL, "other sexual offences"),
    (OffenceGroup.COERCIVE_CONTROL, "controlling or coercive behaviour"),
    (OffenceGroup.STALKING_HARASSMENT, "stalking and harassment"),
    (OffenceGroup.OTHER_VIOLENCE, "other violence against the person"),
    (OffenceGroup.OTHER_OFFENCE, "any other offence"),
)

_BY_KIND: dict[tuple[type, str], str] = {(type(m), m.value): label for m, label in _LABELS}

E = TypeVar("E", bound=StrEnum)


def parse(kind: type[E], value: str, *, what: str | None = None, field: str | None = None) -> E:
    """The member of ``kind`` named by ``value`` (surrounding spaces and case ignored), or
    an InputError naming every allowed value. The refused value is not repeated: a cell in
    the wrong column may hold a name."""
    cleaned = value.strip().lower() if isinstance(value, str) else value
    try:
        return kind(cleaned)
    except ValueError:
        options = ", ".join(m.value for m in kind)
        name = what or _words(kind.__name__)
        raise InputError(f"unknown {name}; one of: {options}", field=field) from None


def values(kind: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in kind)


def _words(camel: str) -> str:
    return "".join(" " + c.lower() if c.isupper() else c for c in camel).strip()


@cache
def _label_by_value() -> dict[str, str]:
    """Every labelled value's label, worked out once (label_of is read for each cell of
    each table shown). A value of two kinds takes the first kind's label; they agree
    wherever two kinds share a value."""
    out: dict[str, str] = {}
    todo: list[type[Labelled]] = list(Labelled.__subclasses__())
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        for member in kind:
            out.setdefault(member.value, member.label)
    return out


def label_of(value: str) -> str:
    """What a person reads for a value of any of the domain's words ("chief_inspector" ->
    "chief inspector", "sexual" -> "sexual offence related"); other text as it is, its
    underscores read as spaces."""
    return _label_by_value().get(value) or value.replace("_", " ")
