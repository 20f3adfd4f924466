"""Manual signing (SIGNING_MODE=manual) end to end, on a system of its own.

Approved applications wait as AWAITING_SIGNATURE until the head of the Dinas (role signer)
signs them, here two in one batch; then they are issued as in the automatic mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from services.printing.documents.pades import validate_signed_pdf
from tests.support.forms import birth_with_kia
from tests.support.infra import wait_until
from tests.support.journeys import (
    apply,
    approve,
    pin_from,
    staff_post,
    wait_for_status,
)
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-signing"


@pytest.fixture(scope="module")
def manual_system() -> Iterator[System]:
    with running_system(ARTIFACTS, {"SIGNING_MODE": "manual"}) as system:
        yield system


def token_for(system: System, username: str, *roles: str) -> str:
    return system.staff_token(username, system.add_staff(username, *roles))


def staff_get(system: System, token: str, path: str) -> requests.Response:
    return requests.get(
        f"{system.gateway}/api/v1/staff{path}",
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )


def test_signer_batch_signs_waiting_documents(manual_system: System) -> None:
    system = manual_system
    verifier = token_for(system, "verifikator.ttd", "verifier")
    signer = token_for(system, "kadis.ttd", "signer")
    supervisor = token_for(system, "pengawas.ttd", "supervisor")

    applied = [apply(system, "KK_PERUBAHAN", seed) for seed in (801, 802)]
    for _, app, _ in applied:
        approve(system, verifier, app["id"])
    for citizen, app, payload in applied:
        waiting = wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")
        assert waiting["stage"]["label"] == "Menunggu tanda tangan"
        system.mailbox.wait_for(payload["applicant"]["email"], "menunggu tanda tangan elektronik")
        assert not waiting["can_cancel"] and waiting["document"] is None
        cancel = citizen.session.post(
            f"{system.gateway}/api/v1/applications/{app['id']}/cancel",
            json={"reason": "tidak jadi"},
            headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=30,
        )
        assert cancel.status_code == 409

    # Only the signer sees the queue and signs.
    assert staff_get(system, verifier, "/signing/queue").status_code == 403
    forbidden = staff_post(system, verifier, "/signing/batch", {"document_numbers": ["X"]})
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "ROLE_REQUIRED"
    assert staff_get(system, "not-a-token", "/signing/queue").status_code == 401

    queue = staff_get(system, signer, "/signing/queue")
    assert queue.status_code == 200, queue.text
    by_app = {d["application_id"]: d for d in queue.json()["documents"]}
    numbers = []
    for _, app, payload in applied:
        item = by_app[app["id"]]
        assert item["tracking_code"] == app["tracking_code"] and item["document_type"] == "KK"
        assert item["waiting_since"] and payload["applicant"]["nik"] not in str(item)
        numbers.append(item["document_number"])
    draft = staff_get(system, signer, f"/signing/{numbers[0]}/draft")
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF-")
    assert draft.headers["Cache-Control"] == "no-store"
    ca_file = system.env["DEV_PKI_DIR"] + "/ca.pem"
    assert not validate_signed_pdf(draft.content, ca_file).ok  # a draft is not signed
    unknown = requests.get(f"{system.gateway}/api/v1/verify/{numbers[0]}", timeout=10)
    assert unknown.json()["status"] == "UNKNOWN"  # not valid before it is signed

    batch = staff_post(system, signer, "/signing/batch", {"document_numbers": numbers})
    assert batch.status_code == 200, batch.text
    assert [(r["document_number"], r["result"]) for r in batch.json()["results"]] == [
        (numbers[0], "SIGNED"), (numbers[1], "SIGNED")]
    again = staff_post(system, signer, "/signing/batch", {"document_numbers": numbers})
    assert {r["result"] for r in again.json()["results"]} == {"ALREADY_SIGNED"}
    single = staff_post(system, signer, f"/applications/{applied[0][1]['id']}/sign")
    assert single.status_code == 200 and single.json()["result"] == "ALREADY_SIGNED"
    assert staff_get(system, signer, f"/signing/{numbers[0]}/draft").status_code == 409
    assert numbers[0] not in str(staff_get(system, signer, "/signing/queue").json())

    for (citizen, app, payload), number in zip(applied, numbers, strict=True):
        issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
        # (IN_VERIFICATION may be skipped: the decision can overtake the claim event.)
        assert [h["status"] for h in issued["history"]][-3:] == [
            "APPROVED", "AWAITING_SIGNATURE", "ISSUED"]
        assert issued["document"]["document_number"] == number
        system.mailbox.wait_for(payload["applicant"]["email"], "telah terbit")  # signed: issued
        pin = pin_from(system, payload["applicant"]["email"])
        pdf = citizen.download(app["id"], app["access_token"], pin)
        assert pdf.status_code == 200
        assert pdf.content.startswith(draft.content) or number != numbers[0]
        assert validate_signed_pdf(pdf.content, ca_file).ok
        verified = requests.get(f"{system.gateway}/api/v1/verify/{number}", timeout=10)
        assert verified.json()["status"] == "ACTIVE"

    # Revoking: the verifier may not, a supervisor may; the QR page then shows it revoked.
    url = f"/documents/{numbers[1]}/revoke"
    assert staff_post(system, verifier, url, {"reason": "Data keliru"}).status_code == 403
    revoked = staff_post(system, supervisor, url, {"reason": "Data keliru"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"

    def shows_revoked() -> bool:
        page = requests.get(f"{system.gateway}/verify/{numbers[1]}", timeout=10)
        return "DOKUMEN DICABUT" in page.text

    wait_until(shows_revoked, timeout=10, what="revoked on the verification page")
    for log in system.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert signer not in text and verifier not in text, log.name


def test_each_document_of_an_application_waits_and_signing_it_signs_them_all(
    manual_system: System,
) -> None:
    """A "3 in 1" birth parks the akta, the updated KK and the KIA for the signer, each listed
    on its own; signing the application signs all three once."""
    system = manual_system
    verifier = token_for(system, "verifikator.ttd3", "verifier")
    signer = token_for(system, "kadis.ttd3", "signer")
    citizen, app, _ = apply(system, "AKTA_LAHIR", 803, payload=birth_with_kia(803))
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")

    def three_waiting() -> list[dict] | None:
        queue = staff_get(system, signer, "/signing/queue").json()["documents"]
        ours = [d for d in queue if d["application_id"] == app["id"]]
        return ours if len(ours) == 3 else None

    waiting = wait_until(three_waiting, timeout=60, what="three drafts in the signer's queue")
    assert [d["document_type"] for d in waiting] == ["AKTA_LAHIR", "KK", "KIA"]
    assert len({d["document_number"] for d in waiting}) == 3
    signed = staff_post(system, signer, f"/applications/{app['id']}/sign")
    assert signed.status_code == 200, signed.text
    assert [r["result"] for r in signed.json()["results"]] == ["SIGNED"] * 3
    again = staff_post(system, signer, f"/applications/{app['id']}/sign")
    assert again.status_code == 200 and again.json()["result"] == "ALREADY_SIGNED"
    assert three_waiting() is None
    for document in waiting:
        verified = requests.get(f"{system.gateway}/api/v1/verify/{document['document_number']}",
                                timeout=10)
        assert verified.json()["status"] == "ACTIVE"
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
