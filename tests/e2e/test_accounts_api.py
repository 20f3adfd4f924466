"""Citizen accounts through the gateway, with every service running: codes by real email, the
pages' cookie with its CSRF token, bearer sessions, my applications on a second device, limits,
recovering a guest link, and signing out everywhere."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support import forms
from tests.support.accounts import a_minute_later, code_mails, latest_code
from tests.support.system import System

pytestmark = pytest.mark.e2e


def new_email() -> str:
    return f"warga.{uuid.uuid4().hex[:10]}@example.id"


def sign_in(system: System, client: requests.Session, address: str, mode: str) -> dict:
    seen = code_mails(system, address)
    sent = client.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": address},
                       timeout=10)
    assert sent.status_code == 202, sent.text
    assert sent.json()["channel"] == "EMAIL" and "*" in sent.json()["destination"]
    code = latest_code(system, address, seen)
    answer = client.post(f"{system.gateway}/api/v1/auth/session",
                         json={"identifier": address, "code": code, "mode": mode}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_pages_cookie_needs_its_csrf_token_and_a_second_device_finds_the_application(
    system: System,
) -> None:
    address = new_email()
    phone = requests.Session()
    signed_in = sign_in(system, phone, address, "cookie")
    assert "token" not in signed_in  # the page never sees the session secret
    cookie = next(c for c in phone.cookies if c.name == "sls_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    csrf = phone.cookies["sls_csrf"]
    assert csrf == signed_in["csrf_token"]

    me = phone.get(f"{system.gateway}/api/v1/me", timeout=10)
    assert me.status_code == 200 and me.json()["contacts"][0]["value"] == address
    forged = phone.patch(f"{system.gateway}/api/v1/me", json={"name": "Penyusup"}, timeout=10)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "CSRF_FAILED"
    named = phone.patch(f"{system.gateway}/api/v1/me", json={"name": "Siti Aminah"},
                        headers={"X-CSRF-Token": csrf}, timeout=10)
    assert named.status_code == 200 and named.json()["name"] == "Siti Aminah"

    person = forms.adult(8101)
    payload = forms.application_payload("KTP_BARU", person, seed=1)
    payload["applicant"]["email"] = address
    refused = phone.post(f"{system.gateway}/api/v1/applications", json=payload, timeout=10)
    assert refused.status_code == 403  # a cookie without the CSRF token files nothing
    created = phone.post(f"{system.gateway}/api/v1/applications", json=payload,
                         headers={"X-CSRF-Token": csrf}, timeout=10)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]

    laptop = requests.Session()
    a_minute_later(system)
    session = sign_in(system, laptop, address, "token")
    bearer = {"Authorization": f"Bearer {session['token']}"}
    mine = laptop.get(f"{system.gateway}/api/v1/me/applications", headers=bearer, timeout=10)
    assert [a["application_id"] for a in mine.json()["applications"]] == [app_id]
    opened = laptop.get(f"{system.gateway}/api/v1/applications/{app_id}", headers=bearer,
                        timeout=10)
    assert opened.status_code == 200 and opened.json()["attached_to_account"] is True

    devices = laptop.get(f"{system.gateway}/api/v1/me/sessions", headers=bearer, timeout=10)
    assert len(devices.json()["sessions"]) == 2
    ended = laptop.post(f"{system.gateway}/api/v1/me/sessions/end-all", headers=bearer,
                        timeout=10)
    assert ended.status_code == 204
    for client, headers in ((phone, {}), (laptop, bearer)):
        after = client.get(f"{system.gateway}/api/v1/me", headers=headers, timeout=10)
        assert after.status_code == 401 and after.json()["error"]["code"] == "SESSION_ENDED"


def test_another_account_opens_nothing_and_codes_are_limited(system: System) -> None:
    owner, stranger = requests.Session(), requests.Session()
    owner_token = sign_in(system, owner, new_email(), "token")["token"]
    payload = forms.application_payload("KTP_BARU", forms.adult(8201), seed=2)
    created = owner.post(f"{system.gateway}/api/v1/applications", json=payload,
                         headers={"Authorization": f"Bearer {owner_token}"}, timeout=10)
    address = new_email()
    stranger_token = sign_in(system, stranger, address, "token")["token"]
    peek = stranger.get(f"{system.gateway}/api/v1/applications/{created.json()['id']}",
                        headers={"Authorization": f"Bearer {stranger_token}"}, timeout=10)
    assert peek.status_code == 403
    # A second code to the same address within the minute waits; nothing is sent.
    again = stranger.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": address},
                          timeout=10)
    assert again.status_code == 429 and again.json()["error"]["code"] == "TOO_MANY_CODES"
    assert 0 < int(again.headers["Retry-After"]) <= 61
    assert again.json()["error"]["retry_after"] == int(again.headers["Retry-After"])
    wrong = stranger.post(f"{system.gateway}/api/v1/auth/session",
                          json={"identifier": address, "code": "12345x"}, timeout=10)
    assert wrong.status_code == 400
    bad = stranger.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": "halo"},
                        timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_IDENTIFIER"


def test_a_lost_guest_link_comes_back_with_a_code_to_the_applications_contact(
    system: System,
) -> None:
    address = new_email()
    payload = forms.application_payload("KTP_BARU", forms.adult(8301), seed=3)
    payload["applicant"].update(email=address, phone=None)
    created = requests.post(f"{system.gateway}/api/v1/applications", json=payload, timeout=10)
    guest = created.json()
    asked = requests.post(f"{system.gateway}/api/v1/recovery/code",
                          json={"tracking_code": guest["tracking_code"]}, timeout=10)
    unknown = requests.post(f"{system.gateway}/api/v1/recovery/code",
                            json={"tracking_code": "SLS-00000000"}, timeout=10)
    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()  # nothing tells which tracking codes exist
    code = latest_code(system, address)
    recovered = requests.post(f"{system.gateway}/api/v1/recovery",
                              json={"tracking_code": guest["tracking_code"], "code": code},
                              timeout=10)
    assert recovered.status_code == 200, recovered.text
    new_token = recovered.json()["access_token"]
    url = f"{system.gateway}/api/v1/applications/{guest['id']}"
    assert requests.get(url, headers={"Authorization": f"Bearer {new_token}"},
                        timeout=10).status_code == 200
    old = requests.get(url, headers={"Authorization": f"Bearer {guest['access_token']}"},
                       timeout=10)
    assert old.status_code == 403


def test_personal_answers_are_not_stored_and_public_ones_may_be(system: System) -> None:
    personal = requests.post(f"{system.gateway}/api/v1/recovery/code",
                             json={"tracking_code": "SLS-00000001"}, timeout=10)
    assert personal.headers["Cache-Control"] == "no-store"
    categories = requests.get(f"{system.gateway}/api/v1/complaints/categories", timeout=10)
    assert "max-age" in categories.headers["Cache-Control"]
