"""A second contact for the account (an email beside the phone, say), proven by a code sent to
it, so notifications can follow the channel the citizen prefers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.accounts import codes, identifiers, profile
from services.intake.accounts.credentials import Principal
from services.intake.models import AccountContact
from silasidakep.db import Outbox
from silasidakep.errors import Conflict

CONTACT = "CONTACT"


def request_code(session: Session, outbox: Outbox, who: Principal, identifier: object,
                 channel: str | None, client: dict[str, Any] | None) -> dict[str, Any]:
    contact = identifiers.parse(identifier)
    via = contact.channel(channel)
    recipient = {"name": who.account.name or "",
                 "email": contact.value if contact.kind == identifiers.EMAIL else None,
                 "phone": contact.value if contact.kind == identifiers.PHONE else None,
                 "channels": [via]}
    codes.issue(session, outbox, purpose=CONTACT, identifier_key=contact.value,
                recipient=recipient, client_ip=(client or {}).get("ip"),
                account_id=who.account.id)
    return {"sent": True, "channel": via, "destination": contact.masked,
            "expires_in": int(codes.CODE_TTL.total_seconds())}


def confirm(session: Session, who: Principal, identifier: object,
            code: object) -> tuple[dict[str, Any] | None, Exception | None]:
    contact = identifiers.parse(identifier)
    refusal = codes.redeem(session, purpose=CONTACT, identifier_key=contact.value, code=code,
                           account_id=who.account.id)
    if refusal:
        return None, refusal
    holder = session.scalars(
        select(AccountContact.account_id).where(AccountContact.value == contact.value)
    ).first()
    if holder not in (None, who.account.id):
        return None, Conflict("Kontak ini sudah dipakai oleh akun lain.", code="CONTACT_TAKEN")
    profile.add_contact(session, who.account, contact)
    return profile.view(who.account), None
