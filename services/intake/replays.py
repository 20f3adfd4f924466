"""Answers to a repeated request whose first answer held a secret (``silasidakep.idempotency``).

A guest access token or a session token is never kept in ``rpc_results``: the kept result
leaves it out, and a repeat mints a fresh one for the same record, ending the first (which the
caller never received: that is why it asks again).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.intake.accounts import sessions
from services.intake.applications.record import hash_token
from services.intake.models import AccountSession, Application, Complaint
from silasidakep.errors import NotFound


def without(field: str) -> Callable[[Any], Any]:
    """``keep``: the result less ``field``."""
    return lambda result: {k: v for k, v in result.items() if k != field}


def _locked(session: Session, model: type, row_id: str) -> Any:
    row = session.get(model, uuid.UUID(row_id), with_for_update=True)
    if row is None:  # pruned or deleted since: nothing to answer with
        raise NotFound(code="REQUEST_EXPIRED")
    return row


def _fresh_guest_token(row: Any) -> str:
    token = secrets.token_urlsafe(32)
    row.access_token_hash = hash_token(token)
    return token


def application_token(id_field: str = "id") -> Callable[[Session, Any], Any]:
    """``replay`` for a result that handed out an application's guest token."""
    def replay(session: Session, kept: dict[str, Any]) -> dict[str, Any]:
        app = _locked(session, Application, kept[id_field])
        return {**kept, "access_token": _fresh_guest_token(app)}
    return replay


def complaint_token(session: Session, kept: dict[str, Any]) -> dict[str, Any]:
    complaint = _locked(session, Complaint, kept["id"])
    return {**kept, "access_token": _fresh_guest_token(complaint)}


def session_token(session: Session, kept: dict[str, Any]) -> dict[str, Any]:
    """``replay`` for a sign-in: a new token for the session the first run started."""
    row = _locked(session, AccountSession, kept["session_id"])
    token = sessions.PREFIX + secrets.token_urlsafe(32)
    row.token_hash = sessions.token_hash(token)
    return {**kept, "token": token}
