"""Optional staff TOTP (RFC 6238, 30 s steps, 6 digits, with pyotp).

Enrolment: a signed-in staff member starts it (a fresh secret, stored encrypted and pending,
and its otpauth:// URI), then confirms with a current code; from then on a login needs the
right password and a code. An admin can reset it (audited); the member enrols again.

The secret is stored encrypted (AES-GCM, the key derived with HKDF from the JWT secret, the
account id as associated data, so a ciphertext copied to another row does not open) and is
never logged: it leaves the service only in the answer to the member who started enrolment.
A code is accepted once: the time step it matched is stored, and a code of that step or an
earlier one is refused (a replay within its 30 s window, or an older code).
"""

from __future__ import annotations

import base64
import hmac
import os
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.verification import audit
from services.verification.models import Staff
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.errors import Conflict, NotFound, ValidationFailed

ISSUER = "Silasidakep"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after is accepted too (clock drift)
_VERSION = "v1"


# --- pure pieces ------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str | None, now: datetime,
                  last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (within the drift, after ``last_step``), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(
                code_at(secret, step), code):
            return step
    return None


def _key(master: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"silasidakep verification staff totp v1").derive(master.encode())


def seal(secret: str, master: str, staff_id: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(master)).encrypt(nonce, secret.encode(), staff_id.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(stored: str, master: str, staff_id: str) -> str:
    version, _, data = stored.partition(":")
    if version != _VERSION:
        raise ValueError("unknown TOTP secret format")
    raw = base64.urlsafe_b64decode(data)
    return AESGCM(_key(master)).decrypt(raw[:12], raw[12:], staff_id.encode()).decode()


# --- on an account ----------------------------------------------------------------------------


def enrolled(staff: Staff) -> bool:
    return staff.totp_confirmed_at is not None and staff.totp_secret is not None


def check_login_code(staff: Staff, code: str | None, master: str, now: datetime) -> bool:
    """Whether ``code`` is a fresh valid code for the enrolled account; records its step."""
    step = matching_step(unseal(staff.totp_secret, master, str(staff.id)), code, now,
                         staff.totp_last_step)
    if step is None:
        return False
    staff.totp_last_step = step
    return True


def _own_account(session: Session, principal: StaffPrincipal) -> Staff:
    staff = session.scalars(select(Staff).where(Staff.id == principal.staff_id)
                            .with_for_update()).first()
    if staff is None:
        raise NotFound("Akun petugas tidak ditemukan.", code="STAFF_NOT_FOUND")
    return staff


def start_enrolment(session: Session, principal: StaffPrincipal, master: str,
                    client_ip: str | None) -> dict:
    """A new pending secret for the signed-in member (replacing a pending one). Refused while
    an authenticator is enrolled: an admin resets it first, so a stolen session cannot swap it."""
    staff = _own_account(session, principal)
    if enrolled(staff):
        raise Conflict("Autentikator sudah aktif. Minta admin mengatur ulang bila perlu diganti.",
                       code="TOTP_ALREADY_ENROLLED")
    secret = new_secret()
    staff.totp_secret = seal(secret, master, str(staff.id))
    staff.totp_confirmed_at, staff.totp_last_step = None, None
    audit.append(session, "TOTP_ENROL_START", staff_id=staff.id, username=staff.username,
                 client_ip=client_ip)
    return {"secret": secret, "otpauth_uri": provisioning_uri(secret, staff.username),
            "digits": DIGITS, "period": STEP_SECONDS}


def confirm_enrolment(session: Session, principal: StaffPrincipal, code: str, master: str,
                      client_ip: str | None) -> dict:
    staff = _own_account(session, principal)
    if enrolled(staff):
        raise Conflict("Autentikator sudah aktif.", code="TOTP_ALREADY_ENROLLED")
    if staff.totp_secret is None:
        raise ValidationFailed("Mulai pendaftaran autentikator terlebih dahulu.",
                               code="TOTP_NOT_STARTED")
    now = now_utc()
    step = matching_step(unseal(staff.totp_secret, master, str(staff.id)), code, now, None)
    if step is None:
        raise ValidationFailed("Kode autentikator salah atau sudah kedaluwarsa.",
                               fields={"code": ["Kode autentikator tidak cocok."]},
                               code="TOTP_INVALID")
    staff.totp_confirmed_at, staff.totp_last_step = now, step
    audit.append(session, "TOTP_ENROLLED", staff_id=staff.id, username=staff.username,
                 client_ip=client_ip)
    return {"totp_enabled": True}


def reset(session: Session, actor_id, actor_username: str, username: str,
          client_ip: str | None) -> dict:
    """An admin removes a member's authenticator (audited); the member may enrol again."""
    staff = session.scalars(select(Staff).where(Staff.username == username)
                            .with_for_update()).first()
    if staff is None:
        raise NotFound("Akun petugas tidak ditemukan.", code="STAFF_NOT_FOUND")
    was = enrolled(staff)
    staff.totp_secret = staff.totp_confirmed_at = staff.totp_last_step = None
    audit.append(session, "STAFF_TOTP_RESET", staff_id=actor_id, username=actor_username,
                 client_ip=client_ip,
                 detail=f"target={staff.username} {'enrolled' if was else 'not enrolled'}")
    return {"username": staff.username, "totp_enabled": False}
