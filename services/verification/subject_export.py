"""Data-subject export, verification's part (issue 14): the decisions and the audit-chain
entries for the subject's applications, and the export itself as a ``SUBJECT_EXPORT`` entry.

The entry is appended in the same transaction that read the data, so an export exists in
the chain exactly when its data left verification; its detail names the NIK masked only (and,
for a citizen, who has no staff account, the account id). A citizen may export
``CITIZEN_EXPORTS_PER_DAY`` times in 24 hours, counted from the chain itself (no other table):
the head row is locked first, so concurrent exports of one account cannot overtake the count.

An auditor sees the entries as they are (who, from where, the hashes); a citizen sees what
was done with their file and when, not which staff member did it or from which address.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.verification import audit, staff
from services.verification.models import Decision, QueueItem, Staff
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.errors import TooManyAttempts, ValidationFailed
from silasidakep.export_grant import EXPORT_ROLES, ExportCaller
from silasidakep.masking import mask_nik

ACTION = "SUBJECT_EXPORT"
CITIZEN_EXPORTS_PER_DAY = int(os.environ.get("CITIZEN_EXPORTS_PER_DAY", "5"))
WINDOW = timedelta(days=1)
MAX_ENTRIES = 5000
LOG, HEAD = audit.LOG, audit.HEAD


def auditor(session: Session, token: str | None, secret: str) -> StaffPrincipal:
    principal = staff.authenticate(session, token, secret)
    principal.require(*EXPORT_ROLES)
    return principal


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _uuids(ids: list[str]) -> list[uuid.UUID]:
    return [uuid.UUID(value) for value in ids]


def submissions(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    """Verification's copy of each submission (the form as submitted is in intake's part)."""
    rows = session.scalars(
        select(QueueItem).where(QueueItem.application_id.in_(_uuids(ids)))
        .order_by(QueueItem.submitted_at)
    ).all()
    return [{
        "application_id": str(q.application_id), "tracking_code": q.tracking_code,
        "service_code": q.service_code, "state": q.state, "round": q.round,
        "submitted_at": _iso(q.submitted_at), "deadline_at": _iso(q.deadline_at),
    } for q in rows]


def decisions(session: Session, ids: list[str], full: bool) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Decision, Staff.username).outerjoin(Staff, Staff.id == Decision.decided_by)
        .where(Decision.application_id.in_(_uuids(ids))).order_by(Decision.decided_at)
    ).all()
    views = []
    for d, username in rows:
        view = {
            "application_id": str(d.application_id), "round": d.round, "decision": d.decision,
            "reason_code": d.reason_code, "note": d.note, "fix_fields": d.fix_fields or [],
            "fix_documents": d.fix_documents or [], "decided_at": _iso(d.decided_at),
        }
        if full:
            view["decided_by"] = username
        views.append(view)
    return views


def history(session: Session, ids: list[str], full: bool) -> list[dict[str, Any]]:
    rows = session.execute(
        select(*(LOG.c[name] for name in audit.FIELDS))
        .where(LOG.c.application_id.in_(_uuids(ids))).order_by(LOG.c.seq).limit(MAX_ENTRIES)
    ).all()
    if full:
        return [audit.entry_view(row) for row in rows]
    return [{"seq": r.seq, "at": audit.entry_view(r)["at"], "action": r.action,
             "application_id": str(r.application_id)} for r in rows]


def citizen_wait(session: Session, account_id: uuid.UUID) -> int | None:
    """Seconds until the account may export again; None while under the limit. Call with the
    head locked, so the count cannot change before this export's entry is written."""
    now = now_utc()
    times = session.scalars(
        select(LOG.c.at).where(
            LOG.c.at > now - WINDOW, LOG.c.action == ACTION, LOG.c.staff_id.is_(None),
            LOG.c.detail.startswith(f"account={account_id} "),
        ).order_by(LOG.c.at.desc()).limit(CITIZEN_EXPORTS_PER_DAY)
    ).all()
    if len(times) < CITIZEN_EXPORTS_PER_DAY:
        return None
    return max(1, int((times[-1] + WINDOW - now).total_seconds()) + 1)


def _lock_head(session: Session) -> None:
    session.execute(select(HEAD.c.seq).where(HEAD.c.id == 1).with_for_update())


def export(session: Session, caller: ExportCaller, ids: list[str], nik: str | None,
           client_ip: str | None) -> dict[str, Any]:
    """This service's sections, with the SUBJECT_EXPORT entry appended last (head lock)."""
    grant = caller.grant
    if grant is not None:
        _lock_head(session)
        wait = citizen_wait(session, grant.account_id)
        if wait is not None:
            raise TooManyAttempts(
                f"Ekspor data dibatasi {CITIZEN_EXPORTS_PER_DAY} kali dalam 24 jam. "
                "Silakan coba lagi nanti.", fields={"retry_after": wait},
                code="TOO_MANY_EXPORTS",
            )
        detail = f"account={grant.account_id} nik={grant.nik_masked} applications={len(ids)}"
    else:
        if not isinstance(nik, str):
            raise ValidationFailed(fields={"nik": ["Wajib diisi."]}, code="INVALID_NIK")
        detail = f"nik={mask_nik(nik)} applications={len(ids)}"
    full = grant is None
    data = {
        "submissions": submissions(session, ids),
        "decisions": decisions(session, ids, full),
        "history": history(session, ids, full),
    }
    principal = caller.staff
    data["export_audit_seq"] = audit.append(
        session, ACTION, staff_id=principal.staff_id if principal else None,
        username=principal.username if principal else None, detail=detail,
        client_ip=client_ip,
    )
    return data
