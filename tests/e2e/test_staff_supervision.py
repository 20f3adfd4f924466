"""Reason codes, supervisors' reassign/return, the backlog board and the pre-checks over HTTP,
through the gateway against all five services, with the refusals for the wrong role."""

from __future__ import annotations

import pytest
import requests

from tests.support.infra import wait_until
from tests.support.journeys import apply, claim, decide
from tests.support.system import System

pytestmark = pytest.mark.e2e


def call(system: System, method: str, path: str, token: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{system.gateway}/api/v1/staff{path}", timeout=30,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def code_of(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def test_admin_manages_reason_codes_and_others_only_read_them(
    system: System, admin: str, verifier: str, supervisor: str
) -> None:
    listed = call(system, "GET", "/reason-codes", verifier)
    assert listed.status_code == 200, listed.text
    assert "PERMOHONAN_GANDA" in {c["code"] for c in listed.json()["reason_codes"]["REJECT"]}
    assert call(system, "GET", "/reason-codes", supervisor).status_code == 200
    assert call(system, "GET", "/reason-codes?include_inactive=true", verifier).status_code == 403

    body = {"code": "FOTO_TIDAK_JELAS", "text": "Pas foto tidak jelas; unggah ulang pas foto.",
            "decisions": ["REQUEST_REVISION"]}
    refused = call(system, "POST", "/reason-codes", verifier, json=body)
    assert refused.status_code == 403 and code_of(refused) == "ROLE_REQUIRED"
    assert call(system, "POST", "/reason-codes", supervisor, json=body).status_code == 403
    created = call(system, "POST", "/reason-codes", admin, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["active"] is True
    again = call(system, "POST", "/reason-codes", admin, json=body)
    assert again.status_code == 409 and code_of(again) == "REASON_CODE_TAKEN"
    bad = call(system, "POST", "/reason-codes", admin,
               json={**body, "code": "huruf kecil", "decisions": ["MUNGKIN"]})
    assert bad.status_code == 400
    offered = call(system, "GET", "/reason-codes", verifier).json()["reason_codes"]
    assert "FOTO_TIDAK_JELAS" in {c["code"] for c in offered["REQUEST_REVISION"]}

    assert call(system, "PATCH", "/reason-codes/FOTO_TIDAK_JELAS", verifier,
                json={"active": False}).status_code == 403
    disabled = call(system, "PATCH", "/reason-codes/FOTO_TIDAK_JELAS", admin,
                    json={"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    active = {c["code"] for c in call(system, "GET", "/reason-codes", verifier).json()["codes"]}
    assert "FOTO_TIDAK_JELAS" not in active
    everything = call(system, "GET", "/reason-codes?include_inactive=true", admin).json()["codes"]
    assert {"code": "FOTO_TIDAK_JELAS", "active": False}.items() <= next(
        c for c in everything if c["code"] == "FOTO_TIDAK_JELAS").items()
    assert call(system, "PATCH", "/reason-codes/TIDAK_ADA", admin,
                json={"active": False}).status_code == 404

    audit = call(system, "GET", "/audit?username=admin.satu", supervisor)
    actions = [(e["action"], e["detail"]) for e in audit.json()["entries"]]
    assert ("REASON_CODE_CREATE", "code=FOTO_TIDAK_JELAS decisions=REQUEST_REVISION") in actions
    assert ("REASON_CODE_UPDATE", "code=FOTO_TIDAK_JELAS active=false") in actions


def test_supervisor_returns_and_reassigns_a_claim(
    system: System, admin: str, verifier: str, supervisor: str
) -> None:
    other = system.staff_token("verifikator.pengganti",
                               system.add_staff("verifikator.pengganti", "verifier"))
    _, app, _ = apply(system, "KK_PERUBAHAN", seed=8301)
    claim(system, verifier, app["id"])

    refused = call(system, "POST", f"/applications/{app['id']}/return", verifier)
    assert refused.status_code == 403 and code_of(refused) == "ROLE_REQUIRED"
    returned = call(system, "POST", f"/applications/{app['id']}/return", supervisor)
    assert returned.status_code == 200 and returned.json()["state"] == "PENDING", returned.text
    late = decide(system, verifier, app["id"], decision="APPROVE")
    assert late.status_code == 409 and code_of(late) == "NOT_CLAIMED"
    again = call(system, "POST", f"/applications/{app['id']}/return", supervisor)
    assert again.status_code == 409

    claim(system, verifier, app["id"])
    assert call(system, "POST", f"/applications/{app['id']}/reassign", verifier,
                json={"username": "verifikator.pengganti"}).status_code == 403
    not_verifier = call(system, "POST", f"/applications/{app['id']}/reassign", supervisor,
                        json={"username": "admin.satu"})
    assert not_verifier.status_code == 400 and code_of(not_verifier) == "NOT_A_VERIFIER"
    moved = call(system, "POST", f"/applications/{app['id']}/reassign", supervisor,
                 json={"username": "verifikator.pengganti"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["claimed_by"] == "verifikator.pengganti"
    taken = decide(system, verifier, app["id"], decision="APPROVE")
    assert taken.status_code == 403 and code_of(taken) == "NOT_YOUR_CLAIM"
    mine = call(system, "GET", "/queue/mine", other)
    assert app["id"] in {c["id"] for c in mine.json()["claims"]}
    assert call(system, "GET", "/queue/mine", supervisor).status_code == 403
    assert decide(system, other, app["id"], decision="APPROVE").status_code == 200

    audit = call(system, "GET", f"/audit?application_id={app['id']}", supervisor).json()
    actions = [(e["action"], e["detail"]) for e in audit["entries"]]
    assert ("SUPERVISOR_RETURN", "from=verifikator.satu") in actions
    assert ("SUPERVISOR_REASSIGN", "from=verifikator.satu to=verifikator.pengganti") in actions


def test_backlog_board_is_for_supervisors(
    system: System, admin: str, verifier: str, supervisor: str
) -> None:
    for token in (verifier, admin):
        refused = call(system, "GET", "/backlog", token)
        assert refused.status_code == 403 and code_of(refused) == "ROLE_REQUIRED"
    board = call(system, "GET", "/backlog", supervisor)
    assert board.status_code == 200, board.text
    body = board.json()
    assert [s["stage"] for s in body["queue"]["stages"]] == ["WAITING", "CLAIMED",
                                                            "LEASE_EXPIRED"]
    assert body["pipeline"] is not None
    statuses = {s["status"] for s in body["pipeline"]["stages"]}
    assert statuses <= {"SUBMITTED", "IN_VERIFICATION", "REVISION_REQUESTED",
                        "AWAITING_BIOMETRICS", "APPROVED", "AWAITING_SIGNATURE",
                        "QUEUED_AT_KECAMATAN", "AWAITING_BLANKO", "PRINTED"}
    assert isinstance(body["pipeline"]["breaches"], list)


def test_review_shows_duplicate_pre_checks(system: System, supervisor: str) -> None:
    _, first, _ = apply(system, "KK_HILANG", seed=8302)
    _, second, _ = apply(system, "KK_HILANG", seed=8302)  # the same applicant again

    def reviewed() -> dict | None:
        # A supervisor opens any application (a verifier only what it holds).
        response = call(system, "GET", f"/applications/{second['id']}", supervisor)
        if response.status_code != 200:
            return None  # the submission is still on its way to verification
        codes = {f["code"] for f in response.json()["prechecks"]["findings"]}
        return response.json() if "DUPLICATE_APPLICATION" in codes else None

    view = wait_until(reviewed, timeout=30, interval=0.3, what="the application in verification")
    findings = view["prechecks"]["findings"]
    duplicate = next(f for f in findings if f["code"] == "DUPLICATE_APPLICATION")
    assert duplicate["related"]["tracking_code"] == first["tracking_code"]
    assert duplicate["category"] == "duplicate" and "NIK" in duplicate["message"]
    assert all(d.get("required") is not None for d in view["requirements"]["documents"])
