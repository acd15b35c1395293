"""the register: the date an allegation's subject was charged with a criminal offence

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.add_column(sa.Column("charged_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.drop_column("charged_on")
