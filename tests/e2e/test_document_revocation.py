"""A revocation reaches everyone, over HTTP through all five services (issue 16): printing's
register, intake's download and status page, the citizen's email, the public QR page; a
superseded document cannot be revoked."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.infra import body_text, wait_until
from tests.support.journeys import approve, pin_from, staff_post, upload_required, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e

SEED = 16_901
REASON = "Data anggota keluarga tidak sesuai dengan dokumen asli."


@pytest.fixture(scope="module")
def signer(system: System) -> str:
    username = f"kadis.cabut.{uuid.uuid4().hex[:6]}"
    return system.staff_token(username, system.add_staff(username, "signer"))


def _issued_kk(system: System, verifier: str, email: str) -> tuple[CitizenClient, dict, str]:
    """A KK_PERUBAHAN of the same person (the same KK number each time), issued: (client,
    created application, document number)."""
    citizen = CitizenClient.connect(system.gateway)
    payload = application_payload("KK_PERUBAHAN", adult(SEED), SEED)
    payload["applicant"]["email"] = email
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, "KK_PERUBAHAN", payload["form"])
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202
    approve(system, verifier, app["id"])
    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    return citizen, app, issued["document"]["document_number"]


def _verified(system: System, number: str) -> dict:
    return requests.get(f"{system.gateway}/api/v1/verify/{number}", timeout=10).json()


def test_a_revoked_document_is_refused_shown_told_and_verified_revoked(
    system: System, verifier: str, signer: str
) -> None:
    first_email = f"cabut.satu.{uuid.uuid4().hex[:6]}@example.org"
    second_email = f"cabut.dua.{uuid.uuid4().hex[:6]}@example.org"
    _, first, older = _issued_kk(system, verifier, first_email)
    citizen, second, newer = _issued_kk(system, verifier, second_email)
    token = second["access_token"]

    # The newer KK of the same family superseded the older one: it cannot be revoked.
    wait_until(lambda: _verified(system, older)["status"] == "SUPERSEDED", timeout=20,
               what="the older KK superseded")
    superseded = staff_post(system, signer, f"/documents/{older}/revoke", {"reason": REASON})
    assert superseded.status_code == 409, superseded.text
    assert superseded.json()["error"]["code"] == "DOCUMENT_SUPERSEDED"

    def first_shows_superseded() -> dict | None:
        view = citizen.get(first["id"], first["access_token"]).json()
        entry = view["documents"][0]
        return entry if entry["status"] == "SUPERSEDED" else None

    entry = wait_until(first_shows_superseded, timeout=20, what="superseded on the status page")
    assert entry["superseded_by"] == newer and entry["downloadable"]

    # A revocation needs a reason.
    for body in ({"reason": ""}, {"reason": "   "}, {}):
        refused = staff_post(system, signer, f"/documents/{newer}/revoke", body)
        assert 400 <= refused.status_code < 500, refused.text
    assert _verified(system, newer)["status"] == "ACTIVE"

    pin = pin_from(system, second_email)
    assert citizen.download(second["id"], token, pin).status_code == 200
    revoked = staff_post(system, signer, f"/documents/{newer}/revoke", {"reason": REASON})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"

    # The status page shows it; the application's status stays (its history is unchanged).
    def shows_revoked() -> dict | None:
        view = citizen.get(second["id"], token).json()
        return view if view["documents"][0]["status"] == "REVOKED" else None

    view = wait_until(shows_revoked, timeout=20, what="revoked on the status page")
    document = view["documents"][0]
    assert document["document_number"] == newer and document["revocation_reason"] == REASON
    assert document["revoked_at"] and not document["downloadable"]
    assert view["status"] in ("ISSUED", "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED")
    assert (view["outputs_issued"], view["outputs_total"]) == (1, 1)

    # The download is refused with the reason, the right PIN notwithstanding.
    refused = citizen.download(second["id"], token, pin)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "DOCUMENT_REVOKED" and "dicabut" in error["message"]
    assert REASON.rstrip(".") in error["message"]

    # The citizen is told on their channel: which document, of which application, why, what next.
    mail = system.mailbox.wait_for(second_email, "dicabut")
    text = body_text(mail)
    assert newer in mail["Subject"] and second["tracking_code"] in text
    assert "Kartu Keluarga" in text and REASON in text and "pembetulan" in text
    assert not [m for m in system.mailbox.to(first_email) if "dicabut" in m["Subject"]]

    # The public QR page says REVOKED.
    assert _verified(system, newer)["status"] == "REVOKED"
    page = requests.get(f"{system.gateway}/verify/{newer}", timeout=10)
    assert "DOKUMEN DICABUT" in page.text

    # Revoking again answers the same, and tells nobody twice.
    again = staff_post(system, signer, f"/documents/{newer}/revoke", {"reason": REASON})
    assert again.status_code == 200 and again.json()["status"] == "REVOKED"
    time.sleep(2)
    assert len([m for m in system.mailbox.to(second_email) if "dicabut" in m["Subject"]]) == 1
