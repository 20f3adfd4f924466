"""Whom each document is about (intake resolves it from the form it owns; printing receives it in
the snapshot): the supersession key and what public verification shows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.intake.applications.snapshot import snapshot
from services.intake.catalogue import card_outputs, get_service, load_catalogue
from services.intake.domain.subject import RULES, Subject, UnknownOutput, document_subject
from services.intake.models import Application
from silasidakep.contracts import IssuanceSnapshotSchema
from tests.support.forms import adult, application_payload

# One service per output document.
BY_OUTPUT = {
    "KK": "KK_PERUBAHAN", "KTP_EL": "KTP_BARU", "KIA": "KIA", "AKTA_LAHIR": "AKTA_LAHIR",
    "AKTA_MATI": "AKTA_MATI", "AKTA_KAWIN": "AKTA_KAWIN", "AKTA_CERAI": "AKTA_CERAI",
    "SKPWNI": "PINDAH_KELUAR", "BIODATA": "BIODATA",
}


def case(service_code: str, seed: int = 1) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(output document, applicant, form as intake stores it) for a synthetic application."""
    payload = application_payload(service_code, adult(seed), seed)
    service = get_service(service_code)
    return service.output_document, payload["applicant"], service.load_form(payload["form"])


def subject_of(output: str, seed: int = 1) -> tuple[Subject, dict[str, Any], dict[str, Any]]:
    output_document, applicant, form = case(BY_OUTPUT[output], seed)
    return document_subject(output_document, applicant, form), applicant, form


def test_kk_subject_is_the_family_shown_by_its_head() -> None:
    output, applicant, form = case("KK_PERUBAHAN")
    head = form["members"][0]
    head.update(name="Kepala Keluarga Lain", nik="3211061203850001")

    assert document_subject(output, applicant, form) == (
        applicant["kk_number"], "Kepala Keluarga Lain", "3211061203850001",
    )


def test_kk_key_is_the_kk_number_as_before() -> None:
    # Documents issued before per-type subjects were keyed by the KK number: a new KK must still
    # supersede them.
    subject, applicant, _ = subject_of("KK")

    assert subject.key == applicant["kk_number"]


def test_kk_without_a_head_of_family_row_shows_the_applicant() -> None:
    output, applicant, form = case("KK_BARU")
    for member in form["members"]:
        member["relationship"] = "ANAK"

    _, name, nik = document_subject(output, applicant, form)

    assert (name, nik) == (applicant["name"], applicant["nik"])


def test_ktp_el_subject_is_the_applicant() -> None:
    subject, applicant, _ = subject_of("KTP_EL")

    assert subject == (applicant["nik"], applicant["name"], applicant["nik"])


def test_kia_subject_is_the_child() -> None:
    subject, _, form = subject_of("KIA")

    assert subject == (form["child_nik"], form["child_name"], form["child_nik"])


def test_birth_certificate_subject_is_the_child_without_a_nik() -> None:
    subject, _, form = subject_of("AKTA_LAHIR")

    assert subject.key == (
        f"{' '.join(form['child_name'].upper().split())}|{form['birth_date']}|{form['mother_nik']}"
    )
    assert subject.name == form["child_name"]
    assert subject.nik is None  # a newborn has no NIK yet: the verification page shows none


def test_birth_certificate_key_ignores_case_and_spacing_of_the_name() -> None:
    output, applicant, form = case("AKTA_LAHIR")
    spaced = {**form, "child_name": "  " + "  ".join(form["child_name"].lower().split())}

    assert document_subject(output, applicant, form).key == (
        document_subject(output, applicant, spaced).key
    )


def test_death_certificate_subject_is_the_deceased_not_the_reporter() -> None:
    output, applicant, form = case("AKTA_MATI")
    form["deceased_name"] = "Almarhum Sintetis"

    assert document_subject(output, applicant, form) == (
        form["deceased_nik"], "Almarhum Sintetis", form["deceased_nik"],
    )


@pytest.mark.parametrize("output", ["AKTA_KAWIN", "AKTA_CERAI"])
def test_marriage_and_divorce_subject_is_the_couple(output: str) -> None:
    subject, _, form = subject_of(output)

    assert subject.key == f"{form['husband_nik']}|{form['wife_nik']}"
    assert subject.name == f"{form['husband_name']} dan {form['wife_name']}"
    assert subject.nik is None  # two people: no single NIK to show


def test_skpwni_subject_is_the_family_and_move_date() -> None:
    subject, applicant, form = subject_of("SKPWNI")

    assert subject == (
        f"{applicant['kk_number']}|{form['planned_move_date']}",
        applicant["name"],
        applicant["nik"],
    )


def test_biodata_subject_is_the_person_whose_data_changed() -> None:
    subject, _, form = subject_of("BIODATA")

    assert subject == (form["subject_nik"], form["subject_name"], form["subject_nik"])


def test_every_catalogue_output_has_a_subject_rule() -> None:
    outputs = {o.document for service in load_catalogue().values() for o in service.outputs}

    assert outputs == set(RULES) == set(BY_OUTPUT)


@pytest.mark.parametrize("code", sorted(c for c, s in load_catalogue().items() if not s.reissue))
def test_every_service_resolves_a_subject_from_its_form(code: str) -> None:
    subject = document_subject(*case(code, seed=3))

    assert subject.key and subject.name


def test_subjects_differ_between_people() -> None:
    assert subject_of("KIA", seed=1)[0] != subject_of("KIA", seed=2)[0]


def test_unknown_output_type_is_rejected() -> None:
    _, applicant, form = case("KK_BARU")

    with pytest.raises(UnknownOutput):
        document_subject("SURAT_SAKTI", applicant, form)


def test_a_missing_subject_field_is_a_clear_error() -> None:
    output, applicant, form = case("AKTA_MATI")
    del form["deceased_nik"]

    with pytest.raises(ValueError, match="deceased_nik"):
        document_subject(output, applicant, form)


def application(service_code: str, seed: int = 1) -> Application:
    """An unsaved application row, enough for the snapshot."""
    _, applicant, form = case(service_code, seed)
    service = get_service(service_code)
    return Application(
        id=uuid.uuid4(), tracking_code="SLS-TEST0001", service_code=service_code,
        service_definition=service.public(), nik=applicant["nik"], name=applicant["name"],
        kk_number=applicant["kk_number"], kecamatan_code=applicant["kecamatan_code"],
        email=applicant["email"], phone=applicant["phone"], form=form, delivery="DOWNLOAD",
    )


@pytest.mark.parametrize("code", ["KK_BARU", "KTP_BARU", "KIA", "AKTA_LAHIR", "AKTA_KAWIN"])
def test_the_snapshot_carries_output_and_subject_for_printing(code: str) -> None:
    app = application(code)
    service = get_service(code)

    carried = snapshot(app)

    assert carried["output"] == {
        "document": service.output_document, "card": service.output_document in card_outputs(),
    }
    assert carried["subject"] == document_subject(
        service.output_document, carried["applicant"], app.form
    )._asdict()
    assert IssuanceSnapshotSchema().validate(IssuanceSnapshotSchema().dump(carried)) == {}


def test_an_older_stored_definition_without_output_card_asks_the_catalogue() -> None:
    app = application("KIA")
    app.service_definition = {
        k: v for k, v in app.service_definition.items() if k != "output_card"
    }

    assert snapshot(app)["output"] == {"document": "KIA", "card": True}
