"""Exactly-once issuance when the printing process dies mid-job, on a system of its own.

The test-only hook PRINTING_CRASH_AFTER makes printing ``os._exit(1)`` right after rendering, or
right after storing the signed PDF but before finalising. The unacknowledged event goes back to
RabbitMQ; printing restarted without the hook completes the job. The application must then be
ISSUED exactly once: one document number, one PIN email, one stored PDF, a valid signature.
(Redelivery of the same approval to live workers is covered in test_reliability.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from minio import Minio

from services.printing.documents.pades import validate_signed_pdf
from tests.support.infra import wait_until
from tests.support.journeys import apply, approve, pin_from, wait_for_status
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-printing-crash"
DOCUMENTS_BUCKET = "silasidakep-documents"


@pytest.fixture(scope="module")
def crash_system() -> Iterator[System]:
    with running_system(ARTIFACTS, {"PRINTING_CRASH_AFTER": "rendered"}) as system:
        yield system


@pytest.fixture(scope="module")
def verifier(crash_system: System) -> str:
    password = crash_system.add_staff("verifikator.crash", "verifier")
    return crash_system.staff_token("verifikator.crash", password)


def _restart_printing(system: System, crash_after: str | None) -> None:
    system.stop("printing")
    if crash_after:
        system.env["PRINTING_CRASH_AFTER"] = crash_after
    else:
        system.env.pop("PRINTING_CRASH_AFTER", None)
    system.start("printing")


def _documents(system: System, application_id: str) -> list[tuple[str, str]]:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT document_number, state FROM printing.documents WHERE application_id = %s",
                (application_id,),
            )
            return cur.fetchall()
    finally:
        conn.close()


def _objects(system: System, prefix: str) -> list[str]:
    client = Minio(system.s3.endpoint.removeprefix("http://"), access_key="x", secret_key="y",
                   secure=False)
    if not client.bucket_exists(DOCUMENTS_BUCKET):
        return []
    return [o.object_name for o in client.list_objects(DOCUMENTS_BUCKET, prefix=prefix,
                                                       recursive=True)]


@pytest.mark.parametrize(("crash_after", "seed"), [("rendered", 901), ("stored", 902)])
def test_printing_dies_mid_job_and_the_document_is_issued_once(
    crash_system: System, verifier: str, crash_after: str, seed: int
) -> None:
    system = crash_system
    _restart_printing(system, crash_after)
    printing = system.processes["printing"]
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed)
    approve(system, verifier, app["id"])

    wait_until(lambda: printing.process.poll() is not None, timeout=60,
               what=f"printing to die after {crash_after}")
    assert printing.process.returncode == 1
    log = printing.log_path.read_text(errors="replace")
    assert f"crash point {crash_after!r} reached" in log
    ((number, state),) = _documents(system, app["id"])
    assert state == "RENDERING"  # allocated, never finalised
    left_behind = _objects(system, f"{number}/")
    assert len(left_behind) == (1 if crash_after == "stored" else 0), left_behind

    _restart_printing(system, None)
    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")

    assert issued["document"]["document_number"] == number
    assert _documents(system, app["id"]) == [(number, "ISSUED")]
    assert [h["status"] for h in issued["history"]].count("ISSUED") == 1
    pin = pin_from(system, payload["applicant"]["email"])
    # The attempt that died left its copy behind; the attempt that finalised removed it.
    wait_until(lambda: len(_objects(system, f"{number}/")) == 1, timeout=10,
               what="one stored PDF for the document")
    pdf = citizen.download(app["id"], app["access_token"], pin)
    assert pdf.status_code == 200
    assert validate_signed_pdf(pdf.content, Path(system.env["DEV_PKI_DIR"]) / "ca.pem").ok
    # No second document.issued: exactly one PIN email, even after the mail has settled.
    pins = [m for m in system.mailbox.to(payload["applicant"]["email"])
            if "PIN unduh" in m["Subject"]]
    assert len(pins) == 1
