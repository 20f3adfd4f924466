"""Signed-in devices. A session token (``ses_`` + 256 random bits) is kept only as its SHA-256;
it ends when the citizen signs out, ends it from another device, or after ``SESSION_TTL``."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.intake.models import AccountSession, CitizenAccount
from silasidakep.clock import now_utc
from silasidakep.errors import NotFound, Unauthorized

PREFIX = "ses_"
SESSION_TTL = timedelta(days=30)
# last_seen_at is written at most this often, so reading pages is not a write per request.
TOUCH_EVERY = timedelta(minutes=5)


def is_session_token(token: str) -> bool:
    return token.startswith(PREFIX)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, account: CitizenAccount, via: str,
          client: dict[str, Any] | None) -> dict[str, Any]:
    at = now_utc()
    token = PREFIX + secrets.token_urlsafe(32)
    agent = ((client or {}).get("user_agent") or "")[:200] or None
    row = AccountSession(
        id=uuid.uuid4(), account_id=account.id, token_hash=token_hash(token), via=via,
        user_agent=agent, created_at=at, last_seen_at=at, expires_at=at + SESSION_TTL,
    )
    session.add(row)
    account.last_sign_in_at = at
    return {"token": token, "session_id": str(row.id), "expires_at": row.expires_at.isoformat()}


def resolve(session: Session, token: str) -> AccountSession:
    """The live session of ``token``, or 401 SESSION_ENDED."""
    at = now_utc()
    row = session.scalars(
        select(AccountSession).where(AccountSession.token_hash == token_hash(token))
    ).one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= at:
        raise Unauthorized("Sesi Anda telah berakhir. Silakan masuk kembali.",
                           code="SESSION_ENDED")
    if at - row.last_seen_at > TOUCH_EVERY:
        # Kept when the request writes (it commits); a read alone leaves it for the next write.
        row.last_seen_at = at
    return row


def listing(session: Session, account_id: uuid.UUID, current: uuid.UUID | None) -> list[dict]:
    rows = session.scalars(
        select(AccountSession)
        .where(AccountSession.account_id == account_id, AccountSession.ended_at.is_(None),
               AccountSession.expires_at > now_utc())
        .order_by(AccountSession.last_seen_at.desc())
    ).all()
    return [{
        "session_id": str(r.id), "created_at": r.created_at.isoformat(),
        "last_seen_at": r.last_seen_at.isoformat(), "user_agent": r.user_agent, "via": r.via,
        "current": r.id == current,
    } for r in rows]


def end(session: Session, account_id: uuid.UUID, session_id: str) -> None:
    try:
        key = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound("Sesi tidak ditemukan.", code="SESSION_NOT_FOUND") from None
    done = session.execute(
        update(AccountSession)
        .where(AccountSession.id == key, AccountSession.account_id == account_id,
               AccountSession.ended_at.is_(None))
        .values(ended_at=now_utc())
    )
    if done.rowcount == 0:
        raise NotFound("Sesi tidak ditemukan.", code="SESSION_NOT_FOUND")


def end_all(session: Session, account_id: uuid.UUID) -> int:
    done = session.execute(
        update(AccountSession)
        .where(AccountSession.account_id == account_id, AccountSession.ended_at.is_(None))
        .values(ended_at=now_utc())
    )
    return done.rowcount
