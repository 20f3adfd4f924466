"""Who a citizen request comes from. A credential is one of: a guest application's access token
(checked against that application in ``applications.record``), an account session token
(``ses_…``), or an access token of the configured OpenID issuer (a JWT: the super-app's users).
Intake checks every credential itself; the gateway only carries it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session

from services.intake.accounts import identities, sessions
from services.intake.models import CitizenAccount
from silasidakep import oidc
from silasidakep.errors import Unauthorized


@dataclass(frozen=True)
class Principal:
    account: CitizenAccount
    session_id: uuid.UUID | None  # None: an issuer's access token, not a session of ours


@lru_cache(maxsize=1)
def verifier() -> oidc.OidcVerifier:
    """One per process: it caches the issuer's discovery document and keys."""
    return oidc.OidcVerifier(oidc.OidcSettings.from_env())


def is_account_credential(token: str | None) -> bool:
    return bool(token) and (sessions.is_session_token(token) or oidc.looks_like_jwt(token))


def principal(session: Session, token: str | None) -> Principal:
    """The signed-in account of ``token``; 401 for anything else (a guest token included)."""
    if token and sessions.is_session_token(token):
        row = sessions.resolve(session, token)
        return Principal(session.get(CitizenAccount, row.account_id), row.id)
    if token and oidc.looks_like_jwt(token):
        check = verifier()
        claims = check.verify_access_token(token)
        return Principal(identities.account_for(session, check.settings.issuer, claims), None)
    raise Unauthorized("Silakan masuk ke akun Anda.", code="SIGN_IN_REQUIRED")
