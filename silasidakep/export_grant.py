"""Who may read a data subject's records for an export (issue 14, UU PDP right of access).

An auditor asks every owning service with a staff token (role ``auditor``). A citizen has no
staff token, and only intake can check a citizen's credential; so intake, having found the
records of the account's verified NIK, hands the gateway a short-lived *export grant*: an
HS256 JWT naming the account, the masked NIK and exactly the application and complaint ids it
found. Printing, notification and verification accept the grant for those ids only, so a
citizen cannot widen an export by editing the ids the gateway passes on.

The grant is signed with a key derived from ``JWT_SECRET`` for this purpose alone and carries
its own audience, so it is never taken for a staff token (and a staff token never for it).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from silasidakep.auth import ISSUER, StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.config import load_settings
from silasidakep.errors import Forbidden, Unauthorized, ValidationFailed

PREFIX = "sxg_"
AUDIENCE = "silasidakep:subject-export"
LIFETIME = timedelta(minutes=5)
EXPORT_ROLES = ("auditor",)
MAX_IDS = 2000


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"silasidakep subject-export grant", hashlib.sha256).digest()


@dataclass(frozen=True)
class Grant:
    account_id: uuid.UUID
    nik_masked: str
    application_ids: frozenset[str]
    complaint_ids: frozenset[str]


def issue(account_id: uuid.UUID, nik_masked: str, application_ids: Iterable[str],
          complaint_ids: Iterable[str] = (), secret: str | None = None) -> str:
    now = now_utc()
    claims = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": str(account_id), "nik": nik_masked,
        "apps": sorted(application_ids), "complaints": sorted(complaint_ids),
        "iat": now, "exp": now + LIFETIME,
    }
    return PREFIX + jwt.encode(claims, _key(secret or load_settings().jwt_secret), "HS256")


def is_grant(token: str | None) -> bool:
    return bool(token) and token.startswith(PREFIX)


def verify(token: str, secret: str | None = None) -> Grant:
    try:
        claims = jwt.decode(
            token.removeprefix(PREFIX), _key(secret or load_settings().jwt_secret),
            algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
        return Grant(uuid.UUID(claims["sub"]), str(claims["nik"]),
                     frozenset(claims["apps"]), frozenset(claims["complaints"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        raise Unauthorized("Izin ekspor tidak valid atau kedaluwarsa.",
                           code="INVALID_EXPORT_GRANT") from None


def clean_ids(values: Any, field: str = "application_ids") -> list[str]:
    """The ids as canonical UUID strings; a malformed list is refused, not guessed at."""
    if values is None:
        return []
    if not isinstance(values, list | tuple) or len(values) > MAX_IDS:
        raise ValidationFailed(fields={field: ["Harus berupa daftar ID."]})
    try:
        return sorted({str(uuid.UUID(str(value))) for value in values})
    except ValueError:
        raise ValidationFailed(fields={field: ["Bukan ID yang valid."]}) from None


@dataclass(frozen=True)
class ExportCaller:
    """An auditor (``staff``) or a citizen holding a grant (``grant``): exactly one is set."""

    staff: StaffPrincipal | None
    grant: Grant | None


def authorize(token: str | None, application_ids: Any,
              staff_check: Callable[[str | None], StaffPrincipal],
              complaint_ids: Any = None) -> tuple[ExportCaller, list[str], list[str]]:
    """The caller and the ids it may read. A grant must cover every id asked for; a staff
    token must hold an export role (``staff_check`` also applies the service's access table)."""
    apps = clean_ids(application_ids)
    complaints = clean_ids(complaint_ids, "complaint_ids")
    if is_grant(token):
        grant = verify(token)
        if not (set(apps) <= grant.application_ids and set(complaints) <= grant.complaint_ids):
            raise Forbidden("Izin ekspor tidak mencakup data ini.", code="OUTSIDE_EXPORT_GRANT")
        return ExportCaller(None, grant), apps, complaints
    return ExportCaller(staff_check(token), None), apps, complaints
