"""Staff accounts, login lockout and the audit log over HTTP, through the gateway."""

from __future__ import annotations

import csv
import io
import time

import pyotp
import pytest
import requests

from tests.support.infra import wait_until
from tests.support.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "kata-sandi-awal-panjang"


def call(system: System, method: str, path: str, token: str | None = None,
         **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{system.gateway}/api/v1/staff{path}", headers=headers,
                            timeout=30, **kwargs)


def log_in(system: System, username: str, password: str = PASSWORD,
           **kwargs) -> requests.Response:
    return call(system, "POST", "/session", json={"username": username, "password": password},
                **kwargs)


def accounts_of(system: System, admin: str) -> dict[str, dict]:
    listed = call(system, "GET", "/accounts", admin)
    assert listed.status_code == 200, listed.text
    return {a["username"]: a for a in listed.json()["accounts"]}


def test_admin_manages_accounts_and_a_disabled_account_is_shut_out(
    system: System, admin: str, verifier: str
) -> None:
    body = {"username": "verifikator.baru", "roles": ["verifier"], "password": PASSWORD}
    assert call(system, "POST", "/accounts", verifier, json=body).status_code == 403
    created = call(system, "POST", "/accounts", admin, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == ["verifier"] and created.json()["active"] is True
    again = call(system, "POST", "/accounts", admin, json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "USERNAME_TAKEN"
    unknown_role = call(system, "POST", "/accounts", admin,
                        json={**body, "username": "x.baru", "roles": ["raja"]})
    assert unknown_role.status_code == 400

    token = log_in(system, "verifikator.baru").json()["token"]
    # Claim filters, in the query or the body; nothing of this service is queued.
    assert call(system, "POST", "/queue/claim?service_code=TIDAK_ADA", token).status_code == 204
    assert call(system, "POST", "/queue/claim", token,
                json={"kecamatan_code": "99.99.99"}).status_code == 204
    assert call(system, "POST", "/queue/claim", token, json={"lain": 1}).status_code == 400

    disabled = call(system, "PATCH", "/accounts/verifikator.baru", admin, json={"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    revoked = call(system, "POST", "/queue/claim", token, json={"service_code": "TIDAK_ADA"})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "SESSION_REVOKED"
    refused = log_in(system, "verifikator.baru")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_CREDENTIALS"

    assert call(system, "PATCH", "/accounts/verifikator.baru", admin,
                json={"active": True, "roles": ["verifier", "signer"]}).status_code == 200
    assert log_in(system, "verifikator.baru").status_code == 200
    accounts = accounts_of(system, admin)
    assert accounts["verifikator.baru"]["roles"] == ["signer", "verifier"]
    assert call(system, "PATCH", "/accounts/tidak.ada", admin,
                json={"active": False}).status_code == 404


def test_a_disabled_account_is_shut_out_of_every_service(system: System, admin: str) -> None:
    """Intake (complaints), printing (the print desk) and notification (templates) check tokens
    themselves; they hear of ended tokens through staff.access_changed."""
    username = "petugas.semua"
    body = {"username": username, "password": PASSWORD, "kecamatan_code": "32.11.06",
            "roles": ["kecamatan_operator", "supervisor"]}
    assert call(system, "POST", "/accounts", admin, json=body).status_code == 201
    paths = ("/complaints", "/print-queue", "/notifications/templates")

    def answers(token: str) -> list[tuple[int, str | None]]:
        replies = [call(system, "GET", path, token) for path in paths]
        return [(r.status_code, r.json().get("error", {}).get("code")) for r in replies]

    old = log_in(system, username).json()["token"]
    assert answers(old) == [(200, None)] * 3
    disabled = call(system, "PATCH", f"/accounts/{username}", admin, json={"active": False})
    assert disabled.status_code == 200
    shut_out = [(401, "SESSION_REVOKED")] * 3
    wait_until(lambda: answers(old) == shut_out, timeout=15, what="the token refused everywhere")

    assert call(system, "PATCH", f"/accounts/{username}", admin,
                json={"active": True}).status_code == 200
    new = log_in(system, username).json()["token"]
    assert answers(new) == [(200, None)] * 3  # at once, even before the services hear of it
    time.sleep(2)  # the enabling event has arrived by now (the relay wakes on commit)
    assert answers(new) == [(200, None)] * 3
    assert answers(old) == shut_out  # an ended token stays ended


def test_failed_logins_are_delayed_and_an_authenticator_is_asked_for(
    system: System, admin: str
) -> None:
    """Over HTTP: after three failures from this address the next try waits (429 with
    Retry-After, not a lock anyone could set off); then the member enrols TOTP and from then on
    a login needs the password and a fresh code."""
    assert call(system, "POST", "/accounts", admin, json={
        "username": "verifikator.kunci", "roles": ["verifier"], "password": PASSWORD,
    }).status_code == 201
    for _ in range(3):
        assert log_in(system, "verifikator.kunci", "bukan-kata-sandinya").status_code == 401
    delayed = log_in(system, "verifikator.kunci")
    assert delayed.status_code == 429
    assert delayed.json()["error"]["code"] == "LOGIN_DELAYED"
    wait = int(delayed.headers["Retry-After"])
    assert 1 <= wait <= 2
    time.sleep(wait + 0.2)
    token = log_in(system, "verifikator.kunci").json()["token"]

    started = call(system, "POST", "/me/totp", token)
    assert started.status_code == 200, started.text
    authenticator = pyotp.TOTP(started.json()["secret"])
    assert call(system, "POST", "/me/totp/confirm", token,
                json={"code": authenticator.now()}).status_code == 200
    asked = log_in(system, "verifikator.kunci")
    assert asked.status_code == 401 and asked.json()["error"]["code"] == "TOTP_REQUIRED"
    # The confirming code is spent; the next time step's code (within the allowed drift) works.
    next_code = authenticator.at(time.time() + 30)
    signed_in = call(system, "POST", "/session", json={
        "username": "verifikator.kunci", "password": PASSWORD, "totp": next_code})
    assert signed_in.status_code == 200, signed_in.text
    assert accounts_of(system, admin)["verifikator.kunci"]["totp_enabled"] is True
    assert call(system, "DELETE", "/accounts/verifikator.kunci/totp", admin).status_code == 200
    assert log_in(system, "verifikator.kunci").status_code == 200


def test_the_auditor_reads_the_chain_verified_as_json_and_csv(
    system: System, admin: str, verifier: str
) -> None:
    password = system.add_staff("auditor.rantai", "auditor")
    auditor = log_in(system, "auditor.rantai", password).json()["token"]
    assert log_in(system, "verifikator.satu", "salah-sekali-ini").status_code == 401
    assert call(system, "GET", "/audit", verifier).status_code == 403

    response = call(system, "GET", "/audit?username=verifikator.satu", auditor)
    assert response.status_code == 200, response.text
    assert response.headers["X-Audit-Chain"] == "intact"
    body = response.json()
    assert body["chain"]["intact"] and body["chain"]["head_seq"] >= len(body["entries"])
    failed = [e for e in body["entries"] if e["action"] == "LOGIN_FAILED"]
    # TRUST_PROXY_HEADERS is not set here: X-Forwarded-For is ignored, the peer counts.
    assert failed and failed[-1]["client_ip"] == "127.0.0.1"
    assert all(e["username"] == "verifikator.satu" for e in body["entries"])

    exported = call(system, "GET", "/audit?format=csv&username=verifikator.satu", auditor)
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert exported.headers["X-Audit-Chain"] == "intact"
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:5] == ["seq", "at", "staff_id", "username", "action"]
    assert len(rows) == len(body["entries"]) + 1
    assert "LOGIN_FAILED" in {row[4] for row in rows[1:]}

    assert call(system, "GET", "/audit?format=xml", auditor).status_code == 400
    assert call(system, "GET", "/audit?from=kemarin", auditor).status_code == 400
    own = call(system, "GET", "/audit?username=auditor.rantai", auditor).json()["entries"]
    assert {"AUDIT_VIEW", "AUDIT_EXPORT"} <= {e["action"] for e in own}  # reading is logged
