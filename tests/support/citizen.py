"""A citizen's side of the HTTP API, for end-to-end tests and the benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import requests

from tests.support.forms import family, first_village
from tests.support.identities import Person, make_person


def kk_form(person: Person, rng: random.Random | None = None) -> dict[str, Any]:
    """A KK_PERUBAHAN form: the applicant as head of family plus a newborn child."""
    rng = rng or random.Random()
    return {
        "change_type": "PENAMBAHAN_ANGGOTA",
        "change_description": "Penambahan anggota keluarga karena kelahiran anak.",
        "address": "Jalan Prabu Geusan Ulun No. 12",
        "rt_rw": "002/005",
        "desa_code": first_village(person.kecamatan_code),
        "members": family(person, rng),
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
        return self.session.post(
            f"{self.base_url}/api/v1/applications/{app_id}/document", json={"pin": pin},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )


def new_person(seed: int | None = None) -> Person:
    return make_person(seed)
