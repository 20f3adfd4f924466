"""Scans encrypted at rest and deleted after retention, on the whole system: the raw object in
S3 is ciphertext, staff read the original bytes, ``scans rotate-key`` keeps them readable under
a new key (the old one can then go), and retention deletes the scans of an application ended
long ago — not the issued document, its register entry or the citizen's download."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import requests
from minio import Minio

from silasidakep import scan_crypto
from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.infra import run_cli, wait_until
from tests.support.journeys import claim, decide, pin_from, wait_for_status
from tests.support.scans import pdf_scan
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-retention"
SCANS, DOCUMENTS = "silasidakep-scans", "silasidakep-documents"
OLD_KEY, NEW_KEY = scan_crypto.new_key_line("k1"), scan_crypto.new_key_line("k2")


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    # The timer runs every second once intake is (re)started; SCAN_RETENTION_DAYS stays at its
    # default, and the application's end is moved into the past in the database.
    with running_system(ARTIFACTS, {"SCAN_KEYS": OLD_KEY,
                                    "RETENTION_INTERVAL_SECONDS": "1"}) as system:
        yield system


def s3(system: System) -> Minio:
    return Minio(system.s3.endpoint.removeprefix("http://"), access_key="x", secret_key="y",
                 secure=False)


def raw_objects(system: System, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = s3(system)
    names = [o.object_name for o in client.list_objects(bucket, prefix=prefix, recursive=True)]
    return {name: client.get_object(bucket, name).read() for name in names}


def staff_scan(system: System, token: str, app_id: str, doc_type: str) -> requests.Response:
    return requests.get(
        f"{system.gateway}/api/v1/staff/applications/{app_id}/documents/{doc_type}",
        headers={"Authorization": f"Bearer {token}"}, timeout=10)


def restart(system: System, name: str, scan_keys: str) -> None:
    system.stop(name)
    system.env["SCAN_KEYS"] = scan_keys
    system.start(name)


def sql(system: System, statement: str, *params: object) -> list[tuple]:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    with conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def test_scans_are_encrypted_rotated_and_deleted_after_retention(system: System) -> None:
    verifier = system.staff_token("verifikator.r", system.add_staff("verifikator.r", "verifier"))
    citizen = CitizenClient.connect(system.gateway)
    payload = application_payload(new_person())
    app = citizen.create(payload).json()
    app_id, token = app["id"], app["access_token"]
    originals = {"KK_LAMA": pdf_scan("KK lama"), "BUKTI_PERUBAHAN": pdf_scan("Bukti")}
    for doc_type, data in originals.items():
        assert citizen.upload(app_id, token, doc_type, data).status_code == 201
    assert citizen.submit(app_id, token).status_code == 202

    # At rest: ciphertext under k1, never the scan's bytes.
    stored = raw_objects(system, SCANS, f"applications/{app_id}/")
    assert len(stored) == 2
    for key, blob in stored.items():
        assert scan_crypto.is_encrypted(blob) and scan_crypto.key_id(key, blob) == "k1"
        assert b"%PDF-" not in blob and all(data not in blob for data in originals.values())
    claim(system, verifier, app_id)
    for doc_type, data in originals.items():
        assert staff_scan(system, verifier, app_id, doc_type).content == data

    # Rotation: the new key first everywhere, rewrap, then the old key can go.
    restart(system, "gateway", f"{NEW_KEY},{OLD_KEY}")
    dry = run_cli(["scans", "rotate-key", "--dry-run"], system.env)
    assert "would rewrap 2," in dry and "k1: 2" in dry
    assert raw_objects(system, SCANS, f"applications/{app_id}/") == stored
    assert "rewrapped 2," in run_cli(["scans", "rotate-key"], system.env)
    rotated = raw_objects(system, SCANS, f"applications/{app_id}/")
    assert {scan_crypto.key_id(k, b) for k, b in rotated.items()} == {"k2"}
    restart(system, "gateway", NEW_KEY)
    citizen = CitizenClient.connect(system.gateway)  # the gateway listens on a new port
    for doc_type, data in originals.items():
        assert staff_scan(system, verifier, app_id, doc_type).content == data

    decided = decide(system, verifier, app_id, decision="APPROVE")
    assert decided.status_code == 200, decided.text
    number = wait_for_status(citizen, app_id, token, "ISSUED")["document"]["document_number"]
    pin = pin_from(system, payload["applicant"]["email"])
    documents = wait_until(lambda: raw_objects(system, DOCUMENTS) or None, timeout=30,
                           what="the issued document in object storage")

    # The application ended 200 days ago: a dry run lists it and deletes nothing.
    system.stop("intake")
    sql(system, "UPDATE intake.status_history SET at = at - interval '200 days'"
                " WHERE application_id = %s", app_id)
    listed = run_cli(["retention", "run", "--dry-run"], system.env)
    assert re.search(rf"{app['tracking_code']}\s+{app_id}\s+ended .*2 scan\(s\)", listed)
    assert "would delete 2 scan(s) of 1 application(s)" in listed
    assert len(raw_objects(system, SCANS, f"applications/{app_id}/")) == 2

    # Intake's timer deletes the scans; the rows stay, marked.
    system.start("intake")
    wait_until(lambda: not raw_objects(system, SCANS, f"applications/{app_id}/"), timeout=30,
               what="retention deleting the scans")
    rows = sql(system, "SELECT doc_type, size, sha256, purged_at FROM intake.documents"
                       " WHERE application_id = %s", app_id)
    assert len(rows) == 2 and all(size and sha and purged for _, size, sha, purged in rows)
    assert "deleted 0 scan(s)" in run_cli(["retention", "run"], system.env)  # idempotent
    metrics = requests.get(system.processes["intake"].metrics_url, timeout=10).text
    assert re.search(r"^silasidakep_scans_purged_total 2\.0$", metrics, re.MULTILINE)

    supervisor = system.staff_token("supervisor.r", system.add_staff("supervisor.r", "supervisor"))
    gone = staff_scan(system, supervisor, app_id, "KK_LAMA")
    assert gone.status_code == 404, gone.text
    error = gone.json()["error"]
    assert error["code"] == "SCAN_PURGED" and "dihapus" in error["message"]

    # The issued document, its register entry and the citizen's download are untouched.
    assert raw_objects(system, DOCUMENTS) == documents
    assert requests.get(f"{system.gateway}/api/v1/verify/{number}",
                        timeout=10).json()["status"] == "ACTIVE"
    download = citizen.download(app_id, token, pin)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
