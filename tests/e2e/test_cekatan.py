"""Cekatan over the real services: documents collected at the kecamatan.

A KK the citizen chose to collect goes ISSUED -> QUEUED_AT_KECAMATAN -> PRINTED -> COLLECTED,
each step by the kecamatan's operator, visible to the citizen and emailed; the PDF stays
downloadable with the PIN. A KIA at a kecamatan without blanko waits (AWAITING_BLANKO) with a
signed temporary certificate (Suket) until stock arrives, then is released and printed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from services.printing.documents.pades import validate_signed_pdf
from tests.support.infra import wait_until
from tests.support.journeys import apply, approve, pin_from, staff_post, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def operator_at(system: System) -> Callable[[str], str]:
    """A token of the operator bound to a kecamatan (one account per kecamatan)."""
    tokens: dict[str, str] = {}

    def token_for(kecamatan: str) -> str:
        if kecamatan not in tokens:
            username = f"operator.{kecamatan.replace('.', '')}"
            password = system.add_staff(username, "kecamatan_operator", kecamatan=kecamatan)
            tokens[kecamatan] = system.staff_token(username, password)
        return tokens[kecamatan]

    return token_for


def staff_get(system: System, token: str, path: str, **params: str) -> requests.Response:
    return requests.get(
        f"{system.gateway}/api/v1/staff{path}", params=params,
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )


def kia_stock(system: System, token: str, kecamatan: str) -> dict:
    body = staff_get(system, token, "/blanko", kecamatan_code=kecamatan).json()
    return next(s for s in body["stock"] if s["card_type"] == "KIA")


def job_in_queue(system: System, token: str, kecamatan: str, app_id: str,
                 ready=lambda job: True) -> dict:
    def find() -> dict | None:
        response = staff_get(system, token, "/print-queue", kecamatan_code=kecamatan)
        assert response.status_code == 200, response.text
        jobs = [j for j in response.json()["jobs"] if j["application_id"] == app_id]
        return jobs[0] if jobs and ready(jobs[0]) else None

    return wait_until(find, timeout=60, what="the print job in the kecamatan's queue")


def test_a_kk_is_printed_and_collected_at_the_kecamatan(
    system: System, verifier: str, operator_at: Callable[[str], str]
) -> None:
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=9611, delivery="KECAMATAN")
    email, kecamatan = payload["applicant"]["email"], payload["applicant"]["kecamatan_code"]
    token, operator = app["access_token"], operator_at(kecamatan)
    assert citizen.get(app["id"], token).json()["delivery"] == "KECAMATAN"
    approve(system, verifier, app["id"])

    queued = wait_for_status(citizen, app["id"], token, "QUEUED_AT_KECAMATAN")
    assert [h["status"] for h in queued["history"]][-2:] == ["ISSUED", "QUEUED_AT_KECAMATAN"]
    assert queued["stage"]["label"] == "Antri cetak di kecamatan"
    assert [t["status"] for t in queued["timeline"]][-3:] == [
        "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED"]
    system.mailbox.wait_for(email, "masuk antrean cetak kecamatan")
    # Self-printing stays possible: the PDF downloads with the PIN.
    pdf = citizen.download(app["id"], token, pin_from(system, email))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    job = job_in_queue(system, operator, kecamatan, app["id"])
    assert job["state"] == "QUEUED_AT_KECAMATAN" and job["card_type"] is None
    assert payload["applicant"]["nik"] not in str(job)
    # Only a kecamatan operator, and only the one bound to the job's kecamatan.
    assert staff_get(system, verifier, "/print-queue", kecamatan_code=kecamatan).status_code == 403
    url = f"/print-jobs/{job['id']}/printed"
    assert staff_post(system, verifier, url, {"kecamatan_code": kecamatan}).status_code == 403
    other = staff_post(system, operator, url, {"kecamatan_code": "32.11.99"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "WRONG_KECAMATAN"
    elsewhere = "32.11.01" if kecamatan != "32.11.01" else "32.11.02"
    neighbour = operator_at(elsewhere)
    for attempt in (staff_post(system, neighbour, url, {}),
                    staff_post(system, neighbour, url, {"kecamatan_code": kecamatan})):
        assert attempt.status_code == 403
        assert attempt.json()["error"]["code"] == "WRONG_KECAMATAN"
    own_queue = staff_get(system, neighbour, "/print-queue").json()
    assert own_queue["kecamatan_code"] == elsewhere
    assert app["id"] not in [j["application_id"] for j in own_queue["jobs"]]
    early = staff_post(system, operator, f"/print-jobs/{job['id']}/collected",
                       {"kecamatan_code": kecamatan})
    assert early.status_code == 409

    printed = staff_post(system, operator, url, {})  # the account's own kecamatan
    assert printed.status_code == 200, printed.text
    assert printed.json()["result"] == "PRINTED"
    state = wait_for_status(citizen, app["id"], token, "PRINTED")
    assert state["stage"]["label"] == "Dicetak"
    system.mailbox.wait_for(email, "telah dicetak")

    collected = staff_post(system, operator, f"/print-jobs/{job['id']}/collected",
                           {"kecamatan_code": kecamatan})
    assert collected.status_code == 200 and collected.json()["job"]["state"] == "COLLECTED"
    final = wait_for_status(citizen, app["id"], token, "COLLECTED")
    assert [h["status"] for h in final["history"]][-4:] == [
        "ISSUED", "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED"]
    system.mailbox.wait_for(email, "telah diambil")
    assert citizen.download(app["id"], token, pin_from(system, email)).status_code == 200


def test_a_kia_waits_for_blanko_with_a_suket_then_is_printed(
    system: System, verifier: str, operator_at: Callable[[str], str], admin: str
) -> None:
    citizen, app, payload = apply(system, "KIA", seed=9621)  # cards always go to the kecamatan
    email, kecamatan = payload["applicant"]["email"], payload["applicant"]["kecamatan_code"]
    token, operator = app["access_token"], operator_at(kecamatan)
    assert citizen.get(app["id"], token).json()["delivery"] == "KECAMATAN"
    assert kia_stock(system, operator, kecamatan)["quantity"] == 0
    approve(system, verifier, app["id"])

    waiting = wait_for_status(citizen, app["id"], token, "AWAITING_BLANKO")
    assert waiting["stage"]["label"] == "Menunggu blanko"
    system.mailbox.wait_for(email, "menunggu blanko")
    job = job_in_queue(system, operator, kecamatan, app["id"],
                       ready=lambda j: j["suket_number"] is not None)
    assert job["state"] == "AWAITING_BLANKO" and job["card_type"] == "KIA"
    suket = staff_get(system, operator, f"/print-jobs/{job['id']}/suket",
                      kecamatan_code=kecamatan)
    assert suket.status_code == 200 and suket.headers["Cache-Control"] == "no-store"
    assert validate_signed_pdf(suket.content, system.env["DEV_PKI_DIR"] + "/ca.pem").ok
    verified = requests.get(f"{system.gateway}/api/v1/verify/{job['suket_number']}", timeout=10)
    assert verified.json()["status"] == "ACTIVE"
    blocked = staff_post(system, operator, f"/print-jobs/{job['id']}/printed",
                         {"kecamatan_code": kecamatan})
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "NOT_QUEUED"

    # Blanko arrives: waiting jobs are released oldest first (other tests' KIA cards of this
    # kecamatan may be waiting too), each with one blanko reserved for it.
    bad = staff_post(system, verifier, f"/blanko/{kecamatan}", {"card_type": "KIA", "quantity": 1})
    assert bad.status_code == 403
    waiting_jobs = kia_stock(system, operator, kecamatan)["waiting_jobs"]
    received = staff_post(system, admin, f"/blanko/{kecamatan}",
                          {"card_type": "KIA", "quantity": waiting_jobs, "note": "kiriman pusat"})
    assert received.status_code == 200, received.text
    released_jobs = received.json()["released_jobs"]
    assert len(released_jobs) == waiting_jobs and released_jobs[-1] == job["id"]  # ours is newest
    released = wait_for_status(citizen, app["id"], token, "QUEUED_AT_KECAMATAN")
    assert "AWAITING_BLANKO" in [h["status"] for h in released["history"]]
    system.mailbox.wait_for(email, "masuk antrean cetak kecamatan")

    printed = staff_post(system, operator, f"/print-jobs/{job['id']}/printed",
                         {"kecamatan_code": kecamatan})
    assert printed.status_code == 200 and printed.json()["result"] == "PRINTED", printed.text
    wait_for_status(citizen, app["id"], token, "PRINTED")
    system.mailbox.wait_for(email, "telah dicetak")
    ledger = staff_get(system, operator, "/blanko", kecamatan_code=kecamatan).json()
    assert kia_stock(system, operator, kecamatan)["quantity"] == 0
    kia_moves = [(m["kind"], m["quantity"]) for m in ledger["movements"]
                 if m["card_type"] == "KIA"]
    assert kia_moves[: waiting_jobs + 1] == [("USED", -1)] * waiting_jobs + [
        ("RECEIVED", waiting_jobs)]


def test_a_queued_card_whose_blanko_ran_out_waits_with_a_suket(
    system: System, verifier: str, operator_at: Callable[[str], str]
) -> None:
    citizen, app, payload = apply(system, "KIA", seed=9631)
    kecamatan, token = payload["applicant"]["kecamatan_code"], app["access_token"]
    operator = operator_at(kecamatan)

    def set_stock(quantity: int) -> None:
        waiting = kia_stock(system, operator, kecamatan)["waiting_jobs"]
        if waiting:  # release other tests' waiting cards of this kecamatan first
            staff_post(system, operator, f"/blanko/{kecamatan}",
                       {"card_type": "KIA", "quantity": waiting}).raise_for_status()
        current = kia_stock(system, operator, kecamatan)["quantity"]
        if quantity != current:
            adjusted = staff_post(system, operator, f"/blanko/{kecamatan}", {
                "card_type": "KIA", "quantity": quantity - current, "kind": "ADJUSTED",
                "note": "stock opname"})
            assert adjusted.status_code == 200, adjusted.text

    set_stock(1)
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], token, "QUEUED_AT_KECAMATAN")
    job = job_in_queue(system, operator, kecamatan, app["id"])
    set_stock(0)  # e.g. the last blanko was spoiled
    empty = staff_post(system, operator, f"/print-jobs/{job['id']}/printed",
                       {"kecamatan_code": kecamatan})
    assert empty.status_code == 200, empty.text
    body = empty.json()
    assert body["result"] == "BLANKO_EMPTY" and body["job"]["state"] == "AWAITING_BLANKO"
    assert body["job"]["suket_number"]  # issued before the answer
    wait_for_status(citizen, app["id"], token, "AWAITING_BLANKO")


def test_revoking_a_card_cancels_its_print_job_and_returns_the_blanko(
    system: System, verifier: str, operator_at: Callable[[str], str], admin: str,
    supervisor: str,
) -> None:
    citizen, app, payload = apply(system, "KIA", seed=9641)
    kecamatan, token = payload["applicant"]["kecamatan_code"], app["access_token"]
    operator = operator_at(kecamatan)
    waiting = kia_stock(system, operator, kecamatan)["waiting_jobs"]
    if waiting:  # other tests' waiting cards of this kecamatan take theirs first
        staff_post(system, admin, f"/blanko/{kecamatan}",
                   {"card_type": "KIA", "quantity": waiting}).raise_for_status()
    before = kia_stock(system, operator, kecamatan)["quantity"]
    if before:
        staff_post(system, operator, f"/blanko/{kecamatan}", {
            "card_type": "KIA", "quantity": -before, "kind": "ADJUSTED",
            "note": "stock opname"}).raise_for_status()
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], token, "AWAITING_BLANKO")
    # A blanko arrives and is reserved for this card; then the document is revoked.
    received = staff_post(system, admin, f"/blanko/{kecamatan}",
                          {"card_type": "KIA", "quantity": 1})
    assert received.status_code == 200, received.text
    job = job_in_queue(system, operator, kecamatan, app["id"],
                       ready=lambda j: j["state"] == "QUEUED_AT_KECAMATAN")
    assert job["blanko_reserved"] and kia_stock(system, operator, kecamatan)["quantity"] == 0

    url = f"/documents/{job['document_number']}/revoke"
    assert staff_post(system, operator, url, {"reason": "Data keliru"}).status_code == 403
    revoked = staff_post(system, supervisor, url, {"reason": "Data keliru"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"
    assert revoked.json()["print_job_state"] == "CANCELLED"
    again = staff_post(system, supervisor, url, {"reason": "Data keliru"})
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]

    queue = staff_get(system, operator, "/print-queue", kecamatan_code=kecamatan).json()
    assert job["id"] not in [j["id"] for j in queue["jobs"]]
    for step in ("printed", "collected"):
        refused = staff_post(system, operator, f"/print-jobs/{job['id']}/{step}",
                             {"kecamatan_code": kecamatan})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "PRINT_JOB_CANCELLED"
    assert kia_stock(system, operator, kecamatan)["quantity"] == 1  # back in stock
    ledger = staff_get(system, operator, "/blanko", kecamatan_code=kecamatan).json()
    latest = next(m for m in ledger["movements"] if m["card_type"] == "KIA")
    assert (latest["kind"], latest["quantity"], latest["job_id"]) == ("RETURNED", 1, job["id"])
    verified = requests.get(f"{system.gateway}/api/v1/verify/{job['document_number']}",
                            timeout=10)
    assert verified.json()["status"] == "REVOKED"
