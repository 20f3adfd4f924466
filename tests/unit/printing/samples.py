"""Synthetic documents for the printing tests (made-up names and NIKs only)."""

from __future__ import annotations

import datetime as dt

from faker import Faker

from services.printing.documents.content import DocumentContent
from tests.support.identities import Person, make_person
from tests.support.snapshots import for_issuance

SIGNER_NAME = "Dr. Hj. Ratna Kusumawati, M.Si."
SIGNER_TITLE = "KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN SUMEDANG"


def make_kk(serial: int = 123, **overrides) -> DocumentContent:
    number = f"3211-KK-2026-{serial:06d}"
    values = dict(
        document_type="KK",
        title="KARTU KELUARGA",
        document_number=number,
        issued_at=dt.datetime(2026, 11, 28, 9, 30),
        region_name="KABUPATEN SUMEDANG",
        signer_name=SIGNER_NAME,
        signer_title=SIGNER_TITLE,
        verify_url=f"https://silasidakep.example.test/v/{number}",
        fields=[
            ("Nomor KK", "3211062811260001"),
            ("Nama Kepala Keluarga", "Budi Santoso"),
            ("Alamat", "Jl. Prabu Geusan Ulun No. 17 & Gg. Melati"),
            ("RT/RW", "003/007"),
            ("Desa/Kelurahan", "Regol Wetan"),
            ("Kecamatan", "Sumedang Selatan"),
            ("Kabupaten/Kota", "Sumedang"),
            ("Kode Pos", "45311"),
            ("Provinsi", "Jawa Barat"),
        ],
        members=[
            _member(
                "Budi Santoso",
                "3211061203850001",
                "Laki-laki",
                "12-03-1985",
                "Kepala Keluarga",
                "Kawin",
                "S1",
                "Pegawai Negeri Sipil",
            ),
            _member(
                "Siti Aminah",
                "3211064107900002",
                "Perempuan",
                "01-07-1990",
                "Istri",
                "Kawin",
                "SLTA/Sederajat",
                "Mengurus Rumah Tangga",
            ),
            _member(
                "Rizky Pratama Santoso",
                "3211061505150003",
                "Laki-laki",
                "15-05-2015",
                "Anak",
                "Belum Kawin",
                "Tamat SD/Sederajat",
                "Pelajar/Mahasiswa",
            ),
            _member(
                "Nur Aisyah Putri Santoso",
                "3211066208190004",
                "Perempuan",
                "22-08-2019",
                "Anak",
                "Belum Kawin",
                "Tidak/Belum Sekolah",
                "Belum/Tidak Bekerja",
            ),
        ],
    )
    values.update(overrides)
    return DocumentContent(**values)


def _member(
    name: str,
    nik: str,
    sex: str,
    born: str,
    relation: str,
    marital: str,
    education: str,
    job: str,
) -> dict[str, str]:
    is_child = relation == "Anak"
    return {
        "Nama Lengkap": name,
        "NIK": nik,
        "Jenis Kelamin": sex,
        "Tempat Lahir": "Sumedang",
        "Tanggal Lahir": born,
        "Agama": "Islam",
        "Pendidikan": education,
        "Jenis Pekerjaan": job,
        "Status Perkawinan": marital,
        "Hubungan dalam Keluarga": relation,
        "Kewarganegaraan": "WNI",
        "Nama Ayah": "Budi Santoso" if is_child else "Ahmad Hidayat",
        "Nama Ibu": "Siti Aminah" if is_child else "Euis Komariah",
    }


# --- application snapshots, one builder per output document ----------------------------------
# Everyone here is synthetic: NIKs and KK numbers come from tests/support/identities.py, names
# from Faker id_ID. Dates are fixed so that rendered documents are reproducible.

TODAY = dt.date(2026, 11, 28)
ISSUED_AT = dt.datetime(2026, 11, 28, 9, 30)
PUBLIC_BASE_URL = "https://silasidakep.example.test"
KECAMATAN = "32.11.06"
DESA = "32.11.06.2001"  # a desa in the kecamatan above
OUTSIDE_DESA = "32.73.01.1001"  # a kelurahan in Kota Bandung, where people move to


def _faker(seed: int) -> Faker:
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    return faker


def _person(faker: Faker, sex: str | None = None, min_age: int = 0, max_age: int = 90) -> Person:
    while True:
        person = make_person(faker=faker, region=KECAMATAN)
        age = (TODAY - person.birth_date).days // 365
        if (sex is None or person.sex == sex) and min_age <= age <= max_age:
            return person


def _applicant(person: Person) -> dict[str, str]:
    return {
        "nik": person.nik,
        "name": person.name,
        "kk_number": person.kk_number,
        "kecamatan_code": person.kecamatan_code,
        "email": person.email,
        "phone": person.phone,
    }


def _snapshot(service_code: str, output: str, applicant: Person, form: dict) -> dict:
    return for_issuance({
        "tracking_code": f"SLS-{service_code[:4]}0001",
        "service_code": service_code,
        "output_document": output,
        "applicant": _applicant(applicant),
        "form": form,
    })


def _address() -> dict[str, str]:
    return {"address": "Jalan Prabu Geusan Ulun No. 12", "rt_rw": "002/005", "desa_code": DESA}


def _member_form(person: Person, relationship: str, marital: str, father: str, mother: str) -> dict:
    child = relationship == "ANAK"
    return {
        "nik": person.nik,
        "name": person.name,
        "sex": person.sex,
        "birth_place": person.birth_place,
        "birth_date": person.birth_date.isoformat(),
        "religion": "ISLAM",
        "education": "TAMAT SD/SEDERAJAT" if child else "DIPLOMA IV/STRATA I",
        "occupation": "PELAJAR/MAHASISWA" if child else "KARYAWAN SWASTA",
        "marital_status": marital,
        "relationship": relationship,
        "citizenship": "WNI",
        "father_name": father,
        "mother_name": mother,
    }


def family(seed: int = 1) -> tuple[Person, list[dict]]:
    """A head of family (the applicant), a spouse and two children."""
    faker = _faker(seed)
    head = _person(faker, "L", 35, 55)
    spouse = _person(faker, "P", 30, 50)
    kids = [_person(faker, None, 3, 16), _person(faker, None, 0, 10)]
    parents = [_person(faker, sex).name for sex in ("L", "P", "L", "P")]
    members = [
        _member_form(head, "KEPALA KELUARGA", "KAWIN TERCATAT", *parents[:2]),
        _member_form(spouse, "ISTRI", "KAWIN TERCATAT", *parents[2:]),
    ]
    members += [_member_form(k, "ANAK", "BELUM KAWIN", head.name, spouse.name) for k in kids]
    return head, members


def kk_snapshot(seed: int = 1) -> dict:
    head, members = family(seed)
    form = {
        "change_type": "PENAMBAHAN_ANGGOTA",
        "change_description": "Penambahan anggota keluarga karena kelahiran anak.",
        **_address(),
        "members": members,
    }
    return _snapshot("KK_PERUBAHAN", "KK", head, form)


def ktp_snapshot(seed: int = 2) -> dict:
    person = _person(_faker(seed), None, 17, 60)
    form = {
        "reason": "GENAP_17_TAHUN",
        "birth_place": person.birth_place,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "religion": "ISLAM",
        "marital_status": "BELUM KAWIN",
        "occupation": "PELAJAR/MAHASISWA",
        **_address(),
    }
    return _snapshot("KTP_BARU", "KTP_EL", person, form)


def kia_snapshot(seed: int = 3) -> dict:
    faker = _faker(seed)
    parent = _person(faker, "L", 30, 50)
    mother = _person(faker, "P", 28, 45)
    child = _person(faker, None, 5, 12)
    form = {
        "child_nik": child.nik,
        "child_name": child.name,
        "child_sex": child.sex,
        "child_birth_place": child.birth_place,
        "child_birth_date": child.birth_date.isoformat(),
        "birth_certificate_number": f"3211-LT-{child.birth_date:%d%m%Y}-0042",
        "father_name": parent.name,
        "mother_name": mother.name,
        **_address(),
    }
    return _snapshot("KIA", "KIA", parent, form)


def akta_lahir_snapshot(seed: int = 4, *, with_father: bool = True) -> dict:
    faker = _faker(seed)
    father = _person(faker, "L", 25, 45)
    mother = _person(faker, "P", 22, 40)
    baby = _person(faker, "P")
    form = {
        "child_name": baby.name,
        "child_sex": "P",
        "birth_date": "2026-11-02",
        "birth_time": "08:30:00",
        "birth_place": "Sumedang",
        "birth_facility": "RUMAH_SAKIT",
        "birth_type": "TUNGGAL",
        "birth_order": 2,
        "birth_attendant": "BIDAN",
        "weight_grams": 3100,
        "length_cm": 49,
        "mother_nik": mother.nik,
        "mother_name": mother.name,
        "parents_marriage": "TERCATAT" if with_father else "BELUM_TERCATAT_SPTJM",
        "kk_number": father.kk_number,
    }
    if with_father:
        form |= {"father_nik": father.nik, "father_name": father.name}
    return _snapshot("AKTA_LAHIR", "AKTA_LAHIR", father if with_father else mother, form)


def akta_mati_snapshot(seed: int = 5) -> dict:
    faker = _faker(seed)
    reporter = _person(faker, None, 25, 55)
    deceased = _person(faker, "L", 60, 90)
    form = {
        "deceased_nik": deceased.nik,
        "deceased_name": deceased.name,
        "deceased_sex": "L",
        "death_date": "2026-11-20",
        "death_time": "04:15:00",
        "death_place": "RSUD Sumedang",
        "cause": "SAKIT_BIASA_TUA",
        "certified_by": "DOKTER",
        "reporter_relationship": "ANAK",
    }
    return _snapshot("AKTA_MATI", "AKTA_MATI", reporter, form)


def _couple(faker: Faker) -> tuple[Person, Person, dict]:
    husband = _person(faker, "L", 22, 50)
    wife = _person(faker, "P", 20, 45)
    return (
        husband,
        wife,
        {
            "husband_nik": husband.nik,
            "husband_name": husband.name,
            "wife_nik": wife.nik,
            "wife_name": wife.name,
        },
    )


def akta_kawin_snapshot(seed: int = 6) -> dict:
    husband, _, couple = _couple(_faker(seed))
    form = {
        **couple,
        "marriage_date": "2026-10-17",
        "marriage_place": "Gereja Kristen Pasundan Sumedang",
        "religion": "KRISTEN",
        "religious_leader": "Pdt. Yohanes Sitompul",
    }
    return _snapshot("AKTA_KAWIN", "AKTA_KAWIN", husband, form)


def akta_cerai_snapshot(seed: int = 7) -> dict:
    _, wife, couple = _couple(_faker(seed))
    form = {
        **couple,
        "marriage_certificate_number": "3211-KW-01022015-0007",
        "court_name": "Pengadilan Negeri Sumedang",
        "ruling_number": "12/Pdt.G/2026/PN Smd",
        "ruling_date": "2026-10-30",
    }
    return _snapshot("AKTA_CERAI", "AKTA_CERAI", wife, form)


def skpwni_snapshot(seed: int = 8) -> dict:
    head, members = family(seed)
    form = {
        "move_reason": "PEKERJAAN",
        "move_type": "KEPALA_DAN_SELURUH_ANGGOTA",
        "destination_address": "Jalan Asia Afrika No. 8",
        "destination_rt_rw": "004/002",
        "destination_desa_code": OUTSIDE_DESA,
        "planned_move_date": "2026-12-14",
        "movers": [
            {"nik": m["nik"], "name": m["name"], "relationship": m["relationship"]} for m in members
        ],
    }
    return _snapshot("PINDAH_KELUAR", "SKPWNI", head, form)


def biodata_snapshot(seed: int = 9) -> dict:
    faker = _faker(seed)
    applicant = _person(faker, None, 25, 60)
    form = {
        "subject_nik": applicant.nik,
        "subject_name": applicant.name,
        "element": "PENDIDIKAN",
        "old_value": "SLTA/SEDERAJAT",
        "new_value": "DIPLOMA IV/STRATA I",
        "reason": "Lulus sarjana tahun 2026, ijazah terlampir.",
    }
    return _snapshot("BIODATA", "BIODATA", applicant, form)


SNAPSHOTS = {
    "KK": kk_snapshot,
    "KTP_EL": ktp_snapshot,
    "KIA": kia_snapshot,
    "AKTA_LAHIR": akta_lahir_snapshot,
    "AKTA_MATI": akta_mati_snapshot,
    "AKTA_KAWIN": akta_kawin_snapshot,
    "AKTA_CERAI": akta_cerai_snapshot,
    "SKPWNI": skpwni_snapshot,
    "BIODATA": biodata_snapshot,
}
