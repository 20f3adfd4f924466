"""Every catalogue service over the real services: apply, and for documents, issue."""

from __future__ import annotations

import pytest
import requests

from services.intake.catalogue import load_catalogue
from services.printing.documents.pades import validate_signed_pdf
from tests.support.infra import wait_until
from tests.support.journeys import (
    apply,
    approve,
    catalogue_payload,
    claim,
    decide,
    pin_from,
    wait_for_status,
)
from tests.support.system import System

pytestmark = pytest.mark.e2e

SERVICES = sorted(load_catalogue())
# KTP_BARU waits for biometric recording first (tests/e2e/test_in_person.py); every other
# service goes from approval straight to a signed document (cards as their print data).
DIRECT = [s for s in SERVICES if not load_catalogue()[s].steps_before_issuance]


@pytest.mark.parametrize("code", SERVICES)
def test_every_service_can_be_applied_for_and_cancelled(
    system: System, verifier: str, code: str
) -> None:
    seed = SERVICES.index(code) + 100
    citizen, app, payload = apply(system, code, seed,
                                  payload=catalogue_payload(system, verifier, code, seed))
    state = citizen.get(app["id"], app["access_token"]).json()
    assert state["status"] == "SUBMITTED"
    assert state["service"]["code"] == code and state["service"]["catalogue_version"] >= 2
    assert state["expected_completion_at"] and state["missing_documents"] == []
    assert [t["state"] for t in state["timeline"]][:3] == ["done", "current", "upcoming"]

    cancelled = citizen.session.post(
        f"{system.gateway}/api/v1/applications/{app['id']}/cancel",
        json={"reason": "Salah memilih layanan."},
        headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=30,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    system.mailbox.wait_for(payload["applicant"]["email"], "dibatalkan")
    again = citizen.session.post(
        f"{system.gateway}/api/v1/applications/{app['id']}/cancel", json={},
        headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=30,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOT_CANCELLABLE"


@pytest.mark.parametrize("code", DIRECT)
def test_documents_are_issued_signed_and_verifiable(
    system: System, verifier: str, code: str
) -> None:
    seed = SERVICES.index(code) + 200
    citizen, app, payload = apply(system, code, seed,
                                  payload=catalogue_payload(system, verifier, code, seed))
    approve(system, verifier, app["id"])
    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    pin = pin_from(system, payload["applicant"]["email"])
    pdf = citizen.download(app["id"], app["access_token"], pin)
    assert pdf.status_code == 200, pdf.text
    check = validate_signed_pdf(pdf.content, system.env["DEV_PKI_DIR"] + "/ca.pem")
    assert check.intact and check.valid and check.trusted
    number = issued["document"]["document_number"]
    verified = requests.get(f"{system.gateway}/api/v1/verify/{number}", timeout=10).json()
    assert verified["status"] == "ACTIVE"
    # A correction or reprint issues the type of the document it replaces (here a KK).
    assert verified["document_type"] == (load_catalogue()[code].output_document or "KK")


def test_a_cancelled_application_cannot_be_decided(system: System, verifier: str,
                                                   supervisor: str) -> None:
    citizen, app, _ = apply(system, "AKTA_MATI", seed=301)
    claim(system, verifier, app["id"])
    citizen.session.post(
        f"{system.gateway}/api/v1/applications/{app['id']}/cancel", json={},
        headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=30,
    ).raise_for_status()

    def queue_state() -> str:
        return requests.get(
            f"{system.gateway}/api/v1/staff/applications/{app['id']}", timeout=10,
            headers={"Authorization": f"Bearer {supervisor}"},  # the claim ended with it
        ).json()["state"]

    wait_until(lambda: queue_state() == "CANCELLED", timeout=20,
               what="verification learns of the cancellation")
    refused = decide(system, verifier, app["id"], decision="APPROVE")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "APPLICATION_CANCELLED"
    assert citizen.get(app["id"], app["access_token"]).json()["status"] == "CANCELLED"


def test_the_public_status_page_reports_components_and_backlog(system: System) -> None:
    response = requests.get(f"{system.gateway}/api/v1/status", timeout=15)
    assert response.status_code == 200, response.text
    body = response.json()
    components = {c["name"]: c["up"] for c in body["components"]}
    assert components == {
        "gateway": True, "intake": True, "verification": True, "printing": True,
        "notification": True, "object_storage": True,
    }
    services = {s["code"]: s for s in body["services"]}
    assert set(services) == set(SERVICES)
    assert all(s["waiting"] >= 0 and s["in_progress"] >= 0 for s in services.values())
