"""What a reporter writes is personal data (it may name them, a relative or a witness): it is
encrypted at rest like their contact address, and case readers still read it. On SQLite and
PostgreSQL: the raw row of the database holds no word of it."""

from __future__ import annotations

from sqlalchemy import text

from tarazu.domain.events import SubjectRef
from tarazu.reports.model import validate
from tarazu.service import reports
from tarazu.service.reports import ReporterIdentity
from tests.integration.referrals.helpers import seed_platform

WRITTEN = "My cousin Farah Qureshi saw him recruit at the Liaquat Bagh mosque"


def _raw_rows(app) -> list[str]:
    """Every column of every stored report, as the database gives it to a reader of a copy."""
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM public_reports")).all()
    return [bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
            for row in rows for v in row]


def test_the_reporters_text_is_encrypted_at_rest_and_case_readers_read_it(app):
    seed_platform(app, n_accounts=1)
    form = validate("x", "account", "acc0", "designated_organisation", text=WRITTEN,
                    contact="farah@example.org")
    receipt = reports.submit_report(app.uow, app.clock, form, ReporterIdentity("rep-1"))
    raw = _raw_rows(app)
    assert raw and not any(word in value for value in raw
                           for word in ("Farah", "Qureshi", "Liaquat", "recruit"))
    with app.uow() as uow:
        [said] = uow.reports.statements(SubjectRef.account("x", "id-acc0"))
    assert said.text == WRITTEN and said.receipt_id == receipt.receipt_id
    empty = validate("x", "account", "acc0", "designated_organisation")
    reports.submit_report(app.uow, app.clock, empty, ReporterIdentity("rep-2"))
    with app.uow() as uow:
        texts = [s.text for s in uow.reports.statements(SubjectRef.account("x", "id-acc0"))]
    assert sorted(texts) == ["", WRITTEN]
