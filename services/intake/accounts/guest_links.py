"""Guest applications and accounts: attaching one to the signed-in account, and getting a lost
access link back without an account. Either proves the contact on the application with a
one-time code; an unknown tracking code gets the same answer as a known one."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.accounts import codes, mine
from services.intake.accounts.credentials import Principal
from services.intake.applications.record import hash_token
from services.intake.models import Application
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, ValidationFailed

ATTACH = "ATTACH"
RECOVER = "RECOVER"
SENT = ("Jika kode pelacakan benar, kode telah dikirim ke kontak yang tercantum pada "
        "permohonan.")


def _tracking(value: object) -> str:
    if not isinstance(value, str) or not 4 <= len(value.strip()) <= 16:
        raise ValidationFailed(fields={"tracking_code": ["Kode pelacakan tidak valid."]},
                               code="INVALID_TRACKING_CODE")
    return value.strip().upper()


def _by_tracking(session: Session, tracking_code: str, lock: bool = False) -> Application | None:
    query = select(Application).where(Application.tracking_code == tracking_code)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def _contact(app: Application) -> dict[str, Any]:
    """The application's own contact: WhatsApp (or SMS if chosen) to the phone, else email."""
    if app.phone:
        channel = "SMS" if "SMS" in (app.notify_channels or ()) else "WHATSAPP"
    else:
        channel = "EMAIL"
    return {"name": app.name, "email": app.email, "phone": app.phone, "channels": [channel]}


def _send(session: Session, outbox: Outbox, purpose: str, tracking_code: object,
          client: dict[str, Any] | None, account_id: Any = None) -> dict[str, Any]:
    code = _tracking(tracking_code)
    app = _by_tracking(session, code)
    codes.issue(
        session, outbox, purpose=purpose, identifier_key=code,
        recipient=_contact(app) if app else {"name": "", "channels": ["EMAIL"]},
        client_ip=(client or {}).get("ip"), account_id=account_id, tracking_code=code,
        deliver=app is not None,
    )
    return {"sent": True, "message": SENT, "expires_in": int(codes.CODE_TTL.total_seconds())}


def request_attach(session: Session, outbox: Outbox, who: Principal, tracking_code: object,
                   client: dict[str, Any] | None) -> dict[str, Any]:
    return _send(session, outbox, ATTACH, tracking_code, client, who.account.id)


def attach(session: Session, who: Principal, tracking_code: object,
           code: object) -> tuple[dict[str, Any] | None, Exception | None]:
    tracking = _tracking(tracking_code)
    refusal = codes.redeem(session, purpose=ATTACH, identifier_key=tracking, code=code,
                           account_id=who.account.id)
    if refusal:
        return None, refusal
    app = _by_tracking(session, tracking, lock=True)
    if app.account_id not in (None, who.account.id):
        return None, Conflict("Permohonan ini sudah tertaut ke akun lain.",
                              code="ALREADY_ATTACHED")
    app.account_id = who.account.id
    session.flush()
    return mine.item(app, who.account), None


def request_recovery(session: Session, outbox: Outbox, tracking_code: object,
                     client: dict[str, Any] | None) -> dict[str, Any]:
    return _send(session, outbox, RECOVER, tracking_code, client)


def recover(session: Session, tracking_code: object,
            code: object) -> tuple[dict[str, Any] | None, Exception | None]:
    """A new guest access token for the application; the old one stops working."""
    tracking = _tracking(tracking_code)
    refusal = codes.redeem(session, purpose=RECOVER, identifier_key=tracking, code=code)
    if refusal:
        return None, refusal
    app = _by_tracking(session, tracking, lock=True)
    token = secrets.token_urlsafe(32)
    app.access_token_hash = hash_token(token)
    return {"application_id": str(app.id), "tracking_code": app.tracking_code,
            "access_token": token}, None
