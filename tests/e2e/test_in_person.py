"""In-person steps without crowds, and complaints, over HTTP through all five services."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import requests

from services.intake.domain.workdays import WIB
from tests.support.infra import body_text, wait_until
from tests.support.journeys import AFTER_ISSUED, apply, approve, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e


def call(system: System, method: str, path: str, token: str | None = None,
         body: dict | None = None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{system.gateway}/api/v1{path}", json=body,
                            params=params or None, headers=headers, timeout=30)


def later_today_window() -> str | None:
    """A window starting a few minutes from now (WIB), or None this close to midnight."""
    start = (datetime.now(WIB) + timedelta(minutes=3)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=30)
    if end.date() != start.date() or start.date() != datetime.now(WIB).date():
        return None
    return f"{start:%H:%M}-{end:%H:%M}"


def no_secrets_in_mail(system: System, address: str, *secrets: str) -> None:
    for message in system.mailbox.to(address):
        for secret in secrets:
            assert secret not in body_text(message) and secret not in message["Subject"]


def test_booking_a_biometrics_slot_through_the_gateway(
    system: System, admin: str, verifier: str, supervisor: str
) -> None:
    code = "E2E-" + uuid.uuid4().hex[:6].upper()
    location = {"code": code, "name": "Mal Pelayanan Publik Sumedang (uji)", "kind": "MPP",
                "address": "Jalan Prabu Geusan Ulun, Sumedang", "steps": ["BIOMETRICS"]}
    refused = call(system, "POST", "/staff/locations", verifier, location)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "ROLE_REQUIRED"
    created = call(system, "POST", "/staff/locations", admin, location)
    assert created.status_code == 201, created.text

    today = datetime.now(WIB).date()
    tomorrow = today + timedelta(days=1)
    slots = call(system, "POST", f"/staff/locations/{code}/slots", admin, {
        "from": tomorrow.isoformat(), "to": tomorrow.isoformat(),
        "windows": ["08:00-09:00"], "capacity": 1,
        "include_weekends": True, "include_holidays": True,
    })
    assert slots.status_code == 201 and slots.json()["created"] == 1, slots.text
    listed = call(system, "GET", "/locations", step="BIOMETRICS")
    assert code in {loc["code"] for loc in listed.json()["locations"]}
    offered = call(system, "GET", f"/locations/{code}/slots", **{"from": tomorrow.isoformat()})
    (slot,) = offered.json()["slots"]
    assert slot["remaining"] == 1 and slot["available"]

    citizen, app, payload = apply(system, "KTP_BARU", seed=7301)
    email, nik = payload["applicant"]["email"], payload["applicant"]["nik"]
    token = app["access_token"]
    path = f"/applications/{app['id']}/appointments"
    assert call(system, "POST", path, "wrong-token",
                {"step": "BIOMETRICS", "slot_id": slot["id"]}).status_code == 403
    booked = call(system, "POST", path, token, {"step": "BIOMETRICS", "slot_id": slot["id"]})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["status"] == "BOOKED" and appointment["location"]["code"] == code

    # The only place is taken now.
    _, other, _ = apply(system, "KTP_BARU", seed=7302)
    full = call(system, "POST", f"/applications/{other['id']}/appointments",
                other["access_token"], {"step": "BIOMETRICS", "slot_id": slot["id"]})
    assert full.status_code == 409 and full.json()["error"]["code"] == "SLOT_FULL"

    confirmation = system.mailbox.wait_for(email, "telah dipesan")
    assert app["tracking_code"] in confirmation["Subject"]
    assert "pukul 08.00" in body_text(confirmation)
    reminder = system.mailbox.wait_for(email, "Pengingat")  # tomorrow's: the timer sends it
    assert location["name"] in body_text(reminder)

    window = later_today_window()
    if window is None:
        pytest.skip("too close to midnight WIB for a slot later today")
    later = call(system, "POST", f"/staff/locations/{code}/slots", admin, {
        "from": today.isoformat(), "to": today.isoformat(), "windows": [window],
        "capacity": 3, "include_weekends": True, "include_holidays": True,
    })
    assert later.json()["created"] == 1, later.text
    (today_slot,) = call(system, "GET", f"/locations/{code}/slots",
                         **{"from": today.isoformat(), "to": today.isoformat()}).json()["slots"]
    moved = call(system, "PUT", f"{path}/{appointment['id']}", token,
                 {"slot_id": today_slot["id"]})
    assert moved.status_code == 200 and moved.json()["slot"]["id"] == today_slot["id"]
    system.mailbox.wait_for(email, "telah diubah")
    freed = call(system, "GET", f"/locations/{code}/slots", **{"from": tomorrow.isoformat()})
    assert freed.json()["slots"][0]["remaining"] == 1

    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], token, "AWAITING_BIOMETRICS")
    day = call(system, "GET", f"/staff/locations/{code}/appointments", supervisor,
               date=today.isoformat())
    assert day.status_code == 200, day.text
    (coming,) = [a for s in day.json()["slots"] for a in s["appointments"]]
    assert coming["tracking_code"] == app["tracking_code"] and nik not in day.text
    attended = call(system, "POST", f"/staff/appointments/{coming['id']}/attendance",
                    supervisor, {"attended": True})
    assert attended.status_code == 200 and attended.json()["status"] == "ATTENDED", attended.text

    def released() -> dict | None:
        body = citizen.get(app["id"], token).json()
        return body if body["status"] in ("APPROVED", "ISSUED", *AFTER_ISSUED) else None

    wait_until(released, timeout=60, what="issuance released after biometrics")
    state = wait_for_status(citizen, app["id"], token, "ISSUED")
    assert "AWAITING_BIOMETRICS" in [h["status"] for h in state["history"]]
    assert state["document"]["document_number"].startswith("3211-KTP-")
    mine = call(system, "GET", path, token).json()
    assert [a["status"] for a in mine["appointments"]] == ["ATTENDED"]
    no_secrets_in_mail(system, email, nik, token)


def test_cancelling_a_booking_frees_the_place(system: System, admin: str) -> None:
    code = "E2E-" + uuid.uuid4().hex[:6].upper()
    assert call(system, "POST", "/staff/locations", admin, {
        "code": code, "name": "Kantor Kecamatan Situraja (uji)", "kind": "KECAMATAN",
        "kecamatan_code": "32.11.06", "address": "Jalan Raya Situraja", "steps": ["BIOMETRICS"],
    }).status_code == 201
    day = datetime.now(WIB).date() + timedelta(days=3)
    call(system, "POST", f"/staff/locations/{code}/slots", admin, {
        "from": day.isoformat(), "to": day.isoformat(), "windows": ["13:00-14:00"],
        "capacity": 2, "include_weekends": True, "include_holidays": True,
    })
    (slot,) = call(system, "GET", f"/locations/{code}/slots",
                   **{"from": day.isoformat()}).json()["slots"]
    in_kecamatan = call(system, "GET", "/locations", kecamatan_code="32.11.06").json()
    assert code in {loc["code"] for loc in in_kecamatan["locations"]}

    _, app, payload = apply(system, "KTP_BARU", seed=7303)
    path = f"/applications/{app['id']}/appointments"
    booked = call(system, "POST", path, app["access_token"],
                  {"step": "BIOMETRICS", "slot_id": slot["id"]}).json()
    cancelled = call(system, "DELETE", f"{path}/{booked['id']}", app["access_token"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    system.mailbox.wait_for(payload["applicant"]["email"], "dibatalkan")
    again = call(system, "GET", f"/locations/{code}/slots", **{"from": day.isoformat()})
    assert again.json()["slots"][0]["remaining"] == 2

    shrink = call(system, "PATCH", f"/staff/slots/{slot['id']}", admin, {"capacity": 0})
    assert shrink.status_code == 200 and shrink.json()["capacity"] == 0
    closed = call(system, "POST", path, app["access_token"],
                  {"step": "BIOMETRICS", "slot_id": slot["id"]})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "SLOT_FULL"


def test_filing_and_answering_a_complaint(
    system: System, supervisor: str, admin: str
) -> None:
    email = f"pengadu.{uuid.uuid4().hex[:6]}@example.org"
    categories = call(system, "GET", "/complaints/categories").json()
    assert "LAYANAN_LAMBAT" in {c["code"] for c in categories["categories"]}
    bad = call(system, "POST", "/complaints", body={"kind": "COMPLAINT", "category": "CUACA",
                                                     "message": "Hujan terus.", "name": "Uji",
                                                     "email": email})
    assert bad.status_code == 400 and "category" in bad.json()["error"]["fields"]
    filed = call(system, "POST", "/complaints", body={
        "kind": "COMPLAINT", "category": "JADWAL_KEDATANGAN",
        "message": "Jadwal perekaman di kecamatan kami selalu penuh, mohon ditambah.",
        "name": "Dewi Lestari", "email": email, "phone": "081234567890",
    })
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    code, token = complaint["tracking_code"], complaint["access_token"]
    assert code.startswith("ADU-")
    received = system.mailbox.wait_for(email, "telah kami terima")
    assert code in received["Subject"]

    assert call(system, "GET", f"/complaints/{code}").status_code == 401
    assert call(system, "GET", f"/complaints/{code}", "bukan-token").status_code == 403
    seen = call(system, "GET", f"/complaints/{code}", token)
    assert seen.status_code == 200 and seen.json()["status"] == "OPEN"

    assert call(system, "GET", "/staff/complaints", admin, status="OPEN").status_code == 403
    backlog = call(system, "GET", "/staff/complaints", supervisor, status="OPEN")
    assert code in {c["tracking_code"] for c in backlog.json()["complaints"]}
    answer = "Terima kasih. Mulai pekan depan kuota perekaman di kecamatan Anda kami tambah."
    answered = call(system, "POST", f"/staff/complaints/{code}/answer", supervisor,
                    {"answer": answer})
    assert answered.status_code == 200 and answered.json()["answered_by"] == "supervisor.satu"
    again = call(system, "POST", f"/staff/complaints/{code}/answer", supervisor,
                 {"answer": "Lagi."})
    assert again.status_code == 409

    reply = system.mailbox.wait_for(email, "Jawaban atas pengaduan")
    assert answer in body_text(reply)
    final = call(system, "GET", f"/complaints/{code}", token).json()
    assert final["status"] == "ANSWERED" and final["answer"] == answer
    no_secrets_in_mail(system, email, token)
