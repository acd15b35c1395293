"""the register beyond outcomes: offence code, criminal proceedings, hearing and appeal
dates, suspension and restricted duties, leaving the force

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("offence_code", sa.String(20)),
    ("criminal_proceedings", sa.String(24)),
    ("criminal_outcome_on", sa.Date()),
    ("hearing_held_on", sa.Date()),
    ("appeal_on", sa.Date()),
    ("suspended_on", sa.Date()),
    ("suspension_ended_on", sa.Date()),
    ("restricted_on", sa.Date()),
    ("restriction_ended_on", sa.Date()),
    ("left_force_on", sa.Date()),
    ("leaving_reason", sa.String(12)),
)


def upgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
