"""Notifications over the real services: email (aiosmtpd), SMS over the generic webhook and
WhatsApp over the Fonnte-shaped adapter (both against the loopback provider), the in-app inbox,
delivery receipts, staff views; no full NIK anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from services.notification.channels.webhook import signature
from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.infra import body_text, wait_until
from tests.support.journeys import approve, claim, decide, upload_required, wait_for_status
from tests.support.provider import LoopbackProvider
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-notifications"
SECRET = "e2e-provider-secret"
ALL = ["EMAIL", "SMS", "WHATSAPP", "INBOX"]


@pytest.fixture(scope="module")
def provider() -> Iterator[LoopbackProvider]:
    server = LoopbackProvider(timeout_seconds=2).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notify_system(provider: LoopbackProvider) -> Iterator[System]:
    with running_system(ARTIFACTS, {
        "SMS_PROVIDER": "webhook", "SMS_URL": provider.url, "SMS_SECRET": SECRET,
        "WHATSAPP_PROVIDER": "fonnte", "WHATSAPP_URL": provider.url, "WHATSAPP_SECRET": SECRET,
        "NOTIFY_HTTP_TIMEOUT_SECONDS": "1", "SUPERVISOR_EMAILS": "supervisor@dinas.test",
        "NOTIFY_ALERT_AFTER_FAILURES": "50",
    }) as system:
        yield system


@pytest.fixture(scope="module")
def staff(notify_system: System) -> dict[str, str]:
    tokens = {}
    for username, role in (("verif.notif", "verifier"), ("super.notif", "supervisor")):
        password = notify_system.add_staff(username, role)
        tokens[role] = notify_system.staff_token(username, password)
    return tokens


def submit(system: System, seed: int, channels: list[str]) -> tuple[CitizenClient, dict, dict]:
    citizen = CitizenClient.connect(system.gateway)
    payload = application_payload("KK_PERUBAHAN", adult(seed), seed)
    payload["applicant"]["channels"] = channels
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, "KK_PERUBAHAN", payload["form"])
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202
    return citizen, app, payload


def inbox(system: System, app: dict) -> list[dict]:
    response = requests.get(
        f"{system.gateway}/api/v1/applications/{app['id']}/messages",
        headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def phone_of(payload: dict) -> str:
    return payload["applicant"]["phone"]


def test_every_transition_reaches_every_chosen_channel_once(
    notify_system: System, provider: LoopbackProvider, staff: dict
) -> None:
    system = notify_system
    citizen, app, payload = submit(system, 7101, ALL)
    email, phone = payload["applicant"]["email"], phone_of(payload)
    nik = payload["applicant"]["nik"]
    system.mailbox.wait_for(email, "telah diajukan")
    approve(system, staff["verifier"], app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    system.mailbox.wait_for(email, "PIN unduh")

    def all_sms() -> list | None:
        texts = [a.text for a in provider.to(phone)]
        return texts if sum("PIN unduh" in t for t in texts) == 2 and len(texts) >= 8 else None

    texts = wait_until(all_sms, timeout=30, what="SMS and WhatsApp messages")
    # submitted, approved, issued, PIN -- on SMS and on WhatsApp, once each ("in verification"
    # is told in the inbox only)
    assert len(texts) == 8, texts
    assert len(set(texts)) == 8
    pin_texts = [t for t in texts if "PIN unduh" in t]
    assert all("/permohonan" not in t for t in pin_texts)  # link and PIN travel apart
    messages = wait_until(lambda: len(inbox(system, app)) >= 4 and inbox(system, app),
                          timeout=20, what="inbox")
    subjects = [m["subject"] for m in messages]
    assert any("telah terbit" in s for s in subjects)
    assert not any("PIN" in s for s in subjects)  # the PIN never goes to the inbox
    mails = system.mailbox.to(email)
    # Submitted, approved, issued, the PIN (the verifier opening it is in the inbox only).
    assert len(mails) == len({m["Subject"] for m in mails}) == 4
    everything = texts + [body_text(m) for m in mails] + [json.dumps(messages)]
    assert all(nik not in text for text in everything)
    for log in system.log_dir.glob("*.log"):
        assert nik not in log.read_text(errors="replace")


def test_revision_and_rejection_reach_the_citizen_with_what_to_fix_and_why(
    notify_system: System, provider: LoopbackProvider, staff: dict
) -> None:
    system = notify_system
    _, app, payload = submit(system, 7102, ["SMS", "INBOX"])
    claim(system, staff["verifier"], app["id"])
    assert decide(system, staff["verifier"], app["id"], decision="REQUEST_REVISION",
                  reason_code="DOKUMEN_TIDAK_TERBACA",
                  fix_documents=["KK_LAMA"]).status_code == 200
    revision = wait_until(
        lambda: [a.text for a in provider.to(phone_of(payload)) if "perlu diperbaiki" in a.text],
        timeout=30, what="revision SMS")
    assert len(revision[0]) <= 160
    assert not system.mailbox.to(payload["applicant"]["email"])  # email was not chosen
    _, app2, payload2 = submit(system, 7103, ["WHATSAPP"])
    claim(system, staff["verifier"], app2["id"])
    assert decide(system, staff["verifier"], app2["id"], decision="REJECT",
                  reason_code="PERMOHONAN_GANDA").status_code == 200
    wait_until(lambda: [a for a in provider.to(phone_of(payload2)) if "ditolak" in a.text],
               timeout=30, what="rejection on WhatsApp")
    assert inbox(system, app2) == []  # the inbox was not chosen


def test_a_provider_4xx_is_terminal_and_listed_for_staff_and_receipts_mark_delivered(
    notify_system: System, provider: LoopbackProvider, staff: dict
) -> None:
    system = notify_system
    provider.fail_next("400")
    _, app, payload = submit(system, 7104, ["SMS"])
    headers = {"Authorization": f"Bearer {staff['supervisor']}"}
    url = f"{system.gateway}/api/v1/staff/notifications"

    def failed() -> list:
        response = requests.get(url, params={"state": "TECHNICAL_FAILURE",
                                             "application_id": app["id"]},
                                headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    [terminal] = wait_until(failed, timeout=30, what="terminal failure")
    assert terminal["channel"] == "SMS" and "400" in terminal["last_error"]
    assert phone_of(payload) not in terminal["recipient"]
    verifier = requests.get(url, headers={"Authorization": f"Bearer {staff['verifier']}"},
                            timeout=10)
    assert verifier.status_code == 403

    _, app2, payload2 = submit(system, 7105, ["SMS"])
    [accepted] = wait_until(lambda: provider.to(phone_of(payload2)), timeout=30, what="SMS")
    body = json.dumps({"message_id": accepted.key, "status": "DELIVERED"})
    receipts = f"{system.gateway}/api/v1/notifications/receipts/webhook"
    forged = requests.post(receipts, data=body, headers={
        "Content-Type": "application/json", "X-Silasidakep-Signature": "sha256=00"}, timeout=10)
    assert forged.status_code == 403
    signed = requests.post(receipts, data=body, headers={
        "Content-Type": "application/json",
        "X-Silasidakep-Signature": signature(SECRET, body.encode())}, timeout=10)
    assert signed.status_code == 200 and signed.json()["state"] == "DELIVERED"


def test_staff_list_and_preview_templates(notify_system: System, staff: dict) -> None:
    system = notify_system
    headers = {"Authorization": f"Bearer {staff['supervisor']}"}
    listed = requests.get(f"{system.gateway}/api/v1/staff/notifications/templates",
                          headers=headers, timeout=10)
    assert listed.status_code == 200
    names = {t["template"]: t["channels"] for t in listed.json()["templates"]}
    assert names["status_printed"] == {"EMAIL": 2, "SMS": 2, "WHATSAPP": 2, "INBOX": 2}
    assert "INBOX" not in names["download_pin"]
    preview = requests.post(f"{system.gateway}/api/v1/staff/notifications/preview",
                            json={"template": "status_awaiting_blanko", "channel": "SMS"},
                            headers=headers, timeout=10)
    assert preview.status_code == 200, preview.text
    assert "blanko" in preview.json()["text"] and preview.json()["length"] <= 160
    other = requests.get(
        f"{system.gateway}/api/v1/applications/00000000-0000-4000-8000-000000000001/messages",
        headers={"Authorization": "Bearer salah"}, timeout=10)
    assert other.status_code == 404
