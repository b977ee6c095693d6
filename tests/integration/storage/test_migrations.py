"""The migrations build exactly the schema the code declares, and can be undone and redone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tarazu.adapters.db.engine import alembic_config, current_revision, head_revision
from tarazu.adapters.db.schema import metadata


def test_migrations_match_the_table_definitions(app):
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(app.engine) == head_revision()


def test_downgrade_to_base_and_upgrade_again(app):
    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "base")
    assert current_revision(app.engine) is None
    command.upgrade(cfg, "head")
    assert current_revision(app.engine) == head_revision()
    with app.uow() as uow:  # the chain head row is seeded again
        assert uow.events.head() == (0, "0" * 64)


def _stored_report(conn, receipt_id: str, written: str) -> None:  # type: ignore[no-untyped-def]
    """A public report as revision 0012 stored it: the reporter's text in the clear."""
    from sqlalchemy import text

    conn.execute(text(
        "INSERT INTO public_reports (receipt_id, token_hash, platform, target_type, target_ref,"
        " subject_type, subject_id, category, text, reporter_key, new_reporter, weight, held,"
        " set_aside, event_id, received_at) VALUES (:r, 'h', 'x', 'account', 'acc0',"
        " 'account', 'x:id-acc0', 'designated_organisation', :t, 'k', false, 0.5, false,"
        " false, 'e', '2025-07-25T09:00:00Z')"), {"r": receipt_id, "t": written})


def test_0013_encrypts_the_report_text_already_stored_and_readers_still_read_it(app):
    import pytest
    from sqlalchemy import inspect, text

    from tarazu.adapters.db.engine import upgrade
    from tarazu.domain.events import SubjectRef

    written = "Seen by my neighbour Imran Baig at the market"
    command.downgrade(alembic_config(app.engine), "0012_queue_entry_state")
    with app.engine.begin() as conn:
        _stored_report(conn, "RPT-1", written)
        _stored_report(conn, "RPT-2", "")
    with pytest.raises(RuntimeError, match="no field key"):  # nothing done without the key
        upgrade(app.engine)
    assert current_revision(app.engine) == "0012_queue_entry_state"
    upgrade(app.engine, cipher=app.cipher)
    assert current_revision(app.engine) == head_revision()
    columns = {c["name"] for c in inspect(app.engine).get_columns("public_reports")}
    assert "text" not in columns and "text_enc" in columns
    with app.engine.connect() as conn:
        raw = dict(conn.execute(text("SELECT receipt_id, text_enc FROM public_reports")).all())
    assert raw["RPT-2"] is None and b"Imran" not in bytes(raw["RPT-1"])
    assert app.cipher.decrypt_json(raw["RPT-1"]) == written
    with app.uow() as uow:
        said = {s.receipt_id: s.text
                for s in uow.reports.statements(SubjectRef.account("x", "id-acc0"))}
    assert said == {"RPT-1": written, "RPT-2": ""}
    command.downgrade(alembic_config(app.engine, app.cipher), "0012_queue_entry_state")
    with app.engine.connect() as conn:  # undone: the text back in the clear
        assert dict(conn.execute(text("SELECT receipt_id, text FROM public_reports")).all()
                    ) == {"RPT-1": written, "RPT-2": ""}


def test_tarazu_db_upgrade_hands_the_field_key_to_the_migrations(app, monkeypatch):
    from sqlalchemy import text
    from typer.testing import CliRunner

    from tarazu.entrypoints.cli import app as cli

    command.downgrade(alembic_config(app.engine), "0012_queue_entry_state")
    with app.engine.begin() as conn:
        _stored_report(conn, "RPT-1", "written in the clear")
    monkeypatch.setenv("TARAZU_HOME", str(app.settings.home))
    monkeypatch.setenv("TARAZU_DATABASE_URL", app.settings.database_url)
    r = CliRunner().invoke(cli, ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app.engine.connect() as conn:
        stored = conn.execute(text("SELECT text_enc FROM public_reports")).scalar_one()
    assert app.cipher.decrypt_json(stored) == "written in the clear"
