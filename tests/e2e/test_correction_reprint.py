"""Correction and reprint over HTTP through all five services (issue 16): a PEMBETULAN is
verified and issues a corrected KK with a new number that supersedes the old one (its QR page
says SUPERSEDED, the register knows which replaced it); a CETAK_ULANG filed at a counter issues
a new copy without a verifier; what may not be corrected or reprinted is refused, writing
nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.journeys import approve, claim, decide, upload_required, wait_for_status
from tests.support.scans import pdf_scan
from tests.support.system import System

pytestmark = pytest.mark.e2e

SEED = 16_951
NEW_ADDRESS = "Jalan Mayor Abdurahman No. 3"


def _staff(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _verified(system: System, number: str) -> dict:
    return requests.get(f"{system.gateway}/api/v1/verify/{number}", timeout=10).json()


def _file(system: System, citizen: CitizenClient, payload: dict[str, Any]) -> dict:
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, payload["service_code"], payload["form"])
    submitted = citizen.submit(app["id"], app["access_token"])
    assert submitted.status_code == 202, submitted.text
    return app


def _reissue(payload: dict[str, Any], service: str, form: dict[str, Any]) -> dict[str, Any]:
    return {"service_code": service, "applicant": payload["applicant"], "form": form}


@pytest.fixture(scope="module")
def counter(system: System) -> dict[str, str]:
    """A desa counter and its front office."""
    admin = system.staff_token("admin.cetak-ulang", system.add_staff("admin.cetak-ulang", "admin"))
    code = f"DES-{uuid.uuid4().hex[:6].upper()}"
    made = requests.post(f"{system.gateway}/api/v1/staff/locations", headers=_staff(admin),
                         timeout=30, json={"code": code, "name": f"Loket Desa Uji {code[-6:]}",
                                           "kind": "DESA", "kecamatan_code": "32.11.06",
                                           "steps": [], "address": "Jalan Raya Sumedang 1"})
    assert made.status_code == 201, made.text
    password = system.add_staff("loket.cetak-ulang", "front_office", location=code)
    return {"code": code, "token": system.staff_token("loket.cetak-ulang", password)}


def test_a_correction_supersedes_and_a_counter_reprint_needs_no_verifier(
    system: System, verifier: str, supervisor: str, counter: dict[str, str]
) -> None:
    citizen = CitizenClient.connect(system.gateway)
    payload = application_payload("KK_PERUBAHAN", adult(SEED), SEED)
    original = _file(system, citizen, payload)
    approve(system, verifier, original["id"])
    old = wait_for_status(citizen, original["id"], original["access_token"],
                          "ISSUED")["document"]["document_number"]

    # What may not be corrected is refused, over HTTP, with its code.
    for corrections, code in (([{"field": "child_name", "value": "Budi"}],
                               "FIELD_NOT_ON_DOCUMENT"),
                              ([{"field": "address", "value": payload["form"]["address"]}],
                               "NO_CHANGE")):
        refused = citizen.create(_reissue(payload, "PEMBETULAN", {
            "document_number": old, "corrections": corrections, "reason": "Salah tulis."}))
        assert 400 <= refused.status_code < 500, refused.text
        assert refused.json()["error"]["code"] == code
    stranger = application_payload("KK_PERUBAHAN", adult(SEED + 1), SEED + 1)["applicant"]
    refused = citizen.create({"service_code": "CETAK_ULANG", "applicant": stranger,
                              "form": {"document_number": old, "reason": "RUSAK"}})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "DOCUMENT_NOT_YOURS"

    # The correction is verified like any application, then issued with a new number.
    correction = _file(system, citizen, _reissue(payload, "PEMBETULAN", {
        "document_number": old, "reason": "Salah tulis alamat.",
        "corrections": [{"field": "address", "value": NEW_ADDRESS}]}))
    claimed = claim(system, verifier, correction["id"])
    [output] = claimed["outputs"]
    assert (output["kind"], output["replaces"]) == ("CORRECTION", old)
    assert output["changes"][0]["new"] == NEW_ADDRESS
    decided = decide(system, verifier, correction["id"], decision="APPROVE")
    assert decided.status_code == 200, decided.text
    issued = wait_for_status(citizen, correction["id"], correction["access_token"], "ISSUED")
    [document] = issued["documents"]
    corrected = document["document_number"]
    assert corrected != old and (document["document_type"], document["kind"],
                                 document["replaces"]) == ("KK", "CORRECTION", old)
    assert _verified(system, old)["status"] == "SUPERSEDED"
    assert _verified(system, corrected)["status"] == "ACTIVE"
    history = requests.get(f"{system.gateway}/api/v1/staff/documents/{old}/history",
                           headers=_staff(supervisor), timeout=30)
    assert history.status_code == 200, history.text
    assert corrected in history.text

    # The superseded document cannot be corrected again: the newer one is named.
    refused = citizen.create(_reissue(payload, "CETAK_ULANG",
                                      {"document_number": old, "reason": "RUSAK"}))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "DOCUMENT_SUPERSEDED"
    assert corrected in refused.json()["error"]["message"]

    # A reprint at the counter (staff saw the KTP-el): no verifier, a new copy of the same KK.
    desk = {"Authorization": f"Bearer {counter['token']}"}
    base = f"{system.gateway}/api/v1/staff/front-office/applications"
    made = requests.post(base, headers=desk, timeout=30, json={
        **_reissue(payload, "CETAK_ULANG", {"document_number": corrected, "reason": "RUSAK"}),
        "location_code": counter["code"]})
    assert made.status_code == 201, made.text
    reprint = made.json()
    scan = requests.put(f"{base}/{reprint['id']}/documents/DOKUMEN_RUSAK", headers={
        **desk, "Content-Type": "application/pdf"}, data=pdf_scan("DOKUMEN_RUSAK"), timeout=30)
    assert scan.status_code == 201, scan.text
    submitted = requests.post(f"{base}/{reprint['id']}/submit", headers=desk, timeout=30)
    assert submitted.status_code in (200, 202), submitted.text
    assert submitted.json()["status"] == "APPROVED"
    view = wait_for_status(citizen, reprint["id"], reprint["access_token"], "ISSUED")
    [copy] = view["documents"]
    assert (copy["kind"], copy["replaces"], copy["document_type"]) == ("REPRINT", corrected, "KK")
    assert _verified(system, corrected)["status"] == "SUPERSEDED"
    assert _verified(system, copy["document_number"])["status"] == "ACTIVE"

