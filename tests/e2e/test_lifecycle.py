"""One application's whole life over HTTP, through all five services as processes."""

from __future__ import annotations

import re

import psycopg2
import pytest
import requests

from services.printing.documents.pades import validate_signed_pdf
from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.infra import body_text
from tests.support.journeys import claim, staff_post, wait_for_status
from tests.support.scans import jpeg_scan, pdf_scan, png_scan
from tests.support.system import System

pytestmark = pytest.mark.e2e


def submitted_application(system: System) -> tuple[CitizenClient, dict, dict]:
    citizen = CitizenClient.connect(system.gateway)
    person = new_person()
    payload = application_payload(person)
    created = citizen.create(payload)
    assert created.status_code == 201, created.text
    app = created.json()
    assert citizen.upload(app["id"], app["access_token"], "KK_LAMA", pdf_scan("KK lama"))\
        .status_code == 201
    assert citizen.upload(app["id"], app["access_token"], "BUKTI_PERUBAHAN", jpeg_scan(),
                          "image/jpeg")\
        .status_code == 201
    submitted = citizen.submit(app["id"], app["access_token"])
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["status"] == "SUBMITTED"
    return citizen, app, payload


def test_catalogue_lists_kk_change_with_documents_and_form(system: System) -> None:
    response = requests.get(f"{system.gateway}/api/v1/services", timeout=10)
    assert response.status_code == 200
    services = {s["code"]: s for s in response.json()["services"]}
    kk = services["KK_PERUBAHAN"]
    assert {d["type"] for d in kk["required_documents"] if d["required"]} == {
        "KK_LAMA", "BUKTI_PERUBAHAN"
    }
    assert "members" in {f["name"] for f in kk["form_schema"]["fields"]}


def test_approved_application_is_issued_signed_and_downloadable_with_the_pin(
    system: System, verifier: str
) -> None:
    citizen, app, payload = submitted_application(system)
    email = payload["applicant"]["email"]
    nik = payload["applicant"]["nik"]
    submitted_mail = system.mailbox.wait_for(email, "telah diajukan")
    assert app["tracking_code"] in submitted_mail["Subject"]

    item = claim(system, verifier, app["id"])
    assert item["application"]["applicant"]["nik"] == nik
    scan = requests.get(
        f"{system.gateway}/api/v1/staff/applications/{app['id']}/documents/KK_LAMA",
        headers={"Authorization": f"Bearer {verifier}"}, timeout=10,
    )
    assert scan.status_code == 200 and scan.content.startswith(b"%PDF-")
    decision = staff_post(system, verifier, f"/applications/{app['id']}/decision",
                          {"decision": "APPROVE"})
    assert decision.status_code == 200, decision.text

    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    statuses = [h["status"] for h in issued["history"]]
    assert statuses == ["DRAFT", "SUBMITTED", "IN_VERIFICATION", "APPROVED", "ISSUED"]
    number = issued["document"]["document_number"]

    announcement = system.mailbox.wait_for(email, "telah terbit")
    pin_mail = system.mailbox.wait_for(email, "PIN unduh")
    assert announcement is not pin_mail
    pin = re.search(r"^\s+(\d{6})\s*$", body_text(pin_mail), re.MULTILINE).group(1)
    assert pin not in body_text(announcement)
    assert "/document" not in body_text(pin_mail)  # the link and the PIN never travel together
    for message in system.mailbox.to(email):
        assert nik not in body_text(message) and nik not in message["Subject"]

    wrong = citizen.download(app["id"], app["access_token"], "000000" if pin != "000000" else "1")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "INVALID_PIN"
    pdf = citizen.download(app["id"], app["access_token"], pin)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    check = validate_signed_pdf(pdf.content, system.env["DEV_PKI_DIR"] + "/ca.pem")
    assert check.intact and check.valid and check.trusted
    assert citizen.download(app["id"], app["access_token"], pin).content == pdf.content
    # The PIN in a header, and the deprecated query form that old clients still send.
    url = f"{system.gateway}/api/v1/applications/{app['id']}/document"
    auth = {"Authorization": f"Bearer {app['access_token']}"}
    by_header = requests.get(url, headers={**auth, "X-Download-PIN": pin}, timeout=30)
    assert by_header.status_code == 200 and by_header.content == pdf.content
    assert "Deprecation" not in by_header.headers
    by_query = requests.get(url, params={"pin": pin}, headers=auth, timeout=30)
    assert by_query.content == pdf.content and by_query.headers["Deprecation"] == "true"

    # The holder's name only with the check code the QR code carries (from the register).
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT check_code FROM printing.documents WHERE document_number = %s",
                    (number,))
        (check_code,) = cur.fetchone()
    conn.close()
    verified = requests.get(f"{system.gateway}/api/v1/verify/{number}", params={"c": check_code},
                            timeout=10).json()
    assert verified["status"] == "ACTIVE"
    assert verified["holder_name"] == payload["applicant"]["name"]
    assert verified["nik_masked"] != nik and verified["nik_masked"][:4] == nik[:4]
    page = requests.get(f"{system.gateway}/verify/{number}", timeout=10)
    assert page.status_code == 200 and "DOKUMEN ASLI DAN AKTIF" in page.text
    assert nik not in page.text
    as_html = requests.get(f"{system.gateway}/api/v1/verify/{number}", timeout=10,
                           headers={"Accept": "text/html,*/*;q=0.8"})
    assert as_html.headers["Content-Type"].startswith("text/html")
    as_json = requests.get(f"{system.gateway}/verify/{number}", timeout=10,
                           headers={"Accept": "application/json"})
    assert as_json.json()["status"] == "ACTIVE"
    unknown = requests.get(f"{system.gateway}/api/v1/verify/3211-KK-1999-999999", timeout=10)
    assert unknown.json()["status"] == "UNKNOWN"

    for log in system.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert f"pin={pin}" not in text and nik not in text, log.name


def test_revision_round_trip_then_approval(system: System, verifier: str) -> None:
    citizen, app, payload = submitted_application(system)
    email = payload["applicant"]["email"]
    claim(system, verifier, app["id"])
    url = f"/applications/{app['id']}/decision"
    unnamed = staff_post(system, verifier, url, {
        "decision": "REQUEST_REVISION", "reason_code": "DOKUMEN_TIDAK_TERBACA"})
    assert unnamed.status_code == 400 and unnamed.json()["error"]["code"] == "FIX_REQUIRED"
    unknown = staff_post(system, verifier, url, {
        "decision": "REQUEST_REVISION", "reason_code": "DOKUMEN_TIDAK_TERBACA",
        "fix_documents": ["PASPOR"]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "UNKNOWN_FIX_TARGET"
    revision = staff_post(system, verifier, url, {
        "decision": "REQUEST_REVISION", "reason_code": "DOKUMEN_TIDAK_TERBACA",
        "note": "Foto KK lama buram.", "fix_documents": ["KK_LAMA"],
        "fix_fields": ["form.rt_rw"]})
    assert revision.status_code == 200, revision.text
    state = wait_for_status(citizen, app["id"], app["access_token"], "REVISION_REQUESTED")
    assert state["history"][-1]["reason_code"] == "DOKUMEN_TIDAK_TERBACA"
    assert state["revision"]["documents"] == [{"type": "KK_LAMA", "label": "Kartu Keluarga lama"}]
    assert state["revision"]["fields"] == [{"path": "form.rt_rw", "label": "RT/RW"}]
    assert state["can_edit"] and state["can_cancel"]
    mail = body_text(system.mailbox.wait_for(email, "perlu diperbaiki"))
    assert "buram" in mail and "- Kartu Keluarga lama" in mail and "- RT/RW" in mail

    # The named document must be uploaded again before resubmitting.
    stale = citizen.submit(app["id"], app["access_token"])
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "REVISION_DOCUMENTS_NOT_REPLACED"
    form = {**payload["form"], "rt_rw": "003/005"}
    edited = citizen.session.patch(
        f"{system.gateway}/api/v1/applications/{app['id']}", json={"form": form},
        headers={"Authorization": f"Bearer {app['access_token']}"}, timeout=30)
    assert edited.status_code == 200 and edited.json()["form"]["rt_rw"] == "003/005"
    replaced = citizen.upload(app["id"], app["access_token"], "KK_LAMA", png_scan(),
                              "image/png")
    assert replaced.status_code == 201
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202
    item = claim(system, verifier, app["id"])
    assert item["round"] == 2
    kk_lama = [d for d in item["documents"] if d["doc_type"] == "KK_LAMA"]
    assert [d["content_type"] for d in kk_lama] == ["image/png"]
    approve = staff_post(system, verifier, f"/applications/{app['id']}/decision",
                         {"decision": "APPROVE"})
    assert approve.status_code == 200
    final = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    assert [h["round"] for h in final["history"] if h["status"] == "SUBMITTED"] == [1, 2]


def test_rejection_is_final_and_carries_its_reason(system: System, verifier: str) -> None:
    citizen, app, payload = submitted_application(system)
    claim(system, verifier, app["id"])
    url = f"/applications/{app['id']}/decision"
    no_reason = staff_post(system, verifier, url, {"decision": "REJECT"})
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "REASON_REQUIRED"
    rejected = staff_post(system, verifier, url,
                          {"decision": "REJECT", "reason_code": "PERMOHONAN_GANDA"})
    assert rejected.status_code == 200
    again = staff_post(system, verifier, url, {"decision": "APPROVE"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ALREADY_DECIDED"
    state = wait_for_status(citizen, app["id"], app["access_token"], "REJECTED")
    assert state["history"][-1]["reason"].startswith("Permohonan yang sama")
    mail = system.mailbox.wait_for(payload["applicant"]["email"], "ditolak")
    assert "Permohonan yang sama" in body_text(mail)
    resubmit = citizen.submit(app["id"], app["access_token"])
    assert resubmit.status_code == 409


def test_wrong_pins_lock_the_download_even_for_the_right_pin(
    system: System, verifier: str
) -> None:
    citizen, app, payload = submitted_application(system)
    claim(system, verifier, app["id"])
    staff_post(system, verifier, f"/applications/{app['id']}/decision", {"decision": "APPROVE"})
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    pin_mail = system.mailbox.wait_for(payload["applicant"]["email"], "PIN unduh")
    pin = re.search(r"^\s+(\d{6})\s*$", body_text(pin_mail), re.MULTILINE).group(1)
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    for _ in range(5):
        assert citizen.download(app["id"], app["access_token"], wrong).status_code == 403
    locked = citizen.download(app["id"], app["access_token"], pin)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "PIN_LOCKED"
    # Another application's token never opens this document, PIN or not.
    other = citizen.create(application_payload(new_person())).json()
    assert citizen.download(app["id"], other["access_token"], pin).status_code == 403


def test_many_approvals_at_once_are_all_issued(system: System, verifier: str) -> None:
    """More approvals than printing has workers, all in flight together (a deadlock once)."""
    apps = [submitted_application(system) for _ in range(14)]
    for _, app, _ in apps:
        claim(system, verifier, app["id"])
    for _, app, _ in apps:
        decided = staff_post(system, verifier, f"/applications/{app['id']}/decision",
                             {"decision": "APPROVE"})
        assert decided.status_code == 200
    numbers = {
        wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")["document"][
            "document_number"]
        for citizen, app, _ in apps
    }
    assert len(numbers) == len(apps)
