"""The canonical input files (docs/formats.md) as data: columns, what is required, types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from datawash.vocabulary import (
    Category,
    CriminalProceedings,
    EthnicGroup,
    Gender,
    LeavingReason,
    Outcome,
    Rank,
    Severity,
    Source,
    Stage,
    WorkforceRole,
    values,
)


class ColumnType(StrEnum):
    ID = "id"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    LIST = "list"  # `;` separated values in one cell
    BOOL = "bool"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False  # the column must be present
    value_required: bool = False  # every row must have a value
    allowed: tuple[str, ...] = ()
    upper: bool = False  # enum values stored upper-case (gender, Y/N flags)
    # The longest value the database column holds (ids 64); longer is refused on input,
    # never left to fail in the database with the row in the message.
    max_length: int | None = None

    @property
    def length_limit(self) -> int | None:
        return self.max_length or (64 if self.type is ColumnType.ID else None)


@dataclass(frozen=True)
class FileKind:
    name: str
    id_column: str
    columns: tuple[Column, ...]
    # dates that must not lie in the future
    not_future: tuple[str, ...] = field(default=())
    # Dates before this are refused (a register date of 1066 is a typing error).
    earliest: str | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


ROLES = values(WorkforceRole)
GENDERS = values(Gender)
YES_NO = ("Y", "N")
SOURCES = values(Source)
SEVERITIES = values(Severity)
CATEGORIES = values(Category)
STAGES = values(Stage)
CRIMINAL_PROCEEDINGS = values(CriminalProceedings)
# Where proceedings can stand once the subject was charged (no further action: discontinued
# after the charge): an allegation with a charge date has one of these.
AFTER_CHARGE = CRIMINAL_PROCEEDINGS[CRIMINAL_PROCEEDINGS.index("no_further_action") :]
LEAVING_REASONS = values(LeavingReason)
RANKS = values(Rank)
OUTCOMES = values(Outcome)
ETHNIC_GROUPS = values(EthnicGroup)

T = ColumnType
# The earliest date a misconduct register row may carry (the Police and Criminal Evidence
# Act 1984 complaints regime; anything older in a register is a typing error).
REGISTER_EARLIEST = "1985-01-01"

WORKFORCE = FileKind(
    "workforce",
    "person_id",
    (
        Column("person_id", T.ID, required=True, value_required=True),
        Column("role", T.ENUM, required=True, value_required=True, allowed=ROLES),
        Column("forenames", T.TEXT, required=True, value_required=True),
        Column("surname", T.TEXT, required=True, value_required=True),
        Column("previous_surnames", T.LIST),
        Column("date_of_birth", T.DATE, required=True, value_required=True),
        Column("gender", T.ENUM, allowed=GENDERS, upper=True),
        Column("address", T.TEXT),
        Column("postcode", T.TEXT, max_length=10),
    ),
    not_future=("date_of_birth",),
)

RECORDS = FileKind(
    "records",
    "record_id",
    (
        Column("record_id", T.ID, required=True, value_required=True),
        Column("forenames", T.TEXT, required=True),
        Column("surname", T.TEXT, required=True),
        Column("aliases", T.LIST),
        Column("date_of_birth", T.DATE),
        Column("gender", T.ENUM, allowed=GENDERS, upper=True),
        Column("address", T.TEXT),
        Column("postcode", T.TEXT, max_length=10),
    ),
    not_future=("date_of_birth",),
)

EVENTS = FileKind(
    "events",
    "event_id",
    (
        Column("event_id", T.ID, required=True, value_required=True),
        Column("record_id", T.ID, required=True, value_required=True),
        Column("event_type", T.TEXT, required=True, max_length=40),
        Column("role", T.TEXT, required=True, max_length=40),
        Column("offence_code", T.TEXT, max_length=20),
        Column("offence_description", T.TEXT),
        Column("domestic_abuse", T.ENUM, allowed=YES_NO, upper=True),
        Column("event_date", T.DATE),
    ),
    not_future=("event_date",),
)

CASES = FileKind(
    "cases",
    "case_id",
    (
        Column("case_id", T.ID, required=True, value_required=True),
        Column("recorded_on", T.DATE, required=True, value_required=True),
        Column("source", T.ENUM, required=True, value_required=True, allowed=SOURCES),
        Column("severity", T.ENUM, allowed=SEVERITIES),
        Column("closed_on", T.DATE),
    ),
    not_future=("recorded_on", "closed_on"),
    earliest=REGISTER_EARLIEST,
)

ALLEGATIONS = FileKind(
    "allegations",
    "allegation_id",
    (
        Column("allegation_id", T.ID, required=True, value_required=True),
        Column("case_id", T.ID, required=True, value_required=True),
        Column("person_id", T.ID, required=True, value_required=True),
        Column("role_at_time", T.ENUM, required=True, value_required=True, allowed=ROLES),
        Column("rank_at_time", T.ENUM, allowed=RANKS),
        Column("category", T.ENUM, required=True, value_required=True, allowed=CATEGORIES),
        Column("stage", T.ENUM, allowed=STAGES),
        Column("outcome", T.ENUM, allowed=OUTCOMES),
        Column("outcome_on", T.DATE),
        # The register beyond outcomes (issue 12): the Home Office offence code of the
        # conduct, criminal proceedings, the stages' dates, suspension and restricted duties
        # of the person in this case, and their leaving the force.
        Column("offence_code", T.TEXT, max_length=20),
        Column("criminal_proceedings", T.ENUM, allowed=CRIMINAL_PROCEEDINGS),
        Column("criminal_outcome_on", T.DATE),
        Column("charged_on", T.DATE),
        Column("severity_assessed_on", T.DATE),
        Column("investigation_started_on", T.DATE),
        Column("investigation_ended_on", T.DATE),
        Column("hearing_held_on", T.DATE),
        Column("appeal_on", T.DATE),
        Column("suspended_on", T.DATE),
        Column("suspension_ended_on", T.DATE),
        Column("restricted_on", T.DATE),
        Column("restriction_ended_on", T.DATE),
        Column("left_force_on", T.DATE),
        Column("leaving_reason", T.ENUM, allowed=LEAVING_REASONS),
        # The subject's gender and ethnic group (what forces publish by), and the day the
        # matter was referred to the Independent Office for Police Conduct.
        Column("gender", T.ENUM, allowed=GENDERS, upper=True),
        Column("ethnicity", T.TEXT, max_length=20),
        Column("iopc_referred_on", T.DATE),
    ),
    # Every date of the register: none may be in the future.
    not_future=(
        "outcome_on",
        "criminal_outcome_on",
        "charged_on",
        "severity_assessed_on",
        "investigation_started_on",
        "investigation_ended_on",
        "hearing_held_on",
        "appeal_on",
        "suspended_on",
        "suspension_ended_on",
        "restricted_on",
        "restriction_ended_on",
        "left_force_on",
        "iopc_referred_on",
    ),
    earliest=REGISTER_EARLIEST,
)

KINDS: dict[str, FileKind] = {k.name: k for k in (WORKFORCE, RECORDS, EVENTS, CASES, ALLEGATIONS)}
