"""Cekatan on real PostgreSQL (and S3 for the Suket): the kecamatan print job's states, blanko
stock released first come first served, and stock that never goes below zero under concurrency.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from services.printing import production, public_lookup, register
from services.printing.documents.pades import validate_signed_pdf
from services.printing.kecamatan import blanko, print_jobs, suket
from services.printing.models import BlankoStock, PrintJob, metadata
from silasidakep.errors import Conflict, Forbidden, ValidationFailed
from tests.support.citizen import application_payload
from tests.support.identities import make_person
from tests.support.snapshots import for_issuance
from tests.unit.printing.samples import kia_snapshot

OUTBOX = metadata.tables["printing.outbox"]


@pytest.fixture
def kecamatan() -> str:
    """A location of this test's own (tests share one database)."""
    return f"T{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def issuer(make_issuer) -> production.Issuer:
    return make_issuer("it-cekatan")


def kk_snapshot(seed: int, kecamatan: str) -> dict:
    payload = application_payload(make_person(seed))
    applicant = {**payload["applicant"], "kecamatan_code": kecamatan}
    return for_issuance({"tracking_code": f"SLS-CEK{seed:05d}", "service_code": "KK_PERUBAHAN",
            "output_document": "KK", "applicant": applicant, "form": payload["form"],
            "delivery": "KECAMATAN"})


def kia(seed: int, kecamatan: str) -> dict:
    data = kia_snapshot(seed)
    return {**data, "applicant": {**data["applicant"], "kecamatan_code": kecamatan}}


def issue(sessions, outbox, snapshot: dict) -> PrintJob | None:
    """What printing does for an approved application (auto mode), minus the PDF itself."""
    app_id = uuid.uuid4()
    with sessions() as s, s.begin():
        document = register.allocate(s, app_id, snapshot, snapshot["output_document"])
        s.flush()
        print_jobs.plan_job(s, app_id, snapshot, document)
    with sessions() as s, s.begin():
        assert register.finalise(s, outbox, app_id, f"x/{app_id}.pdf", "0" * 64, "Uji")
    with sessions() as s:
        return s.scalars(select(PrintJob).where(PrintJob.application_id == app_id)).first()


def job_events(sessions, job: PrintJob) -> list[tuple[int, str]]:
    with sessions() as s:
        rows = s.execute(select(OUTBOX.c.envelope).where(
            OUTBOX.c.event_type == "print_job.changed"))
        found = [e["data"] for (e,) in rows if e["data"]["job_id"] == str(job.id)]
    return sorted((d["seq"], d["state"]) for d in found)


def state_of(sessions, job: PrintJob) -> str:
    with sessions() as s:
        return s.get(PrintJob, job.id).state


def stock_of(sessions, kecamatan: str, card: str = "KIA") -> int:
    with sessions() as s:
        row = s.get(BlankoStock, (kecamatan, card))
        return row.quantity if row else 0


def desk(sessions, outbox, action, *args):
    with sessions() as s, s.begin():
        return action(s, outbox, *args)


def test_download_only_documents_get_no_print_job(sessions, outbox, kecamatan) -> None:
    assert issue(sessions, outbox, {**kk_snapshot(1, kecamatan), "delivery": "DOWNLOAD"}) is None


def test_a_kk_job_goes_queued_printed_collected(sessions, outbox, kecamatan) -> None:
    job = issue(sessions, outbox, kk_snapshot(2, kecamatan))
    assert job is not None and job.state == "QUEUED_AT_KECAMATAN" and job.card_type is None
    with sessions() as s:
        queue = print_jobs.print_queue(s, kecamatan)
    assert [j["id"] for j in queue["jobs"]] == [str(job.id)]
    assert queue["jobs"][0]["tracking_code"] == "SLS-CEK00002"

    with pytest.raises(Forbidden) as wrong:
        desk(sessions, outbox, print_jobs.mark_printed, str(job.id), "32.11.01", "op.lain")
    assert wrong.value.code == "WRONG_KECAMATAN"
    with pytest.raises(Conflict) as early:
        desk(sessions, outbox, print_jobs.mark_collected, str(job.id), kecamatan, "op")
    assert early.value.code == "NOT_PRINTED"

    printed = desk(sessions, outbox, print_jobs.mark_printed, str(job.id), kecamatan, "op")
    assert printed["result"] == "PRINTED" and printed["job"]["state"] == "PRINTED"
    again = desk(sessions, outbox, print_jobs.mark_printed, str(job.id), kecamatan, "op")
    assert again["result"] == "ALREADY_PRINTED"
    collected = desk(sessions, outbox, print_jobs.mark_collected, str(job.id), kecamatan, "op")
    assert collected["job"]["state"] == "COLLECTED"
    assert job_events(sessions, job) == [
        (1, "QUEUED_AT_KECAMATAN"), (2, "PRINTED"), (3, "COLLECTED")]
    with sessions() as s:
        assert s.get(PrintJob, job.id).snapshot is None  # handed over: personal data dropped
        assert print_jobs.print_queue(s, kecamatan)["jobs"] == []
    assert stock_of(sessions, kecamatan) == 0  # paper needs no blanko


def test_cards_wait_for_blanko_and_are_released_first_come_first_served(
    sessions, outbox, kecamatan, issuer, pki
) -> None:
    jobs = [issue(sessions, outbox, kia(seed, kecamatan)) for seed in (11, 12, 13)]
    assert [j.state for j in jobs] == ["AWAITING_BLANKO"] * 3
    with pytest.raises(Conflict) as waiting:
        desk(sessions, outbox, print_jobs.mark_printed, str(jobs[0].id), kecamatan, "op")
    assert waiting.value.code == "NOT_QUEUED"

    # The Suket is issued for each waiting job, signed, once.
    with sessions() as s:
        need = set(suket.jobs_needing_suket(s, limit=500))
    assert {j.id for j in jobs} <= need
    key = suket.issue_suket(sessions, issuer, jobs[0].id)
    assert suket.issue_suket(sessions, issuer, jobs[0].id) == key
    with sessions() as s:
        ref = suket.suket_ref(s, str(jobs[0].id), kecamatan)
        assert ref["object_key"] == key and ref["suket_number"].startswith("3211-SUKET-")
        shown = public_lookup.verification_view(s, ref["suket_number"])
    assert shown["status"] == "ACTIVE" and shown["document_type"] == "SUKET"
    assert validate_signed_pdf(issuer.objects.get(issuer.bucket, key), pki.ca_file).ok

    with pytest.raises(ValidationFailed):
        desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", -1, "admin")  # RECEIVED < 0
    received = desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", 2, "admin",
                    "RECEIVED", "kiriman Disdukcapil")
    assert received["released_jobs"] == [str(jobs[0].id), str(jobs[1].id)]  # oldest first
    assert [state_of(sessions, j) for j in jobs] == [
        "QUEUED_AT_KECAMATAN", "QUEUED_AT_KECAMATAN", "AWAITING_BLANKO"]
    assert stock_of(sessions, kecamatan) == 0  # both reserved
    kia_stock = next(r for r in received["stock"] if r["card_type"] == "KIA")
    assert kia_stock == {**kia_stock, "quantity": 0, "waiting_jobs": 1}
    assert [(m["kind"], m["quantity"], m["balance"]) for m in received["movements"]] == [
        ("USED", -1, 0), ("USED", -1, 1), ("RECEIVED", 2, 2)]
    assert received["movements"][-1]["by"] == "admin"

    # A released job prints on its reserved blanko; stock is not touched again.
    printed = desk(sessions, outbox, print_jobs.mark_printed, str(jobs[1].id), kecamatan, "op")
    assert printed["result"] == "PRINTED" and stock_of(sessions, kecamatan) == 0
    with sessions() as s:
        assert public_lookup.verification_view(s, ref["suket_number"])["status"] == "ACTIVE"
    desk(sessions, outbox, print_jobs.mark_printed, str(jobs[0].id), kecamatan, "op")
    with sessions() as s:  # the card replaces the Suket
        assert public_lookup.verification_view(s, ref["suket_number"])["status"] == "SUPERSEDED"
    assert job_events(sessions, jobs[0]) == [
        (1, "AWAITING_BLANKO"), (2, "QUEUED_AT_KECAMATAN"), (3, "PRINTED")]

    # An adjustment may not take stock below zero.
    with pytest.raises(Conflict) as low:
        desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", -1, "admin", "ADJUSTED")
    assert low.value.code == "STOCK_TOO_LOW"
    desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", 1, "admin")
    assert state_of(sessions, jobs[2]) == "QUEUED_AT_KECAMATAN"


def test_a_queued_card_without_blanko_goes_back_to_waiting(sessions, outbox, kecamatan) -> None:
    desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", 1, "admin")
    job = issue(sessions, outbox, kia(21, kecamatan))
    assert job.state == "QUEUED_AT_KECAMATAN"  # stock on hand, not reserved
    desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", -1, "admin", "ADJUSTED", "rusak")
    empty = desk(sessions, outbox, print_jobs.mark_printed, str(job.id), kecamatan, "op")
    assert empty["result"] == "BLANKO_EMPTY" and empty["job"]["state"] == "AWAITING_BLANKO"
    assert job_events(sessions, job) == [(1, "QUEUED_AT_KECAMATAN"), (2, "AWAITING_BLANKO")]


def test_stock_never_goes_below_zero_when_operators_print_at_once(
    sessions, outbox, kecamatan
) -> None:
    desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", 12, "admin")
    jobs = [issue(sessions, outbox, kia(100 + i, kecamatan)) for i in range(12)]
    assert {j.state for j in jobs} == {"QUEUED_AT_KECAMATAN"}
    desk(sessions, outbox, blanko.add_stock, kecamatan, "KIA", -9, "admin", "ADJUSTED")
    assert stock_of(sessions, kecamatan) == 3

    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def operator(job: PrintJob) -> None:
        try:
            start.wait()
            result = desk(sessions, outbox, print_jobs.mark_printed, str(job.id), kecamatan,
                          f"op.{job.id.hex[:4]}")
            results.append(result["result"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=operator, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == ["BLANKO_EMPTY"] * 9 + ["PRINTED"] * 3
    assert stock_of(sessions, kecamatan) == 0
    with sessions() as s:
        used = blanko.blanko_view(s, kecamatan)["movements"]
    assert [m["balance"] for m in used if m["kind"] == "USED"] == [0, 1, 2]

    # The constraint backs the conditional update.
    with pytest.raises(IntegrityError), sessions() as s, s.begin():
        s.execute(text(
            "UPDATE printing.blanko_stock SET quantity = quantity - 1 "
            "WHERE kecamatan_code = :k AND card_type = 'KIA'"), {"k": kecamatan})
