"""Recording a staff action (or a staff read of personal data) for the audit chain.

Verification owns the tamper-evident chain (``services/verification/audit.py``). Every other
service records an entry by adding ``<service>.audit_recorded`` to its outbox in the transaction
of the action itself, so an entry exists exactly when the action committed; verification appends
each event to the chain once (its inbox), and intake keeps the entries that name an application
for the citizen's own access log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.contracts import audit_event_type
from silasidakep.db import Outbox


def entry(
    action: str, principal: StaffPrincipal | None = None, *,
    application_id: uuid.UUID | str | None = None, detail: str | None = None,
    client_ip: str | None = None,
) -> dict[str, Any]:
    """An ``audit_recorded`` event's data; ``principal`` None for a system action."""
    return {
        "at": now_utc(),
        "action": action[:40],
        "staff_id": principal.staff_id if principal else None,
        "username": principal.username if principal else None,
        "roles": sorted(principal.roles) if principal else [],
        "office": principal.kecamatan_code if principal else None,
        "application_id": uuid.UUID(str(application_id)) if application_id else None,
        "detail": detail[:200] if detail else None,
        "client_ip": client_ip[:64] if client_ip else None,
    }


def record(session: Session, outbox: Outbox, action: str,
           principal: StaffPrincipal | None = None, **details: Any) -> uuid.UUID:
    """Add the entry to ``outbox`` in the session's transaction; returns the event id."""
    return outbox.add(session, audit_event_type(outbox.producer),
                      entry(action, principal, **details))


@dataclass(frozen=True)
class Auditor:
    """Who is acting and where their entries go: handed to a domain function so it records
    the entry inside its own transaction (``None`` there means nothing to record)."""

    outbox: Outbox
    principal: StaffPrincipal | None
    client_ip: str | None = None

    def record(self, session: Session, action: str, *,
               application_id: uuid.UUID | str | None = None,
               detail: str | None = None) -> uuid.UUID:
        return record(session, self.outbox, action, self.principal,
                      application_id=application_id, detail=detail, client_ip=self.client_ip)


def record_with(auditor: Auditor | None, session: Session, action: str, **details: Any) -> None:
    """``auditor.record`` when there is one (callers without staff, e.g. tests, pass None)."""
    if auditor is not None:
        auditor.record(session, action, **details)
