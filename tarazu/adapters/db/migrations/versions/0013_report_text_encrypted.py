"""what a reporter wrote (``public_reports.text``) is encrypted at rest, like their contact
address: it may name them, a relative or a witness

Revision ID: 0013_report_text_encrypted
Revises: 0012_queue_entry_state

The rows already stored are encrypted here, in batches, with the deployment's field key
(``tarazu db upgrade`` hands it over); then the plaintext column is dropped. The key is not
read from the environment here: the migration uses the cipher the application uses, so there
is one way to encrypt a field. Without a key the upgrade stops before it changes anything if
some row holds text. The table is named here as it stands at this revision, not imported.
"""
from alembic import op
import sqlalchemy as sa


revision = "0013_report_text_encrypted"
down_revision = "0012_queue_entry_state"
branch_labels = None
depends_on = None

#: Rows encrypted per round trip.
BATCH = 500

_reports = sa.table("public_reports", sa.column("receipt_id"), sa.column("text"),
                    sa.column("text_enc", sa.LargeBinary))


def _cipher(needed: bool):  # type: ignore[no-untyped-def]  # FieldCipher, not imported here
    cipher = op.get_context().config.attributes.get("cipher")
    if needed and cipher is None:
        raise RuntimeError("public reports hold text to encrypt (or decrypt) and no field key "
                           "was given: run 'tarazu db upgrade' with the deployment's "
                           "TARAZU_SECRET_KEY")
    return cipher


def _rewrite(conn: sa.Connection, source: sa.ColumnElement, held: sa.ColumnElement,
             target: str, convert) -> None:  # type: ignore[no-untyped-def]
    """Write ``convert(source)`` into ``target`` for every row where ``held`` is true, a
    batch at a time in key order (keyset: each batch is an index range)."""
    r = _reports
    after = ""
    while True:
        rows = conn.execute(sa.select(r.c.receipt_id, source)
                            .where(r.c.receipt_id > after, held)
                            .order_by(r.c.receipt_id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(sa.update(r).where(r.c.receipt_id == sa.bindparam("k"))
                     .values({target: sa.bindparam("v")}),
                     [{"k": k, "v": convert(v)} for k, v in rows])
        after = rows[-1][0]


def _any(conn: sa.Connection, held: sa.ColumnElement) -> bool:
    return conn.execute(sa.select(_reports.c.receipt_id).where(held).limit(1)
                        ).first() is not None


def upgrade() -> None:
    conn = op.get_bind()
    held = _reports.c.text != ""
    cipher = _cipher(_any(conn, held))
    op.add_column("public_reports", sa.Column("text_enc", sa.LargeBinary(), nullable=True))
    if cipher is not None:
        _rewrite(conn, _reports.c.text, held, "text_enc", cipher.encrypt_json)
    with op.batch_alter_table("public_reports") as batch:
        batch.drop_column("text")


def downgrade() -> None:
    conn = op.get_bind()
    held = _reports.c.text_enc.is_not(None)
    cipher = _cipher(_any(conn, held))
    op.add_column("public_reports", sa.Column("text", sa.Text(), nullable=False,
                                              server_default=""))
    if cipher is not None:
        _rewrite(conn, _reports.c.text_enc, held, "text", cipher.decrypt_json)
    with op.batch_alter_table("public_reports") as batch:
        batch.alter_column("text", server_default=None)
        batch.drop_column("text_enc")
