"""Changing the email or phone of an application (issue 13): the download PIN goes to the
application's contact, so whoever holds the access token must not redirect it silently.

A change is held as pending and a one-time code goes to where the PIN would go afterwards (the
new address, or for a removal the contact that remains). Once confirmed it applies, and the old
contact is told (``application.contact_changed``). One contact per change; setting a contact to
its current value is a no-op (and drops a pending change of it); asking again for the same
pending change sends a new code (the codes' limits apply).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.intake.accounts import codes
from services.intake.applications import filing
from services.intake.applications.record import lock_for_citizen
from services.intake.applications.views import code_target, masked_contact, view_of
from services.intake.domain.status import require_editable
from services.intake.models import Application
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import ValidationFailed

PURPOSE = "APPLICATION_CONTACT"
FIELDS = ("email", "phone")


def _phone_channel(app: Application) -> str:
    return "SMS" if "SMS" in (app.notify_channels or ()) else "WHATSAPP"


def _recipient(app: Application, field: str, address: str) -> dict[str, Any]:
    return {"name": app.name, "email": address if field == "email" else None,
            "phone": address if field == "phone" else None,
            "channels": ["EMAIL" if field == "email" else _phone_channel(app)]}


def _key(app: Application, field: str, value: str | None) -> str:
    return f"{app.id}:{field}:{value or ''}"


def request(session: Session, outbox: Outbox, app: Application, changes: dict[str, Any],
            client: dict[str, Any] | None) -> None:
    """Hold the contact change in ``changes`` (if any) as pending and send its code."""
    wanted = {f: changes[f] or None for f in FIELDS
              if f in changes and (changes[f] or None) != getattr(app, f)}
    for field in FIELDS:
        if field in changes and field not in wanted and (app.pending_contact or {}).get(
                "field") == field:
            app.pending_contact = None  # set back to the current value: nothing to confirm
    if not wanted:
        return
    if len(wanted) > 1:
        raise ValidationFailed(
            "Ganti satu kontak saja setiap kali: email atau nomor ponsel.",
            fields={f: ["Ganti satu kontak saja setiap kali."] for f in wanted},
            code="ONE_CONTACT_AT_A_TIME",
        )
    ((field, value),) = wanted.items()
    after = {"email": app.email, "phone": app.phone, field: value}
    filing.require_contact(after["email"], after["phone"])
    code_field, code_to = code_target(app, field, value)
    codes.issue(session, outbox, purpose=PURPOSE, identifier_key=_key(app, field, value),
                recipient=_recipient(app, code_field, code_to),
                client_ip=(client or {}).get("ip"), tracking_code=app.tracking_code)
    app.pending_contact = {"field": field, "value": value}


def _old_recipient(app: Application, field: str) -> dict[str, Any]:
    """Who is told of the change: the replaced contact, or (when one is added) the other."""
    told = field if getattr(app, field) else ("phone" if field == "email" else "email")
    recipient = _recipient(app, told, getattr(app, told))
    return {**recipient, "channels": [*recipient["channels"], "INBOX"]}


def confirm(session: Session, outbox: Outbox, application_id: str, token: str | None,
            code: object) -> tuple[dict[str, Any] | None, Exception | None]:
    """Apply the pending change when ``code`` is right. A wrong code is counted: the caller
    commits, then raises the refusal."""
    app = lock_for_citizen(session, application_id, token)
    require_editable(app.status)
    pending = app.pending_contact
    if not pending:
        return None, ValidationFailed(
            "Tidak ada penggantian kontak yang menunggu konfirmasi.",
            fields={"code": ["Tidak ada penggantian kontak yang menunggu konfirmasi."]},
            code="NO_PENDING_CONTACT",
        )
    field, value = pending["field"], pending["value"]
    refusal = codes.redeem(session, purpose=PURPOSE, identifier_key=_key(app, field, value),
                           code=code)
    if refusal:
        return None, refusal
    told = _old_recipient(app, field)
    at = now_utc()
    setattr(app, field, value)
    app.pending_contact = None
    app.updated_at = at
    outbox.add(session, "application.contact_changed", {
        "application_id": app.id, "tracking_code": app.tracking_code, "field": field,
        "value_masked": masked_contact(field, value), "changed_at": at, "recipient": told,
    })
    return view_of(app), None
