"""the register: the rank of the allegation's subject at the time (police officers)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.add_column(sa.Column("rank_at_time", sa.String(24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allegations") as batch:
        batch.drop_column("rank_at_time")
