"""Signing in: a one-time code to a phone or email (the account opens on first sign-in), or an
ID token from the super-app's OpenID issuer after the gateway's authorization-code exchange.
Neither answer tells whether an account already exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.intake.accounts import codes, credentials, identifiers, identities, profile, sessions
from silasidakep.db import Outbox
from silasidakep.errors import ValidationFailed

SIGN_IN = "SIGN_IN"


def request_code(session: Session, outbox: Outbox, identifier: object, channel: str | None,
                 client: dict[str, Any] | None) -> dict[str, Any]:
    if channel not in (None, "WHATSAPP", "SMS"):
        raise ValidationFailed(fields={"channel": ["Pilih WHATSAPP atau SMS."]},
                               code="INVALID_CHANNEL")
    who = identifiers.parse(identifier)
    via = who.channel(channel)
    recipient = {"name": "", "email": who.value if who.kind == identifiers.EMAIL else None,
                 "phone": who.value if who.kind == identifiers.PHONE else None,
                 "channels": [via]}
    expires_at = codes.issue(session, outbox, purpose=SIGN_IN, identifier_key=who.value,
                             recipient=recipient, client_ip=(client or {}).get("ip"))
    return {"sent": True, "channel": via, "destination": who.masked,
            "expires_in": int(codes.CODE_TTL.total_seconds()),
            "expires_at": expires_at.isoformat()}


def with_code(session: Session, identifier: object, code: object,
              client: dict[str, Any] | None) -> tuple[dict[str, Any] | None, Exception | None]:
    """(the new session, None) or (None, the refusal to raise once the failure is committed)."""
    who = identifiers.parse(identifier)
    refusal = codes.redeem(session, purpose=SIGN_IN, identifier_key=who.value, code=code)
    if refusal:
        return None, refusal
    account = profile.for_contact(session, who, who.channel())
    started = sessions.start(session, account, "CODE", client)
    return {**started, "account": profile.view(account)}, None


def with_oidc(session: Session, id_token: str, nonce: str,
              client: dict[str, Any] | None) -> dict[str, Any]:
    check = credentials.verifier()
    claims = check.verify_id_token(id_token, nonce)
    account = identities.account_for(session, check.settings.issuer, claims)
    started = sessions.start(session, account, "OIDC", client)
    return {**started, "account": profile.view(account)}
