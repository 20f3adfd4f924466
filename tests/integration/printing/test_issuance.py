"""Printing's issuance steps on real PostgreSQL and S3: one document per application."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.printing import issuance
from services.printing.documents.signing import validate_signed_pdf
from services.printing.models import IssuedDocument, metadata
from silasidakep.db import Outbox
from tests.support.citizen import application_payload
from tests.support.identities import make_person


@pytest.fixture(scope="module")
def issuer(make_issuer) -> issuance.Issuer:
    return make_issuer("it-documents")


def snapshot(seed: int) -> dict:
    payload = application_payload(make_person(seed))
    return {"tracking_code": "SLS-TEST0001", "service_code": "KK_PERUBAHAN",
            "output_document": "KK", "applicant": payload["applicant"], "form": payload["form"]}


def issue_attempt(sessions, issuer, outbox, app_id: uuid.UUID, data: dict) -> tuple[str, bool]:
    with sessions() as s, s.begin():
        number = issuance.allocate(s, app_id, data, "KK").document_number
    pdf = issuance.sign(issuer, issuance.render(issuer, number, data))
    key, digest = issuance.store_attempt(issuer, number, pdf)
    with sessions() as s, s.begin():
        won = issuance.finalise(s, outbox, app_id, key, digest, issuer.signer_name)
    if not won:
        issuer.store.delete(issuer.bucket, key)
    return number, won


def test_retried_attempts_keep_one_number_one_object_and_one_event(sessions, issuer, pki):
    outbox = Outbox(metadata.tables["printing.outbox"], producer="printing")
    app_id, data = uuid.uuid4(), snapshot(7)
    first = issue_attempt(sessions, issuer, outbox, app_id, data)
    second = issue_attempt(sessions, issuer, outbox, app_id, data)
    assert first[1] and not second[1] and first[0] == second[0]
    with sessions() as s:
        document = s.scalars(select(IssuedDocument).where(
            IssuedDocument.application_id == app_id)).one()
        events = s.execute(metadata.tables["printing.outbox"].select()).all()
    assert document.state == "ISSUED" and document.status == "ACTIVE"
    assert len(events) == 1
    keys = [o.object_name for o in issuer.store.client.list_objects(
        issuer.bucket, prefix=f"{first[0]}/", recursive=True)]
    assert keys == [document.object_key]
    pdf = issuer.store.get(issuer.bucket, document.object_key)
    assert validate_signed_pdf(pdf, pki.ca_file).ok


def test_a_new_kk_for_the_same_family_supersedes_the_old_one(sessions, issuer) -> None:
    outbox = Outbox(metadata.tables["printing.outbox"], producer="printing")
    data = snapshot(8)
    old_number, _ = issue_attempt(sessions, issuer, outbox, uuid.uuid4(), data)
    new_number, _ = issue_attempt(sessions, issuer, outbox, uuid.uuid4(), data)
    with sessions() as s:
        old = issuance.verification_view(s, old_number)
        new = issuance.verification_view(s, new_number)
        unknown = issuance.verification_view(s, "3211-KK-1999-000001")
    assert old["status"] == "SUPERSEDED" and old["superseded_at"]
    assert new["status"] == "ACTIVE" and unknown["status"] == "UNKNOWN"
    assert data["applicant"]["nik"] not in str(new)
