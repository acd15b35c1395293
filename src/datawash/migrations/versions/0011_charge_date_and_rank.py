"""the register: the date an allegation's subject was charged with a criminal offence, and
their rank at the time

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The allegation fields an import's digest covered: from revision 0006, from 0008, and now.
FIELDS_0006 = ("case_id", "person_id", "role_at_time", "category", "stage", "outcome",
               "outcome_on")  # fmt: skip
FIELDS_0008 = (*FIELDS_0006, "offence_code", "criminal_proceedings", "criminal_outcome_on",
               "severity_assessed_on", "investigation_started_on", "investigation_ended_on",
               "hearing_held_on", "appeal_on", "suspended_on", "suspension_ended_on",
               "restricted_on", "restriction_ended_on", "left_force_on",
               "leaving_reason")  # fmt: skip
FIELDS_NOW = (*FIELDS_0008, "charged_on", "rank_at_time")


def upgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.add_column(sa.Column("charged_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("rank_at_time", sa.String(24), nullable=True))
    _digest_again()


def _digest_again() -> None:
    """A row's digest says it is as an import wrote it (cases/models.py import_digest); it
    covers the file's fields, which this revision (and 0008) extended, so a row unchanged
    since its import no longer matched it and a later import called it changed in
    datawash. A row whose digest matches its fields under the set it was imported with is
    given the digest of the fields now (the new ones empty, as for every row here)."""
    from datawash.cases.models import import_digest

    conn = op.get_bind()
    t = sa.table(
        "allegations", *(sa.column(c) for c in ("allegation_id", *FIELDS_NOW, "imported_digest"))
    )
    rows = conn.execute(sa.select(t).where(t.c.imported_digest.is_not(None))).mappings().all()
    for row in rows:

        def digest(fields: tuple[str, ...], row: object = row) -> str:
            values = {f: _as_date(row[f]) if f.endswith("_on") else row[f] for f in fields}  # type: ignore[index]
            return import_digest(values)

        if row["imported_digest"] in (digest(FIELDS_0006), digest(FIELDS_0008)):
            conn.execute(
                t.update()
                .where(t.c.allegation_id == row["allegation_id"])
                .values(imported_digest=digest(FIELDS_NOW))
            )


def _as_date(value: object) -> object:
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value


def downgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.drop_column("rank_at_time")
        batch.drop_column("charged_on")
