"""Safe to run twice, on the real system: a client's retry with an Idempotency-Key, and an
intake or verification process killed after its commit and before its reply (the broker
redelivers the request to the restarted process)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.journeys import claim, decide
from tests.support.scans import pdf_scan
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-rpc-idempotency"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    # Long enough for a killed process to restart while the gateway waits for its reply.
    with running_system(ARTIFACTS, {"RPC_TIMEOUT_SECONDS": "40"}) as system:
        yield system


def _create(system: System, payload: dict, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return requests.post(f"{system.gateway}/api/v1/applications", json=payload,
                         headers=headers, timeout=40)


def _rows(system: System, nik: str) -> int:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM intake.applications WHERE nik = %s", (nik,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _restart_with(system: System, name: str, crash_method: str | None) -> None:
    system.stop(name)
    if crash_method:
        system.env["CRASH_AFTER_COMMIT"] = crash_method
    else:
        system.env.pop("CRASH_AFTER_COMMIT", None)
    system.start(name)


def test_a_retry_with_the_same_key_gets_the_same_application(system: System) -> None:
    payload = application_payload(new_person())
    key = str(uuid.uuid4())
    first = _create(system, payload, key)
    second = _create(system, payload, key)
    assert first.status_code == second.status_code == 201, second.text
    a, b = first.json(), second.json()
    assert (a["id"], a["tracking_code"]) == (b["id"], b["tracking_code"])
    assert _rows(system, payload["applicant"]["nik"]) == 1
    # The retry carries a fresh token (the first answer is presumed lost), which opens it.
    citizen = CitizenClient.connect(system.gateway)
    assert citizen.get(b["id"], b["access_token"]).status_code == 200
    assert citizen.get(a["id"], a["access_token"]).status_code in (401, 403, 404)


def test_the_same_key_with_another_body_is_refused(system: System) -> None:
    key = str(uuid.uuid4())
    assert _create(system, application_payload(new_person()), key).status_code == 201
    other = application_payload(new_person())
    refused = _create(system, other, key)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _rows(system, other["applicant"]["nik"]) == 0


def test_a_malformed_key_is_refused_and_nothing_is_written(system: System) -> None:
    payload = application_payload(new_person())
    refused = _create(system, payload, "kunci dengan spasi")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert _rows(system, payload["applicant"]["nik"]) == 0


def test_without_a_key_each_create_is_a_new_application(system: System) -> None:
    payload = application_payload(new_person())
    assert _create(system, payload).status_code == 201
    assert _create(system, payload).status_code == 201
    assert _rows(system, payload["applicant"]["nik"]) == 2


def _killed_after_commit(system: System, name: str, method: str, call) -> requests.Response:
    """``call`` while ``name`` dies right after ``method`` commits; ``name`` is restarted
    without the hook and the broker redelivers the request to it. Returns the answer."""
    _restart_with(system, name, method)
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(call()))
    try:
        thread.start()
        system.processes[name].process.wait(timeout=20)  # it dies after committing
        _restart_with(system, name, None)
        thread.join(timeout=40)
    finally:
        if system.processes[name].process.poll() is not None:
            _restart_with(system, name, None)
    return answers[0]


def test_intake_killed_after_the_commit_creates_one_application(system: System) -> None:
    payload = application_payload(new_person())
    created = _killed_after_commit(system, "intake", "create_application",
                                   lambda: _create(system, payload))
    assert created.status_code == 201, created.text
    assert _rows(system, payload["applicant"]["nik"]) == 1
    citizen = CitizenClient.connect(system.gateway)
    body = created.json()
    assert citizen.get(body["id"], body["access_token"]).json()["status"] == "DRAFT"


def test_verification_killed_after_a_decision_answers_the_decision(system: System) -> None:
    password = system.add_staff("verifikator.idem", "verifier")
    token = system.staff_token("verifikator.idem", password)
    citizen = CitizenClient.connect(system.gateway)
    app = citizen.create(application_payload(new_person())).json()
    for doc_type in ("KK_LAMA", "BUKTI_PERUBAHAN"):
        assert citizen.upload(app["id"], app["access_token"], doc_type, pdf_scan()).ok
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202
    claim(system, token, app["id"])
    decided = _killed_after_commit(system, "verification", "decide",
                                   lambda: decide(system, token, app["id"], decision="APPROVE"))
    assert decided.status_code == 200, decided.text  # not 409 ALREADY_DECIDED
    assert decided.json()["decision"] == "APPROVE"
