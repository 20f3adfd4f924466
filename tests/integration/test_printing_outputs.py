"""Several documents per application on real PostgreSQL and S3 (issue 16): a "3 in 1" birth
issues the akta, the updated KK and the KIA, each once, resuming after a crash between outputs;
corrections supersede what they replace; revocation cancels the print job and returns its
blanko; manual signing signs every parked output of an application."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.intake.catalogue import get_service
from services.intake.outputs.plan import planned_for
from services.printing import history, issuance, public_lookup, signers_desk
from services.printing.documents.pades import validate_signed_pdf
from services.printing.kecamatan import blanko, print_jobs
from services.printing.models import BlankoMovement, IssuedDocument, PrintJob, metadata
from silasidakep.contracts import build_envelope, parse_envelope
from silasidakep.errors import Conflict
from tests.integration.printing.conftest import (  # noqa: F401 (fixtures)
    make_issuer,
    outbox,
    pki,
    sessions,
)
from tests.support.forms import adult, application_payload
from tests.support.identities import make_nik

OUTBOX = metadata.tables["printing.outbox"]


class Crash(Exception):
    """Stands for the process dying (PRINTING_CRASH_AFTER)."""


@pytest.fixture(scope="module")
def issuer(make_issuer):  # noqa: F811
    return make_issuer("it-outputs")


@pytest.fixture(scope="module")
def manual_issuer(make_issuer):  # noqa: F811
    return make_issuer("it-outputs-manual", signing_mode="manual")


def birth_event(seed: int, *, kecamatan: str | None = None, delivery: str = "DOWNLOAD"
                ) -> dict:
    """application.issuance_requested v3 for a birth with the KIA requested, planned by
    intake's own rules and passed through the contract as the consumer receives it."""
    payload = application_payload("AKTA_LAHIR", adult(seed), seed)
    form = payload["form"]
    born = date.fromisoformat(form["birth_date"])
    form["request_kia"] = True
    form["child_nik"] = make_nik(birth_date=born, sex=form["child_sex"])
    applicant = {**payload["applicant"], "kecamatan_code": kecamatan
                 or payload["applicant"]["kecamatan_code"]}
    planned = planned_for(get_service("AKTA_LAHIR"), applicant, form)
    principal = planned[0]
    data = {
        "application_id": uuid.uuid4(), "round": 1,
        "requested_at": datetime.now(UTC),
        "application": {
            "tracking_code": f"SLS-OUT{seed:05d}", "service_code": "AKTA_LAHIR",
            "output_document": principal.document, "applicant": applicant, "reporter": None,
            "form": form, "delivery": delivery, "channel": "ONLINE", "filed_at_location": None,
            "output": {"document": principal.document, "card": principal.card},
            "subject": dict(principal.subject),
        },
        "outputs": [p.event() for p in planned],
    }
    envelope = build_envelope("application.issuance_requested", "intake", data)
    return parse_envelope(envelope, "application.issuance_requested")[1]


def issue(sessions, outbox, issuer, data, **options) -> bool:  # noqa: F811
    return issuance.issue(sessions, outbox, issuer, data["application_id"],
                          data["application"], outputs=data["outputs"], **options)


def documents_of(sessions, app_id) -> list[IssuedDocument]:  # noqa: F811
    with sessions() as s:
        return list(s.scalars(select(IssuedDocument)
                              .where(IssuedDocument.application_id == app_id)
                              .order_by(IssuedDocument.allocated_at)))


def events(sessions, event_type: str) -> list[dict]:  # noqa: F811
    with sessions() as s:
        rows = s.execute(OUTBOX.select().where(OUTBOX.c.event_type == event_type)).all()
    return [row.envelope["data"] for row in rows]


def objects(issuer, number: str) -> list[str]:
    return list(issuer.objects.keys(issuer.bucket, f"{number}/"))


def test_a_birth_issues_three_documents_once_each_resuming_after_a_crash(
    sessions, outbox, issuer, pki  # noqa: F811
) -> None:
    data = birth_event(7101)
    app_id = data["application_id"]
    assert [o["key"] for o in data["outputs"]] == ["AKTA_LAHIR", "KK", "KIA"]

    def die_after_first(step: str) -> None:
        if step == "output:1":
            raise Crash

    with pytest.raises(Crash):
        issue(sessions, outbox, issuer, data, crash_point=die_after_first)
    assert [(d.output_key, d.state) for d in documents_of(sessions, app_id)] == [
        ("AKTA_LAHIR", "ISSUED")]

    def die_after_storing(step: str) -> None:
        if step == "stored":
            raise Crash

    with pytest.raises(Crash):  # the redelivery dies too, after storing the KK
        issue(sessions, outbox, issuer, data, crash_point=die_after_storing)
    assert issue(sessions, outbox, issuer, data) is True  # the next one completes
    assert issue(sessions, outbox, issuer, data) is False  # redelivered: nothing to do

    docs = documents_of(sessions, app_id)
    assert [(d.output_key, d.document_type, d.state, d.status, d.kind) for d in docs] == [
        ("AKTA_LAHIR", "AKTA_LAHIR", "ISSUED", "ACTIVE", "ORIGINAL"),
        ("KK", "KK", "ISSUED", "ACTIVE", "ORIGINAL"),
        ("KIA", "KIA", "ISSUED", "ACTIVE", "ORIGINAL"),
    ]
    assert len({d.document_number for d in docs}) == 3
    issued = [e for e in events(sessions, "document.issued")
              if e["application_id"] == str(app_id)]
    assert sorted(e["output_key"] for e in issued) == ["AKTA_LAHIR", "KIA", "KK"]
    for document in docs:
        assert objects(issuer, document.document_number) == [document.object_key]
        pdf = issuer.objects.get(issuer.bucket, document.object_key)
        assert validate_signed_pdf(pdf, pki.ca_file).ok
    # The KIA is a card: it has its own print job (the akta and KK are downloaded).
    with sessions() as s:
        jobs = s.scalars(select(PrintJob).where(PrintJob.application_id == app_id)).all()
        assert [(j.document_number, j.card_type) for j in jobs] == [
            (docs[2].document_number, "KIA")]
        # The KIA prints the number of the akta issued before it.
        assert jobs[0].snapshot["form"]["birth_certificate_number"] == docs[0].document_number
    # The KK is about the family (its KK number), the KIA about the child.
    assert docs[1].holder_name != docs[2].holder_name


def test_a_second_birth_in_the_family_supersedes_the_kk_and_names_it(
    sessions, outbox, issuer  # noqa: F811
) -> None:
    first = birth_event(7102)
    issue(sessions, outbox, issuer, first)
    kk_before = documents_of(sessions, first["application_id"])[1]
    second = birth_event(7102)  # the same family (same KK number), another application
    second["application_id"] = uuid.uuid4()
    issue(sessions, outbox, issuer, second)
    kk_after = documents_of(sessions, second["application_id"])[1]
    with sessions() as s:
        old = s.get(IssuedDocument, kk_before.document_number)
        assert (old.status, old.superseded_by) == ("SUPERSEDED", kk_after.document_number)
        assert public_lookup.verification_view(s, old.document_number)["status"] == "SUPERSEDED"
    (event,) = [e for e in events(sessions, "document.issued")
                if e["document_number"] == kk_after.document_number]
    assert kk_before.document_number in event["superseded"]


def test_a_correction_supersedes_the_document_it_replaces(
    sessions, outbox, issuer  # noqa: F811
) -> None:
    original = birth_event(7103)
    issue(sessions, outbox, issuer, original)
    akta = documents_of(sessions, original["application_id"])[0]
    correction = birth_event(7199)  # another subject: only `replaces` links them
    first = dict(correction["outputs"][0], kind="CORRECTION", replaces=akta.document_number)
    correction["outputs"] = [first]
    issue(sessions, outbox, issuer, correction)
    (new,) = documents_of(sessions, correction["application_id"])
    assert (new.kind, new.replaces) == ("CORRECTION", akta.document_number)
    with sessions() as s:
        old = s.get(IssuedDocument, akta.document_number)
        assert (old.status, old.superseded_by) == ("SUPERSEDED", new.document_number)
        with pytest.raises(Conflict) as refused:
            signers_desk.revoke(s, akta.document_number, "Salah", "kadis", outbox=outbox)
        assert refused.value.code == "DOCUMENT_SUPERSEDED"
        for number in (akta.document_number, new.document_number):  # staff: the chain
            chain = history.document_history(s, number)["history"]
            assert [(d["document_number"], d["status"]) for d in chain] == [
                (akta.document_number, "SUPERSEDED"), (new.document_number, "ACTIVE")]
    (event,) = [e for e in events(sessions, "document.issued")
                if e["document_number"] == new.document_number]
    assert (event["kind"], event["replaces"], event["superseded"]) == (
        "CORRECTION", akta.document_number, [akta.document_number])


def test_revoking_cancels_the_print_job_and_returns_its_blanko(
    sessions, outbox, issuer  # noqa: F811
) -> None:
    kecamatan = f"T{uuid.uuid4().hex[:10]}"  # no KIA blanko there yet
    data = birth_event(7104, kecamatan=kecamatan, delivery="KECAMATAN")
    issue(sessions, outbox, issuer, data)
    docs = documents_of(sessions, data["application_id"])
    with sessions() as s:
        jobs = {j.document_number: j for j in s.scalars(
            select(PrintJob).where(PrintJob.application_id == data["application_id"]))}
    # Delivery at the kecamatan: a print job per document; the KIA waits for blanko.
    assert set(jobs) == {d.document_number for d in docs}
    kia = jobs[docs[2].document_number]
    assert kia.state == "AWAITING_BLANKO"
    with sessions() as s, s.begin():  # stock arrives: the KIA's job gets one reserved
        received = blanko.add_stock(s, outbox, kecamatan, "KIA", 1, "admin")
    assert received["released_jobs"] == [str(kia.id)]
    assert next(r for r in received["stock"] if r["card_type"] == "KIA")["quantity"] == 0

    with sessions() as s, s.begin():
        revoked = signers_desk.revoke(s, docs[2].document_number, "Data keliru", "pengawas",
                                      outbox=outbox, role="supervisor")
    assert revoked["status"] == "REVOKED" and revoked["print_job_state"] == "CANCELLED"
    with sessions() as s, s.begin():
        again = signers_desk.revoke(s, docs[2].document_number, "Lagi", "kadis",
                                    outbox=outbox, role="signer")
    assert again["revoked_at"] == revoked["revoked_at"]
    revoked_events = [e for e in events(sessions, "document.revoked")
                      if e["document_number"] == docs[2].document_number]
    assert len(revoked_events) == 1
    assert revoked_events[0]["revoked_by_role"] == "supervisor"
    assert revoked_events[0]["print_job_cancelled"] is True
    assert "pengawas" not in str(revoked_events)
    changed = [e for e in events(sessions, "print_job.changed")
               if e["document_number"] == docs[2].document_number]
    assert changed[-1]["state"] == "CANCELLED"
    with sessions() as s, s.begin():
        view = blanko.blanko_view(s, kecamatan)
        assert next(r for r in view["stock"] if r["card_type"] == "KIA")["quantity"] == 1
        moves = s.scalars(select(BlankoMovement).where(
            BlankoMovement.kecamatan_code == kecamatan).order_by(BlankoMovement.id)).all()
        assert (moves[-1].kind, moves[-1].quantity, moves[-1].balance) == ("RETURNED", 1, 1)
        queue = print_jobs.print_queue(s, kecamatan)
        assert kia.id not in {uuid.UUID(j["id"]) for j in queue["jobs"]}
        assert len(queue["jobs"]) == 2  # the akta's and the KK's jobs remain
        for action in (print_jobs.mark_printed, print_jobs.mark_collected):
            with pytest.raises(Conflict) as refused:
                action(s, outbox, str(kia.id), kecamatan, "operator")
            assert refused.value.code == "PRINT_JOB_CANCELLED"


def test_manual_signing_parks_each_output_and_signs_them_per_application(
    sessions, outbox, manual_issuer  # noqa: F811
) -> None:
    data = birth_event(7105)
    assert issue(sessions, outbox, manual_issuer, data) is False
    assert issue(sessions, outbox, manual_issuer, data) is False  # redelivered
    docs = documents_of(sessions, data["application_id"])
    assert [d.state for d in docs] == ["AWAITING_SIGNATURE"] * 3
    for document in docs:  # one draft each, no orphan from the redelivery
        assert objects(manual_issuer, document.document_number) == [document.draft_object_key]
    with sessions() as s:
        queued = [d for d in signers_desk.queue(s)["documents"]
                  if d["application_id"] == str(data["application_id"])]
    assert [d["output_key"] for d in queued] == ["AKTA_LAHIR", "KK", "KIA"]
    parked = [e for e in events(sessions, "document.awaiting_signature")
              if e["application_id"] == str(data["application_id"])]
    assert sorted(e["output_key"] for e in parked) == ["AKTA_LAHIR", "KIA", "KK"]

    result = signers_desk.sign_application(sessions, outbox, manual_issuer,
                                           str(data["application_id"]), "kadis")
    assert [r["result"] for r in result["results"]] == ["SIGNED"] * 3
    assert result["result"] == "SIGNED"
    again = signers_desk.sign_application(sessions, outbox, manual_issuer,
                                          str(data["application_id"]), "kadis")
    assert again["result"] == "ALREADY_SIGNED"
    docs = documents_of(sessions, data["application_id"])
    assert [d.state for d in docs] == ["ISSUED"] * 3
    for document in docs:
        assert objects(manual_issuer, document.document_number) == [document.object_key]
