"""the register: the subject's gender and ethnic group, and the day the matter was referred
to the IOPC

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The allegation fields an import's digest covered before this revision (0011's), and now.
FIELDS_0011 = ("case_id", "person_id", "role_at_time", "category", "stage", "outcome",
               "outcome_on", "offence_code", "criminal_proceedings", "criminal_outcome_on",
               "severity_assessed_on", "investigation_started_on", "investigation_ended_on",
               "hearing_held_on", "appeal_on", "suspended_on", "suspension_ended_on",
               "restricted_on", "restriction_ended_on", "left_force_on", "leaving_reason",
               "charged_on", "rank_at_time")  # fmt: skip
FIELDS_NOW = (*FIELDS_0011, "gender", "ethnicity", "iopc_referred_on")


def upgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.add_column(sa.Column("gender", sa.String(1), nullable=True))
        batch.add_column(sa.Column("ethnicity", sa.String(12), nullable=True))
        batch.add_column(sa.Column("iopc_referred_on", sa.Date(), nullable=True))
    _digest_again()


def _digest_again() -> None:
    """A row whose digest says it is as an import wrote it (cases/models.py import_digest,
    over 0011's fields) gets the digest over the fields now, the new ones empty as they are
    here: otherwise a later import would call every unchanged row changed in datawash."""
    from datawash.cases.models import import_digest

    conn = op.get_bind()
    t = sa.table(
        "allegations", *(sa.column(c) for c in ("allegation_id", *FIELDS_NOW, "imported_digest"))
    )
    rows = conn.execute(sa.select(t).where(t.c.imported_digest.is_not(None))).mappings().all()
    for row in rows:
        values = {f: _as_date(row[f]) if f.endswith("_on") else row[f] for f in FIELDS_NOW}
        if row["imported_digest"] == import_digest({f: values[f] for f in FIELDS_0011}):
            conn.execute(
                t.update()
                .where(t.c.allegation_id == row["allegation_id"])
                .values(imported_digest=import_digest(values))
            )


def _as_date(value: object) -> object:
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value


def downgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.drop_column("iopc_referred_on")
        batch.drop_column("ethnicity")
        batch.drop_column("gender")
