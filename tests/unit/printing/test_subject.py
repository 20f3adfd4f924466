"""Whom each document is about: the supersession key and what public verification shows."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from services.printing import issuance
from services.printing.documents.numbering import REGISTER_CODES
from services.printing.issuance import display_name, document_subject, subject_hash
from silasidakep.masking import mask_nik

from .samples import SNAPSHOTS, akta_lahir_snapshot


def test_kk_subject_is_the_family_shown_by_its_head() -> None:
    snapshot = SNAPSHOTS["KK"]()
    head = snapshot["form"]["members"][0]

    assert document_subject(snapshot) == (
        snapshot["applicant"]["kk_number"],
        head["name"],
        head["nik"],
    )


def test_kk_key_hashes_like_before_templates() -> None:
    # Documents issued before per-type subjects stored sha256(kk_number); a new KK must still
    # supersede them.
    snapshot = SNAPSHOTS["KK"]()
    key, _, _ = document_subject(snapshot)

    expected = hashlib.sha256(snapshot["applicant"]["kk_number"].encode()).hexdigest()
    assert subject_hash(key) == expected


def test_kk_without_a_head_of_family_row_shows_the_applicant() -> None:
    snapshot = SNAPSHOTS["KK"]()
    for member in snapshot["form"]["members"]:
        member["relationship"] = "ANAK"

    _, name, nik = document_subject(snapshot)

    assert (name, nik) == (snapshot["applicant"]["name"], snapshot["applicant"]["nik"])


def test_ktp_el_subject_is_the_applicant() -> None:
    snapshot = SNAPSHOTS["KTP_EL"]()
    applicant = snapshot["applicant"]

    assert document_subject(snapshot) == (applicant["nik"], applicant["name"], applicant["nik"])


def test_kia_subject_is_the_child() -> None:
    form = SNAPSHOTS["KIA"]()["form"]

    assert document_subject(SNAPSHOTS["KIA"]()) == (
        form["child_nik"],
        form["child_name"],
        form["child_nik"],
    )


def test_birth_certificate_subject_is_the_child_without_a_nik() -> None:
    snapshot = akta_lahir_snapshot()
    form = snapshot["form"]

    key, name, nik = document_subject(snapshot)

    assert key == f"{form['child_name'].upper()}|{form['birth_date']}|{form['mother_nik']}"
    assert name == form["child_name"]
    assert nik is None  # a newborn has no NIK yet: the verification page shows none


def test_birth_certificate_key_ignores_case_and_spacing_of_the_name() -> None:
    first = akta_lahir_snapshot()
    second = akta_lahir_snapshot()
    second["form"]["child_name"] = "  " + "  ".join(first["form"]["child_name"].lower().split())

    assert document_subject(first)[0] == document_subject(second)[0]


def test_death_certificate_subject_is_the_deceased() -> None:
    snapshot = SNAPSHOTS["AKTA_MATI"]()
    form = snapshot["form"]

    assert document_subject(snapshot) == (
        form["deceased_nik"],
        form["deceased_name"],
        form["deceased_nik"],
    )
    assert snapshot["applicant"]["name"] != form["deceased_name"]  # not the reporter


@pytest.mark.parametrize("output", ["AKTA_KAWIN", "AKTA_CERAI"])
def test_marriage_and_divorce_subject_is_the_couple(output: str) -> None:
    form = SNAPSHOTS[output]()["form"]

    key, name, nik = document_subject(SNAPSHOTS[output]())

    assert key == f"{form['husband_nik']}|{form['wife_nik']}"
    assert name == f"{form['husband_name']} dan {form['wife_name']}"
    assert nik is None  # two people: no single NIK to show


def test_skpwni_subject_is_the_family_and_move_date() -> None:
    snapshot = SNAPSHOTS["SKPWNI"]()
    applicant, form = snapshot["applicant"], snapshot["form"]

    assert document_subject(snapshot) == (
        f"{applicant['kk_number']}|{form['planned_move_date']}",
        applicant["name"],
        applicant["nik"],
    )


def test_biodata_subject_is_the_person_whose_data_changed() -> None:
    form = SNAPSHOTS["BIODATA"]()["form"]

    assert document_subject(SNAPSHOTS["BIODATA"]()) == (
        form["subject_nik"],
        form["subject_name"],
        form["subject_nik"],
    )


def test_every_output_type_has_a_subject() -> None:
    keys = {output: document_subject(build())[0] for output, build in SNAPSHOTS.items()}

    assert all(keys.values())
    assert set(keys) == set(issuance.TEMPLATES) - {"SUKET"}  # a Suket is about its card's subject


def test_subjects_differ_between_people() -> None:
    assert document_subject(SNAPSHOTS["KIA"](seed=1)) != document_subject(SNAPSHOTS["KIA"](seed=2))


def test_unknown_output_type_is_rejected() -> None:
    with pytest.raises(issuance.UnsupportedDocument):
        document_subject({**SNAPSHOTS["KK"](), "output_document": "SURAT_SAKTI"})


def test_a_missing_subject_field_is_a_clear_error() -> None:
    snapshot = SNAPSHOTS["AKTA_MATI"]()
    del snapshot["form"]["deceased_nik"]

    with pytest.raises(ValueError, match="deceased_nik"):
        document_subject(snapshot)


def test_display_name_fits_the_register_column() -> None:
    long = "Yohanes Bonaventura Sitompul Simanjuntak dan Maria Magdalena Sihombing Lumbantobing"

    shown = display_name(long)

    assert len(shown) == 60 and shown.endswith("\u2026")
    assert display_name("  Siti   Aminah ") == "Siti Aminah"


class FakeSession:
    """Just enough of a SQLAlchemy session for `allocate` on a new application."""

    def __init__(self) -> None:
        self.added: list = []

    def scalars(self, statement):
        return self  # .first(): no document for this application yet

    def first(self):
        return None

    def execute(self, statement):
        return self  # .scalar_one(): the next serial

    def scalar_one(self) -> int:
        return 42

    def add(self, row) -> None:
        self.added.append(row)


@pytest.mark.parametrize("output", sorted(SNAPSHOTS))
def test_allocate_registers_the_subject_for_verification(output: str) -> None:
    snapshot = SNAPSHOTS[output]()
    key, name, nik = document_subject(snapshot)
    session = FakeSession()

    document = issuance.allocate(session, uuid.uuid4(), snapshot, output)  # type: ignore[arg-type]

    assert session.added == [document]
    assert document.document_type == output
    register = REGISTER_CODES.get(output, output)
    assert document.document_number.startswith(f"3211-{register}-")
    assert document.subject_hash == subject_hash(key)
    assert document.holder_name == display_name(name)
    if nik is None:
        assert document.nik_masked == ""
    else:
        assert document.nik_masked == mask_nik(nik) and nik not in document.nik_masked


def test_allocate_shows_the_child_and_no_nik_for_a_birth_certificate() -> None:
    snapshot = akta_lahir_snapshot()

    session = FakeSession()

    document = issuance.allocate(session, uuid.uuid4(), snapshot, "AKTA_LAHIR")  # type: ignore[arg-type]

    assert document.holder_name == snapshot["form"]["child_name"]
    assert document.nik_masked == ""
