"""A citizen's side of the HTTP API, for end-to-end tests and the benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from tests.support.identities import Person, make_nik, make_person


def kk_form(person: Person, rng: random.Random | None = None) -> dict[str, Any]:
    rng = rng or random.Random()
    child_birth = date(2024, rng.randint(1, 12), rng.randint(1, 28))
    child_sex = rng.choice(["L", "P"])
    return {
        "change_type": "PENAMBAHAN_ANGGOTA",
        "change_description": "Penambahan anggota keluarga karena kelahiran anak.",
        "address": "Jalan Prabu Geusan Ulun No. 12",
        "rt_rw": "002/005",
        "desa": "Kotakaler",
        "members": [
            _member(person.nik, person.name, person.sex, person.birth_place,
                    person.birth_date, "KEPALA KELUARGA", "KAWIN"),
            _member(make_nik(birth_date=child_birth, sex=child_sex, rng=rng), "Anak Sintetis",
                    child_sex, "Sumedang", child_birth, "ANAK", "BELUM KAWIN"),
        ],
    }


def _member(nik: str, name: str, sex: str, place: str, born: date, relation: str,
            marital: str) -> dict[str, Any]:
    return {
        "nik": nik, "name": name, "sex": sex, "birth_place": place,
        "birth_date": born.isoformat(), "religion": "ISLAM", "education": "SLTA/SEDERAJAT",
        "occupation": "WIRASWASTA" if relation != "ANAK" else "BELUM/TIDAK BEKERJA",
        "marital_status": marital, "relationship": relation, "citizenship": "WNI",
        "father_name": "Ayah Sintetis", "mother_name": "Ibu Sintetis",
    }


def application_payload(person: Person, rng: random.Random | None = None) -> dict[str, Any]:
    return {
        "service_code": "KK_PERUBAHAN",
        "applicant": {
            "nik": person.nik, "name": person.name, "kk_number": person.kk_number,
            "kecamatan_code": person.kecamatan_code, "email": person.email,
            "phone": person.phone,
        },
        "form": kk_form(person, rng),
    }


@dataclass
class CitizenClient:
    base_url: str
    session: requests.Session

    @classmethod
    def connect(cls, base_url: str) -> CitizenClient:
        return cls(base_url, requests.Session())

    def create(self, payload: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.base_url}/api/v1/applications", json=payload, timeout=30)

    def upload(self, app_id: str, token: str, doc_type: str, data: bytes,
               content_type: str = "application/pdf") -> requests.Response:
        return self.session.put(
            f"{self.base_url}/api/v1/applications/{app_id}/documents/{doc_type}", data=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            timeout=30,
        )

    def submit(self, app_id: str, token: str) -> requests.Response:
        return self.session.post(
            f"{self.base_url}/api/v1/applications/{app_id}/submit",
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )

    def get(self, app_id: str, token: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/api/v1/applications/{app_id}",
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )

    def download(self, app_id: str, token: str, pin: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/api/v1/applications/{app_id}/document", params={"pin": pin},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )


def new_person(seed: int | None = None) -> Person:
    return make_person(seed)
