"""Data-subject export (issue 14, UU PDP) with every service running: an auditor exports all
data held about one synthetic NIK as JSON and PDF, the citizen exports their own (limited per
day), every export is a SUBJECT_EXPORT entry in the audit chain, and bad requests are refused."""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
import requests
from pyhanko.pdf_utils.reader import PdfFileReader

from silasidakep.masking import mask_nik
from tests.support import forms
from tests.support.accounts import latest_code
from tests.support.citizen import CitizenClient
from tests.support.infra import wait_until
from tests.support.journeys import approve, new_verifier, upload_required, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e

SERVICE = "KK_PERUBAHAN"
SEED = 9141
SECTIONS = {"accounts", "applications", "appointments", "complaints", "documents",
            "print_jobs", "messages", "submissions", "decisions", "history"}


@pytest.fixture(scope="module")
def auditor(system: System) -> str:
    password = system.add_staff("auditor.ekspor", "auditor")
    return system.staff_token("auditor.ekspor", password)


def sign_in(system: System, address: str) -> dict[str, str]:
    sent = requests.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": address},
                         timeout=10)
    assert sent.status_code == 202, sent.text
    answer = requests.post(f"{system.gateway}/api/v1/auth/session", timeout=10, json={
        "identifier": address, "code": latest_code(system, address), "mode": "token"})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def file(system: System, payload: dict, headers: dict | None = None) -> dict:
    citizen = CitizenClient.connect(system.gateway)
    created = requests.post(f"{system.gateway}/api/v1/applications", json=payload,
                            headers=headers or {}, timeout=10)
    assert created.status_code == 201, created.text
    app = created.json()
    upload_required(citizen, app, SERVICE, payload["form"])
    submitted = citizen.submit(app["id"], app["access_token"])
    assert submitted.status_code == 202, submitted.text
    return app


def export(system: System, headers: dict, path: str, fmt: str = "json") -> requests.Response:
    return requests.get(f"{system.gateway}/api/v1/{path}", params={"format": fmt},
                        headers=headers, timeout=30)


@pytest.fixture(scope="module")
def subject(system: System) -> dict:
    """One NIK with two applications: the first filed from the citizen's account and issued
    (which verifies the account's NIK), the second a guest's, left in the queue; a complaint
    about the first."""
    address = f"warga.{uuid.uuid4().hex[:10]}@example.id"
    account = sign_in(system, address)
    payload = forms.application_payload(SERVICE, forms.adult(SEED), SEED)
    payload["applicant"].update(email=address)
    issued = file(system, payload, account)
    approve(system, new_verifier(system), issued["id"])  # its CLAIM is in the history
    citizen = CitizenClient.connect(system.gateway)
    done = wait_for_status(citizen, issued["id"], issued["access_token"], "ISSUED")
    waiting = file(system, forms.application_payload(SERVICE, forms.adult(SEED), SEED + 1))
    complaint = requests.post(f"{system.gateway}/api/v1/complaints", timeout=10, json={
        "kind": "FEEDBACK", "category": "LAINNYA", "message": "Pelayanan cepat, terima kasih.",
        "application_tracking_code": issued["tracking_code"], "name": "Warga Sintetis",
        "email": address})
    assert complaint.status_code == 201, complaint.text
    system.mailbox.wait_for(address, "telah diajukan")
    return {"nik": payload["applicant"]["nik"], "account": account, "address": address,
            "issued": issued, "waiting": waiting,
            "document_number": done["document"]["document_number"],
            "complaint": complaint.json()["tracking_code"]}


def by_app(rows: list[dict], app: dict) -> list[dict]:
    return [row for row in rows if row["application_id"] == app["id"]]


def test_the_auditor_exports_every_section_as_json_and_pdf(
    system: System, auditor: str, subject: dict,
) -> None:
    staff = {"Authorization": f"Bearer {auditor}"}
    path = f"staff/subjects/{subject['nik']}/export"
    issued, waiting = subject["issued"], subject["waiting"]

    def with_messages() -> dict | None:
        body = export(system, staff, path).json()
        return body if by_app(body["sections"]["messages"], issued) else None

    body = wait_until(with_messages, timeout=30, what="messages in the export")
    sections = body["sections"]
    assert set(sections) == SECTIONS and body["requested_by"] == "AUDITOR"
    assert body["subject"]["nik"] == subject["nik"]
    apps = {a["application_id"]: a for a in sections["applications"]}
    assert set(apps) == {issued["id"], waiting["id"]}
    first = apps[issued["id"]]
    assert "APPLICANT" in first["roles"] and "MENTIONED" not in first["roles"]
    assert first["applicant"]["nik"] == subject["nik"] and first["form"]["members"]
    assert [h["status"] for h in first["history"]][:2] == ["DRAFT", "SUBMITTED"]
    assert first["uploads"] and all("object_key" not in u for u in first["uploads"])
    assert sections["appointments"] == [] and sections["print_jobs"] == []
    assert [c["tracking_code"] for c in sections["complaints"]] == [subject["complaint"]]
    assert [a["contacts"][0]["value"] for a in sections["accounts"]] == [subject["address"]]
    assert [d["document_number"] for d in sections["documents"]] == [subject["document_number"]]
    assert all("body" not in m for m in sections["messages"])
    assert [d["decision"] for d in sections["decisions"]] == ["APPROVE"]
    assert sections["decisions"][0]["decided_by"].startswith("verifikator.")
    assert {s["application_id"] for s in sections["submissions"]} == set(apps)
    actions = {e["action"] for e in by_app(sections["history"], issued)}
    assert "DECIDE_APPROVE" in actions and actions & {"CLAIM", "SUPERVISOR_REASSIGN"}

    pdf = export(system, staff, path, "pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store" and pdf.content.startswith(b"%PDF")
    assert int(PdfFileReader(BytesIO(pdf.content)).root["/Pages"]["/Count"]) >= 2

    log = requests.get(f"{system.gateway}/api/v1/staff/audit", headers=staff, timeout=10,
                       params={"username": "auditor.ekspor", "limit": 10000}).json()["entries"]
    exports = [e for e in log if e["action"] == "SUBJECT_EXPORT"]
    assert body["export_audit_seq"] in {e["seq"] for e in exports} and len(exports) >= 2
    assert all(mask_nik(subject["nik"]) in e["detail"] for e in exports)
    assert not any(subject["nik"] in e["detail"] for e in exports)


def test_the_citizen_exports_their_own_data_a_few_times_a_day(
    system: System, auditor: str, subject: dict,
) -> None:
    body = export(system, subject["account"], "account/export").json()
    sections = body["sections"]
    assert body["requested_by"] == "CITIZEN" and body["subject"]["nik"] == subject["nik"]
    assert {a["application_id"] for a in sections["applications"]} == {
        subject["issued"]["id"], subject["waiting"]["id"]}
    assert [d["document_number"] for d in sections["documents"]] == [subject["document_number"]]
    assert sections["decisions"] and "decided_by" not in sections["decisions"][0]
    assert sections["history"] and "username" not in sections["history"][0]
    pdf = export(system, subject["account"], "account/export", "pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    log = requests.get(f"{system.gateway}/api/v1/staff/audit", timeout=10,
                       params={"limit": 10000},
                       headers={"Authorization": f"Bearer {auditor}"}).json()["entries"]
    account_id = sections["accounts"][0]["account_id"]
    mine = [e for e in log if e["action"] == "SUBJECT_EXPORT"
            and (e["detail"] or "").startswith(f"account={account_id} ")]
    assert len(mine) == 2 and all(e["staff_id"] is None for e in mine)

    for _ in range(3):
        assert export(system, subject["account"], "account/export").status_code == 200
    limited = export(system, subject["account"], "account/export")
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "TOO_MANY_EXPORTS"
    assert 0 < int(limited.headers["Retry-After"]) <= 86400


def test_bad_requests_are_refused_and_an_unknown_nik_is_empty(
    system: System, auditor: str, verifier: str,
) -> None:
    staff = {"Authorization": f"Bearer {auditor}"}
    malformed = export(system, staff, "staff/subjects/32110641079/export")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "INVALID_NIK"
    nik = forms.adult(SEED).nik
    bad_format = export(system, staff, f"staff/subjects/{nik}/export", "xml")
    assert bad_format.json()["error"]["code"] == "INVALID_FORMAT"
    not_auditor = export(system, {"Authorization": f"Bearer {verifier}"},
                         f"staff/subjects/{nik}/export")
    assert not_auditor.status_code == 403, not_auditor.text
    unknown = export(system, staff, "staff/subjects/3211060000000000/export")
    assert unknown.status_code == 200
    assert not any(unknown.json()["sections"].values())

    guest = file(system, forms.application_payload(SERVICE, forms.adult(SEED + 7), SEED + 7))
    as_guest = export(system, {"Authorization": f"Bearer {guest['access_token']}"},
                      "account/export")
    assert as_guest.status_code == 401
    unverified = sign_in(system, f"warga.{uuid.uuid4().hex[:10]}@example.id")
    refused = export(system, unverified, "account/export")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "NIK_NOT_VERIFIED"
