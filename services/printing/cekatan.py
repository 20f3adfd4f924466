"""Cekatan: the print queue of the applicant's kecamatan, and card blanko stock.

After signing, a document the citizen chose to collect at the kecamatan (every KTP-el and KIA
card, which is printed on security blanko) becomes a print job there:

    PENDING (waiting for the signature) -> QUEUED_AT_KECAMATAN -> PRINTED -> COLLECTED

Each visible step is a ``print_job.changed`` event (``seq`` counts them) that intake mirrors in
the citizen's status. Only a ``kecamatan_operator`` of the job's kecamatan moves it.

Blanko stock is kept per location (the kecamatan code) and card type, with a ledger of every
movement (RECEIVED, USED, ADJUSTED; who and when). Printing a card uses one blanko; with none on
hand the job waits in AWAITING_BLANKO, first come first served, and a temporary certificate
(Suket, template ``SUKET.yaml``) is issued at once. Stock arriving releases the oldest waiting
jobs first, each with a blanko reserved for it, back to QUEUED_AT_KECAMATAN.

Stock never goes below zero: it is only taken by ``UPDATE … SET quantity = quantity - 1 WHERE …
AND quantity > 0`` (PostgreSQL re-checks the condition on the newest row version after waiting
for a concurrent writer), backed by ``CHECK (quantity >= 0)``. Lock order everywhere: the
document (at issuance), the stock row, then print jobs (oldest first).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.printing.models import BlankoMovement, BlankoStock, IssuedDocument, PrintJob
from silasidakep.auth import StaffPrincipal
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed

log = logging.getLogger(__name__)

CARD_TYPES = ("KTP_EL", "KIA")
DELIVERY_KECAMATAN = "KECAMATAN"
PENDING = "PENDING"
QUEUED = "QUEUED_AT_KECAMATAN"
AWAITING_BLANKO = "AWAITING_BLANKO"
PRINTED = "PRINTED"
COLLECTED = "COLLECTED"
MOVEMENT_KINDS = ("RECEIVED", "ADJUSTED")  # USED is written by printing itself
MAX_MOVEMENT = 100_000
LEDGER_LIMIT = 200
QUEUE_LIMIT = 500
SYSTEM = "system"


def now_utc() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def needs_job(snapshot: dict[str, Any]) -> bool:
    """Cards always go to the kecamatan; other documents when the citizen chose it."""
    return (
        snapshot.get("output_document") in CARD_TYPES
        or snapshot.get("delivery") == DELIVERY_KECAMATAN
    )


# --- creating and activating jobs (from issuance) ------------------------------------------------


def plan_job(
    session: Session, application_id: uuid.UUID, snapshot: dict[str, Any],
    document: IssuedDocument,
) -> PrintJob | None:
    """Record the print job of an application being issued (state PENDING); idempotent."""
    if not needs_job(snapshot) or document.state == "ISSUED":
        return None
    existing = session.scalars(
        select(PrintJob).where(PrintJob.application_id == application_id)
    ).first()
    if existing is not None:
        return existing
    output = snapshot["output_document"]
    job = PrintJob(
        id=uuid.uuid4(), application_id=application_id,
        document_number=document.document_number, document_type=output,
        card_type=output if output in CARD_TYPES else None,
        kecamatan_code=str(snapshot["applicant"]["kecamatan_code"])[:13], state=PENDING, seq=0,
        blanko_reserved=False, tracking_code=document.tracking_code,
        holder_name=document.holder_name, snapshot=dict(snapshot), created_at=now_utc(),
    )
    session.add(job)
    return job


def activate(
    session: Session, outbox: Outbox, application_id: uuid.UUID, at: datetime
) -> PrintJob | None:
    """The document is signed: its job enters the kecamatan's queue, or waits for blanko.
    Called inside issuance's finalising transaction (which holds the document's row lock)."""
    job = session.scalars(
        select(PrintJob).where(PrintJob.application_id == application_id)
    ).first()
    if job is None or job.state != PENDING:
        return None
    if job.card_type:
        stock = _lock_stock(session, job.kecamatan_code, job.card_type)
    job = _lock_job(session, job.id)
    if job.card_type and stock.quantity <= 0:
        job.state, job.awaiting_since = AWAITING_BLANKO, at
    else:
        job.state, job.queued_at = QUEUED, at
    _changed(session, outbox, job, at)
    return job


# --- locks and events ----------------------------------------------------------------------------


def _lock_stock(session: Session, kecamatan_code: str, card_type: str) -> BlankoStock:
    """The stock row of one location and card type, created empty if new, locked."""
    session.execute(
        insert(BlankoStock)
        .values(kecamatan_code=kecamatan_code, card_type=card_type, quantity=0,
                updated_at=now_utc())
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(BlankoStock)
        .where(BlankoStock.kecamatan_code == kecamatan_code, BlankoStock.card_type == card_type)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_job(session: Session, job_id: uuid.UUID) -> PrintJob:
    return session.scalars(
        select(PrintJob)
        .where(PrintJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _take_one(session: Session, kecamatan_code: str, card_type: str) -> int | None:
    """Use one blanko; the stock left, or None when there is none. Never below zero."""
    stock = BlankoStock.__table__
    return session.execute(
        update(stock)
        .where(
            stock.c.kecamatan_code == kecamatan_code,
            stock.c.card_type == card_type,
            stock.c.quantity > 0,
        )
        .values(quantity=stock.c.quantity - 1, updated_at=now_utc())
        .returning(stock.c.quantity)
    ).scalar_one_or_none()


def _ledger(
    session: Session, kecamatan_code: str, card_type: str, kind: str, quantity: int,
    balance: int, by: str, at: datetime, job_id: uuid.UUID | None = None,
    note: str | None = None,
) -> None:
    session.add(BlankoMovement(
        kecamatan_code=kecamatan_code, card_type=card_type, kind=kind, quantity=quantity,
        balance=balance, job_id=job_id, note=note, by=by[:60], at=at,
    ))


def _changed(session: Session, outbox: Outbox, job: PrintJob, at: datetime) -> None:
    job.seq += 1
    outbox.add(session, "print_job.changed", {
        "application_id": job.application_id, "job_id": job.id, "seq": job.seq,
        "state": job.state, "kecamatan_code": job.kecamatan_code,
        "document_type": job.document_type, "at": at,
    })


# --- the kecamatan desk ----------------------------------------------------------------------


def _kecamatan(code: str | None) -> str:
    code = (code or "").strip()
    if not code or len(code) > 13:
        raise ValidationFailed(
            fields={"kecamatan_code": ["Kode kecamatan wajib diisi."]}, code="KECAMATAN_REQUIRED"
        )
    return code


def desk_kecamatan(
    principal: StaffPrincipal, requested: str | None, *, admin_anywhere: bool = False
) -> str:
    """The kecamatan a staff member acts for: a kecamatan operator only ever its account's own
    (``requested``, when given, must be it); an admin, where allowed, the one it names."""
    if admin_anywhere and "admin" in principal.roles:
        return _kecamatan(requested)
    if not principal.kecamatan_code:
        raise Forbidden("Akun Anda belum ditetapkan ke kecamatan. Hubungi admin.",
                        code="NO_KECAMATAN")
    if (requested or "").strip() not in ("", principal.kecamatan_code):
        raise Forbidden("Anda hanya dapat melayani kecamatan Anda sendiri.",
                        code="WRONG_KECAMATAN")
    return principal.kecamatan_code


def _job_uuid(job_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("Pekerjaan cetak tidak ditemukan.", code="PRINT_JOB_NOT_FOUND") from None


def _job_for_desk(session: Session, job_id: str | uuid.UUID, kecamatan_code: str) -> PrintJob:
    job = session.get(PrintJob, _job_uuid(job_id))
    if job is None or job.state == PENDING:
        raise NotFound("Pekerjaan cetak tidak ditemukan.", code="PRINT_JOB_NOT_FOUND")
    if job.kecamatan_code != _kecamatan(kecamatan_code):
        raise Forbidden(
            "Pekerjaan cetak ini milik kecamatan lain.", code="WRONG_KECAMATAN"
        )
    return job


def job_view(job: PrintJob) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "application_id": str(job.application_id),
        "tracking_code": job.tracking_code,
        "document_number": job.document_number,
        "document_type": job.document_type,
        "card_type": job.card_type,
        "holder_name": job.holder_name,
        "kecamatan_code": job.kecamatan_code,
        "state": job.state,
        "blanko_reserved": job.blanko_reserved,
        "queued_at": _iso(job.queued_at),
        "awaiting_since": _iso(job.awaiting_since),
        "printed_at": _iso(job.printed_at),
        "collected_at": _iso(job.collected_at),
        "suket_number": job.suket_number if job.suket_object_key else None,
    }


def print_queue(session: Session, kecamatan_code: str) -> dict[str, Any]:
    """The kecamatan's jobs still to hand over: waiting for blanko (oldest first), queued
    (oldest first), printed (waiting for the citizen); and the kecamatan's stock."""
    code = _kecamatan(kecamatan_code)
    jobs = session.scalars(
        select(PrintJob)
        .where(
            PrintJob.kecamatan_code == code,
            PrintJob.state.in_((QUEUED, AWAITING_BLANKO, PRINTED)),
        )
        .order_by(PrintJob.created_at, PrintJob.id)
        .limit(QUEUE_LIMIT)
    ).all()
    order = {QUEUED: 0, AWAITING_BLANKO: 1, PRINTED: 2}

    def since(job: PrintJob) -> datetime:
        return job.awaiting_since if job.state == AWAITING_BLANKO else (
            job.printed_at if job.state == PRINTED else job.queued_at) or job.created_at

    jobs = sorted(jobs, key=lambda j: (order[j.state], since(j), str(j.id)))
    return {
        "kecamatan_code": code,
        "jobs": [job_view(j) for j in jobs],
        "stock": _stock_rows(session, code),
    }


def mark_printed(
    session: Session, outbox: Outbox, job_id: str, kecamatan_code: str, username: str
) -> dict[str, Any]:
    """Print the job's document. A card uses one blanko (its reserved one, or one from stock);
    with none, the job waits in AWAITING_BLANKO (``result`` BLANKO_EMPTY)."""
    job = _job_for_desk(session, job_id, kecamatan_code)
    if job.card_type:
        _lock_stock(session, job.kecamatan_code, job.card_type)  # stock before job
    job = _lock_job(session, job.id)
    if job.state in (PRINTED, COLLECTED):
        return {"result": "ALREADY_PRINTED", "job": job_view(job)}
    if job.state != QUEUED:
        raise Conflict(
            "Dokumen ini sedang menunggu blanko dan belum dapat dicetak.", code="NOT_QUEUED"
        )
    at = now_utc()
    if job.card_type:
        if job.blanko_reserved:
            job.blanko_reserved = False  # its blanko was taken from stock when it was released
        else:
            left = _take_one(session, job.kecamatan_code, job.card_type)
            if left is None:
                job.state, job.awaiting_since = AWAITING_BLANKO, at
                _changed(session, outbox, job, at)
                log.info("print job %s waits for %s blanko", job.id, job.card_type)
                return {"result": "BLANKO_EMPTY", "job": job_view(job)}
            _ledger(session, job.kecamatan_code, job.card_type, "USED", -1, left, username, at,
                    job_id=job.id, note="dicetak")
    job.state, job.printed_at, job.printed_by = PRINTED, at, username[:60]
    _changed(session, outbox, job, at)
    log.info("print job %s printed by %s", job.id, username)
    return {"result": "PRINTED", "job": job_view(job)}


def mark_collected(
    session: Session, outbox: Outbox, job_id: str, kecamatan_code: str, username: str
) -> dict[str, Any]:
    job = _job_for_desk(session, job_id, kecamatan_code)
    job = _lock_job(session, job.id)
    if job.state == COLLECTED:
        return {"result": "ALREADY_COLLECTED", "job": job_view(job)}
    if job.state != PRINTED:
        raise Conflict("Dokumen belum dicetak.", code="NOT_PRINTED")
    at = now_utc()
    job.state, job.collected_at, job.collected_by = COLLECTED, at, username[:60]
    job.snapshot = None  # handed over: the Suket can no longer be needed
    _changed(session, outbox, job, at)
    log.info("print job %s collected, handed over by %s", job.id, username)
    return {"result": "COLLECTED", "job": job_view(job)}


# --- blanko stock ------------------------------------------------------------------------------


def _card_type(card_type: str | None) -> str:
    if card_type not in CARD_TYPES:
        raise ValidationFailed(
            fields={"card_type": ["Pilih KTP_EL atau KIA."]}, code="UNKNOWN_CARD_TYPE"
        )
    return card_type


def add_stock(
    session: Session, outbox: Outbox, kecamatan_code: str, card_type: str, quantity: int,
    username: str, kind: str = "RECEIVED", note: str | None = None,
) -> dict[str, Any]:
    """Record blanko received (or a stock-taking adjustment, ±), then release the oldest
    waiting jobs, one reserved blanko each, while stock lasts."""
    code, card_type = _kecamatan(kecamatan_code), _card_type(card_type)
    if kind not in MOVEMENT_KINDS:
        raise ValidationFailed(fields={"kind": ["Pilih RECEIVED atau ADJUSTED."]},
                               code="UNKNOWN_MOVEMENT")
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > MAX_MOVEMENT or (
        kind == "RECEIVED" and quantity < 0
    ):
        raise ValidationFailed(fields={"quantity": ["Jumlah tidak valid."]},
                               code="INVALID_QUANTITY")
    at = now_utc()
    stock = _lock_stock(session, code, card_type)
    if stock.quantity + quantity < 0:
        raise Conflict("Stok blanko tidak boleh kurang dari nol.", code="STOCK_TOO_LOW")
    stock.quantity += quantity
    stock.updated_at = at
    session.flush()
    _ledger(session, code, card_type, kind, quantity, stock.quantity, username, at,
            note=(note or None) and note[:500])
    released = []
    if stock.quantity > 0:
        waiting = session.scalars(
            select(PrintJob)
            .where(
                PrintJob.kecamatan_code == code,
                PrintJob.card_type == card_type,
                PrintJob.state == AWAITING_BLANKO,
            )
            .order_by(PrintJob.awaiting_since, PrintJob.created_at, PrintJob.id)
            .limit(stock.quantity)
            .with_for_update()
        ).all()
        for job in waiting:
            left = _take_one(session, code, card_type)
            if left is None:
                break
            job.blanko_reserved, job.state, job.queued_at = True, QUEUED, at
            _changed(session, outbox, job, at)
            _ledger(session, code, card_type, "USED", -1, left, SYSTEM, at, job_id=job.id,
                    note="dicadangkan untuk antrean menunggu blanko")
            released.append(str(job.id))
    session.flush()
    log.info("%d %s blanko (%s) at %s by %s; %d job(s) released",
             quantity, card_type, kind, code, username, len(released))
    return {**blanko_view(session, code), "released_jobs": released}


def _stock_rows(session: Session, code: str) -> list[dict[str, Any]]:
    rows = {
        s.card_type: s
        for s in session.scalars(
            select(BlankoStock)
            .where(BlankoStock.kecamatan_code == code)
            .execution_options(populate_existing=True)
        )
    }
    waiting = {
        card: session.query(PrintJob)
        .filter(PrintJob.kecamatan_code == code, PrintJob.card_type == card,
                PrintJob.state == AWAITING_BLANKO)
        .count()
        for card in CARD_TYPES
    }
    return [
        {
            "card_type": card,
            "quantity": rows[card].quantity if card in rows else 0,
            "waiting_jobs": waiting[card],
            "updated_at": _iso(rows[card].updated_at) if card in rows else None,
        }
        for card in CARD_TYPES
    ]


def blanko_view(session: Session, kecamatan_code: str) -> dict[str, Any]:
    code = _kecamatan(kecamatan_code)
    movements = session.scalars(
        select(BlankoMovement)
        .where(BlankoMovement.kecamatan_code == code)
        .order_by(BlankoMovement.id.desc())
        .limit(LEDGER_LIMIT)
    ).all()
    return {
        "kecamatan_code": code,
        "stock": _stock_rows(session, code),
        "movements": [
            {
                "id": m.id, "card_type": m.card_type, "kind": m.kind, "quantity": m.quantity,
                "balance": m.balance, "job_id": str(m.job_id) if m.job_id else None,
                "note": m.note, "by": m.by, "at": m.at.isoformat(),
            }
            for m in movements
        ],
    }


# --- the temporary certificate (Suket) ---------------------------------------------------------


def jobs_needing_suket(session: Session, limit: int = 20) -> list[uuid.UUID]:
    return list(session.scalars(
        select(PrintJob.id)
        .where(PrintJob.state == AWAITING_BLANKO, PrintJob.suket_object_key.is_(None),
               PrintJob.snapshot.is_not(None))
        .order_by(PrintJob.awaiting_since)
        .limit(limit)
    ))


def suket_pdf(issuer: Any, number: str, snapshot: dict[str, Any]) -> bytes:
    """The unsigned Suket of a card application, from ``templates/SUKET.yaml``."""
    from services.printing import issuance
    from services.printing.documents.render import render_document
    from services.printing.documents.templates import build_content, template_context

    template = issuance.TEMPLATES["SUKET"]
    _, holder_name, nik = issuance.document_subject(snapshot)
    issue = issuance.issue_data(issuer, number)
    content = build_content(
        template, template_context(template, snapshot, issue, holder_name, nik), issue
    )
    return render_document(content)


def issue_suket(
    sessions: sessionmaker, issuer: Any, job_id: uuid.UUID,
    run: Callable[..., bytes] = lambda f, *a: f(*a),
) -> str | None:
    """Render, sign and store the Suket of a job waiting for blanko, once; its object key.

    ``run`` runs the CPU-bound rendering (the service passes eventlet's ``tpool.execute``)."""
    from services.printing import issuance

    with sessions() as session, session.begin():
        job = _lock_job(session, job_id)
        if job.suket_object_key:
            return job.suket_object_key
        if job.snapshot is None:
            return None
        if job.suket_number is None:
            year = now_utc().astimezone(issuance.WIB)
            serial = issuance.next_serial(session, "SUKET", year.year)
            job.suket_number = issuance.document_number("SUKET", issuance.REGENCY_CODE, year,
                                                        serial)
        number, snapshot = job.suket_number, job.snapshot
    signed = issuance.sign(issuer, run(suket_pdf, issuer, number, snapshot))
    key, _ = issuance.store_attempt(issuer, number, signed)
    with sessions() as session, session.begin():
        job = _lock_job(session, job_id)
        if job.suket_object_key:  # another attempt won
            issuer.store.delete(issuer.bucket, key)
            return job.suket_object_key
        job.suket_object_key, job.suket_issued_at = key, now_utc()
    log.info("suket %s issued for print job %s", number, job_id)
    return key


def suket_ref(session: Session, job_id: str, kecamatan_code: str) -> dict[str, Any]:
    job = _job_for_desk(session, job_id, kecamatan_code)
    if not job.suket_number:
        raise Conflict("Pekerjaan cetak ini tidak memiliki surat keterangan.", code="NO_SUKET")
    return {"job_id": str(job.id), "suket_number": job.suket_number,
            "object_key": job.suket_object_key}


def suket_verification(session: Session, number: str) -> dict[str, Any] | None:
    """What the QR code of a Suket shows: active until the card is printed."""
    job = session.scalars(select(PrintJob).where(PrintJob.suket_number == number)).first()
    if job is None or not job.suket_object_key:
        return None
    document = session.scalars(
        select(IssuedDocument).where(IssuedDocument.application_id == job.application_id)
    ).first()
    replaced = job.printed_at
    return {
        "document_number": number,
        "status": "SUPERSEDED" if replaced else "ACTIVE",
        "document_type": "SUKET",
        "holder_name": job.holder_name,
        "nik_masked": document.nik_masked if document else "",
        "issued_at": job.suket_issued_at.date().isoformat(),
        "signer": document.signer if document else None,
        "superseded_at": replaced.date().isoformat() if replaced else None,
        "revoked_at": None,
    }
