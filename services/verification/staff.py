"""Staff accounts and their session tokens (JWT with roles inside, HS256)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.verification.models import Staff
from silasidakep.auth import ISSUER, ROLES
from silasidakep.errors import Conflict, Unauthorized, ValidationFailed

TOKEN_LIFETIME = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown usernames keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def add_staff(session: Session, username: str, roles: list[str], password: str) -> Staff:
    unknown = set(roles) - ROLES
    if unknown or not roles:
        raise ValidationFailed(fields={"roles": [f"Peran tidak dikenal: {sorted(unknown)}"]})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."]}
        )
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise Conflict("Nama pengguna sudah dipakai.", code="USERNAME_TAKEN")
    staff = Staff(
        id=uuid.uuid4(), username=username, password_hash=_hasher.hash(password),
        roles=sorted(set(roles)), active=True, created_at=datetime.now(UTC),
    )
    session.add(staff)
    return staff


def login(session: Session, username: str, password: str, secret: str) -> str:
    staff = session.scalars(select(Staff).where(Staff.username == username)).first()
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except VerificationError:
        staff = None
    if staff is None or not staff.active:
        raise Unauthorized("Nama pengguna atau kata sandi salah.", code="INVALID_CREDENTIALS")
    now = datetime.now(UTC)
    claims = {
        "sub": str(staff.id), "username": staff.username, "roles": staff.roles,
        "iss": ISSUER, "iat": now, "exp": now + TOKEN_LIFETIME,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
