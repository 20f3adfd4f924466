"""The signer's desk on real PostgreSQL and S3: drafts wait, each is signed once; revoking."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from services.printing import production, public_lookup, register, signers_desk
from services.printing.documents.pades import validate_signed_pdf
from services.printing.models import IssuedDocument, metadata
from services.printing.states import SigningResult
from silasidakep.errors import Conflict, ValidationFailed
from tests.support.citizen import application_payload
from tests.support.identities import make_person
from tests.support.snapshots import for_issuance

OUTBOX = metadata.tables["printing.outbox"]


@pytest.fixture(scope="module")
def issuer(make_issuer) -> production.Issuer:
    return make_issuer("it-signing", signing_mode="manual")


def snapshot(seed: int) -> dict:
    payload = application_payload(make_person(seed))
    return for_issuance({"tracking_code": f"SLS-SIGN{seed:04d}", "service_code": "KK_PERUBAHAN",
            "output_document": "KK", "applicant": payload["applicant"], "form": payload["form"]})


def draft(sessions, issuer, outbox, seed: int) -> tuple[uuid.UUID, str]:
    """What printing does in manual mode: allocate, render, store the draft, wait."""
    app_id, data = uuid.uuid4(), snapshot(seed)
    with sessions() as s, s.begin():
        number = register.allocate(s, app_id, data, "KK").document_number
    key = production.store_draft(issuer, number, production.render(issuer, number, data))
    with sessions() as s, s.begin():
        assert register.await_signature(s, outbox, app_id, key)
    return app_id, number


def events(sessions, event_type: str, app_id: uuid.UUID) -> list[dict]:
    with sessions() as s:
        rows = s.execute(select(OUTBOX.c.envelope).where(OUTBOX.c.event_type == event_type))
        return [e for (e,) in rows if e["data"]["application_id"] == str(app_id)]


def objects(issuer, number: str) -> list[str]:
    return sorted(o.object_name for o in issuer.objects.client.list_objects(
        issuer.bucket, prefix=f"{number}/", recursive=True))


def test_signing_mode_defaults_to_auto_and_rejects_junk() -> None:
    assert production.signing_mode({}) == "auto"
    assert production.signing_mode({"SIGNING_MODE": " Manual "}) == "manual"
    with pytest.raises(RuntimeError):
        production.signing_mode({"SIGNING_MODE": "sometimes"})


def test_a_draft_waits_then_is_signed_once(sessions, issuer, outbox, pki) -> None:
    app_id, number = draft(sessions, issuer, outbox, 31)
    waiting = events(sessions, "document.awaiting_signature", app_id)
    assert [e["data"]["document_number"] for e in waiting] == [number]
    assert events(sessions, "document.issued", app_id) == []
    with sessions() as s:
        queued = {d["document_number"]: d for d in signers_desk.queue(s)["documents"]}
        ref = signers_desk.draft_ref(s, number)
        assert public_lookup.verification_view(s, number)["status"] == "UNKNOWN"  # not valid yet
    assert queued[number]["tracking_code"] == "SLS-SIGN0031"
    assert queued[number]["application_id"] == str(app_id) and queued[number]["waiting_since"]
    unsigned = issuer.objects.get(issuer.bucket, ref["object_key"])
    assert not validate_signed_pdf(unsigned, pki.ca_file).ok

    # A redelivered issuance request renders again but must not replace the waiting draft.
    extra = production.store_draft(issuer, number, unsigned)
    with sessions() as s, s.begin():
        assert not register.await_signature(s, outbox, app_id, extra)
    issuer.objects.delete(issuer.bucket, extra)

    first = signers_desk.sign_one(sessions, outbox, issuer, number, "kadis")
    second = signers_desk.sign_one(sessions, outbox, issuer, number, "kadis")
    assert first["result"] == SigningResult.SIGNED and first["state"] == "ISSUED"
    assert second["result"] == SigningResult.ALREADY_SIGNED and second["state"] == "ISSUED"
    with sessions() as s:
        document = s.get(IssuedDocument, number)
        view = public_lookup.verification_view(s, number)
        assert number not in {d["document_number"] for d in signers_desk.queue(s)["documents"]}
        with pytest.raises(Conflict):
            signers_desk.draft_ref(s, number)
    assert document.state == "ISSUED" and document.status == "ACTIVE"
    assert document.signed_by == "kadis" and document.draft_object_key is None
    assert view["status"] == "ACTIVE"
    assert objects(issuer, number) == [document.object_key]  # the draft is gone
    signed = issuer.objects.get(issuer.bucket, document.object_key)
    assert signed.startswith(unsigned)  # exactly the reviewed draft, signature appended
    assert validate_signed_pdf(signed, pki.ca_file).ok
    issued = events(sessions, "document.issued", app_id)
    assert len(issued) == 1 and issued[0]["data"]["object_key"] == document.object_key


def test_concurrent_batches_sign_each_document_exactly_once(sessions, issuer, outbox) -> None:
    drafted = [draft(sessions, issuer, outbox, 40 + i) for i in range(4)]
    numbers = [number for _, number in drafted]
    results: list[dict] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def signer(order: list[str]) -> None:
        try:
            start.wait()
            results.append(signers_desk.sign_batch(sessions, outbox, issuer, order, "kadis"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    orders = [numbers, list(reversed(numbers)), numbers[2:] + numbers[:2]]
    threads = [threading.Thread(target=signer, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    outcomes = [r for batch in results for r in batch["results"]]
    for number in numbers:
        mine = [r["result"] for r in outcomes if r["document_number"] == number]
        assert sorted(mine) == [
            SigningResult.ALREADY_SIGNED, SigningResult.ALREADY_SIGNED, SigningResult.SIGNED
        ]
    for app_id, number in drafted:
        assert len(events(sessions, "document.issued", app_id)) == 1
        with sessions() as s:
            document = s.get(IssuedDocument, number)
        assert objects(issuer, number) == [document.object_key]


def test_a_batch_reports_every_document(sessions, issuer, outbox) -> None:
    _, waiting = draft(sessions, issuer, outbox, 50)
    app_id, data = uuid.uuid4(), snapshot(51)
    with sessions() as s, s.begin():
        rendering = register.allocate(s, app_id, data, "KK").document_number
    result = signers_desk.sign_batch(
        sessions, outbox, issuer, [waiting, waiting, rendering, "3211-KK-1999-999999"], "kadis"
    )
    assert [(r["document_number"], r["result"]) for r in result["results"]] == [
        (waiting, SigningResult.SIGNED),
        (rendering, SigningResult.NOT_AWAITING_SIGNATURE),
        ("3211-KK-1999-999999", SigningResult.NOT_FOUND),
    ]
    assert result["summary"][SigningResult.SIGNED] == 1
    with pytest.raises(ValidationFailed):
        signers_desk.sign_batch(sessions, outbox, issuer, [], "kadis")
    with pytest.raises(ValidationFailed):
        signers_desk.sign_batch(sessions, outbox, issuer, [f"N{i}" for i in range(51)], "kadis")


def test_revoking_an_issued_document_shows_revoked(sessions, issuer, outbox) -> None:
    app_id, number = draft(sessions, issuer, outbox, 60)
    with sessions() as s, s.begin(), pytest.raises(Conflict):
        signers_desk.revoke(s, number, "Data keliru", "kadis")  # not issued yet
    signers_desk.sign_one(sessions, outbox, issuer, number, "kadis")
    with sessions() as s, s.begin(), pytest.raises(ValidationFailed):
        signers_desk.revoke(s, number, "  ", "kadis")
    with sessions() as s, s.begin():
        first = signers_desk.revoke(s, number, "Data keliru", "pengawas")
    with sessions() as s, s.begin():
        again = signers_desk.revoke(s, number, "Lagi", "kadis")
    assert first["status"] == again["status"] == "REVOKED"
    assert first["revoked_at"] == again["revoked_at"]
    with sessions() as s:
        view = public_lookup.verification_view(s, number)
        document = s.get(IssuedDocument, number)
    assert view["status"] == "REVOKED" and view["revoked_at"]
    assert document.revoked_by == "pengawas" and document.revocation_reason == "Data keliru"
    # Signing a revoked document again changes nothing.
    assert signers_desk.sign_one(sessions, outbox, issuer, number, "kadis")["result"] == (
        SigningResult.ALREADY_SIGNED
    )
