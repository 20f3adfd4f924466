"""Staff accounts, logins, and their session tokens (JWT with roles inside, HS256).

Login protection (services/verification/login_limits.py): progressive delays per (username,
client address) pair, not a lock anyone could trigger; failing pairs from a busy address wait
too; a per-username backstop lock that the right password with a TOTP code still passes
(services/verification/totp.py). Attempts live in ``login_attempts`` (so the limits hold
across replicas) and are keyed by the username as typed, known or not: an unknown username
is delayed exactly like a real one, answers the same error and costs the same password hash
check (the dummy hash), so neither errors nor timing tell whether an account exists.
Concurrent attempts for one username or address queue on a transaction advisory lock, so a
burst cannot squeeze in more guesses than the limits allow.

Tokens carry the account's ``token_version`` ("ver"); disabling or enabling an account or
changing its roles, kecamatan, location or password raises it, and ``authenticate`` (every
staff RPC here) compares it with the account row, one primary-key lookup. Each raise is published as
``staff.access_changed`` so intake, printing and notification refuse the old tokens too.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from services.verification import audit, login_limits, totp
from services.verification.models import LoginAttempt, Staff, metadata
from services.verification.passwords import hash_password, needs_rehash, password_matches
from services.verification.staff_binding import check_location
from silasidakep import regions
from silasidakep.auth import ISSUER, ROLES, StaffPrincipal
from silasidakep.auth import authenticate as decode_token
from silasidakep.clock import WIB, now_utc
from silasidakep.db import Outbox
from silasidakep.errors import (
    Conflict,
    DomainError,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)
from silasidakep.staff_access import access_changed_event

# Intake, printing and notification learn of ended tokens from staff.access_changed
# (silasidakep/staff_access.py); the CLI's changes go out through the same outbox.
_OUTBOX = Outbox(metadata.tables["verification.outbox"], producer="verification")

TOKEN_LIFETIME = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$")

SUCCESS, FAILED, LOCKED, RESET = (login_limits.SUCCESS, login_limits.FAILED,
                                  login_limits.LOCKED, login_limits.RESET)
DELAYED, TOTP_ASKED = login_limits.DELAYED, login_limits.TOTP_ASKED
locked_until = login_limits.locked_until  # the per-username backstop lock


# --- accounts -------------------------------------------------------------------------------


def _check_roles(roles: list[str]) -> list[str]:
    unknown = set(roles) - ROLES
    if unknown or not roles:
        raise ValidationFailed(
            fields={"roles": [f"Peran tidak dikenal: {sorted(unknown)}" if unknown
                              else "Pilih paling sedikit satu peran."]},
            code="INVALID_ROLES",
        )
    return sorted(set(roles))


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            fields={"password": [f"Kata sandi {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH}"
                                 " karakter."]},
            code="WEAK_PASSWORD",
        )


def _check_kecamatan(roles: list[str], kecamatan_code: str | None) -> str | None:
    """A kecamatan operator works one kecamatan's desk; other roles need none."""
    code = (kecamatan_code or "").strip() or None
    if code is not None:
        region = regions.get(code)
        if region is None or region.level != "district":
            raise ValidationFailed(
                fields={"kecamatan_code": ["Kode kecamatan tidak dikenal."]},
                code="UNKNOWN_KECAMATAN",
            )
    elif "kecamatan_operator" in roles:
        raise ValidationFailed(
            fields={"kecamatan_code": ["Operator kecamatan wajib ditetapkan ke satu kecamatan."]},
            code="KECAMATAN_REQUIRED",
        )
    return code


def add_staff(
    session: Session, username: str, roles: list[str], password: str,
    kecamatan_code: str | None = None, location_code: str | None = None,
) -> Staff:
    if not USERNAME_PATTERN.match(username or ""):
        raise ValidationFailed(
            fields={"username": ["3–60 karakter: huruf, angka, titik, garis bawah atau tanda"
                                 " hubung, diawali huruf atau angka."]},
            code="INVALID_USERNAME",
        )
    roles = _check_roles(roles)
    kecamatan_code = _check_kecamatan(roles, kecamatan_code)
    location_code = check_location(roles, location_code)
    _check_password(password)
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise Conflict("Nama pengguna sudah dipakai.", code="USERNAME_TAKEN")
    staff = Staff(
        id=uuid.uuid4(), username=username, password_hash=hash_password(password),
        roles=roles, active=True, created_at=now_utc(), token_version=0,
        kecamatan_code=kecamatan_code, location_code=location_code,
    )
    session.add(staff)
    session.flush()
    return staff


@dataclass(frozen=True)
class Actor:
    """Who changes accounts: a staff member over the API, or an operator at the command line
    (``staff_id`` None, ``username`` ``cli:<os user>``)."""

    staff_id: uuid.UUID | None
    username: str
    client_ip: str | None = None

    @classmethod
    def of(cls, principal: StaffPrincipal, client_ip: str | None) -> Actor:
        return cls(principal.staff_id, principal.username, client_ip)


def _serialise_account_changes(session: Session) -> None:
    # One account change at a time: the "last active admin" check must not race.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('verification.staff_accounts'))"))


def _log(session: Session, actor: Actor, action: str, detail: str) -> None:
    audit.append(session, action, staff_id=actor.staff_id, username=actor.username,
                 detail=detail, client_ip=actor.client_ip)


def create_account(
    session: Session, actor: Actor, username: str, roles: list[str], password: str,
    kecamatan_code: str | None = None, location_code: str | None = None,
) -> dict:
    _serialise_account_changes(session)
    staff = add_staff(session, username, roles, password, kecamatan_code, location_code)
    _log(session, actor, "STAFF_CREATE", f"target={staff.username} roles={','.join(staff.roles)}"
         + (f" kecamatan={staff.kecamatan_code}" if staff.kecamatan_code else "")
         + (f" location={staff.location_code}" if staff.location_code else ""))
    return account_view(staff, None)


def _load_for_update(session: Session, username: str) -> Staff:
    staff = session.scalars(
        select(Staff).where(Staff.username == username).with_for_update()
        .execution_options(populate_existing=True)  # fresh, even if authenticate loaded it
    ).first()
    if staff is None:
        raise NotFound("Akun petugas tidak ditemukan.", code="STAFF_NOT_FOUND")
    return staff


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(Staff)
        .where(Staff.active.is_(True), Staff.roles.contains(["admin"]))
    )


def update_account(
    session: Session, actor: Actor, username: str, *, roles: list[str] | None = None,
    active: bool | None = None, password: str | None = None, kecamatan_code: str | None = None,
    location_code: str | None = None,
) -> dict:
    """Change roles, kecamatan, location, active or password. Disabling, a role, kecamatan or
    location change or a
    new password ends the account's tokens; enabling or a new password also lifts a login
    lock. The last active admin cannot be disabled or lose the role. ``kecamatan_code`` (or
    ``location_code``) "" unbinds the account."""
    _serialise_account_changes(session)
    staff = _load_for_update(session, username)
    was_admin = staff.active and "admin" in staff.roles
    changes: list[str] = []
    end_tokens = unlock = False
    if roles is not None:
        roles = _check_roles(roles)
        if roles != sorted(staff.roles):
            staff.roles, end_tokens = roles, True
            changes.append(f"roles={','.join(roles)}")
    kecamatan = staff.kecamatan_code if kecamatan_code is None else kecamatan_code
    kecamatan = _check_kecamatan(staff.roles, kecamatan)
    if kecamatan != staff.kecamatan_code:
        staff.kecamatan_code, end_tokens = kecamatan, True
        changes.append(f"kecamatan={kecamatan or '-'}")
    place = check_location(staff.roles, staff.location_code if location_code is None
                           else location_code)  # "" unbinds, like the kecamatan
    if place != staff.location_code:
        staff.location_code, end_tokens = place, True
        changes.append(f"location={place or '-'}")
    if password is not None:
        _check_password(password)
        staff.password_hash = hash_password(password)
        end_tokens = unlock = True
        changes.append("password=reset")
    if active is not None and active != staff.active:
        staff.active = active
        # Enabling raises the version too (a disabled account holds no valid token): the other
        # services order access changes by version alone.
        end_tokens = True
        unlock = unlock or active
        changes.append(f"active={str(active).lower()}")
    if active and locked_until(session, staff.username, now_utc()):
        unlock = True
    if was_admin and not (staff.active and "admin" in staff.roles):
        session.flush()
        if _active_admins(session) == 0:
            raise Conflict("Harus tetap ada paling sedikit satu admin aktif.", code="LAST_ADMIN")
    if end_tokens:
        staff.token_version += 1
        _OUTBOX.add(session, "staff.access_changed", access_changed_event(
            staff.id, staff.token_version, staff.active, now_utc()))
    if unlock:
        _record_attempt(session, staff.username, actor.client_ip, RESET, now_utc())
        changes.append("unlocked")
    session.flush()
    _log(session, actor, "STAFF_UPDATE",
         f"target={staff.username} {' '.join(changes) or 'no change'}")
    return account_view(staff, None if unlock else locked_until(session, staff.username,
                                                                  now_utc()))


def list_accounts(session: Session, actor: Actor | None = None) -> list[dict]:
    now = now_utc()
    accounts = [
        account_view(staff, locked_until(session, staff.username, now))
        for staff in session.scalars(select(Staff).order_by(Staff.username))
    ]
    if actor is not None:
        _log(session, actor, "STAFF_LIST", f"accounts={len(accounts)}")
    return accounts


def account_view(staff: Staff, locked: datetime | None) -> dict:
    return {
        "username": staff.username, "roles": list(staff.roles), "active": staff.active,
        "kecamatan_code": staff.kecamatan_code, "location_code": staff.location_code,
        "locked_until": locked.isoformat() if locked else None,
        "totp_enabled": totp.enrolled(staff),
        "created_at": staff.created_at.isoformat() if staff.created_at else None,
    }


# --- login ----------------------------------------------------------------------------------


def _serialise(session: Session, key: str) -> None:
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": key})


def _record_attempt(
    session: Session, username: str, client_ip: str | None, outcome: str, at: datetime
) -> None:
    session.execute(insert(LoginAttempt).values(
        at=at, username=username[:60], client_ip=client_ip, outcome=outcome,
    ))


def _wait_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} detik"
    return f"{minutes} menit" + (f" {rest} detik" if rest else "")


def _wib_clock(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%H.%M")


def _delayed(wait: int) -> DomainError:
    return TooManyAttempts(
        "Terlalu banyak percobaan masuk yang gagal. Tunggu"
        f" {_wait_text(wait)} lalu coba lagi.", fields={"retry_after": wait},
        code="LOGIN_DELAYED")


def _locked(until: datetime, now: datetime) -> DomainError:
    return TooManyAttempts(
        "Terlalu banyak percobaan masuk yang gagal untuk akun ini; akun dikunci sementara"
        f" sampai pukul {_wib_clock(until)} WIB. Jika akun Anda memakai autentikator, masuk"
        " dengan kata sandi dan kode autentikator; jika tidak, minta admin membuka kuncinya.",
        fields={"retry_after": max(1, int((until - now).total_seconds()))}, code="LOGIN_LOCKED")


def _check(
    staff: Staff | None, password: str, code: str | None, secret: str, now: datetime,
    lock: datetime | None,
) -> tuple[str, str, str | None, DomainError | None]:
    """The outcome, audit action, detail and error of a checked attempt. During the backstop
    lock only the right password with a valid TOTP code gets in; every refusal then answers
    LOGIN_LOCKED alike, so the lock tells nothing about the password."""
    right = password_matches(staff.password_hash if staff else None, password)
    right = right and staff is not None and staff.active
    with_totp = right and totp.enrolled(staff)
    if with_totp and code and totp.check_login_code(staff, code, secret, now):
        return SUCCESS, "LOGIN_SUCCESS", "totp", None
    if right and not with_totp and not lock:
        return SUCCESS, "LOGIN_SUCCESS", None, None
    if with_totp and not code:
        return TOTP_ASKED, "LOGIN_TOTP_ASKED", None, _locked(lock, now) if lock else Unauthorized(
            "Masukkan kode autentikator dari aplikasi Anda.", code="TOTP_REQUIRED")
    if right and not with_totp:  # the right password during the lock, no TOTP enrolled
        return LOCKED, "LOGIN_LOCKED", "locked", _locked(lock, now)
    reason = ("unknown username" if staff is None else "account disabled" if not staff.active
              else "wrong totp" if with_totp else "wrong password")
    if lock:
        return FAILED, "LOGIN_LOCKED", f"{reason}; locked", _locked(lock, now)
    if with_totp:
        return FAILED, "LOGIN_FAILED", reason, Unauthorized(
            "Kode autentikator salah atau sudah dipakai.", code="TOTP_INVALID")
    return FAILED, "LOGIN_FAILED", reason, Unauthorized(
        "Nama pengguna atau kata sandi salah.", code="INVALID_CREDENTIALS")


def login(
    session: Session, username: str, password: str, secret: str, client_ip: str | None = None,
    totp_code: str | None = None,
) -> str:
    """Check a login and return a token. Runs its own transaction (``session`` must have none):
    the attempt and its audit entry are committed even when the login is refused. The limits
    are in services/verification/login_limits.py; an account with TOTP needs ``totp_code``."""
    username = (username or "")[:60]
    error: DomainError | None = None
    with session.begin():
        now = now_utc()
        _serialise(session, f"login:user:{username}")
        if client_ip:
            _serialise(session, f"login:ip:{client_ip}")
        staff = session.scalars(select(Staff).where(Staff.username == username)).first()
        wait = login_limits.wait_seconds(session, username, client_ip, now)
        if wait:  # too soon: refused unchecked
            outcome, action, detail = DELAYED, "LOGIN_DELAYED", f"wait={wait}s"
            error = _delayed(wait)
        else:
            outcome, action, detail, error = _check(staff, password, totp_code, secret, now,
                                                    locked_until(session, username, now))
        if outcome == SUCCESS:
            if needs_rehash(staff.password_hash):
                staff.password_hash = hash_password(password)
            token = issue_token(staff, secret, now)
        _record_attempt(session, username, client_ip, outcome, now)
        audit.append(session, action, staff_id=staff.id if staff else None,
                     username=staff.username if staff else username, client_ip=client_ip,
                     detail=detail)
    if error is not None:
        raise error
    return token


def issue_token(staff: Staff, secret: str, now: datetime | None = None) -> str:
    now = now or now_utc()
    claims = {
        "sub": str(staff.id), "username": staff.username, "roles": list(staff.roles),
        "ver": staff.token_version, "kec": staff.kecamatan_code,
        "loc": staff.location_code,
        "iss": ISSUER, "iat": now, "exp": now + TOKEN_LIFETIME,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def authenticate(session: Session, token: str | None, secret: str) -> StaffPrincipal:
    """The token's principal, if its account is still active at the token's version (one
    primary-key lookup). Expired, forged, disabled or superseded tokens are refused."""
    principal = decode_token(token, secret)
    staff = session.get(Staff, principal.staff_id)
    if (
        principal.token_version is None or staff is None or not staff.active
        or staff.token_version != principal.token_version
    ):
        raise Unauthorized("Sesi tidak berlaku lagi. Silakan masuk kembali.",
                           code="SESSION_REVOKED")
    return principal
