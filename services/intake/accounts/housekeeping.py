"""Forgetting what is no longer needed: codes once the daily limit no longer counts them, and
sessions a while after they ended or expired (the device list shows only live ones)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from services.intake.accounts.codes import CLIENT_LIMITS, IDENTIFIER_LIMITS
from services.intake.models import AccountSession, OneTimeCode
from silasidakep.clock import now_utc

CODE_RETENTION = max(limit.window for limit in IDENTIFIER_LIMITS + CLIENT_LIMITS)
SESSION_RETENTION = timedelta(days=30)


def purge(session: Session) -> int:
    at = now_utc()
    codes = session.execute(
        delete(OneTimeCode).where(OneTimeCode.created_at < at - CODE_RETENTION)
    ).rowcount
    ended = session.execute(delete(AccountSession).where(or_(
        AccountSession.ended_at < at - SESSION_RETENTION,
        AccountSession.expires_at < at - SESSION_RETENTION,
    ))).rowcount
    return codes + ended
