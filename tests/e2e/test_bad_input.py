"""Bad input at every endpoint gets a 4xx with a machine-readable code and changes nothing."""

from __future__ import annotations

import psycopg2
import pytest
import requests
from minio import Minio

from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.scans import jpeg_scan, pdf_scan, png_scan
from tests.support.system import System

pytestmark = pytest.mark.e2e


def count_rows(system: System, table: str) -> int:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            return cur.fetchone()[0]
    finally:
        conn.close()


def stored_scans(system: System, app_id: str) -> list[str]:
    client = Minio(system.s3.endpoint.removeprefix("http://"), access_key="x", secret_key="y",
                   secure=False)
    if not client.bucket_exists("silasidakep-scans"):
        return []
    objects = client.list_objects("silasidakep-scans", prefix=f"applications/{app_id}/",
                                  recursive=True)
    return [o.object_name for o in objects]


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], "every error carries a citizen-readable message"
    return body["error"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["applicant"].update(nik="12345"), "applicant.nik"),
        (lambda p: p["applicant"].update(nik="3211061313900001"), "applicant.nik"),
        (lambda p: p["applicant"].update(kk_number="32110600000000"), "applicant.kk_number"),
        (lambda p: p["applicant"].update(kecamatan_code="32.73.01"), "applicant.kecamatan_code"),
        (lambda p: p["applicant"].update(email="bukan-email"), "applicant"),
        (lambda p: p.pop("form"), "form"),
        (lambda p: p["form"].pop("members"), "form"),
        (lambda p: p["form"].update(change_type="TIDAK_ADA"), "form"),
        (lambda p: p["form"]["members"][1].update(nik="0000000000000000"), "form.members.1.nik"),
    ],
)
def test_invalid_application_is_refused_and_not_stored(
    system: System, citizen: CitizenClient, mutate, field: str
) -> None:
    payload = application_payload(new_person())
    mutate(payload)
    before = count_rows(system, "intake.applications")
    response = citizen.create(payload)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["fields"], error
    assert count_rows(system, "intake.applications") == before


def test_an_application_needs_a_phone_or_an_email(system: System, citizen: CitizenClient) -> None:
    payload = application_payload(new_person())
    payload["applicant"].pop("email")
    payload["applicant"]["phone"] = None
    before = count_rows(system, "intake.applications")
    response = citizen.create(payload)
    assert response.status_code == 400 and error_of(response)["code"] == "CONTACT_REQUIRED"
    assert count_rows(system, "intake.applications") == before
    payload["applicant"]["phone"] = "081234567890"  # a phone alone is enough
    assert citizen.create(payload).status_code == 201


def test_unknown_service_and_malformed_json(system: System, citizen: CitizenClient) -> None:
    payload = application_payload(new_person())
    payload["service_code"] = "TIDAK_ADA"
    unknown = citizen.create(payload)
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "UNKNOWN_SERVICE"
    broken = requests.post(f"{system.gateway}/api/v1/applications", data=b"{not json",
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert broken.status_code == 400 and error_of(broken)["code"] == "INVALID_JSON"


def test_uploads_that_must_be_refused(
    system: System, citizen: CitizenClient, draft: dict
) -> None:
    other = citizen.create(application_payload(new_person())).json()
    app_id, token = draft["id"], draft["access_token"]
    cases = [
        (citizen.upload(app_id, "", "KK_LAMA", pdf_scan()), 401, "MISSING_TOKEN"),
        (citizen.upload(app_id, "salah", "KK_LAMA", pdf_scan()), 403, "INVALID_TOKEN"),
        (citizen.upload(app_id, other["access_token"], "KK_LAMA", pdf_scan()), 403,
         "INVALID_TOKEN"),
        (citizen.upload(app_id, token, "KK_LAMA", b"hello, not a scan", "text/plain"), 415,
         "UNSUPPORTED_FILE_TYPE"),
        (citizen.upload(app_id, token, "KK_LAMA", png_scan(), "application/pdf"), 415,
         "FILE_CONTENT_MISMATCH"),
        (citizen.upload(app_id, token, "KK_LAMA", b"%PDF-" + b"0" * (5 * 2**20)), 413,
         "FILE_TOO_LARGE"),
        (citizen.upload(app_id, token, "KK_LAMA", pdf_scan()[:600]), 400, "FILE_UNREADABLE"),
        (citizen.upload(app_id, token, "KK_LAMA", jpeg_scan(400)[:900], "image/jpeg"), 400,
         "FILE_UNREADABLE"),
        (citizen.upload(app_id, token, "AKTA_NIKAH", pdf_scan()), 400, "UNKNOWN_DOCUMENT_TYPE"),
        (citizen.upload(app_id, token, "kk lama", pdf_scan()), 400, "UNKNOWN_DOCUMENT_TYPE"),
        (citizen.upload("bukan-uuid", token, "KK_LAMA", pdf_scan()), 404,
         "APPLICATION_NOT_FOUND"),
        (citizen.upload("00000000-0000-0000-0000-000000000000", token, "KK_LAMA", pdf_scan()),
         404, "APPLICATION_NOT_FOUND"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.text)
        assert error_of(response)["code"] == code
    assert citizen.get(app_id, token).json()["uploads"] == []
    assert stored_scans(system, app_id) == []  # refused uploads leave no object behind


def test_submit_refused_while_documents_are_missing(citizen: CitizenClient, draft: dict) -> None:
    app_id, token = draft["id"], draft["access_token"]
    assert citizen.upload(app_id, token, "KK_LAMA", pdf_scan()).status_code == 201
    response = citizen.submit(app_id, token)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "MISSING_DOCUMENTS"
    assert "BUKTI_PERUBAHAN" in error["fields"]["documents"]
    state = citizen.get(app_id, token).json()
    assert state["status"] == "DRAFT" and state["missing_documents"] == ["BUKTI_PERUBAHAN"]
    assert citizen.submit(app_id, "salah").status_code == 403


def test_status_and_download_need_the_right_token(citizen: CitizenClient, draft: dict) -> None:
    app_id, token = draft["id"], draft["access_token"]
    assert citizen.get(app_id, "salah").status_code == 403
    assert citizen.get("bukan-uuid", token).status_code == 404
    early = citizen.download(app_id, token, "123456")
    assert early.status_code == 409 and error_of(early)["code"] == "DOCUMENT_NOT_ISSUED"


def test_staff_endpoints_refuse_bad_credentials_roles_and_decisions(
    system: System, verifier: str, draft: dict
) -> None:
    url = f"{system.gateway}/api/v1/staff"
    wrong = requests.post(f"{url}/session", json={"username": "verifikator.satu",
                                                   "password": "salah-sekali"}, timeout=10)
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "INVALID_CREDENTIALS"
    assert requests.post(f"{url}/session", json={"username": "x"}, timeout=10).status_code == 400
    assert requests.post(f"{url}/queue/claim", timeout=10).status_code == 401
    forged = requests.post(f"{url}/queue/claim", headers={"Authorization": "Bearer a.b.c"},
                           timeout=10)
    assert forged.status_code == 401 and error_of(forged)["code"] == "INVALID_TOKEN"

    auditor_password = system.add_staff("auditor.satu", "auditor")
    auditor = system.staff_token("auditor.satu", auditor_password)
    refused = requests.post(f"{url}/queue/claim", timeout=10,
                            headers={"Authorization": f"Bearer {auditor}"})
    assert refused.status_code == 403 and error_of(refused)["code"] == "ROLE_REQUIRED"

    headers = {"Authorization": f"Bearer {verifier}"}
    decision_url = f"{url}/applications/{draft['id']}/decision"
    invalid = requests.post(decision_url, json={"decision": "MAYBE"}, headers=headers, timeout=10)
    assert invalid.status_code == 400 and "decision" in error_of(invalid)["fields"]
    unknown_reason = requests.post(
        decision_url, json={"decision": "REJECT", "reason_code": "KARENA_SAYA"},
        headers=headers, timeout=10,
    )
    assert unknown_reason.status_code == 400
    assert error_of(unknown_reason)["code"] == "UNKNOWN_REASON_CODE"
    never_submitted = requests.post(decision_url, json={"decision": "APPROVE"}, headers=headers,
                                    timeout=10)
    assert never_submitted.status_code == 404


@pytest.mark.parametrize("name", ["A", "Ab"])
def test_a_location_name_of_one_or_two_characters_is_refused_by_intake(
    system: System, admin: str, name: str
) -> None:
    # One owner per rule: the gateway passes the JSON object on and intake's rule (a name of
    # 3-120 characters) answers. The gateway's own schema once let a 1-character name through.
    location = {"code": "KEC-NAMA-PENDEK", "name": name, "kind": "KECAMATAN",
                "kecamatan_code": "32.11.06", "address": "Jalan Prabu Geusan Ulun 1",
                "steps": ["BIOMETRICS"]}
    before = count_rows(system, "intake.locations")
    response = requests.post(f"{system.gateway}/api/v1/staff/locations", json=location,
                             headers={"Authorization": f"Bearer {admin}"}, timeout=10)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["fields"] == {"name": ["Panjang isian 3–120 karakter."]}  # only the name
    assert count_rows(system, "intake.locations") == before


def test_bodies_passed_on_unvalidated_must_be_small_json_objects(
    system: System, admin: str
) -> None:
    staff = {"Authorization": f"Bearer {admin}"}
    for path, headers in (("/api/v1/staff/locations", staff), ("/api/v1/complaints", {})):
        url = f"{system.gateway}{path}"
        listed = requests.post(url, json=[1, 2], headers=headers, timeout=10)
        assert listed.status_code == 400 and error_of(listed)["code"] == "INVALID_JSON"
        huge = requests.post(url, json={"message": "x" * 70_000}, headers=headers, timeout=10)
        assert huge.status_code == 413 and error_of(huge)["code"] == "BODY_TOO_LARGE"


def test_inputs_that_once_ended_in_a_500_get_a_4xx(
    system: System, citizen: CitizenClient, draft: dict, admin: str
) -> None:
    gateway, staff = system.gateway, {"Authorization": f"Bearer {admin}"}
    # A date at the end of the calendar overflowed the slot listing.
    created = requests.post(f"{gateway}/api/v1/staff/locations", headers=staff, timeout=10, json={
        "code": "KEC-321197", "name": "Kantor Kecamatan Uji", "kind": "KECAMATAN",
        "kecamatan_code": "32.11.06", "address": "Jalan Raya Uji", "steps": ["BIOMETRICS"]})
    assert created.status_code == 201, created.text
    response = requests.get(f"{gateway}/api/v1/locations/KEC-321197/slots",
                            params={"from": "9999-12-31"}, timeout=10)
    assert response.status_code == 400 and error_of(response)["code"] == "INVALID_DATE"
    # An application id that is no UUID reached uuid.UUID unchecked.
    response = requests.get(f"{gateway}/api/v1/staff/notifications",
                            params={"application_id": "x"}, headers=staff, timeout=10)
    assert response.status_code == 400 and "application_id" in error_of(response)["fields"]
    # "$" matched before a trailing newline, so "KK_LAMA\n" reached S3.
    response = citizen.upload(draft["id"], draft["access_token"], "KK_LAMA%0A", pdf_scan())
    assert response.status_code == 400 and error_of(response)["code"] == "UNKNOWN_DOCUMENT_TYPE"
    assert stored_scans(system, draft["id"]) == []
    # NUL and a lone surrogate cannot be stored by PostgreSQL.
    for name in ("Siti\u0000", "Siti\ud800"):
        payload = application_payload(new_person())
        payload["applicant"]["name"] = name
        response = citizen.create(payload)  # json.dumps escapes the surrogate as \\ud800
        assert response.status_code == 400, response.text
        assert error_of(response)["code"] == "INVALID_TEXT"
        assert "applicant.name" in error_of(response)["fields"]
