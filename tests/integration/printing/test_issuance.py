"""Printing's issuance steps on real PostgreSQL and S3: one document per application."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.printing import issuance, production, public_lookup, register
from services.printing.documents.pades import validate_signed_pdf
from services.printing.models import IssuedDocument, metadata
from silasidakep.db import Outbox
from tests.support.citizen import application_payload
from tests.support.identities import make_person
from tests.support.snapshots import for_issuance


@pytest.fixture(scope="module")
def issuer(make_issuer) -> production.Issuer:
    return make_issuer("it-documents")


def snapshot(seed: int) -> dict:
    payload = application_payload(make_person(seed))
    return for_issuance({"tracking_code": "SLS-TEST0001", "service_code": "KK_PERUBAHAN",
            "output_document": "KK", "applicant": payload["applicant"], "form": payload["form"]})


def issue_attempt(sessions, issuer, outbox, app_id: uuid.UUID, data: dict) -> tuple[str, bool]:
    with sessions() as s, s.begin():
        number = register.allocate(s, app_id, data, "KK").document_number
    pdf = production.sign_pdf(issuer, production.render(issuer, number, data))
    key, digest = production.store_attempt(issuer, number, pdf)
    with sessions() as s, s.begin():
        won = register.finalise(s, outbox, app_id, key, digest, issuer.signer_name)
    if not won:
        issuer.objects.delete(issuer.bucket, key)
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
    keys = [o.object_name for o in issuer.objects.client.list_objects(
        issuer.bucket, prefix=f"{first[0]}/", recursive=True)]
    assert keys == [document.object_key]
    pdf = issuer.objects.get(issuer.bucket, document.object_key)
    assert validate_signed_pdf(pdf, pki.ca_file).ok


def test_a_new_kk_for_the_same_family_supersedes_the_old_one(sessions, issuer) -> None:
    outbox = Outbox(metadata.tables["printing.outbox"], producer="printing")
    data = snapshot(8)
    old_number, _ = issue_attempt(sessions, issuer, outbox, uuid.uuid4(), data)
    new_number, _ = issue_attempt(sessions, issuer, outbox, uuid.uuid4(), data)
    with sessions() as s:
        old = public_lookup.verification_view(s, old_number)
        new = public_lookup.verification_view(s, new_number)
        unknown = public_lookup.verification_view(s, "3211-KK-1999-000001")
    assert old["status"] == "SUPERSEDED" and old["superseded_at"]
    assert new["status"] == "ACTIVE" and unknown["status"] == "UNKNOWN"
    assert data["applicant"]["nik"] not in str(new)


def test_the_workflow_issues_once_when_redelivered_and_after_a_crash(sessions, issuer, pki):
    # The consumer's whole workflow, without a broker: a crash after storing (the process dies
    # before finalising) leaves a copy; the redelivered event issues once and removes it.
    outbox = Outbox(metadata.tables["printing.outbox"], producer="printing")
    app_id, data = uuid.uuid4(), snapshot(9)

    def crash_after_storing(step: str) -> None:
        if step == "stored":
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        issuance.issue(sessions, outbox, issuer, app_id, data, crash_point=crash_after_storing)
    assert issuance.issue(sessions, outbox, issuer, app_id, data) is True
    assert issuance.issue(sessions, outbox, issuer, app_id, data) is False  # redelivered

    with sessions() as s:
        document = s.scalars(select(IssuedDocument).where(
            IssuedDocument.application_id == app_id)).one()
        events = [row.event_type for row in s.execute(
            metadata.tables["printing.outbox"].select()).all()
            if row.envelope["data"]["application_id"] == str(app_id)]
    assert document.state == "ISSUED" and events == ["document.issued"]
    keys = [o.object_name for o in issuer.objects.client.list_objects(
        issuer.bucket, prefix=f"{document.document_number}/", recursive=True)]
    assert keys == [document.object_key]
    assert validate_signed_pdf(issuer.objects.get(issuer.bucket, keys[0]), pki.ca_file).ok


def test_a_first_attempt_does_not_list_storage_for_dead_attempts(sessions, issuer, monkeypatch):
    # Listing a number's prefix is an S3 LIST per document; only a resumed issuance needs it.
    outbox = Outbox(metadata.tables["printing.outbox"], producer="printing")
    listed: list[str] = []
    real_keys = issuer.objects.keys

    def spy(bucket: str, prefix: str) -> list[str]:
        listed.append(prefix)
        return real_keys(bucket, prefix)

    monkeypatch.setattr(issuer.objects, "keys", spy)

    assert issuance.issue(sessions, outbox, issuer, uuid.uuid4(), snapshot(10)) is True
    assert listed == []

    def crash_after_storing(step: str) -> None:
        if step == "stored":
            raise SystemExit("killed")

    app_id = uuid.uuid4()
    with pytest.raises(SystemExit):
        issuance.issue(sessions, outbox, issuer, app_id, snapshot(11),
                       crash_point=crash_after_storing)
    assert issuance.issue(sessions, outbox, issuer, app_id, snapshot(11)) is True
    assert len(listed) == 1
