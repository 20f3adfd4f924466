"""A valid, synthetic form for every catalogue service, for tests and the benchmark.

Everyone named here is made up (tests/support/identities.py): NIKs are built from region code,
birth date and serial; names come from Faker id_ID.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from faker import Faker

from silasidakep import regions
from tests.support.identities import Person, make_nik, make_person

OUTSIDE_VILLAGE_REGENCY = "32.73"  # Kota Bandung: where people move to and come from


def first_village(district: str) -> str:
    return regions.children(district)[0].code


def village_in(regency: str) -> str:
    return first_village(regions.children(regency)[0].code)


def _address(person: Person) -> dict[str, str]:
    return {
        "address": "Jalan Prabu Geusan Ulun No. 12",
        "rt_rw": "002/005",
        "desa_code": first_village(person.kecamatan_code),
    }


def _adult(rng: random.Random, sex: str, min_age: int = 20, max_age: int = 60) -> date:
    today = date.today()
    return date(today.year - rng.randint(min_age, max_age), rng.randint(1, 12), rng.randint(1, 28))


def _named(faker: Faker, sex: str) -> str:
    while True:
        person = make_person(faker=faker)
        if person.sex == sex:
            return person.name


def member(nik: str, name: str, sex: str, born: date, relationship: str, marital: str,
           place: str = "Sumedang") -> dict[str, Any]:
    return {
        "nik": nik, "name": name, "sex": sex, "birth_place": place,
        "birth_date": born.isoformat(), "religion": "ISLAM", "education": "SLTA/SEDERAJAT",
        "occupation": "WIRASWASTA" if relationship != "ANAK" else "BELUM/TIDAK BEKERJA",
        "marital_status": marital, "relationship": relationship, "citizenship": "WNI",
        "father_name": "Ayah Sintetis", "mother_name": "Ibu Sintetis",
    }


def family(person: Person, rng: random.Random) -> list[dict[str, Any]]:
    """The applicant as head of family and one child."""
    child_birth = date(2024, rng.randint(1, 12), rng.randint(1, 28))
    child_sex = rng.choice(["L", "P"])
    return [
        member(person.nik, person.name, person.sex, person.birth_date, "KEPALA KELUARGA",
               "KAWIN TERCATAT", person.birth_place),
        member(make_nik(birth_date=child_birth, sex=child_sex, rng=rng), "Anak Sintetis",
               child_sex, child_birth, "ANAK", "BELUM KAWIN"),
    ]


def _kk_perubahan(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        "change_type": "PENAMBAHAN_ANGGOTA",
        "change_description": "Penambahan anggota keluarga karena kelahiran anak.",
        **_address(person), "members": family(person, rng),
    }


def _kk_baru(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {"reason": "MEMBENTUK_KELUARGA_BARU", **_address(person), "members": family(person, rng)}


def _kk_hilang(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {"reason": "RUSAK", **_address(person), "members": family(person, rng)}


def _ktp(person: Person, reason: str) -> dict[str, Any]:
    return {
        "reason": reason, "birth_place": person.birth_place,
        "birth_date": person.birth_date.isoformat(), "sex": person.sex, "religion": "ISLAM",
        "marital_status": "BELUM KAWIN", "occupation": "PELAJAR/MAHASISWA", **_address(person),
    }


def _ktp_baru(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return _ktp(person, "GENAP_17_TAHUN")


def _ktp_cetak_ulang(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return _ktp(person, "RUSAK")


def _kia(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    born = date.today() - timedelta(days=365 * rng.randint(1, 10) + rng.randint(0, 300))
    sex = rng.choice(["L", "P"])
    return {
        "child_nik": make_nik(birth_date=born, sex=sex, rng=rng), "child_name": _named(faker, sex),
        "child_sex": sex, "child_birth_place": "Sumedang", "child_birth_date": born.isoformat(),
        "birth_certificate_number": f"3211-LT-{born:%d%m%Y}-{rng.randint(1, 9999):04d}",
        "father_name": _named(faker, "L"), "mother_name": _named(faker, "P"), **_address(person),
    }


def _family_of(kk_number: str, person: Person, *members: dict[str, Any]) -> dict[str, Any]:
    """The KK fields the event forms collect (number, address, the current family)."""
    return {"kk_number": kk_number, **_address(person), "members": list(members)}


def _akta_lahir(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    """The parents' family (father at its head, mother his wife) plus the newborn's details."""
    born = date.today() - timedelta(days=rng.randint(1, 40))
    mother_birth, father_birth = _adult(rng, "P"), _adult(rng, "L")
    father_nik = make_nik(birth_date=father_birth, sex="L", rng=rng)
    mother_nik = make_nik(birth_date=mother_birth, sex="P", rng=rng)
    father_name, mother_name = _named(faker, "L"), _named(faker, "P")
    return {
        "child_name": _named(faker, "P"), "child_sex": "P", "birth_date": born.isoformat(),
        "birth_time": "08:30:00", "birth_place": "Sumedang", "birth_facility": "RUMAH_SAKIT",
        "birth_type": "TUNGGAL", "birth_order": 1, "birth_attendant": "BIDAN",
        "weight_grams": 3100, "length_cm": 49,
        "father_nik": father_nik, "father_name": father_name,
        "mother_nik": mother_nik, "mother_name": mother_name, "parents_marriage": "TERCATAT",
        **_family_of(
            person.kk_number, person,
            member(father_nik, father_name, "L", father_birth, "KEPALA KELUARGA",
                   "KAWIN TERCATAT"),
            member(mother_nik, mother_name, "P", mother_birth, "ISTRI", "KAWIN TERCATAT"),
        ),
    }


def _akta_mati(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    """The deceased is the head's father, on the applicant's KK (no new head needed)."""
    born = _adult(rng, "L", 60, 85)
    deceased_nik = make_nik(birth_date=born, sex="L", rng=rng)
    deceased_name = _named(faker, "L")
    head = member(person.nik, person.name, person.sex, person.birth_date, "KEPALA KELUARGA",
                  "KAWIN TERCATAT", person.birth_place)
    return {
        "deceased_nik": deceased_nik, "deceased_name": deceased_name, "deceased_sex": "L",
        "death_date": (date.today() - timedelta(days=rng.randint(1, 20))).isoformat(),
        "death_time": "04:15:00", "death_place": "RSUD Sumedang", "cause": "SAKIT_BIASA_TUA",
        "certified_by": "DOKTER", "reporter_relationship": "ANAK",
        **_family_of(person.kk_number, person, head,
                     member(deceased_nik, deceased_name, "L", born, "ORANG TUA", "CERAI MATI")),
    }


def _couple(rng: random.Random, faker: Faker) -> dict[str, Any]:
    husband_birth, wife_birth = _adult(rng, "L"), _adult(rng, "P")
    return {
        "husband_nik": make_nik(birth_date=husband_birth, sex="L", rng=rng),
        "husband_name": _named(faker, "L"),
        "wife_nik": make_nik(birth_date=wife_birth, sex="P", rng=rng),
        "wife_name": _named(faker, "P"),
        "_births": (husband_birth, wife_birth),
    }


def _couple_family(person: Person, couple: dict[str, Any], marital: str) -> dict[str, Any]:
    """The couple's KK (the husband at its head), with the couple's fields."""
    husband_birth, wife_birth = couple.pop("_births")
    return {
        **couple,
        **_family_of(
            person.kk_number, person,
            member(couple["husband_nik"], couple["husband_name"], "L", husband_birth,
                   "KEPALA KELUARGA", marital),
            member(couple["wife_nik"], couple["wife_name"], "P", wife_birth, "ISTRI", marital),
        ),
    }


def _akta_kawin(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        **_couple_family(person, _couple(rng, faker), "BELUM KAWIN"),
        "marriage_date": (date.today() - timedelta(days=rng.randint(1, 50))).isoformat(),
        "marriage_place": "Gereja Kristen Pasundan Sumedang", "religion": "KRISTEN",
        "religious_leader": "Pendeta Sintetis Wibowo",
    }


def _akta_cerai(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        **_couple_family(person, _couple(rng, faker), "KAWIN TERCATAT"),
        "marriage_certificate_number": "3211-KW-01022015-0007",
        "court_name": "Pengadilan Negeri Sumedang", "ruling_number": "12/Pdt.G/2026/PN Smd",
        "ruling_date": (date.today() - timedelta(days=rng.randint(1, 50))).isoformat(),
        "leaving_spouse": "ISTRI",
    }


def _pindah_keluar(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    members = family(person, rng)
    return {
        "move_reason": "PEKERJAAN", "move_type": "KEPALA_DAN_SELURUH_ANGGOTA",
        "destination_address": "Jalan Asia Afrika No. 8", "destination_rt_rw": "004/002",
        "destination_desa_code": village_in(OUTSIDE_VILLAGE_REGENCY),
        "planned_move_date": (date.today() + timedelta(days=14)).isoformat(),
        "movers": [
            {"nik": m["nik"], "name": m["name"], "relationship": m["relationship"]}
            for m in members
        ],
    }


def _pindah_datang(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        "skpwni_number": "3273/SKPWNI/2026/000123",
        "origin_desa_code": village_in(OUTSIDE_VILLAGE_REGENCY),
        "residence_status": "SEWA_KONTRAK", **_address(person), "members": family(person, rng),
    }


def _biodata(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        "subject_nik": person.nik, "subject_name": person.name, "element": "PENDIDIKAN",
        "old_value": "SLTA/SEDERAJAT", "new_value": "DIPLOMA IV/STRATA I",
        "reason": "Lulus sarjana tahun ini.",
    }


def _pembetulan(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    """A correction of a (synthetic) KK number issued this year: a test issues the KK first and
    puts its real number here."""
    return {
        "document_number": f"3211-KK-{date.today().year}-{rng.randint(1, 999_999):06d}",
        "corrections": [{"field": "address", "value": "Jalan Mayor Abdurahman No. 3"}],
        "reason": "Salah tulis alamat pada Kartu Keluarga.",
    }


def _cetak_ulang(person: Person, rng: random.Random, faker: Faker) -> dict[str, Any]:
    return {
        "document_number": f"3211-KK-{date.today().year}-{rng.randint(1, 999_999):06d}",
        "reason": "RUSAK",
    }


FORMS: dict[str, Callable[[Person, random.Random, Faker], dict[str, Any]]] = {
    "KK_BARU": _kk_baru,
    "KK_PERUBAHAN": _kk_perubahan,
    "KK_HILANG": _kk_hilang,
    "KTP_BARU": _ktp_baru,
    "KTP_CETAK_ULANG": _ktp_cetak_ulang,
    "KIA": _kia,
    "AKTA_LAHIR": _akta_lahir,
    "AKTA_MATI": _akta_mati,
    "AKTA_KAWIN": _akta_kawin,
    "AKTA_CERAI": _akta_cerai,
    "PINDAH_KELUAR": _pindah_keluar,
    "PINDAH_DATANG": _pindah_datang,
    "BIODATA": _biodata,
    "PEMBETULAN": _pembetulan,
    "CETAK_ULANG": _cetak_ulang,
}


def form_for(service_code: str, person: Person, seed: int = 0) -> dict[str, Any]:
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    return FORMS[service_code](person, random.Random(seed), faker)


def adult(seed: int, min_age: int = 18) -> Person:
    """A synthetic person old enough for every service (KTP-el needs 17)."""
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    while True:
        person = make_person(faker=faker)
        age = (date.today() - person.birth_date).days // 365
        if min_age <= age <= 80:
            return person


def application_payload(service_code: str, person: Person, seed: int = 0) -> dict[str, Any]:
    return {
        "service_code": service_code,
        "applicant": {
            "nik": person.nik, "name": person.name, "kk_number": person.kk_number,
            "kecamatan_code": person.kecamatan_code, "email": person.email,
            "phone": person.phone,
        },
        "form": form_for(service_code, person, seed),
    }


def birth_with_kia(seed: int) -> dict[str, Any]:
    """An AKTA_LAHIR payload asking for the child's KIA too ("3 in 1"): the akta, the updated
    KK and the KIA."""
    payload = application_payload("AKTA_LAHIR", adult(seed), seed)
    form = payload["form"]
    form["request_kia"] = True
    form["child_nik"] = make_nik(birth_date=date.fromisoformat(form["birth_date"]),
                                 sex=form["child_sex"])
    return payload
