from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError

from services.intake import forms
from services.intake.catalogue import (
    ServiceDefinition,
    card_outputs,
    get_service,
    load_catalogue,
)
from silasidakep.errors import NotFound
from tests.support.forms import FORMS, adult, form_for

DOMAIN_SERVICES = {
    "KK_BARU", "KK_PERUBAHAN", "KK_HILANG", "KTP_BARU", "KTP_CETAK_ULANG", "KIA", "AKTA_LAHIR",
    "AKTA_MATI", "AKTA_KAWIN", "AKTA_CERAI", "PINDAH_KELUAR", "PINDAH_DATANG", "BIODATA",
    "PEMBETULAN", "CETAK_ULANG",  # correction and reprint of a document this system issued
}
TODAY = date.today()


def test_catalogue_has_every_service_of_the_domain_brief() -> None:
    catalogue = load_catalogue()
    assert set(catalogue) == DOMAIN_SERVICES == set(FORMS)
    for service in catalogue.values():
        # A reprint's evidence depends on the reason (police report or the damaged document).
        assert service.required_document_types or service.code == "CETAK_ULANG", service.code
        assert service.target_working_days >= 1
        public = service.public()
        assert "fee" not in str(public).lower()  # adminduk services are free by law


def test_in_person_steps_follow_the_law() -> None:
    ktp = get_service("KTP_BARU")
    assert ktp.steps_before_issuance == ("BIOMETRICS",)
    assert get_service("KTP_CETAK_ULANG").steps_before_issuance == ()
    assert {p.step for p in get_service("KIA").presence} == {"COLLECTION"}
    assert get_service("PINDAH_KELUAR").presence == ()


def test_kk_forms_carry_the_family_member_table_with_official_vocabularies() -> None:
    kk = get_service("KK_PERUBAHAN")
    members = next(f for f in kk.form_fields if f["name"] == "members")
    assert members["type"] == "members"
    assert "KEPALA KELUARGA" in kk.vocabularies["relationship"]
    form = form_for("KK_PERUBAHAN", adult(1))
    form["members"][0]["religion"] = "PASTAFARI"
    with pytest.raises(ValidationError) as raised:
        kk.load_form(form)
    assert raised.value.messages["members"][0]["religion"] == [
        "Pilih salah satu nilai yang tersedia."
    ]


@pytest.mark.parametrize("code", sorted(DOMAIN_SERVICES))
def test_every_service_accepts_its_synthetic_form_without_errors(code: str) -> None:
    service = get_service(code)
    loaded = service.load_form(form_for(code, adult(7), seed=7))
    found = forms.check_form(service, loaded, TODAY)
    assert found.errors == {}


def test_a_definition_round_trips_through_its_public_snapshot() -> None:
    for service in load_catalogue().values():
        assert ServiceDefinition.from_public(service.public()).public() == service.public()


def test_a_changed_catalogue_does_not_change_an_application_in_flight(tmp_path: Path) -> None:
    snapshot = get_service("PINDAH_KELUAR").public()
    raw = yaml.safe_load(Path("services/intake/catalogue.yaml").read_text(encoding="utf-8"))
    raw["version"] = 99
    entry = next(s for s in raw["services"] if s["code"] == "PINDAH_KELUAR")
    entry["form"].append({"name": "new_required", "label": "Baru", "type": "string",
                          "required": True})
    changed_file = tmp_path / "catalogue.yaml"
    changed_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    changed = load_catalogue(changed_file)["PINDAH_KELUAR"]
    form = form_for("PINDAH_KELUAR", adult(3))
    with pytest.raises(ValidationError):
        changed.load_form(form)
    # The application created under the old version still validates against its snapshot.
    assert ServiceDefinition.from_public(snapshot).load_form(form)["move_reason"] == "PEKERJAAN"
    assert changed.catalogue_version == 99 != snapshot["catalogue_version"]


def test_cards_are_declared_once_in_the_document_types_table() -> None:
    assert card_outputs() == {"KTP_EL", "KIA"}
    for service in load_catalogue().values():
        if service.reissue:
            continue
        assert service.output_card is (service.output_document in card_outputs())
        assert all(o.card is (o.document in card_outputs()) for o in service.outputs)
        assert service.public()["output_card"] is service.output_card
    assert get_service("KTP_BARU").output_card and not get_service("AKTA_LAHIR").output_card


def test_a_stored_definition_from_before_output_card_asks_the_document_types_table() -> None:
    stored = {k: v for k, v in get_service("KIA").public().items() if k != "output_card"}

    assert ServiceDefinition.from_public(stored).output_card is True


def _catalogue_with(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(Path("services/intake/catalogue.yaml").read_text(encoding="utf-8"))
    edit(raw)
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return changed


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda raw: raw["document_types"].pop("KIA"), "unknown document type 'KIA'"),
        (lambda raw: raw.pop("document_types"), "needs a `document_types` table"),
        (lambda raw: raw.update(outputs=raw.pop("document_types")), "is now `document_types`"),
        (lambda raw: raw["document_types"]["KIA"].update(card="ya"), "document_types.KIA"),
        (lambda raw: raw["document_types"]["KIA"].update(x=1), "document_types.KIA"),
        (lambda raw: raw["document_types"]["KIA"].pop("label"), "document_types.KIA"),
    ],
)
def test_a_catalogue_with_undeclared_or_malformed_outputs_does_not_load(
    tmp_path: Path, edit, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        load_catalogue(_catalogue_with(tmp_path, edit))


def test_documents_required_only_for_some_answers() -> None:
    kk_lost = get_service("KK_HILANG")
    assert "SURAT_KEHILANGAN" in kk_lost.documents_required_for({"reason": "HILANG"})
    assert "SURAT_KEHILANGAN" not in kk_lost.documents_required_for({"reason": "RUSAK"})
    assert "KK_RUSAK" in kk_lost.documents_required_for({"reason": "RUSAK"})


def test_unknown_service_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_service("KTP_TERBANG")


def _findings(code: str, **changes: object) -> forms.Findings:
    service = get_service(code)
    form = {**form_for(code, adult(5), seed=5), **changes}
    return forms.check_form(service, service.load_form(form), TODAY)


def test_a_birth_in_the_future_is_rejected_and_a_late_report_is_a_warning() -> None:
    future = _findings("AKTA_LAHIR", birth_date=(TODAY + timedelta(days=1)).isoformat())
    assert future.errors == {"form.birth_date": ["Tanggal tidak boleh di masa depan."]}
    late = _findings("AKTA_LAHIR", birth_date=(TODAY - timedelta(days=61)).isoformat())
    assert late.errors == {}
    assert [w["code"] for w in late.warnings] == ["REPORTED_LATE"]
    assert _findings("AKTA_MATI",
                     death_date=(TODAY - timedelta(days=31)).isoformat()).warnings[0]["field"] == (
        "form.death_date"
    )


def test_new_registrations_follow_the_naming_rule() -> None:
    found = _findings("AKTA_LAHIR", child_name="Budi")
    assert "paling sedikit 2 kata" in found.errors["form.child_name"][0]
    # Existing names (e.g. a deceased person's) are not re-judged by the 2022 rule.
    assert _findings("AKTA_MATI", deceased_name="Sukarno").errors == {}


def test_nik_hard_rules_reject_and_soft_rules_warn() -> None:
    form = form_for("AKTA_KAWIN", adult(2), seed=2)
    wife = form["wife_nik"]
    found = _findings("AKTA_KAWIN", wife_nik=wife[:6] + "00" + wife[8:])
    assert "harus 01-31" in found.errors["form.wife_nik"][0]
    # A man's NIK given as the wife's: a warning for the verifier, not a rejection.
    members = form["members"]
    members[0]["nik"], members[1]["nik"] = members[1]["nik"], members[0]["nik"]
    swapped = _findings("AKTA_KAWIN", wife_nik=form["husband_nik"], husband_nik=wife,
                        members=members)
    assert swapped.errors == {}
    assert "NIK_SEX_MISMATCH" in {w["code"] for w in swapped.warnings if w["field"] in (
        "form.wife_nik", "form.husband_nik")}


def test_region_codes_are_checked_against_the_vendored_list() -> None:
    found = _findings("KTP_BARU", desa_code="32.73.01.1001")
    assert found.errors == {"form.desa_code": ["Wilayah harus berada di Kabupaten Sumedang."]}
    unknown = _findings("PINDAH_KELUAR", destination_desa_code="32.11.99.2999")
    assert unknown.errors["form.destination_desa_code"] == [
        "Kode desa/kelurahan tidak dikenal. Pilih dari daftar."
    ]


def test_ktp_needs_seventeen_years_unless_married() -> None:
    young = (TODAY - timedelta(days=365 * 16)).isoformat()
    assert "Usia minimal 17" in _findings("KTP_BARU", birth_date=young).errors[
        "form.birth_date"][0]
    assert _findings("KTP_BARU", birth_date=young, reason="SUDAH_KAWIN").errors == {}


def test_a_kk_needs_exactly_one_head_of_family() -> None:
    form = form_for("KK_BARU", adult(4), seed=4)
    for member in form["members"]:
        member["relationship"] = "ANAK"
    found = _findings("KK_BARU", members=form["members"])
    assert found.errors == {
        "form.members": ["Tepat satu anggota harus berstatus KEPALA KELUARGA."]
    }


def test_applicant_kecamatan_must_be_in_sumedang() -> None:
    person = adult(9)
    applicant = {"nik": person.nik, "kk_number": person.kk_number, "kecamatan_code": "32.73.01"}
    assert forms.check_applicant(applicant).errors == {
        "applicant.kecamatan_code": ["Wilayah harus berada di Kabupaten Sumedang."]
    }
    applicant["kecamatan_code"] = person.kecamatan_code
    assert forms.check_applicant(applicant).errors == {}
