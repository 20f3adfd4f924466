"""The HTTP surface of an application's several documents (issue 16), through all five
services: a "3 in 1" birth issues the akta, the updated KK and the KIA; each downloads on its
own with the one PIN; a revoked one is refused while the others still open; staff read a
document's history; the counter pre-fills a family from the KK just issued, and only a
signed-in account on that KK may do the same."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import requests

from tests.support.accounts import code_mails, latest_code
from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.identities import make_nik
from tests.support.infra import wait_until
from tests.support.journeys import approve, pin_from, staff_post, upload_required, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e

SEED = 16_971
REASON = "Nama ibu pada akta tidak sesuai dengan buku nikah."
UNKNOWN_KK = "3211069999999999"  # 16 digits, never issued here
UNKNOWN_DOCUMENT = "3211-KK-1999-999999"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _issued_birth(system: System, verifier: str) -> tuple[dict, dict, str]:
    """A birth asking for the KIA too, approved and issued: (created application, payload,
    the applicant's email for the PIN)."""
    citizen = CitizenClient.connect(system.gateway)
    payload = application_payload("AKTA_LAHIR", adult(SEED), SEED)
    email = f"tiga.dokumen.{uuid.uuid4().hex[:8]}@example.org"
    payload["applicant"]["email"] = email
    form = payload["form"]
    form["request_kia"] = True
    form["child_nik"] = make_nik(birth_date=date.fromisoformat(form["birth_date"]),
                                 sex=form["child_sex"])
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, "AKTA_LAHIR", form)
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    return app, payload, email


def _download(system: System, app: dict, number: str, pin: str | None,
              by: str = "POST") -> requests.Response:
    url = f"{system.gateway}/api/v1/applications/{app['id']}/issued-documents/{number}"
    headers = _auth(app["access_token"])
    if by == "POST":
        return requests.post(url, json={"pin": pin}, headers=headers, timeout=30)
    if pin is not None:
        headers["X-Download-PIN"] = pin
    return requests.get(url, headers=headers, timeout=30)


def _view(system: System, app: dict) -> dict:
    answer = requests.get(f"{system.gateway}/api/v1/applications/{app['id']}",
                          headers=_auth(app["access_token"]), timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _error(response: requests.Response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture(scope="module")
def front_office(system: System, admin: str) -> str:
    """The token of a front office at a desa counter of its own."""
    code = f"DES-{uuid.uuid4().hex[:6].upper()}"
    made = requests.post(f"{system.gateway}/api/v1/staff/locations", headers=_auth(admin),
                         timeout=30, json={"code": code, "name": f"Loket Desa Uji {code[-6:]}",
                                           "kind": "DESA", "kecamatan_code": "32.11.06",
                                           "steps": [], "address": "Jalan Raya Sumedang 2"})
    assert made.status_code == 201, made.text
    username = f"loket.keluarga.{uuid.uuid4().hex[:6]}"
    return system.staff_token(username, system.add_staff(username, "front_office",
                                                          location=code))


def test_each_document_downloads_on_its_own_and_a_revoked_one_is_refused(
    system: System, verifier: str, supervisor: str, front_office: str
) -> None:
    app, payload, email = _issued_birth(system, verifier)

    # The view lists all three, in output order, each issued and downloadable.
    view = wait_until(lambda: (v := _view(system, app))["outputs_issued"] == 3 and v,
                      timeout=30, what="three documents issued")
    documents = view["documents"]
    assert [d["document_type"] for d in documents] == ["AKTA_LAHIR", "KK", "KIA"]
    assert view["outputs_total"] == 3
    assert all(d["state"] == "ISSUED" and d["status"] == "ACTIVE" and d["downloadable"]
               for d in documents)
    numbers = [d["document_number"] for d in documents]
    assert len(set(numbers)) == 3 and view["document"]["document_number"] == numbers[0]
    assert "uploads" in view and all("doc_type" in u for u in view["uploads"])

    pin = pin_from(system, email)
    wrong_pin = "000000" if pin != "000000" else "111111"

    # Each one opens with the one PIN, in the body and in the header, as its own PDF.
    pdfs = {}
    for number in numbers:
        by_body = _download(system, app, number, pin)
        assert by_body.status_code == 200, by_body.text
        assert by_body.headers["Content-Type"] == "application/pdf"
        assert by_body.content.startswith(b"%PDF-")
        assert f'filename="{number}.pdf"' in by_body.headers["Content-Disposition"]
        by_header = _download(system, app, number, pin, by="GET")
        assert by_header.status_code == 200 and by_header.content == by_body.content
        pdfs[number] = by_body.content
    assert len(set(pdfs.values())) == 3

    # A number not of this application, a wrong PIN, no PIN (and no ?pin= on the new route).
    unknown = _download(system, app, UNKNOWN_DOCUMENT, pin)
    assert unknown.status_code == 404 and _error(unknown) == "DOCUMENT_NOT_FOUND"
    wrong = _download(system, app, numbers[1], wrong_pin)
    assert wrong.status_code == 403 and _error(wrong) == "INVALID_PIN"
    headerless = requests.get(
        f"{system.gateway}/api/v1/applications/{app['id']}/issued-documents/{numbers[1]}",
        params={"pin": pin}, headers=_auth(app["access_token"]), timeout=30)
    assert headerless.status_code == 403 and _error(headerless) == "INVALID_PIN"
    assert _download(system, app, numbers[1], pin).status_code == 200  # the count starts over

    # The counter finds the family on the KK just issued; an unknown number is not found.
    kk_number = payload["form"]["kk_number"]
    family = requests.get(f"{system.gateway}/api/v1/staff/front-office/families/{kk_number}",
                          headers=_auth(front_office), timeout=30)
    assert family.status_code == 200, family.text
    found = family.json()
    assert found["kk_number"] == kk_number and found["document_number"] == numbers[1]
    niks = {m.get("nik") for m in found["members"]}
    assert {payload["form"]["father_nik"], payload["form"]["mother_nik"]} <= niks
    missing = requests.get(f"{system.gateway}/api/v1/staff/front-office/families/{UNKNOWN_KK}",
                           headers=_auth(front_office), timeout=30)
    assert missing.status_code == 404 and _error(missing) == "FAMILY_NOT_FOUND"
    not_a_number = requests.get(f"{system.gateway}/api/v1/staff/front-office/families/123",
                                headers=_auth(front_office), timeout=30)
    assert not_a_number.status_code == 400, not_a_number.text
    other_role = requests.get(f"{system.gateway}/api/v1/staff/front-office/families/{kk_number}",
                              headers=_auth(supervisor), timeout=30)
    assert other_role.status_code == 403, other_role.text

    # A supervisor revokes the akta: it is refused, by either route; the KK and KIA still open.
    akta = numbers[0]
    revoked = staff_post(system, supervisor, f"/documents/{akta}/revoke", {"reason": REASON})
    assert revoked.status_code == 200, revoked.text
    answer = revoked.json()
    assert answer["status"] == "REVOKED" and answer["revoked_at"]
    assert answer["print_job_state"] is None  # printed at home: no kecamatan job

    def refused() -> dict | None:
        # The body, not the response: a 4xx response is falsy to wait_until.
        response = _download(system, app, akta, pin)
        return response.json() if response.status_code == 409 else None

    refusal = wait_until(refused, timeout=20, what="the revoked akta refused")
    assert refusal["error"]["code"] == "DOCUMENT_REVOKED"
    assert REASON.rstrip(".") in refusal["error"]["message"]
    by_header = _download(system, app, akta, pin, by="GET")
    assert by_header.status_code == 409 and _error(by_header) == "DOCUMENT_REVOKED"
    for number in numbers[1:]:
        still = _download(system, app, number, pin)
        assert still.status_code == 200 and still.content == pdfs[number]
    entry = _view(system, app)["documents"][0]
    assert entry["status"] == "REVOKED" and not entry["downloadable"]

    # Staff read the revoked document's history; an unknown number has none.
    history = requests.get(f"{system.gateway}/api/v1/staff/documents/{akta}/history",
                           headers=_auth(supervisor), timeout=30)
    assert history.status_code == 200, history.text
    chain = history.json()
    assert chain["document_number"] == akta
    assert [(d["document_number"], d["status"]) for d in chain["history"]] == [(akta, "REVOKED")]
    nothing = requests.get(f"{system.gateway}/api/v1/staff/documents/{UNKNOWN_DOCUMENT}/history",
                           headers=_auth(supervisor), timeout=30)
    assert nothing.status_code == 404 and _error(nothing) == "DOCUMENT_NOT_FOUND"

    # The account route is for signed-in accounts only: not a guest's application token, and
    # an account whose NIK is not (verified) on that KK is refused.
    url = f"{system.gateway}/api/v1/account/families/{kk_number}"
    for headers in ({}, _auth(app["access_token"])):
        guest = requests.get(url, headers=headers, timeout=30)
        assert guest.status_code in (401, 403), guest.text
    address = f"bukan.anggota.{uuid.uuid4().hex[:8]}@example.id"
    seen = code_mails(system, address)
    sent = requests.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": address},
                         timeout=10)
    assert sent.status_code == 202, sent.text
    session = requests.post(f"{system.gateway}/api/v1/auth/session", timeout=10, json={
        "identifier": address, "code": latest_code(system, address, seen), "mode": "token"})
    assert session.status_code == 201, session.text
    stranger = requests.get(url, headers=_auth(session.json()["token"]), timeout=30)
    assert stranger.status_code == 403 and _error(stranger) == "NOT_ON_KK"

    # Neither the PIN nor the KK number is written to any service's log.
    for log in system.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert f"pin={pin}" not in text and kk_number not in text, log.name
