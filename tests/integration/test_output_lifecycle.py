"""Intake follows every document of an application on real PostgreSQL (issue 16): issued one by
one (ISSUED and the one PIN only when all are), superseded, printed per document, revoked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers, views
from services.intake.catalogue import get_service
from services.intake.outputs.lifecycle import RevocationAhead
from services.intake.outputs.models import ApplicationOutput
from silasidakep.errors import Conflict, Forbidden, NotFound
from tests.integration.test_intake_service_layer import events_for, upload
from tests.support import forms
from tests.support.identities import make_nik

NOW = datetime.now(UTC)


def _approved_birth(intake_sessions: sessionmaker, outbox, seed: int,
                    delivery: str = "DOWNLOAD") -> tuple[str, str]:
    """An approved AKTA_LAHIR with the KIA asked for: akta, updated KK and KIA."""
    payload = forms.application_payload("AKTA_LAHIR", forms.adult(seed), seed)
    born = date.fromisoformat(payload["form"]["birth_date"])
    payload["form"] = {**payload["form"], "request_kia": True,
                       "child_nik": make_nik(birth_date=born, sex="P", serial=seed % 9000 + 1)}
    payload["delivery"] = delivery
    with intake_sessions() as s, s.begin():
        created = commands.create_application(s, outbox, payload)
    app_id, token = created["id"], created["access_token"]
    needed = get_service("AKTA_LAHIR").documents_required_for(payload["form"])
    with intake_sessions() as s, s.begin():
        for doc_type in needed:
            commands.attach_document(s, app_id, token, upload(app_id, doc_type))
    with intake_sessions() as s, s.begin():
        commands.submit(s, outbox, app_id, token)
        consumers.apply_decision(s, outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
            "decided_at": NOW})
    return app_id, token


def _number(kind: str, seed: int) -> str:
    return f"3211-{kind}-2026-{seed:06d}"


def _issued(app_id: str, key: str, number: str, seconds: int, **extra) -> dict:
    return {"application_id": uuid.UUID(app_id), "document_number": number,
            "document_type": key, "object_key": f"{number}/signed.pdf", "sha256": "a" * 64,
            "issued_at": NOW + timedelta(seconds=seconds), "output_key": key,
            "kind": "ORIGINAL", "replaces": None, "superseded": [], **extra}


def _apply(intake_sessions: sessionmaker, apply, outbox, data: dict) -> None:
    with intake_sessions() as s, s.begin():
        apply(s, outbox, data)


def _rows(intake_sessions: sessionmaker, app_id: str) -> list[ApplicationOutput]:
    with intake_sessions() as s:
        return list(s.scalars(select(ApplicationOutput)
                              .where(ApplicationOutput.application_id == uuid.UUID(app_id))
                              .order_by(ApplicationOutput.position)))


def _view(intake_sessions: sessionmaker, app_id: str, token: str) -> dict:
    with intake_sessions() as s:
        return views.view(s, app_id, token)


def _open(intake_sessions: sessionmaker, app_id: str, token: str, pin: str,
          number: str | None = None, outbox=None) -> dict:
    with intake_sessions() as s, s.begin():
        return commands.open_document(s, app_id, token, pin, outbox=outbox,
                                      document_number=number)


def test_every_document_issues_before_the_application_and_one_pin_opens_them(
    intake_sessions, intake_outbox
) -> None:
    app_id, token = _approved_birth(intake_sessions, intake_outbox, 16_101)
    assert [r.output_key for r in _rows(intake_sessions, app_id)] == ["AKTA_LAHIR", "KK", "KIA"]
    akta, kk, kia = _number("AL", 16_101), _number("KK", 16_101), _number("KIA", 16_101)

    # Manual signing: the first draft makes the application wait, the others change nothing.
    for key, number in (("AKTA_LAHIR", akta), ("KK", kk)):
        _apply(intake_sessions, consumers.apply_awaiting_signature, intake_outbox, {
            "application_id": uuid.UUID(app_id), "document_number": number,
            "document_type": key, "drafted_at": NOW, "output_key": key})
    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(app_id, "AKTA_LAHIR", akta, 1))
    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(app_id, "KK", kk, 2))
    view = _view(intake_sessions, app_id, token)
    assert view["status"] == "AWAITING_SIGNATURE"
    assert (view["outputs_issued"], view["outputs_total"]) == (2, 3)
    assert [(d["document_type"], d["state"], d["document_number"]) for d in view["documents"]] == [
        ("AKTA_LAHIR", "ISSUED", akta), ("KK", "ISSUED", kk), ("KIA", "PLANNED", None)]
    assert view["document"]["document_number"] == akta
    assert not any(k == "application.download_pin_issued"
                   for k, _ in events_for(intake_sessions, app_id))

    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(app_id, "KIA", kia, 3))
    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(app_id, "KIA", kia, 3))  # redelivered under a new id: nothing again
    view = _view(intake_sessions, app_id, token)
    assert view["status"] == "ISSUED" and view["outputs_issued"] == 3
    entry = view["documents"][2]
    assert entry["label"] == "Kartu Identitas Anak"
    assert entry["card"] is True and entry["downloadable"] and entry["status"] == "ACTIVE"
    pins = [d for k, d in events_for(intake_sessions, app_id)
            if k == "application.download_pin_issued"]
    assert len(pins) == 1 and pins[0]["document_numbers"] == [akta, kk, kia]
    assert pins[0]["document_number"] == akta
    changes = [d["status"] for k, d in events_for(intake_sessions, app_id)
               if k == "application.status_changed"]
    assert changes.count("ISSUED") == 1 and changes.count("AWAITING_SIGNATURE") == 1

    pin = pins[0]["pin"]
    assert _open(intake_sessions, app_id, token, pin)["document_number"] == akta
    opened = _open(intake_sessions, app_id, token, pin, kia)
    assert opened["object_key"] == f"{kia}/signed.pdf"
    with pytest.raises(NotFound) as unknown:
        _open(intake_sessions, app_id, token, pin, "3211-KK-2026-999999")
    assert unknown.value.code == "DOCUMENT_NOT_FOUND"
    with pytest.raises(Forbidden) as wrong:
        _open(intake_sessions, app_id, token, "000000", kk)
    assert wrong.value.code == "INVALID_PIN"


def test_a_newer_document_supersedes_and_a_revoked_one_is_refused(
    intake_sessions, intake_outbox
) -> None:
    first, first_token = _approved_birth(intake_sessions, intake_outbox, 16_102)
    numbers = {k: _number(k, 16_102) for k in ("AKTA_LAHIR", "KK", "KIA")}
    for seconds, (key, number) in enumerate(numbers.items()):
        _apply(intake_sessions, consumers.apply_issued, intake_outbox,
               _issued(first, key, number, seconds))
    pin = [d for k, d in events_for(intake_sessions, first)
           if k == "application.download_pin_issued"][-1]["pin"]

    # A later application's KK supersedes the first one's (printing says so in the event).
    second, _ = _approved_birth(intake_sessions, intake_outbox, 16_103)
    newer = _number("KK", 16_103)
    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(second, "KK", newer, 10, superseded=[numbers["KK"]]))
    kk = _view(intake_sessions, first, first_token)["documents"][1]
    assert (kk["status"], kk["superseded_by"], kk["downloadable"]) == ("SUPERSEDED", newer, True)
    # Still the citizen's history: it opens, marked.
    opened = _open(intake_sessions, first, first_token, pin, numbers["KK"])
    assert opened["status"] == "SUPERSEDED" and opened["superseded_by"] == newer

    revoked = {"application_id": uuid.UUID(first), "document_number": numbers["KIA"],
               "document_type": "KIA", "output_key": "KIA",
               "reason": "Data NIK 3211064101900007 anak salah.", "revoked_at": NOW,
               "revoked_by_role": "signer", "print_job_cancelled": True}
    _apply(intake_sessions, consumers.apply_revoked, intake_outbox, revoked)
    _apply(intake_sessions, consumers.apply_revoked, intake_outbox, revoked)  # told once
    told = [d for k, d in events_for(intake_sessions, first)
            if k == "application.document_revoked"]
    assert len(told) == 1
    assert told[0]["document_number"] == numbers["KIA"] and told[0]["document_label"]
    assert "3211064101900007" not in told[0]["reason"]  # masked in the event
    assert told[0]["recipient"]["email"]
    view = _view(intake_sessions, first, first_token)
    kia = view["documents"][2]
    assert (kia["status"], kia["print_state"], kia["downloadable"]) == (
        "REVOKED", "CANCELLED", False)
    assert kia["revocation_reason"] and kia["revoked_at"]
    assert view["status"] == "ISSUED"  # the other documents stay valid
    with pytest.raises(Conflict) as refused:
        _open(intake_sessions, first, first_token, pin, numbers["KIA"])
    assert refused.value.code == "DOCUMENT_REVOKED"
    assert "dicabut" in refused.value.message and "anak salah" in refused.value.message
    assert _open(intake_sessions, first, first_token, pin)["document_number"] == numbers[
        "AKTA_LAHIR"]

    # A revocation overtaking the document's issuance waits for it.
    third, _ = _approved_birth(intake_sessions, intake_outbox, 16_104)
    with pytest.raises(RevocationAhead):
        _apply(intake_sessions, consumers.apply_revoked, intake_outbox,
               {**revoked, "application_id": uuid.UUID(third),
                "document_number": _number("KIA", 16_104)})


def _job(app_id: str, number: str | None, seq: int, state: str, job: uuid.UUID) -> dict:
    return {"application_id": uuid.UUID(app_id), "job_id": job, "seq": seq, "state": state,
            "kecamatan_code": "32.11.06", "document_type": "X", "document_number": number,
            "at": NOW + timedelta(minutes=seq)}


def test_print_jobs_per_document_and_the_least_advanced_is_the_status(
    intake_sessions, intake_outbox
) -> None:
    app_id, token = _approved_birth(intake_sessions, intake_outbox, 16_105, delivery="KECAMATAN")
    numbers = {k: _number(k, 16_105) for k in ("AKTA_LAHIR", "KK", "KIA")}
    jobs = {k: uuid.uuid4() for k in numbers}
    _apply(intake_sessions, consumers.apply_issued, intake_outbox,
           _issued(app_id, "AKTA_LAHIR", numbers["AKTA_LAHIR"], 1))
    # A job of an issued document moves before the application is ISSUED: kept on the row.
    for seq, state in ((1, "QUEUED_AT_KECAMATAN"), (2, "PRINTED")):
        _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
               _job(app_id, numbers["AKTA_LAHIR"], seq, state, jobs["AKTA_LAHIR"]))
    # The KK's job change arrives before the KK's issuance: retried.
    with pytest.raises(consumers.PrintJobAhead):
        _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
               _job(app_id, numbers["KK"], 1, "QUEUED_AT_KECAMATAN", jobs["KK"]))
    for seconds, key in ((2, "KK"), (3, "KIA")):
        _apply(intake_sessions, consumers.apply_issued, intake_outbox,
               _issued(app_id, key, numbers[key], seconds))
    assert _view(intake_sessions, app_id, token)["status"] == "ISSUED"  # two jobs unknown
    _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
           _job(app_id, numbers["KK"], 1, "QUEUED_AT_KECAMATAN", jobs["KK"]))
    _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
           _job(app_id, numbers["KIA"], 1, "AWAITING_BLANKO", jobs["KIA"]))
    assert _view(intake_sessions, app_id, token)["status"] == "AWAITING_BLANKO"
    _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
           _job(app_id, numbers["KIA"], 2, "QUEUED_AT_KECAMATAN", jobs["KIA"]))
    for key in ("KK", "KIA"):
        _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
               _job(app_id, numbers[key], 2 if key == "KK" else 3, "PRINTED", jobs[key]))
    view = _view(intake_sessions, app_id, token)
    assert view["status"] == "PRINTED"
    assert [d["print_state"] for d in view["documents"]] == ["PRINTED"] * 3
    # Two collected, the KIA revoked (its job cancelled): the application is COLLECTED.
    for key, seq in (("AKTA_LAHIR", 3), ("KK", 3)):
        _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
               _job(app_id, numbers[key], seq, "COLLECTED", jobs[key]))
    assert _view(intake_sessions, app_id, token)["status"] == "PRINTED"
    _apply(intake_sessions, consumers.apply_revoked, intake_outbox, {
        "application_id": uuid.UUID(app_id), "document_number": numbers["KIA"],
        "document_type": "KIA", "reason": "Salah cetak.", "revoked_at": NOW,
        "revoked_by_role": "supervisor", "print_job_cancelled": True})
    assert _view(intake_sessions, app_id, token)["status"] == "PRINTED"  # not by revocation
    _apply(intake_sessions, consumers.apply_print_job, intake_outbox,
           _job(app_id, numbers["KIA"], 4, "CANCELLED", jobs["KIA"]))
    view = _view(intake_sessions, app_id, token)
    assert view["status"] == "COLLECTED"
    assert [h["status"] for h in view["history"]][-4:] == [
        "AWAITING_BLANKO", "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED"]
    invited = [d for k, d in events_for(intake_sessions, app_id) if k == "survey.invited"]
    assert len(invited) == 1


def test_an_application_in_flight_before_outputs_gets_its_row_on_the_fly(
    intake_sessions, intake_outbox
) -> None:
    app_id, token = _approved_birth(intake_sessions, intake_outbox, 16_106)
    with intake_sessions() as s, s.begin():  # as if approved before rows were planned
        for row in s.scalars(select(ApplicationOutput)
                             .where(ApplicationOutput.application_id == uuid.UUID(app_id))):
            s.delete(row)
    number = _number("AL", 16_106)
    event = _issued(app_id, "AKTA_LAHIR", number, 1)
    event["output_key"] = None  # an older producer
    _apply(intake_sessions, consumers.apply_issued, intake_outbox, event)
    view = _view(intake_sessions, app_id, token)
    assert view["status"] == "ISSUED" and view["outputs_total"] == 1
    assert view["document"]["document_number"] == number
