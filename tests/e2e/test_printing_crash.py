"""Exactly-once issuance when the printing process dies mid-job, on a system of its own.

The test-only hook PRINTING_CRASH_AFTER makes printing ``os._exit(1)`` right after rendering,
right after storing the signed PDF but before finalising, or (``output:1``) right after
finalising the first of an application's several documents. The unacknowledged event goes back
to RabbitMQ; printing restarted without the hook completes the job. The application must then
be ISSUED exactly once: one document number per output, one PIN email, one stored PDF each, a
valid signature. (Redelivery of the same approval to live workers is covered in
test_reliability.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from kombu import Connection, Queue
from minio import Minio

from services.printing.documents.pades import validate_signed_pdf
from silasidakep.messaging import event_exchange
from tests.support.forms import birth_with_kia
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
                "SELECT document_number, state FROM printing.documents WHERE application_id = %s"
                " ORDER BY allocated_at",
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


TAP = "test.tap.document_issued"


def _tap(system: System) -> Queue:
    """A queue of the test's own that receives every document.issued printing publishes."""
    queue = Queue(TAP, exchange=event_exchange("printing"), routing_key="document.issued",
                  durable=True)
    with Connection(system.env["AMQP_URI"]) as connection:
        queue(connection.default_channel).declare()
    return queue


def _tapped(system: System, queue: Queue) -> list[dict]:
    """The envelopes the tap holds so far (taken off it)."""
    seen = []
    with Connection(system.env["AMQP_URI"]) as connection:
        bound = queue(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            seen.append(message.payload)
    return seen


def test_printing_dies_between_outputs_and_each_document_is_issued_once(
    crash_system: System, verifier: str
) -> None:
    system = crash_system
    tap = _tap(system)
    _tapped(system, tap)  # earlier tests' events
    _restart_printing(system, "output:1")
    printing = system.processes["printing"]
    citizen, app, payload = apply(system, "AKTA_LAHIR", 903, payload=birth_with_kia(903))
    approve(system, verifier, app["id"])

    wait_until(lambda: printing.process.poll() is not None, timeout=90,
               what="printing to die after the first output")
    assert printing.process.returncode == 1
    assert "crash point 'output:1' reached" in printing.log_path.read_text(errors="replace")
    ((first, state),) = _documents(system, app["id"])  # the others not even allocated
    assert state == "ISSUED"

    _restart_printing(system, None)
    def all_issued() -> list[tuple[str, str]] | None:
        rows = _documents(system, app["id"])
        return rows if len(rows) == 3 and all(s == "ISSUED" for _, s in rows) else None

    documents = wait_until(all_issued, timeout=90, what="the three documents issued")
    numbers = [number for number, _ in documents]
    assert numbers[0] == first and len(set(numbers)) == 3
    for number in numbers:  # one stored PDF each: no orphan of the attempt that died
        wait_until(lambda n=number: len(_objects(system, f"{n}/")) == 1, timeout=10,
                   what=f"one stored PDF for {number}")
    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")

    # One document.issued per output (the same event id if the relay published it twice).
    def issued_events() -> dict[str, set[str]]:
        ids: dict[str, set[str]] = {}
        for envelope in tapped:
            data = envelope["data"]
            if data["application_id"] == app["id"]:
                ids.setdefault(data["output_key"], set()).add(envelope["event_id"])
        return ids

    tapped: list[dict] = []
    wait_until(lambda: tapped.extend(_tapped(system, tap)) or len(issued_events()) == 3,
               timeout=30, what="document.issued of each output")
    assert {key: len(ids) for key, ids in issued_events().items()} == {
        "AKTA_LAHIR": 1, "KK": 1, "KIA": 1}
    by_key = {e["data"]["output_key"]: e["data"]["document_number"] for e in tapped
              if e["data"]["application_id"] == app["id"]}
    assert [by_key[k] for k in ("AKTA_LAHIR", "KK", "KIA")] == numbers

    assert [h["status"] for h in issued["history"]].count("ISSUED") == 1
    pin = pin_from(system, payload["applicant"]["email"])
    pdf = citizen.download(app["id"], app["access_token"], pin)
    assert pdf.status_code == 200
    assert validate_signed_pdf(pdf.content, Path(system.env["DEV_PKI_DIR"]) / "ca.pem").ok
    pins = [m for m in system.mailbox.to(payload["applicant"]["email"])
            if "PIN unduh" in m["Subject"]]
    assert len(pins) == 1  # one PIN for the application, naming every document
