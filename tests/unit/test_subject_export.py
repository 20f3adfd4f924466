"""Data-subject export (issue 14) without a broker or database: the export grant, each
service's views, the NIK rule and the PDF."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO

import jwt
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from gateway import subject_pdf
from services.intake import subject_export as intake_export
from services.intake.models import Application, Document, StatusChange
from services.notification import subject_export as notification_export
from services.notification.models import Message
from services.printing import subject_export as printing_export
from services.printing.models import IssuedDocument
from silasidakep import export_grant
from silasidakep.auth import StaffPrincipal
from silasidakep.errors import Forbidden, Unauthorized, ValidationFailed

NIK = "3211064107900001"
AT = datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)
APP_ID = str(uuid.uuid4())


def _staff_check(token: str | None) -> StaffPrincipal:
    assert token == "staff-token"
    return StaffPrincipal(uuid.uuid4(), "auditor1", frozenset({"auditor"}))


# --- the grant -------------------------------------------------------------------------------


def test_a_grant_covers_exactly_its_ids() -> None:
    account = uuid.uuid4()
    grant = export_grant.issue(account, "3211**********01", [APP_ID])
    assert grant.startswith(export_grant.PREFIX)
    caller, apps, complaints = export_grant.authorize(grant, [APP_ID], _staff_check)
    assert caller.staff is None and caller.grant.account_id == account
    assert apps == [APP_ID] and complaints == []
    with pytest.raises(Forbidden) as refused:
        export_grant.authorize(grant, [APP_ID, str(uuid.uuid4())], _staff_check)
    assert refused.value.code == "OUTSIDE_EXPORT_GRANT"


def test_a_tampered_or_expired_grant_and_a_staff_token_as_grant_are_refused() -> None:
    grant = export_grant.issue(uuid.uuid4(), "3211**********01", [APP_ID])
    with pytest.raises(Unauthorized):
        export_grant.verify(grant[:-2] + ("AA" if grant[-2:] != "AA" else "BB"))
    with pytest.raises(Unauthorized):
        export_grant.verify(export_grant.issue(uuid.uuid4(), "x", [], secret="another"))
    expired = export_grant.PREFIX + jwt.encode(
        {"iss": "silasidakep", "aud": export_grant.AUDIENCE, "sub": str(uuid.uuid4()),
         "nik": "x", "apps": [], "complaints": [],
         "exp": datetime.now(UTC) - timedelta(minutes=1)},
        export_grant._key("development-only-jwt-secret-change-me"), "HS256")
    with pytest.raises(Unauthorized) as late:
        export_grant.verify(expired)
    assert late.value.code == "INVALID_EXPORT_GRANT"


def test_a_staff_token_goes_to_the_staff_check_and_ids_are_checked() -> None:
    caller, apps, _ = export_grant.authorize("staff-token", [APP_ID.upper()], _staff_check)
    assert caller.staff.username == "auditor1" and apps == [APP_ID]
    with pytest.raises(ValidationFailed):
        export_grant.authorize("staff-token", ["not-a-uuid"], _staff_check)
    with pytest.raises(ValidationFailed):
        export_grant.authorize("staff-token", "abc", _staff_check)


# --- intake ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["321106410790000", "32110641079000011", "3211O64107900001",
                                 "３２１１０６４１０７９０００１", None, 3211064107900001])
def test_a_malformed_nik_is_refused_with_its_code(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        intake_export.check_nik(bad)
    assert refused.value.code == "INVALID_NIK"


def _application(**overrides: object) -> Application:
    values = dict(
        id=uuid.UUID(APP_ID), tracking_code="SLS-ABCD1234", service_code="KTP_BARU",
        service_definition=None, status="ISSUED", nik=NIK, name="Siti Rahmawati",
        kk_number="3211061201200003", kecamatan_code="32.11.06", email="siti@example.org",
        phone=None, form={"reason": "Baru"}, reporter=None, subject_nik=NIK,
        subject_name="Siti Rahmawati", created_at=AT, updated_at=AT, delivery="DOWNLOAD",
        presence_done={},
    )
    values.update(overrides)
    app = Application(**values)
    app.history = [StatusChange(seq=1, status="DRAFT", at=AT, round=0)]
    app.documents = [Document(doc_type="KK", object_key="applications/x/KK/y",
                              content_type="application/pdf", size=10, sha256="ab" * 32,
                              uploaded_at=AT, current=True)]
    return app


def test_an_application_lists_its_roles_and_uploads_without_their_keys() -> None:
    view = intake_export.application_view(_application(), NIK)
    assert view["roles"] == ["APPLICANT", "SUBJECT"]
    assert view["applicant"]["nik"] == NIK and view["form"] == {"reason": "Baru"}
    assert view["uploads"][0]["doc_type"] == "KK" and "object_key" not in view["uploads"][0]
    assert view["history"][0]["status"] == "DRAFT"
    reporter = _application(nik="3211060101900002", subject_nik="3211060101900002",
                            reporter={"name": "A", "nik": NIK, "kk_number": "1",
                                      "relationship": "ORANG TUA"})
    assert intake_export.roles(reporter, NIK) == ["REPORTER"]
    mentioned = _application(nik="3211060101900002", subject_nik=None)
    assert intake_export.roles(mentioned, NIK) == ["MENTIONED"]


# --- printing and notification -----------------------------------------------------------------


def test_printing_answers_the_register_never_the_pdf_or_check_code() -> None:
    view = printing_export.document_view(IssuedDocument(
        document_number="3211-KTP-2026-000001", application_id=uuid.UUID(APP_ID),
        document_type="KTP_EL", state="ISSUED", status="ACTIVE", holder_name="Siti",
        nik_masked="3211**********01", object_key="secret/key.pdf", check_code="ABC",
        issued_at=AT,
    ))
    assert view["document_number"] == "3211-KTP-2026-000001" and view["issued_at"]
    assert not {"object_key", "check_code", "sha256"} & set(view)


def test_notification_answers_messages_without_bodies() -> None:
    view = notification_export.message_view(Message(
        application_id=uuid.UUID(APP_ID), channel="INBOX", template="status_changed",
        state="SENT", recipient_masked="si***@example.org", body="Halo Siti", created_at=AT,
        sent_at=AT, last_error="550 siti@example.org"))
    assert view["template"] == "status_changed" and view["sent_at"]
    assert "body" not in view and "last_error" not in view


# --- the PDF ---------------------------------------------------------------------------------


def _export(applications: list) -> dict:
    sections = {key: [] for key, _, _ in subject_pdf.SECTIONS}
    sections["applications"] = applications
    if applications:
        sections["documents"] = [{"application_id": APP_ID, "document_number": "X-1"}]
    return {"generated_at": AT.isoformat(), "requested_by": "AUDITOR",
            "subject": {"nik": NIK}, "export_audit_seq": 7, "sections": sections}


def _pages(pdf: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def test_the_pdf_opens_with_a_page_per_content_and_empty_sections_say_so() -> None:
    empty = subject_pdf.render(_export([]))
    assert empty.startswith(b"%PDF") and _pages(empty) >= 1
    many = [intake_export.application_view(_application(
        id=uuid.uuid4(), tracking_code=f"SLS-{i:08d}", form={"note": "x" * 2000}), NIK)
        for i in range(12)]
    full = subject_pdf.render(_export(many))
    assert _pages(full) > _pages(empty)


def test_forms_flatten_to_dotted_paths() -> None:
    assert subject_pdf.flatten({"a": 1, "m": [{"n": "x"}, {"n": "y"}], "t": ["p", "q"]}) == [
        ("a", 1), ("m.1.n", "x"), ("m.2.n", "y"), ("t", ["p", "q"])]
    assert subject_pdf.text_of(None) == "–" and subject_pdf.text_of(True) == "ya"
    assert subject_pdf.text_of("2026-11-02T03:04:05+00:00") == "02-11-2026 10:04 WIB"
