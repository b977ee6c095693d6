"""the outbox keeps each subject's messages in order: the subject every message is about

Revision ID: 0009_outbox_order
Revises: 0008_ops
"""
import json

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0009_outbox_order"
down_revision = "0008_ops"
branch_labels = None
depends_on = None


def _key(payload: str) -> str | None:
    """As tarazu.adapters.db.outbox_store.subject_key (kept here: a migration must not
    change when the code does)."""
    try:
        p = json.loads(payload)
    except ValueError:
        return None
    if p.get("subject_type") and p.get("subject_id") is not None:
        return f"{p['subject_type']}:{p.get('platform', '')}:{p['subject_id']}"[:300]
    if p.get("account_id") is not None:
        return f"account:{p.get('platform', '')}:{p['account_id']}"[:300]
    return None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("subject_key", sa.String(length=300), nullable=True))
    op.create_index("ix_outbox_subject", "outbox", ["destination", "subject_key", "id"])
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, payload FROM outbox WHERE delivered_at IS NULL"))
    for rid, payload in rows.fetchall():
        key = _key(payload)
        if key is not None:
            conn.execute(sa.text("UPDATE outbox SET subject_key = :k WHERE id = :i"),
                         {"k": key, "i": rid})


def downgrade() -> None:
    op.drop_index("ix_outbox_subject", table_name="outbox")
    op.drop_column("outbox", "subject_key")
