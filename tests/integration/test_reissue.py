"""Correction (PEMBETULAN) and reprint (CETAK_ULANG) of an issued document on real PostgreSQL
(issue 16): who may ask for which document, what the new document renders from, refusals that
write nothing, and the reprint that needs no verifier for a proven identity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers
from services.intake.models import Application
from services.intake.outputs import plan, reissue
from silasidakep.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tests.integration.test_intake_service_layer import events_for, upload
from tests.integration.test_output_lifecycle import _apply, _approved_birth, _issued, _number
from tests.support import forms

NOW = datetime.now(UTC)


def _issued_birth(intake_sessions: sessionmaker, outbox, seed: int) -> dict:
    """A birth whose akta, updated KK and KIA are issued; its form, numbers and applicant."""
    app_id, _ = _approved_birth(intake_sessions, outbox, seed)
    numbers = {"AKTA_LAHIR": _number("AL", seed), "KK": _number("KK", seed),
               "KIA": _number("KIA", seed)}
    for position, (key, number) in enumerate(numbers.items()):
        _apply(intake_sessions, consumers.apply_issued, outbox,
               _issued(app_id, key, number, position))
    with intake_sessions() as s:
        app = s.get(Application, uuid.UUID(app_id))
        return {"id": app_id, "form": dict(app.form), "numbers": numbers,
                "applicant": plan.applicant_of(app)}


def _payload(service: str, birth: dict, form: dict, nik: str | None = None) -> dict:
    applicant = {**birth["applicant"], "nik": nik or birth["applicant"]["nik"]}
    applicant = {k: v for k, v in applicant.items() if v is not None}
    return {"service_code": service, "applicant": applicant, "form": form}


def _count(intake_sessions: sessionmaker) -> int:
    with intake_sessions() as s:
        return s.scalar(select(func.count()).select_from(Application))


def _create(intake_sessions: sessionmaker, outbox, payload: dict, **kwargs) -> dict:
    with intake_sessions() as s, s.begin():
        return commands.create_application(s, outbox, payload, **kwargs)


def _refused(intake_sessions: sessionmaker, outbox, payload: dict) -> DomainError:
    before = _count(intake_sessions)
    with pytest.raises(DomainError) as refused:
        _create(intake_sessions, outbox, payload)
    assert _count(intake_sessions) == before  # nothing written
    return refused.value


def test_a_correction_renders_the_old_document_with_the_new_values(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_301)
    akta = birth["numbers"]["AKTA_LAHIR"]
    form = {"document_number": akta, "reason": "Salah tulis nama anak.",
            "corrections": [{"field": "child_name", "value": "Siti Aminah Rahayu"}]}
    created = _create(intake_sessions, intake_outbox, _payload("PEMBETULAN", birth, form))
    with intake_sessions() as s:
        app = s.get(Application, uuid.UUID(created["id"]))
        [output] = plan.plan_outputs(s, app)
        [shown] = plan.preview(s, app)
    assert (output.key, output.document, output.kind, output.replaces) == (
        "AKTA_LAHIR", "AKTA_LAHIR", "CORRECTION", akta)
    assert output.form["child_name"] == "Siti Aminah Rahayu"
    # Everything else as the old akta showed it, for the same person (not the form's reason).
    assert output.form["father_name"] == birth["form"]["father_name"]
    assert "corrections" not in output.form
    assert output.applicant["nik"] == birth["applicant"]["nik"]
    assert shown["changes"] == [{"field": "child_name", "label": shown["changes"][0]["label"],
                                 "old": birth["form"]["child_name"],
                                 "new": "Siti Aminah Rahayu"}]


def test_a_kk_correction_changes_the_updated_family_and_a_family_member_may_ask(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_302)
    kk = birth["numbers"]["KK"]
    with intake_sessions() as s:
        family = reissue.source_of(s, kk).output.form["members"]
    assert len(family) == 3  # the parents and the child the birth added
    changed = [dict(m) for m in family]
    changed[0]["occupation"] = "PETANI"
    mother = next(m for m in family if m["relationship"] == "ISTRI")
    form = {"document_number": kk, "reason": "Pekerjaan kepala keluarga salah.",
            "corrections": [{"field": "members", "value": changed}]}
    created = _create(intake_sessions, intake_outbox,
                      _payload("PEMBETULAN", birth, form, nik=mother["nik"]))
    with intake_sessions() as s:
        app = s.get(Application, uuid.UUID(created["id"]))
        [output] = plan.plan_outputs(s, app)
        [shown] = plan.preview(s, app)
    assert output.document == "KK" and output.subject["key"] == birth["form"]["kk_number"]
    assert output.form["members"][0]["occupation"] == "PETANI"
    assert shown["family"]["current"] == family and shown["family"]["updated"] == changed


def test_the_kia_reprint_keeps_the_akta_number_printing_gave_it(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_303)
    with intake_sessions() as s:
        source = reissue.source_of(s, birth["numbers"]["KIA"])
    assert source.output.form["birth_certificate_number"] == birth["numbers"]["AKTA_LAHIR"]
    assert source.output.card is True


CORRECTION_CASES = [
    ({"document_number": "3211-KK-2026-999999"}, NotFound, "DOCUMENT_UNKNOWN"),
    ({"corrections": [{"field": "deceased_name", "value": "Budi"}]}, ValidationFailed,
     "FIELD_NOT_ON_DOCUMENT"),
    ({"corrections": [{"field": "child_sex", "value": "X"}]}, ValidationFailed, "INVALID_VALUE"),
    ({"corrections": [{"field": "birth_date", "value": "2999-01-01"}]}, ValidationFailed,
     "INVALID_VALUE"),
    ("same", ValidationFailed, "NO_CHANGE"),
]


@pytest.mark.parametrize(("change", "error", "code"), CORRECTION_CASES)
def test_a_correction_the_document_does_not_allow_is_refused_and_writes_nothing(
    intake_sessions, intake_outbox, change, error, code
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox,
                          16_310 + CORRECTION_CASES.index((change, error, code)))
    form = {"document_number": birth["numbers"]["AKTA_LAHIR"], "reason": "Salah tulis.",
            "corrections": [{"field": "child_name", "value": "Nama Baru"}]}
    if change == "same":
        change = {"corrections": [{"field": "child_name", "value": birth["form"]["child_name"]}]}
    refusal = _refused(intake_sessions, intake_outbox,
                       _payload("PEMBETULAN", birth, {**form, **change}))
    assert isinstance(refusal, error) and refusal.code == code


def test_only_the_applicant_the_holder_or_the_family_may_ask(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_320)
    stranger = forms.adult(16_321)
    form = {"document_number": birth["numbers"]["KK"], "reason": "RUSAK"}
    refusal = _refused(intake_sessions, intake_outbox,
                       _payload("CETAK_ULANG", birth, form, nik=stranger.nik))
    assert isinstance(refusal, Forbidden) and refusal.code == "DOCUMENT_NOT_YOURS"


def test_a_revoked_or_superseded_document_is_neither_corrected_nor_reprinted(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_330)
    kk, akta = birth["numbers"]["KK"], birth["numbers"]["AKTA_LAHIR"]
    _apply(intake_sessions, consumers.apply_revoked, intake_outbox, {
        "application_id": uuid.UUID(birth["id"]), "document_number": kk, "document_type": "KK",
        "reason": "Data tidak sah.", "revoked_at": NOW, "output_key": "KK",
        "revoked_by_role": "supervisor"})
    refusal = _refused(intake_sessions, intake_outbox,
                       _payload("CETAK_ULANG", birth, {"document_number": kk, "reason": "HILANG"}))
    assert isinstance(refusal, Conflict) and refusal.code == "DOCUMENT_REVOKED"

    # A reprint of the akta supersedes it: the old number can no longer be used.
    with intake_sessions() as s, s.begin():
        from services.intake.outputs import lifecycle
        lifecycle.supersede(s, [akta], "3211-AL-2026-900001", NOW)
    refusal = _refused(intake_sessions, intake_outbox,
                       _payload("CETAK_ULANG", birth, {"document_number": akta,
                                                       "reason": "RUSAK"}))
    assert isinstance(refusal, Conflict) and refusal.code == "DOCUMENT_SUPERSEDED"
    assert "3211-AL-2026-900001" in refusal.message


def _submit(intake_sessions: sessionmaker, outbox, created: dict, doc_type: str) -> dict:
    with intake_sessions() as s, s.begin():
        commands.attach_document(s, created["id"], created["access_token"],
                                 upload(created["id"], doc_type))
    with intake_sessions() as s, s.begin():
        return commands.submit(s, outbox, created["id"], created["access_token"])


def test_a_reprint_filed_at_a_counter_skips_the_verifier_and_a_guests_does_not(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_340)
    form = {"document_number": birth["numbers"]["KK"], "reason": "RUSAK"}
    guest = _create(intake_sessions, intake_outbox, _payload("CETAK_ULANG", birth, form))
    assert _submit(intake_sessions, intake_outbox, guest, "DOKUMEN_RUSAK")["status"] == "SUBMITTED"
    assert "application.submitted" in [k for k, _ in events_for(intake_sessions, guest["id"])]

    desk = _create(intake_sessions, intake_outbox, _payload("CETAK_ULANG", birth, form),
                   counter=("KECAMATAN", "32.11.01"))
    assert _submit(intake_sessions, intake_outbox, desk, "DOKUMEN_RUSAK")["status"] == "APPROVED"
    kinds = [k for k, _ in events_for(intake_sessions, desk["id"])]
    assert "application.submitted" not in kinds
    [requested] = [d for k, d in events_for(intake_sessions, desk["id"])
                   if k == "application.issuance_requested"]
    [output] = requested["outputs"]
    assert (output["document"], output["kind"], output["replaces"]) == (
        "KK", "REPRINT", birth["numbers"]["KK"])
    assert output["form"]["members"] and output["subject"]["key"] == birth["form"]["kk_number"]


def test_a_document_revoked_after_the_draft_is_refused_at_submission(
    intake_sessions, intake_outbox
) -> None:
    birth = _issued_birth(intake_sessions, intake_outbox, 16_350)
    kk = birth["numbers"]["KK"]
    draft = _create(intake_sessions, intake_outbox,
                    _payload("CETAK_ULANG", birth, {"document_number": kk, "reason": "RUSAK"}))
    _apply(intake_sessions, consumers.apply_revoked, intake_outbox, {
        "application_id": uuid.UUID(birth["id"]), "document_number": kk, "document_type": "KK",
        "reason": "Data tidak sah.", "revoked_at": NOW, "output_key": "KK",
        "revoked_by_role": "supervisor"})
    with pytest.raises(Conflict) as refused:
        _submit(intake_sessions, intake_outbox, draft, "DOKUMEN_RUSAK")
    assert refused.value.code == "DOCUMENT_REVOKED"
    with intake_sessions() as s:
        assert s.get(Application, uuid.UUID(draft["id"])).status == "DRAFT"
