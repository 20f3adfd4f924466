"""What an application issues (services/intake/outputs/plan.py) and the catalogue rules for
``outputs`` (synthetic people only)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.intake.applications.snapshot import issuance_requested_event, submitted_event
from services.intake.catalogue import ServiceDefinition, get_service, load_catalogue
from services.intake.models import Application
from services.intake.outputs import plan
from silasidakep.contracts import ApplicationSubmitted, IssuanceRequested
from tests.support.forms import adult, application_payload
from tests.support.identities import make_nik

AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def application(code: str, seed: int = 4, definition: dict | None = None,
                **changes: Any) -> Application:
    payload = application_payload(code, adult(seed), seed)
    service = get_service(code)
    applicant = payload["applicant"]
    return Application(
        id=uuid.uuid4(), tracking_code="SLS-TEST0001", service_code=code, round=1,
        service_definition=definition or service.public(), nik=applicant["nik"],
        name=applicant["name"], kk_number=applicant["kk_number"],
        kecamatan_code=applicant["kecamatan_code"], email=applicant["email"],
        phone=applicant["phone"], form=service.load_form({**payload["form"], **changes}),
        delivery="DOWNLOAD", submitted_at=AT, deadline_at=AT, warnings=[], documents=[],
    )


def planned(app: Application) -> list[plan.PlannedOutput]:
    return plan.plan_outputs(None, app)  # an ordinary service reads nothing


def test_a_birth_issues_the_akta_and_the_updated_kk() -> None:
    app = application("AKTA_LAHIR")

    outputs = planned(app)

    assert [(o.key, o.document, o.card, o.kind) for o in outputs] == [
        ("AKTA_LAHIR", "AKTA_LAHIR", False, "ORIGINAL"), ("KK", "KK", False, "ORIGINAL")]
    akta, kk = outputs
    assert akta.form is None and akta.applicant is None  # the application's own
    head = app.form["members"][0]
    assert kk.subject == {"key": app.form["kk_number"], "name": head["name"],
                          "nik": head["nik"]}
    assert kk.form["members"][-1]["name"] == app.form["child_name"]
    assert kk.form["members"][-1]["nik"] is None
    assert {k: kk.form[k] for k in ("address", "rt_rw", "desa_code")} == {
        k: app.form[k] for k in ("address", "rt_rw", "desa_code")}
    assert kk.applicant["kk_number"] == app.form["kk_number"]
    assert kk.applicant["name"] == head["name"]


def test_the_3_in_1_kia_only_when_requested() -> None:
    born = date.today()
    app = application("AKTA_LAHIR", request_kia=True,
                      child_nik=make_nik(birth_date=born, sex="P"))

    kia = planned(app)[2]

    assert (kia.key, kia.document, kia.card) == ("KIA", "KIA", True)
    assert kia.subject == {"key": app.form["child_nik"], "name": app.form["child_name"],
                           "nik": app.form["child_nik"]}
    assert kia.form["child_birth_date"] == app.form["birth_date"]
    assert kia.form["desa_code"] == app.form["desa_code"]
    assert kia.applicant["name"] == app.form["members"][0]["name"]  # the head of family


@pytest.mark.parametrize("code", ["AKTA_MATI", "AKTA_KAWIN", "AKTA_CERAI"])
def test_event_services_issue_their_akta_and_the_updated_kk(code: str) -> None:
    app = application(code)

    outputs = planned(app)

    assert [o.document for o in outputs] == [code, "KK"]
    assert outputs[1].subject["key"] == app.form["kk_number"]


def test_a_biodata_change_reprints_the_ktp_only_on_request() -> None:
    assert [o.document for o in planned(application("BIODATA"))] == ["BIODATA"]
    ktp_fields = {"request_ktp": True, "birth_place": "Sumedang", "birth_date": "1990-01-01",
                  "sex": "L", "religion": "ISLAM", "marital_status": "KAWIN TERCATAT",
                  "occupation": "WIRASWASTA", "address": "Jalan Sintetis 1", "rt_rw": "001/002",
                  "desa_code": "32.11.01.2001"}
    app = application("BIODATA", **ktp_fields)

    ktp = planned(app)[1]

    assert (ktp.document, ktp.card) == ("KTP_EL", True)
    assert ktp.subject["nik"] == ktp.applicant["nik"] == app.form["subject_nik"]
    assert ktp.form["occupation"] == "WIRASWASTA"


def test_ordinary_services_issue_one_document() -> None:
    for code, service in load_catalogue().items():
        if service.reissue or code.startswith("AKTA_") or code == "BIODATA":
            continue
        outputs = planned(application(code))
        assert [o.document for o in outputs] == [service.output_document], code


def test_an_application_from_before_several_outputs_issues_its_one_document() -> None:
    stored = get_service("AKTA_MATI").public()
    for key in ("outputs", "reissue", "verification"):
        stored.pop(key)
    stored["catalogue_version"] = 2
    old = ServiceDefinition.from_public(stored)
    assert [(o.document, o.content) for o in old.outputs] == [("AKTA_MATI", None)]

    assert [o.document for o in planned(application("AKTA_MATI", definition=stored))] == [
        "AKTA_MATI"]


def test_the_issuance_event_lists_every_output_and_the_snapshot_has_the_first() -> None:
    app = application("AKTA_LAHIR")
    outputs = planned(app)

    event = IssuanceRequested().load(
        IssuanceRequested().dump(issuance_requested_event(app, AT, outputs)))

    assert [o["key"] for o in event["outputs"]] == ["AKTA_LAHIR", "KK"]
    assert event["application"]["output"] == {"document": "AKTA_LAHIR", "card": False}
    assert event["application"]["subject"] == outputs[0].subject
    assert event["outputs"][1]["form"]["members"][-1]["relationship"] == "ANAK"


def test_the_verifier_sees_the_family_before_and_after() -> None:
    app = application("AKTA_MATI")

    event = ApplicationSubmitted().load(ApplicationSubmitted().dump(submitted_event(app, None)))

    akta, kk = event["outputs"]
    assert akta == {"key": "AKTA_MATI", "document": "AKTA_MATI",
                    "label": "Kutipan Akta Kematian", "card": False, "optional": False,
                    "requested": True, "kind": "ORIGINAL", "replaces": None}
    assert kk["label"] == "Kartu Keluarga"
    assert kk["family"]["current"] == app.form["members"]
    assert len(kk["family"]["updated"]) == len(app.form["members"]) - 1


def test_an_optional_output_not_asked_for_shows_as_not_requested() -> None:
    outputs = plan.preview(None, application("AKTA_LAHIR"))

    assert [(o["key"], o["optional"], o["requested"]) for o in outputs] == [
        ("AKTA_LAHIR", False, True), ("KK", False, True), ("KIA", True, False)]


def test_subject_hash_is_printings() -> None:
    from services.printing.register import subject_hash  # the test may look at both sides

    assert plan.subject_hash("3211061909259825") == subject_hash("3211061909259825")


# --- the catalogue's outputs ----------------------------------------------------------------------


def _catalogue_with(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(Path("services/intake/catalogue.yaml").read_text(encoding="utf-8"))
    edit(raw)
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return changed


def _service(raw: dict, code: str) -> dict:
    return next(s for s in raw["services"] if s["code"] == code)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"].append({"document": "SURAT_SAKTI"}),
         "unknown document type 'SURAT_SAKTI'"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"][2].update(requested_by="child_name"),
         "not a boolean form field"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"][2].pop("requested_by"),
         "requested_by"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"][0].update(
            optional=True, requested_by="request_kia"), "cannot be optional"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"].append({"document": "KK"}),
         "listed twice"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["outputs"][1].update(content="everything"),
         "content is one of"),
        (lambda raw: _service(raw, "KK_BARU")["outputs"][0].update(content="family_update"),
         "without a family rule"),
        (lambda raw: _service(raw, "KK_BARU").pop("outputs"), "list the documents"),
        (lambda raw: _service(raw, "KK_BARU").update(output_document="KK"),
         "`output_document` is now"),
        (lambda raw: _service(raw, "PEMBETULAN").update(outputs=[{"document": "KK"}]),
         "a reissue service has no `outputs`"),
        (lambda raw: _service(raw, "CETAK_ULANG").update(reissue="REPAINT"), "reissue is one of"),
        (lambda raw: _service(raw, "CETAK_ULANG").update(verification="never"),
         "verification is one of"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["form"][-1]["required_when"].update(
            field="nothing"), "unknown field 'nothing'"),
        (lambda raw: _service(raw, "AKTA_LAHIR")["form"][-1]["required_when"].update(
            equals="ya"), "equals true or false"),
        (lambda raw: raw["document_types"]["KK"]["correctable"].append("shoe_size"),
         "correctable fields not on any form issuing it: shoe_size"),
    ],
)
def test_a_catalogue_with_wrong_outputs_does_not_load(tmp_path: Path, edit, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        load_catalogue(_catalogue_with(tmp_path, edit))


def test_the_public_view_keeps_the_principal_output_for_clients() -> None:
    public = get_service("AKTA_LAHIR").public()

    assert (public["output_document"], public["output_card"]) == ("AKTA_LAHIR", False)
    assert [o["document"] for o in public["outputs"]] == ["AKTA_LAHIR", "KK", "KIA"]
    reprint = get_service("CETAK_ULANG").public()
    assert (reprint["output_document"], reprint["outputs"], reprint["reissue"],
            reprint["verification"]) == (None, [], "REPRINT", "when_unproven")


def test_correction_and_reprint_fields() -> None:
    correction = get_service("PEMBETULAN")
    form = {"document_number": "3211-KM-2026-000012", "reason": "Salah tulis.",
            "corrections": [{"field": "address", "value": "Jalan Baru 2"}]}
    assert correction.load_form(form)["corrections"] == form["corrections"]
    for wrong, path in [
        ({"document_number": "3211-KK-26-12"}, "document_number"),
        ({"corrections": []}, "corrections"),
        ({"corrections": [{"field": "address"}]}, "corrections"),
        ({"corrections": [{"field": "a", "value": 1}] * 11}, "corrections"),
    ]:
        with pytest.raises(Exception) as raised:
            correction.load_form({**form, **wrong})
        assert path in str(raised.value)
    reprint = get_service("CETAK_ULANG")
    assert reprint.documents_required_for({"reason": "HILANG"}) == {"SURAT_KEHILANGAN"}
    assert reprint.documents_required_for({"reason": "RUSAK"}) == {"DOKUMEN_RUSAK"}


def test_a_correction_names_each_field_once() -> None:
    from services.intake import forms

    service = get_service("PEMBETULAN")
    form = service.load_form({
        "document_number": "3211-KK-2026-000012", "reason": "Salah tulis.",
        "corrections": [{"field": "address", "value": "A"}, {"field": "address", "value": "B"}]})

    assert forms.check_form(service, form, date.today()).errors == {
        "form.corrections.1.field": ["Data ini sudah disebut di baris lain."]}
