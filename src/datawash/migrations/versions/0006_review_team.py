"""a review a team can trust: per-record identity, dual control on every decision, passwords,
safeguards in the database, optimistic locks, the audit channel; rewash reopenings moved
from the audit log into the decisions table

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add(table: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    # Plain ADD COLUMN (never batch): a batch copy would drop the audit table's triggers.
    for column in columns:
        op.add_column(table, column)


def upgrade() -> None:
    _add(
        "review_items",
        sa.Column("person_role", sa.String(20), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False, server_default=""),
        sa.Column("role_kinds", sa.String(40), nullable=False, server_default=""),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    _add(
        "review_candidates",
        sa.Column("identity", sa.String(20), nullable=False, server_default="unmarked"),
        sa.Column("identity_reason", sa.Text(), nullable=True),
        sa.Column("identity_decision_id", sa.Integer(), nullable=True),
    )
    _add(
        "review_decisions",
        sa.Column("kind", sa.String(12), nullable=False, server_default="decision"),
        sa.Column("dual_control", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("marks", sa.JSON(), nullable=True),
        sa.Column("allegations", sa.JSON(), nullable=True),
    )
    _add(
        "users",
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
    )
    _add(
        "audit_events",
        sa.Column("channel", sa.String(12), nullable=False, server_default="service"),
        sa.Column("os_account", sa.String(64), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_seq", "audit_events", ["seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _add("wash_runs", sa.Column("audit_head", sa.String(64), nullable=True))
    _add("foi_requests", sa.Column("sent_audit_head", sa.String(64), nullable=True))
    _add(
        "cases",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("imported_digest", sa.String(64), nullable=True),
    )
    _add(
        "allegations",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("imported_digest", sa.String(64), nullable=True),
    )
    op.create_index("ix_review_decisions_status", "review_decisions", ["status"])
    op.create_index("ix_review_candidates_item", "review_candidates", ["item_id"])
    op.create_table(
        "reference_counters",
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix"),
    )
    op.create_table(
        "safeguard_settings",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _mark_earlier_decisions()
    _move_rewash_history()
    _anchor_earlier_events()
    _digest_imported_rows()


def _mark_earlier_decisions() -> None:
    """Before this revision only identity confirmations and referrals were countersigned
    (and dual control could be switched off in the environment): every earlier decision
    that took effect with nobody countersigning is marked as such, and withdrawals (kept as
    rejections then) get their own status."""
    op.execute(
        "UPDATE review_decisions SET dual_control = false "
        "WHERE status = 'effective' AND countersigned_by IS NULL"
    )
    op.execute(
        "UPDATE review_decisions SET status = 'withdrawn' "
        "WHERE status = 'rejected' AND countersigned_by IS NULL "
        "AND countersign_reason LIKE 'withdrawn%'"
    )


def _move_rewash_history() -> None:
    """Reopenings by a later wash were only in the audit log: copy each into the decisions
    table (kind rewash), where the item's history is now read from."""
    conn = op.get_bind()
    audit = sa.table(
        "audit_events",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("before", sa.JSON),
        sa.column("reason", sa.Text),
    )
    decisions = sa.table(
        "review_decisions",
        sa.column("item_id", sa.Integer),
        sa.column("from_state", sa.String),
        sa.column("to_state", sa.String),
        sa.column("reason", sa.Text),
        sa.column("decided_by", sa.String),
        sa.column("decided_at", sa.DateTime(timezone=True)),
        sa.column("status", sa.String),
        sa.column("effective_at", sa.DateTime(timezone=True)),
        sa.column("kind", sa.String),
        sa.column("dual_control", sa.Boolean),
    )
    rows = conn.execute(
        sa.select(
            audit.c.at, audit.c.actor, audit.c.entity_id, audit.c.before, audit.c.reason
        ).where(audit.c.action == "review.reopened")
    ).all()
    for at, actor, entity_id, before, reason in rows:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        conn.execute(
            decisions.insert().values(
                item_id=int(entity_id),
                from_state=(before or {}).get("state", "new"),
                to_state="new",
                reason=reason or "reopened by a later wash",
                decided_by=actor,
                decided_at=at,
                status="effective",
                effective_at=at,
                kind="rewash",
                dual_control=False,
            )
        )


def _anchor_earlier_events() -> None:
    """Events from before the hash chain cannot be chained in place (the table refuses
    updates). Their digest, in id order, becomes the chain's starting hash: the first
    chained event points at it, so `audit verify` notices if any of them changes."""
    import hashlib

    conn = op.get_bind()
    audit = sa.table(
        "audit_events",
        *(
            sa.column(c)
            for c in (
                "id",
                "at",
                "actor",
                "actor_role",
                "action",
                "entity_type",
                "entity_id",
                "person_id",
                "case_id",
                "before",
                "after",
                "reason",
            )
        ),
    )
    digest = hashlib.sha256()
    for row in conn.execute(sa.select(audit).order_by(audit.c.id)).mappings():
        digest.update(legacy_content(dict(row)).encode("utf-8"))
    start = (
        digest.hexdigest()
        if conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar()
        else "0" * 64
    )
    conn.execute(
        sa.table("audit_chain_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
        .insert()
        .values(id=1, seq=0, hash=start)
    )


def _digest_imported_rows() -> None:
    """Rows already in the register are taken as imported as they stand now (what changed
    before this revision cannot be told apart); rows opened from a referral are not."""
    from datawash.cases.models import import_digest

    conn = op.get_bind()
    for table, key, fields in (
        ("cases", "case_id", ("recorded_on", "source", "severity", "closed_on")),
        (
            "allegations",
            "allegation_id",
            ("case_id", "person_id", "role_at_time", "category", "stage", "outcome", "outcome_on"),
        ),
    ):
        t = sa.table(table, *(sa.column(c) for c in (key, *fields, "imported_digest")))
        if table == "cases":
            rows = (
                conn.execute(sa.select(t).where(sa.column("source") != "data_wash"))
                .mappings()
                .all()
            )
        else:
            rows = conn.execute(sa.select(t)).mappings().all()
        for row in rows:
            values = {f: _as_date(row[f]) if f.endswith("_on") else row[f] for f in fields}
            conn.execute(
                t.update().where(t.c[key] == row[key]).values(imported_digest=import_digest(values))
            )


def _as_date(value: object) -> object:
    from datetime import date

    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value


def legacy_content(row: dict[str, object]) -> str:
    """An event from before the chain, in a fixed form (audit.chain.legacy_content)."""
    from datawash.audit.chain import legacy_content as fixed

    return fixed(row)


# The columns this revision added, table by table (dropped again by downgrade()).
ADDED = {
    "review_items": ("person_role", "categories", "role_kinds", "version"),
    "review_candidates": ("identity", "identity_reason", "identity_decision_id"),
    "review_decisions": ("kind", "dual_control", "marks", "allegations"),
    "users": ("password_hash", "password_set_at", "failed_attempts", "last_failed_at"),
    "audit_events": ("channel", "os_account", "seq", "prev_hash", "hash"),
    "wash_runs": ("audit_head",),
    "foi_requests": ("sent_audit_head",),
    "cases": ("version", "imported_digest"),
    "allegations": ("version", "imported_digest"),
}


def downgrade() -> None:
    """Back to 0005's schema. Reopenings by a wash stay in the audit log, where 0005 read
    them; the per-record marks, passwords, safeguards and the chain are lost (take a backup
    first). Plain DROP COLUMN (SQLite 3.35+), never a batch copy that would drop the audit
    table's triggers."""
    op.execute("DELETE FROM review_decisions WHERE kind = 'rewash'")
    op.execute("UPDATE review_decisions SET status = 'rejected' WHERE status = 'withdrawn'")
    op.drop_index("ix_audit_seq", table_name="audit_events")
    op.drop_index("ix_review_decisions_status", table_name="review_decisions")
    op.drop_index("ix_review_candidates_item", table_name="review_candidates")
    for table in ("safeguard_settings", "reference_counters", "audit_chain_head"):
        op.drop_table(table)
    for table, columns in ADDED.items():
        for column in columns:
            op.drop_column(table, column)
