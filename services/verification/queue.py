"""The verification queue: enqueue each submission round, lease it to one verifier, decide."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.verification import audit, prechecks, reasons
from services.verification.models import Decision, QueueItem
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed

PENDING, CLAIMED, DECIDED, CANCELLED = "PENDING", "CLAIMED", "DECIDED", "CANCELLED"
DEFAULT_LEASE = timedelta(minutes=30)


def log_access(
    session: Session, staff: StaffPrincipal | None, action: str,
    application_id: uuid.UUID | None, detail: str | None = None, client_ip: str | None = None,
) -> None:
    """Append to the hash-chained access log (last in the transaction: it takes the chain's
    lock and holds it until commit)."""
    audit.append(
        session, action, staff_id=staff.staff_id if staff else None,
        username=staff.username if staff else None, application_id=application_id,
        detail=detail, client_ip=client_ip, roles=staff.roles if staff else None,
        office=staff.kecamatan_code if staff else None,
    )


def enqueue(session: Session, data: dict[str, Any]) -> QueueItem | None:
    """Add a submission round to the queue; a stale or repeated round changes nothing."""
    item = session.get(QueueItem, data["application_id"], with_for_update=True)
    if item is not None and item.round >= data["round"]:
        return None
    if item is None:
        item = QueueItem(application_id=data["application_id"])
        session.add(item)
    snapshot = data["application"]
    item.round = data["round"]
    item.state = PENDING
    item.tracking_code = snapshot["tracking_code"]
    item.service_code = snapshot["service_code"]
    item.kecamatan_code = snapshot["applicant"]["kecamatan_code"]
    item.submitted_at = data["submitted_at"]
    item.deadline_at = data["deadline_at"]
    item.application = snapshot
    item.documents = data["documents"]
    item.warnings = data["warnings"]
    item.requirements = data.get("requirements")
    item.outputs = list(data.get("outputs") or [])
    item.claimed_by = item.claimed_at = item.lease_expires_at = None
    return item


def claim_next(
    session: Session, outbox: Outbox, staff: StaffPrincipal, lease: timedelta = DEFAULT_LEASE,
    *, service_code: str | None = None, kecamatan_code: str | None = None,
    client_ip: str | None = None,
) -> QueueItem | None:
    """Lease the claimable item with the earliest service deadline (then the oldest), among
    those of one service and/or kecamatan when asked. Rows another claimer is taking are
    skipped, not waited for, so parallel claimers never get the same item.

    A verifier who already holds a live claim matching the filters gets that one back (its
    earliest deadline first): a claim whose answer was lost, or a second click, must not
    lease a second application that then sits unseen for the lease's 30 minutes."""
    staff.require("verifier")
    now = now_utc()
    filters = _filter_conditions(service_code, kecamatan_code)
    detail = " ".join(f"{k}={v}" for k, v in (("service_code", service_code),
                                              ("kecamatan_code", kecamatan_code)) if v)
    held = _held_claim(session, staff, now, filters)
    if held is not None:
        # The lease is not renewed: the repeated answer is the lost one (same lease end), and
        # clicking again cannot keep an application out of the queue past its first lease
        # (a supervisor's reassignment gives a fresh one). Logged: the answer shows the file.
        log_access(session, staff, "CLAIM", held.application_id,
                   " ".join(("held", detail)).strip(), client_ip)
        return held
    claimable = or_(
        QueueItem.state == PENDING,
        and_(QueueItem.state == CLAIMED, QueueItem.lease_expires_at < now),
    )
    item = session.scalars(
        select(QueueItem)
        .where(claimable, *filters)
        .order_by(QueueItem.deadline_at, QueueItem.submitted_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if item is None:
        return None
    item.state, item.claimed_by, item.claimed_at = CLAIMED, staff.staff_id, now
    item.lease_expires_at = now + lease
    outbox.add(
        session,
        "verification.claimed",
        {"application_id": item.application_id, "round": item.round, "claimed_at": now},
    )
    log_access(session, staff, "CLAIM", item.application_id, detail or None, client_ip)
    return item


def _filter_conditions(service_code: str | None, kecamatan_code: str | None) -> list[Any]:
    conditions = []
    if service_code:
        conditions.append(QueueItem.service_code == service_code)
    if kecamatan_code:
        conditions.append(QueueItem.kecamatan_code == kecamatan_code)
    return conditions


def _held_claim(session: Session, staff: StaffPrincipal, now: datetime,
                filters: list[Any]) -> QueueItem | None:
    """The caller's live claim matching ``filters``, row-locked (waiting, not skipping), so a
    supervisor's concurrent return or reassignment is seen before it is answered."""
    return session.scalars(
        select(QueueItem)
        .where(QueueItem.state == CLAIMED, QueueItem.claimed_by == staff.staff_id,
               QueueItem.lease_expires_at > now, *filters)
        .order_by(QueueItem.deadline_at, QueueItem.submitted_at)
        .limit(1)
        .with_for_update()
    ).first()


def load_item(session: Session, application_id: str, lock: bool = False) -> QueueItem:
    """The queue item of ``application_id`` (row-locked with ``lock``), or NOT_FOUND."""
    try:
        key = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    item = session.get(QueueItem, key, with_for_update=lock)
    if item is None:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND")
    return item


# Who may open an application and its scans. Need to know: a verifier the one it holds (claimed,
# lease running), the way a paper file sits on one desk, and those its held applications'
# pre-checks name (a possible duplicate must be looked at to be judged); supervisors (who
# return and reassign claims) and auditors (who check the access log against what was opened)
# any.
WIDE_READERS = ("supervisor", "auditor")


def _held(session: Session, staff: StaffPrincipal, now: datetime) -> list[QueueItem]:
    return list(session.scalars(select(QueueItem).where(
        QueueItem.state == CLAIMED, QueueItem.claimed_by == staff.staff_id,
        QueueItem.lease_expires_at > now)))


def require_need_to_know(session: Session, item: QueueItem, staff: StaffPrincipal,
                         now: datetime | None = None) -> None:
    if staff.roles & set(WIDE_READERS):
        return
    now = now or now_utc()
    held = _held(session, staff, now)
    if any(h.application_id == item.application_id for h in held):
        return
    target = str(item.application_id)
    for mine in held:  # a verifier holds a handful at most: their pre-checks are cheap
        findings = prechecks.run(session, mine, now)["findings"]
        if any((f.get("related") or {}).get("application_id") == target for f in findings):
            return
    raise Forbidden(
        "Anda hanya dapat membuka permohonan yang sedang Anda tangani. "
        "Ambil permohonan dari antrean terlebih dahulu.", code="NOT_YOUR_CLAIM",
    )


def staff_view(
    session: Session, staff: StaffPrincipal, application_id: str, client_ip: str | None = None
) -> dict[str, Any]:
    staff.require("verifier", *WIDE_READERS)
    item = load_item(session, application_id)
    require_need_to_know(session, item, staff)
    checks = prechecks.run(session, item)  # before the log entry, which takes the chain lock
    log_access(session, staff, "VIEW_APPLICATION", item.application_id, None, client_ip)
    return {**item_view(item), "prechecks": checks}


def item_view(item: QueueItem) -> dict[str, Any]:
    return {
        "id": str(item.application_id),
        "tracking_code": item.tracking_code,
        "round": item.round,
        "state": item.state,
        "service_code": item.service_code,
        "kecamatan_code": item.kecamatan_code,
        "submitted_at": item.submitted_at.isoformat(),
        "deadline_at": item.deadline_at.isoformat(),
        "lease_expires_at": item.lease_expires_at.isoformat() if item.lease_expires_at else None,
        "application": item.application,
        "documents": [
            {k: d[k] for k in ("doc_type", "content_type", "size", "sha256")}
            for d in item.documents
        ],
        "warnings": item.warnings,
        "requirements": item.requirements,
        "outputs": item.outputs or [],
    }


def document_ref(
    session: Session, staff: StaffPrincipal, application_id: str, doc_type: str,
    client_ip: str | None = None,
) -> dict[str, Any]:
    staff.require("verifier", *WIDE_READERS)
    item = load_item(session, application_id)
    require_need_to_know(session, item, staff)
    for document in item.documents:
        if document["doc_type"] == doc_type:
            log_access(session, staff, "VIEW_DOCUMENT", item.application_id, doc_type, client_ip)
            return {"object_key": document["object_key"], "content_type": document["content_type"]}
    raise NotFound("Dokumen tidak ditemukan.", code="DOCUMENT_NOT_FOUND")


def _check_fixes(
    item: QueueItem, decision: str, fix_fields: list[str], fix_documents: list[str]
) -> None:
    """A revision request names what to fix, from the service's own fields and documents."""
    if decision != "REQUEST_REVISION":
        if fix_fields or fix_documents:
            raise ValidationFailed(
                fields={"fix_fields": ["Hanya untuk permintaan perbaikan."]}, code="FIX_NOT_ALLOWED"
            )
        return
    if not fix_fields and not fix_documents:
        raise ValidationFailed(
            fields={"fix_fields": ["Sebutkan isian atau dokumen yang harus diperbaiki."]},
            code="FIX_REQUIRED",
        )
    known = item.requirements or {}
    errors: dict[str, list[str]] = {}
    known_fields = {f["path"] for f in known.get("fields", [])}
    if known and set(fix_fields) - known_fields:
        errors["fix_fields"] = [f"Isian tidak dikenal: {sorted(set(fix_fields) - known_fields)}"]
    known_documents = {d["type"] for d in known.get("documents", [])}
    if known and set(fix_documents) - known_documents:
        unknown = sorted(set(fix_documents) - known_documents)
        errors["fix_documents"] = [f"Jenis dokumen tidak dikenal: {unknown}"]
    if errors:
        raise ValidationFailed(fields=errors, code="UNKNOWN_FIX_TARGET")


def cancel(session: Session, data: dict[str, Any]) -> None:
    """The citizen cancelled: take the round out of the queue (a decision on it is refused)."""
    item = session.get(QueueItem, data["application_id"], with_for_update=True)
    if item is not None and item.round == data["round"] and item.state != DECIDED:
        item.state, item.lease_expires_at = CANCELLED, None


def decide(
    session: Session, outbox: Outbox, staff: StaffPrincipal | None, application_id: str,
    decision: str, reason_code: str | None = None, note: str | None = None,
    fix_fields: list[str] | None = None, fix_documents: list[str] | None = None,
    client_ip: str | None = None, system_actor: str | None = None,
) -> QueueItem:
    """Record a decision by ``staff`` (a verifier holding the claim), or, with ``staff`` None,
    by the program named ``system_actor`` (no claim needed; the log entry names the program)."""
    if staff is not None:
        staff.require("verifier")
    elif not system_actor:
        raise ValueError("a decision without staff must name the system_actor deciding")
    fix_fields, fix_documents = list(fix_fields or []), list(fix_documents or [])
    reason_text = reasons.for_decision(session, decision, reason_code)
    item = load_item(session, application_id, lock=True)
    if item.state == DECIDED:
        raise Conflict("Permohonan ini sudah diputuskan.", code="ALREADY_DECIDED")
    if item.state == CANCELLED:
        raise Conflict("Permohonan ini dibatalkan oleh pemohon.", code="APPLICATION_CANCELLED")
    _check_fixes(item, decision, fix_fields, fix_documents)
    if staff is not None:
        if item.state != CLAIMED:
            raise Conflict("Ambil permohonan dari antrean terlebih dahulu.", code="NOT_CLAIMED")
        if item.claimed_by != staff.staff_id:
            raise Forbidden("Permohonan ini sedang ditangani petugas lain.", code="NOT_YOUR_CLAIM")
    now = now_utc()
    item.state = DECIDED
    item.lease_expires_at = None
    session.add(
        Decision(
            application_id=item.application_id, round=item.round, decision=decision,
            reason_code=reason_code, note=note, fix_fields=fix_fields,
            fix_documents=fix_documents, decided_by=staff.staff_id if staff else None,
            decided_at=now,
        )
    )
    outbox.add(
        session,
        "verification.decided",
        {
            "application_id": item.application_id, "round": item.round, "decision": decision,
            "reason_code": reason_code, "reason_text": reason_text, "note": note,
            "fix_fields": fix_fields, "fix_documents": fix_documents, "decided_at": now,
        },
    )
    log_access(session, staff, f"DECIDE_{decision}", item.application_id,
               reason_code if staff else system_actor, client_ip)
    return item
