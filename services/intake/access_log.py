"""The citizen's access log ("Riwayat akses data Anda"): who opened or acted on their file.

Every staff action and staff read of personal data is an audit entry in some service; those
that name an application end up here, one row per audit event (its id is the key, so a
redelivered event adds nothing): intake's own are written in the action's transaction next
to the ``intake.audit_recorded`` event, the others arrive as ``<service>.audit_recorded``.
The citizen sees when, which office and which role, and what was done; the staff member's
username only where the Dinas chooses so (``ACCESS_LOG_SHOW_STAFF_NAMES=1``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.access_labels import action_label, office_name, role_labels
from services.intake.applications import record as applications
from services.intake.models import ApplicationAccess
from silasidakep.audit_trail import Auditor
from silasidakep.clock import now_utc
from silasidakep.contracts import (
    AUDIT_PRODUCERS,
    ContractViolation,
    audit_event_type,
    parse_envelope,
)

ACCESS = ApplicationAccess.__table__
SOURCES = tuple(p for p in AUDIT_PRODUCERS if p != "intake")  # intake's own: written here
MAX_ENTRIES = 500  # newest first; a file is opened a few dozen times in its life


def show_staff_names(env: Mapping[str, str] | None = None) -> bool:
    """``ACCESS_LOG_SHOW_STAFF_NAMES=1``: the citizen also sees the staff username (the
    Dinas's choice; off by default, office and role only)."""
    return (os.environ if env is None else env).get("ACCESS_LOG_SHOW_STAFF_NAMES", "0") == "1"


def store(session: Session, event_id: uuid.UUID, source: str, data: dict[str, Any]) -> bool:
    """Keep one audit entry naming an application; False when it names none."""
    if data.get("application_id") is None:
        return False
    session.execute(insert(ACCESS).values(
        event_id=event_id, application_id=data["application_id"], at=data["at"],
        source=source[:20], action=data["action"][:40], office=data.get("office"),
        roles=list(data.get("roles") or []), staff_id=data.get("staff_id"),
        username=data.get("username"),
    ).on_conflict_do_nothing(index_elements=["event_id"]))
    return True


def record(session: Session, auditor: Auditor | None, action: str, *,
           application_id: uuid.UUID | str | None = None, detail: str | None = None) -> None:
    """An intake audit entry: to the chain (the outbox) and, naming an application, to the
    citizen's log, both in the session's transaction."""
    if auditor is None:
        return
    event_id = auditor.record(session, action, application_id=application_id, detail=detail)
    principal = auditor.principal
    store(session, event_id, "intake", {
        "application_id": uuid.UUID(str(application_id)) if application_id else None,
        "at": now_utc(), "action": action,
        "office": principal.kecamatan_code if principal else None,
        "roles": sorted(principal.roles) if principal else [],
        "staff_id": principal.staff_id if principal else None,
        "username": principal.username if principal else None,
    })


def entry_view(row: Any, with_names: bool) -> dict[str, Any]:
    roles = list(row.roles or [])
    view = {
        "at": row.at.isoformat(), "action": row.action, "action_label": action_label(row.action),
        "office_code": row.office, "office_name": office_name(row.office),
        "roles": roles, "role_labels": role_labels(roles), "service": row.source,
    }
    if with_names:
        view["username"] = row.username
    return view


def for_citizen(session: Session, application_id: str, token: str | None,
                with_names: bool | None = None) -> dict[str, Any]:
    """The application's access log, newest first, for whoever may read the application."""
    app = applications.load_for_citizen(session, application_id, token)
    rows = session.execute(
        select(ACCESS).where(ACCESS.c.application_id == app.id)
        .order_by(ACCESS.c.at.desc(), ACCESS.c.event_id).limit(MAX_ENTRIES)
    ).all()
    names = show_staff_names() if with_names is None else with_names
    return {"application_id": str(app.id), "staff_names_shown": names,
            "entries": [entry_view(row, names) for row in rows]}


def parse_recorded(envelope: dict[str, Any]) -> tuple[str, uuid.UUID, dict[str, Any]]:
    """Source service, event id and entry of another service's ``audit_recorded`` event; a
    producer that does not match the event type (speaking for another service) is refused."""
    source = str(envelope.get("producer"))
    if source not in SOURCES:
        raise ContractViolation(f"no audit entries are taken from {source!r}")
    event_id, data = parse_envelope(envelope, audit_event_type(source))
    return source, event_id, data
