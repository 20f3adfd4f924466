"""One audit chain over the real services (issue 14, UU PDP): staff actions and reads in
printing, intake and notification reach verification's hash chain through their outboxes,
`silasidakep audit verify` checks all of it, and the citizen sees who opened their file
(office and role, no staff username by default) in the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa

from tests.support.infra import run_cli, wait_until
from tests.support.journeys import apply, approve, staff_post, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def database(system: System) -> Iterator[sa.Engine]:
    engine = sa.create_engine(system.env["DATABASE_URL"])
    yield engine
    engine.dispose()


def staff_get(system: System, token: str, path: str, **params: str) -> requests.Response:
    return requests.get(f"{system.gateway}/api/v1/staff{path}", params=params,
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)


def access_log(system: System, app_id: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{system.gateway}/api/v1/applications/{app_id}/access-log",
                        headers=headers, timeout=30)


def chain_sources(engine: sa.Engine, app_id: str) -> dict[str, set[str]]:
    """The chain's actions for the application by the service that recorded them."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT action, detail FROM verification.access_log WHERE application_id = :id"
        ), {"id": app_id}).all()
    found: dict[str, set[str]] = {}
    for action, detail in rows:
        source = "verification"
        if detail and detail.startswith("source="):
            source = detail.split()[0].removeprefix("source=")
        found.setdefault(source, set()).add(action)
    return found


def test_staff_actions_in_every_service_reach_the_chain_and_the_citizens_log(
    system: System, own_verifier: str, supervisor: str, admin: str, database: sa.Engine
) -> None:
    verifier = own_verifier
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=9741, delivery="KECAMATAN")
    app_id, token = app["id"], app["access_token"]
    kecamatan = payload["applicant"]["kecamatan_code"]
    username = f"operator.audit.{uuid.uuid4().hex[:4]}"
    operator = system.staff_token(username, system.add_staff(
        username, "kecamatan_operator", kecamatan=kecamatan))
    approve(system, verifier, app_id)
    wait_for_status(citizen, app_id, token, "QUEUED_AT_KECAMATAN")

    # printing: the kecamatan desk reads its queue, prints and hands over
    def job() -> dict | None:
        jobs = staff_get(system, operator, "/print-queue").json()["jobs"]
        return next((j for j in jobs if j["application_id"] == app_id), None)

    job_id = wait_until(job, timeout=60, what="the print job")["id"]
    for step in ("printed", "collected"):
        done = staff_post(system, operator, f"/print-jobs/{job_id}/{step}", {})
        assert done.status_code == 200, done.text
    # intake: a complaint about the application, read and answered; a location created
    filed = requests.post(f"{system.gateway}/api/v1/complaints", timeout=30, json={
        "kind": "COMPLAINT", "category": "LAYANAN_LAMBAT", "name": "Uji Audit",
        "message": "Mohon dipercepat.", "email": f"audit.{uuid.uuid4().hex[:6]}@example.org",
        "application_tracking_code": app["tracking_code"]})
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]
    assert staff_get(system, supervisor, "/complaints", status="OPEN").status_code == 200
    answered = staff_post(system, supervisor, f"/complaints/{code}/answer",
                          {"answer": "Sedang kami proses."})
    assert answered.status_code == 200, answered.text
    location = {"code": "AUD-" + uuid.uuid4().hex[:6].upper(), "name": "MPP (uji audit)",
                "kind": "MPP", "address": "Jalan Prabu Geusan Ulun", "steps": ["BIOMETRICS"]}
    assert staff_post(system, admin, "/locations", location).status_code == 201
    # notification: a supervisor reads the application's messages
    messages = staff_get(system, supervisor, "/notifications", application_id=app_id)
    assert messages.status_code == 200, messages.text

    expected = {
        "verification": {"DECIDE_APPROVE"},
        "printing": {"MARK_PRINTED", "MARK_COLLECTED"},
        "intake": {"ANSWER_COMPLAINT"},
        "notification": {"VIEW_MESSAGES"},
    }

    # Taken from the queue (CLAIM) or, when the queue held others' leftovers first, assigned to
    # the verifier by a supervisor (journeys.claim): either way verification's own entry.
    taken = {"CLAIM", "SUPERVISOR_REASSIGN"}

    def chained() -> dict | None:
        found = chain_sources(database, app_id)
        complete = all(want <= found.get(s, set()) for s, want in expected.items())
        return found if complete and taken & found.get("verification", set()) else None

    wait_until(chained, timeout=60, what="every service's entries in the chain")
    with database.connect() as conn:
        sources = set(conn.execute(sa.text(
            "SELECT DISTINCT split_part(detail, ' ', 1) FROM verification.access_log "
            "WHERE detail LIKE 'source=%'")).scalars())
    assert {"source=intake", "source=printing", "source=notification"} <= sources  # VIEW_* too
    verified = run_cli(["audit", "verify"], system.env)
    assert "intact" in verified.lower()

    # the citizen's access log: the same credential as the application itself
    assert access_log(system, app_id, None).status_code == 401
    assert access_log(system, app_id, "bukan-token").status_code == 403

    def logged() -> dict | None:
        body = access_log(system, app_id, token).json()
        actions = {e["action"] for e in body["entries"]}
        want = set().union(*expected.values())
        return body if want <= actions else None

    body = wait_until(logged, timeout=60, what="the citizen's access log")
    assert body["staff_names_shown"] is False
    assert all("username" not in e for e in body["entries"])
    printed = next(e for e in body["entries"] if e["action"] == "MARK_PRINTED")
    assert printed["office_code"] == kecamatan
    assert printed["office_name"].startswith("Kecamatan ")
    assert printed["role_labels"] == ["Operator kecamatan"]
    assert printed["action_label"] == "Mencetak dokumen di kecamatan"
    decided = next(e for e in body["entries"] if e["action"] == "DECIDE_APPROVE")
    assert decided["role_labels"] == ["Verifikator"] and decided["service"] == "verification"
    assert username not in str(body) and "verifikator.satu" not in str(body)
