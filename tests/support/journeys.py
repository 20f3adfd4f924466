"""Steps of the citizen and staff journeys over HTTP, shared by the end-to-end tests."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from services.intake.catalogue import get_service
from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.infra import body_text, wait_until
from tests.support.scans import jpeg_scan, pdf_scan
from tests.support.system import System

Response = requests.Response


def staff_post(system: System, token: str, path: str, body: dict | None = None) -> Response:
    return requests.post(
        f"{system.gateway}/api/v1/staff{path}", json=body,
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )


# Cekatan: a card (and a document to collect at the kecamatan) may pass ISSUED at once into
# the kecamatan's print queue; waiting for ISSUED accepts those, which still mean "issued".
AFTER_ISSUED = ("QUEUED_AT_KECAMATAN", "AWAITING_BLANKO", "PRINTED", "COLLECTED")


def wait_for_status(citizen: CitizenClient, app_id: str, token: str, status: str) -> dict:
    accepted = (status, *AFTER_ISSUED) if status == "ISSUED" else (status,)

    def reached() -> dict | None:
        body = citizen.get(app_id, token).json()
        return body if body["status"] in accepted else None

    return wait_until(reached, timeout=60, what=f"status {status}")


def upload_required(citizen: CitizenClient, app: dict[str, Any], service_code: str,
                    form: dict[str, Any]) -> None:
    """Upload every document the service needs for this form, alternating PDF and JPEG."""
    needed = sorted(get_service(service_code).documents_required_for(form))
    for index, doc_type in enumerate(needed):
        data, kind = (pdf_scan(doc_type), "application/pdf") if index % 2 == 0 else (
            jpeg_scan(), "image/jpeg")
        uploaded = citizen.upload(app["id"], app["access_token"], doc_type, data, kind)
        assert uploaded.status_code == 201, uploaded.text


def apply(
    system: System, service_code: str, seed: int, delivery: str | None = None,
    payload: dict[str, Any] | None = None,
) -> tuple[CitizenClient, dict, dict]:
    """Create, upload what is required and submit; returns (client, created, payload).
    ``payload``: one built by the caller (else a synthetic one of ``seed``)."""
    citizen = CitizenClient.connect(system.gateway)
    payload = payload or application_payload(service_code, adult(seed), seed)
    if delivery:
        payload["delivery"] = delivery
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, service_code, payload["form"])
    submitted = citizen.submit(app["id"], app["access_token"])
    assert submitted.status_code == 202, submitted.text
    return citizen, app, payload


def new_verifier(system: System) -> str:
    """The token of a verifier of the caller's own, holding no claim yet."""
    username = f"verifikator.{uuid.uuid4().hex[:8]}"
    return system.staff_token(username, system.add_staff(username, "verifier"))


def claim(system: System, token: str, app_id: str) -> dict:
    """Claim until this application comes up (other tests' applications may be ahead).

    A claim answers first an application the verifier already holds (a repeated claim returns
    the held one), so claiming alone cannot take a second one. When the answer is such a held
    application and not this one, a supervisor assigns this one to the verifier while it waits
    in the queue: the verifier then holds both, as tests holding several at once expect. One
    claimed elsewhere is waited for, as before."""

    def claimed() -> dict | None:
        held = _held(system, token)
        if app_id in held:
            return _staff_view(system, token, app_id)
        response = staff_post(system, token, "/queue/claim")
        if response.status_code == 204:
            return None
        assert response.status_code == 200, response.text
        item = response.json()
        if item["id"] == app_id:
            return item
        return _assign_waiting(system, token, app_id) if item["id"] in held else None

    return wait_until(claimed, timeout=30, interval=0.2, what="claim of the application")


def _staff_get(system: System, token: str, path: str) -> Response:
    return requests.get(f"{system.gateway}/api/v1/staff{path}", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def _held(system: System, token: str) -> set[str]:
    mine = _staff_get(system, token, "/queue/mine")
    assert mine.status_code == 200, mine.text
    return {c["id"] for c in mine.json()["claims"]}


def _staff_view(system: System, token: str, app_id: str) -> dict:
    view = _staff_get(system, token, f"/applications/{app_id}")
    assert view.status_code == 200, view.text
    return view.json()


_SUPERVISORS: dict[str, str] = {}  # per system (its database): the helper's supervisor token


def _supervisor(system: System) -> str:
    if system.database not in _SUPERVISORS:
        password = system.add_staff("journeys.supervisor", "supervisor")
        _SUPERVISORS[system.database] = system.staff_token("journeys.supervisor", password)
    return _SUPERVISORS[system.database]


def _username(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["username"]


def _assign_waiting(system: System, token: str, app_id: str) -> dict | None:
    """Give ``app_id`` to the verifier when it waits in the queue (None when it is not there
    yet or someone else holds it)."""
    supervisor = _supervisor(system)
    view = _staff_get(system, supervisor, f"/applications/{app_id}")
    if view.status_code == 404:
        return None
    assert view.status_code == 200, view.text
    lease = view.json()["lease_expires_at"]
    live = lease is not None and datetime.fromisoformat(lease) > datetime.now(UTC)
    if view.json()["state"] not in ("PENDING", "CLAIMED") or live:
        return None
    moved = staff_post(system, supervisor, f"/applications/{app_id}/reassign",
                       {"username": _username(token)})
    return _staff_view(system, token, app_id) if moved.status_code == 200 else None


def decide(system: System, token: str, app_id: str, **decision: Any) -> Response:
    return staff_post(system, token, f"/applications/{app_id}/decision", decision)


def approve(system: System, token: str, app_id: str) -> None:
    claim(system, token, app_id)
    decided = decide(system, token, app_id, decision="APPROVE")
    assert decided.status_code == 200, decided.text


def pin_from(system: System, email: str) -> str:
    mail = system.mailbox.wait_for(email, "PIN unduh")
    return re.search(r"^\s+(\d{6})\s*$", body_text(mail), re.MULTILINE).group(1)


def catalogue_payload(system: System, verifier: str, service_code: str,
                      seed: int) -> dict[str, Any]:
    """A synthetic application of ``service_code``; for a correction or reprint, of a KK this
    system first issued to the same applicant (a reissue names a real document of theirs)."""
    payload = application_payload(service_code, adult(seed), seed)
    if get_service(service_code).reissue is None:
        return payload
    first = application_payload("KK_PERUBAHAN", adult(seed), seed)
    # Its mails (another PIN) to another address, so the reissue's own are the ones found.
    first["applicant"]["email"] = "kk-asal." + first["applicant"]["email"]
    citizen, original, _ = apply(system, "KK_PERUBAHAN", seed, payload=first)
    approve(system, verifier, original["id"])
    issued = wait_for_status(citizen, original["id"], original["access_token"], "ISSUED")
    payload["form"]["document_number"] = issued["document"]["document_number"]
    return payload
