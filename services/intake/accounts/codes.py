"""One-time codes: 6 digits, valid 5 minutes, single use, at most 5 wrong tries, limited per
identifier and per caller address, stored only as keyed digests.

The code travels to the citizen through notification (``citizen.code_requested``, an outbox
row deleted once published, like the download PIN)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake.models import OneTimeCode
from silasidakep.clock import now_utc
from silasidakep.config import load_settings
from silasidakep.db import Outbox
from silasidakep.errors import TooManyAttempts, ValidationFailed

CODE_TTL = timedelta(minutes=5)
MAX_FAILURES = 5


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


# Per identifier (a contact, or a tracking code): a minute between codes, and hourly and daily
# caps so one number cannot be flooded. Per caller address: enough for a shared kiosk or a
# household behind one NAT, not for a sweep over many numbers.
IDENTIFIER_LIMITS = (
    Limit(1, timedelta(seconds=60)), Limit(5, timedelta(hours=1)), Limit(10, timedelta(days=1)),
)
CLIENT_LIMITS = (Limit(30, timedelta(hours=1)), Limit(100, timedelta(days=1)))

TOO_MANY = "Terlalu banyak permintaan kode. Silakan coba lagi dalam {minutes} menit."


def keyed(*parts: str) -> str:
    key = load_settings().code_hmac_key.encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _retry_after(session: Session, column: Any, value: str, limits: tuple[Limit, ...],
                 at: datetime) -> int | None:
    """Seconds until another code may be sent, or None when no limit is reached."""
    waits = []
    for limit in limits:
        since = at - limit.window
        count, oldest = session.execute(
            select(func.count(), func.min(OneTimeCode.created_at))
            .where(column == value, OneTimeCode.created_at > since)
        ).one()
        if count >= limit.count:
            waits.append(int((oldest + limit.window - at).total_seconds()) + 1)
    return max(waits) if waits else None


def check_limits(session: Session, identifier_hash: str, client_hash: str | None,
                 at: datetime) -> None:
    waits = [_retry_after(session, OneTimeCode.identifier_hash, identifier_hash,
                          IDENTIFIER_LIMITS, at)]
    if client_hash:
        waits.append(_retry_after(session, OneTimeCode.client_hash, client_hash,
                                  CLIENT_LIMITS, at))
    wait = max((w for w in waits if w), default=None)
    if wait:
        raise TooManyAttempts(
            TOO_MANY.format(minutes=max(1, -(-wait // 60))),
            fields={"retry_after": wait}, code="TOO_MANY_CODES",
        )


def issue(
    session: Session, outbox: Outbox, *, purpose: str, identifier_key: str,
    recipient: dict[str, Any], client_ip: str | None, account_id: uuid.UUID | None = None,
    tracking_code: str | None = None, deliver: bool = True,
) -> datetime:
    """Record a new code for ``identifier_key`` and send it to ``recipient`` (unless
    ``deliver`` is false: an unknown tracking code is counted like a known one, so the limits
    and the answer do not tell them apart). Returns when the code expires."""
    at = now_utc()
    identifier_hash = keyed(purpose, identifier_key)
    client_hash = keyed("client", client_ip) if client_ip else None
    check_limits(session, identifier_hash, client_hash, at)
    code = f"{secrets.randbelow(10**6):06d}"
    row = OneTimeCode(
        id=uuid.uuid4(), purpose=purpose, identifier_hash=identifier_hash,
        client_hash=client_hash, account_id=account_id, created_at=at,
        expires_at=at + CODE_TTL, failures=0,
    )
    row.code_digest = keyed("code", str(row.id), code)
    session.add(row)
    if deliver:
        outbox.add(session, "citizen.code_requested", {
            "purpose": purpose, "code": code, "expires_at": row.expires_at,
            "tracking_code": tracking_code, "recipient": recipient,
        })
    return row.expires_at


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={"code": [message]}, code=code)


def redeem(session: Session, *, purpose: str, identifier_key: str, code: object,
           account_id: uuid.UUID | None = None) -> ValidationFailed | None:
    """Use the newest live code for the identifier. Returns None when it matches (the code is
    spent), else the refusal to raise *after* the caller commits the counted failure."""
    at = now_utc()
    row = session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.purpose == purpose,
               OneTimeCode.identifier_hash == keyed(purpose, identifier_key),
               OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > at)
        .order_by(OneTimeCode.created_at.desc()).limit(1).with_for_update()
    ).one_or_none()
    if row is None or (account_id is not None and row.account_id != account_id):
        return _refuse("CODE_EXPIRED", "Kode tidak berlaku atau sudah kedaluwarsa. "
                                       "Mintalah kode baru.")
    if row.failures >= MAX_FAILURES:
        return _refuse("CODE_LOCKED", "Terlalu banyak kode salah. Mintalah kode baru.")
    given = code if isinstance(code, str) else ""
    if not hmac.compare_digest(row.code_digest, keyed("code", str(row.id), given)):
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            return _refuse("CODE_LOCKED", "Terlalu banyak kode salah. Mintalah kode baru.")
        return _refuse("CODE_INVALID", "Kode salah. Periksa kembali kode yang Anda terima.")
    row.used_at = at
    return None
