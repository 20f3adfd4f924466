"""What a supervisor does with the queue: move a claim to another verifier, put it back in the
queue, and read the backlog board (counts per stage, service and kecamatan; deadline breaches).

Both actions take the item's row lock, so they serialise with the holder's decision: whichever
commits first wins, and a holder who lost the claim gets ``NOT_YOUR_CLAIM`` (reassigned) or
``NOT_CLAIMED`` (returned). Both are entries in the access log, naming the previous holder.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.verification.models import QueueItem, Staff
from services.verification.queue import CLAIMED, DEFAULT_LEASE, PENDING, load_item, log_access
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, NotFound, ValidationFailed

# Stages of the verification queue on the board.
WAITING, IN_REVIEW, LEASE_EXPIRED = "WAITING", "CLAIMED", "LEASE_EXPIRED"
STAGE_LABELS = {
    WAITING: "Menunggu di antrean",
    IN_REVIEW: "Sedang diperiksa verifikator",
    LEASE_EXPIRED: "Klaim kedaluwarsa (kembali ke antrean)",
}


def _usernames(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Staff.id, Staff.username).where(Staff.id.in_(ids))).all())


def _claimed_item(session: Session, application_id: str) -> tuple[QueueItem, str]:
    item = load_item(session, application_id, lock=True)
    if item.state != CLAIMED:
        raise Conflict("Permohonan ini tidak sedang diklaim petugas.", code="NOT_CLAIMED")
    holder = _usernames(session, {item.claimed_by}).get(item.claimed_by, str(item.claimed_by))
    return item, holder


def return_to_queue(
    session: Session, supervisor: StaffPrincipal, application_id: str,
    client_ip: str | None = None,
) -> QueueItem:
    """Take a claim away from its holder; the application is claimable again at once, in its
    deadline order."""
    supervisor.require("supervisor")
    item, holder = _claimed_item(session, application_id)
    item.state = PENDING
    item.claimed_by = item.claimed_at = item.lease_expires_at = None
    log_access(session, supervisor, "SUPERVISOR_RETURN", item.application_id,
               f"from={holder}", client_ip)
    return item


def reassign(
    session: Session, outbox: Outbox, supervisor: StaffPrincipal, application_id: str,
    username: str, client_ip: str | None = None, lease: timedelta = DEFAULT_LEASE,
) -> QueueItem:
    """Give a claimed (or waiting) application to another active verifier with a fresh lease."""
    supervisor.require("supervisor")
    target = session.scalars(select(Staff).where(Staff.username == (username or ""))).first()
    if target is None or not target.active:
        raise NotFound("Akun petugas tidak ditemukan atau nonaktif.", code="STAFF_NOT_FOUND")
    if "verifier" not in target.roles:
        raise ValidationFailed(fields={"username": ["Petugas ini bukan verifikator."]},
                               code="NOT_A_VERIFIER")
    item = load_item(session, application_id, lock=True)
    now = now_utc()
    expired = item.state == CLAIMED and item.lease_expires_at and item.lease_expires_at < now
    if item.state not in (PENDING, CLAIMED):
        raise Conflict("Permohonan ini tidak ada di antrean.", code="NOT_IN_QUEUE")
    if item.state == CLAIMED and item.claimed_by == target.id and not expired:
        raise Conflict("Permohonan ini sudah ditangani petugas tersebut.",
                       code="ALREADY_ASSIGNED")
    holder = (_usernames(session, {item.claimed_by}).get(item.claimed_by, str(item.claimed_by))
              if item.state == CLAIMED else "-")
    was_pending = item.state == PENDING
    item.state, item.claimed_by, item.claimed_at = CLAIMED, target.id, now
    item.lease_expires_at = now + lease
    if was_pending:  # intake shows IN_VERIFICATION from the first claim on
        outbox.add(session, "verification.claimed",
                   {"application_id": item.application_id, "round": item.round,
                    "claimed_at": now})
    log_access(session, supervisor, "SUPERVISOR_REASSIGN", item.application_id,
               f"from={holder} to={target.username}", client_ip)
    return item


def my_claims(session: Session, staff: StaffPrincipal) -> list[dict[str, Any]]:
    """The caller's live claims (also those a supervisor reassigned to them)."""
    staff.require("verifier")
    now = now_utc()
    items = session.scalars(
        select(QueueItem)
        .where(QueueItem.state == CLAIMED, QueueItem.claimed_by == staff.staff_id,
               QueueItem.lease_expires_at >= now)
        .order_by(QueueItem.deadline_at)
    ).all()
    return [_claim_row(item, None) for item in items]


def _claim_row(item: QueueItem, holder: str | None) -> dict[str, Any]:
    return {
        "id": str(item.application_id), "tracking_code": item.tracking_code,
        "service_code": item.service_code, "kecamatan_code": item.kecamatan_code,
        "service_name": (item.requirements or {}).get("service_name") or item.service_code,
        "round": item.round, "claimed_by": holder,
        "claimed_at": item.claimed_at.isoformat() if item.claimed_at else None,
        "lease_expires_at": item.lease_expires_at.isoformat() if item.lease_expires_at else None,
        "deadline_at": item.deadline_at.isoformat(),
    }


def stage_of(item_state: str, lease_expires_at: datetime | None, now: datetime) -> str:
    if item_state == CLAIMED:
        return LEASE_EXPIRED if lease_expires_at and lease_expires_at < now else IN_REVIEW
    return WAITING


def summarise(rows: list[tuple[str, str, str, datetime | None, datetime]],
              now: datetime) -> dict[str, Any]:
    """Counts per stage, service and kecamatan (each with how many are past their service
    deadline) from ``(state, service_code, kecamatan_code, lease_expires_at, deadline_at)``
    of the items still in the queue. Plain Python: unit-tested without a database."""
    by: dict[str, dict[str, Counter]] = {k: defaultdict(Counter)
                                         for k in ("stage", "service", "kecamatan")}
    for state, service, kecamatan, lease, deadline in rows:
        stage = stage_of(state, lease, now)
        late = deadline < now
        for key, value in (("stage", stage), ("service", service), ("kecamatan", kecamatan)):
            by[key][value]["count"] += 1
            by[key][value]["breached"] += int(late)

    def table(key: str, name: str) -> list[dict[str, Any]]:
        return [{name: value, "count": c["count"], "breached": c["breached"]}
                for value, c in sorted(by[key].items())]

    stages = [{"stage": s, "label": STAGE_LABELS[s], "count": by["stage"][s]["count"],
               "breached": by["stage"][s]["breached"]} for s in STAGE_LABELS]
    return {
        "total": len(rows), "breached": sum(1 for *_, d in rows if d < now),
        "stages": stages, "services": table("service", "service_code"),
        "kecamatan": table("kecamatan", "kecamatan_code"),
    }


def board(session: Session, supervisor: StaffPrincipal, client_ip: str | None = None,
          breach_limit: int = 100) -> dict[str, Any]:
    """The verification queue as a supervisor sees it: counts, the live claims (who holds
    what, for reassigning or returning) and the items past their deadline, oldest first."""
    supervisor.require("supervisor")
    now = now_utc()
    items = session.scalars(
        select(QueueItem).where(QueueItem.state.in_((PENDING, CLAIMED)))
        .order_by(QueueItem.deadline_at, QueueItem.submitted_at)
    ).all()
    summary = summarise([(i.state, i.service_code, i.kecamatan_code, i.lease_expires_at,
                          i.deadline_at) for i in items], now)
    names = _usernames(session, {i.claimed_by for i in items if i.state == CLAIMED})
    claims = [
        {**_claim_row(i, names.get(i.claimed_by, str(i.claimed_by))),
         "stage": stage_of(i.state, i.lease_expires_at, now)}
        for i in items if i.state == CLAIMED
    ]
    breaches = [
        {**_claim_row(i, names.get(i.claimed_by) if i.state == CLAIMED else None),
         "stage": stage_of(i.state, i.lease_expires_at, now),
         "hours_late": round((now - i.deadline_at).total_seconds() / 3600, 1)}
        for i in items if i.deadline_at < now
    ][:breach_limit]
    log_access(session, supervisor, "VIEW_BACKLOG", None, f"items={len(items)}", client_ip)
    return {**summary, "at": now.isoformat(), "claims": claims, "breaches": breaches}
