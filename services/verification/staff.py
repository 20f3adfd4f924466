"""Staff accounts, logins with lockout, and their session tokens (JWT with roles inside, HS256).

Login protection: after ``LOCK_THRESHOLD`` failures for a username within ``LOCK_WINDOW`` the
username is locked for ``LOCK_DURATION`` (also for the right password); failures from one
client address are limited too (``IP_THRESHOLD``). Attempts live in ``login_attempts`` (so the
limits hold across replicas) and are keyed by the username as typed, known or not: an unknown
username locks exactly like a real one, answers the same error and costs the same password
hash check (the dummy hash), so neither errors nor timing tell whether an account exists.
Concurrent attempts for one username or address queue on a transaction advisory lock, so a
burst cannot squeeze in more guesses than the limit.

Tokens carry the account's ``token_version`` ("ver"); disabling or enabling an account or
changing its roles, kecamatan or password raises it, and ``authenticate`` (every staff RPC here)
compares it with the account row, one primary-key lookup. Each raise is published as
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

from services.verification import audit
from services.verification.models import LoginAttempt, Staff, metadata
from services.verification.passwords import hash_password, needs_rehash, password_matches
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

LOCK_THRESHOLD = 5  # failures for one username ...
LOCK_WINDOW = timedelta(minutes=15)  # ... within this long lock it ...
LOCK_DURATION = timedelta(minutes=15)  # ... for this long (from the last failure)
IP_THRESHOLD = 20  # failures from one client address within LOCK_WINDOW

SUCCESS, FAILED, LOCKED, RESET = "SUCCESS", "FAILED", "LOCKED", "RESET"


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
    kecamatan_code: str | None = None,
) -> Staff:
    if not USERNAME_PATTERN.match(username or ""):
        raise ValidationFailed(
            fields={"username": ["3–60 karakter: huruf, angka, titik, garis bawah atau tanda"
                                 " hubung, diawali huruf atau angka."]},
            code="INVALID_USERNAME",
        )
    roles = _check_roles(roles)
    kecamatan_code = _check_kecamatan(roles, kecamatan_code)
    _check_password(password)
    if session.scalars(select(Staff).where(Staff.username == username)).first():
        raise Conflict("Nama pengguna sudah dipakai.", code="USERNAME_TAKEN")
    staff = Staff(
        id=uuid.uuid4(), username=username, password_hash=hash_password(password),
        roles=roles, active=True, created_at=now_utc(), token_version=0,
        kecamatan_code=kecamatan_code,
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
    kecamatan_code: str | None = None,
) -> dict:
    _serialise_account_changes(session)
    staff = add_staff(session, username, roles, password, kecamatan_code)
    _log(session, actor, "STAFF_CREATE", f"target={staff.username} roles={','.join(staff.roles)}"
         + (f" kecamatan={staff.kecamatan_code}" if staff.kecamatan_code else ""))
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
) -> dict:
    """Change roles, kecamatan, active or password. Disabling, a role or kecamatan change or a
    new password ends the account's tokens; enabling or a new password also lifts a login
    lock. The last active admin cannot be disabled or lose the role. ``kecamatan_code`` ""
    unbinds the account."""
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
        "kecamatan_code": staff.kecamatan_code,
        "locked_until": locked.isoformat() if locked else None,
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


def _lock_from(attempts: list[tuple[str, datetime]], threshold: int) -> datetime | None:
    """``attempts``: the latest counted attempts, newest first. Failures during a lock are
    recorded as LOCKED, not FAILED, so a lock in force always ends the newest run of failures;
    it starts at the ``threshold``-th failure within the window and lasts LOCK_DURATION."""
    if len(attempts) < threshold or any(outcome != FAILED for outcome, _ in attempts):
        return None
    newest, oldest = attempts[0][1], attempts[-1][1]
    return newest + LOCK_DURATION if newest - oldest <= LOCK_WINDOW else None


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """When the username's lock ends, or None. A success or an admin reset starts over."""
    attempts = session.execute(
        select(LoginAttempt.outcome, LoginAttempt.at)
        .where(LoginAttempt.username == username[:60],
               LoginAttempt.outcome.in_((FAILED, SUCCESS, RESET)),
               LoginAttempt.at > now - LOCK_WINDOW - LOCK_DURATION)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(LOCK_THRESHOLD)
    ).all()
    until = _lock_from([tuple(row) for row in attempts], LOCK_THRESHOLD)
    return until if until and until > now else None


def address_locked_until(session: Session, client_ip: str, now: datetime) -> datetime | None:
    attempts = session.execute(
        select(LoginAttempt.outcome, LoginAttempt.at)
        .where(LoginAttempt.client_ip == client_ip, LoginAttempt.outcome == FAILED,
               LoginAttempt.at > now - LOCK_WINDOW - LOCK_DURATION)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(IP_THRESHOLD)
    ).all()
    until = _lock_from([tuple(row) for row in attempts], IP_THRESHOLD)
    return until if until and until > now else None


def _wib_clock(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%H.%M")


def login(
    session: Session, username: str, password: str, secret: str, client_ip: str | None = None
) -> str:
    """Check a login and return a token. Runs its own transaction (``session`` must have none):
    the attempt and its audit entry are committed even when the login is refused."""
    username = (username or "")[:60]
    error: DomainError | None = None
    with session.begin():
        now = now_utc()
        _serialise(session, f"login:user:{username}")
        if client_ip:
            _serialise(session, f"login:ip:{client_ip}")
        user_lock = locked_until(session, username, now)
        address_lock = address_locked_until(session, client_ip, now) if client_ip else None
        staff = session.scalars(select(Staff).where(Staff.username == username)).first()
        if user_lock or address_lock:
            _record_attempt(session, username, client_ip, LOCKED, now)
            audit.append(session, "LOGIN_LOCKED", staff_id=staff.id if staff else None,
                         username=username, client_ip=client_ip,
                         detail="username locked" if user_lock else "address limited")
            if user_lock:
                error = TooManyAttempts(
                    "Terlalu banyak percobaan masuk yang gagal. Akun dikunci sementara; coba lagi"
                    f" setelah pukul {_wib_clock(user_lock)} WIB.", code="LOGIN_LOCKED",
                )
            else:
                error = TooManyAttempts(
                    "Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi setelah"
                    f" pukul {_wib_clock(address_lock)} WIB.", code="LOGIN_RATE_LIMITED",
                )
        elif (password_matches(staff.password_hash if staff else None, password)
              and staff is not None and staff.active):
            if needs_rehash(staff.password_hash):
                staff.password_hash = hash_password(password)
            _record_attempt(session, username, client_ip, SUCCESS, now)
            audit.append(session, "LOGIN_SUCCESS", staff_id=staff.id, username=staff.username,
                         client_ip=client_ip)
            token = issue_token(staff, secret, now)
        else:
            reason = ("unknown username" if staff is None else
                      "account disabled" if not staff.active else "wrong password")
            _record_attempt(session, username, client_ip, FAILED, now)
            audit.append(session, "LOGIN_FAILED", staff_id=staff.id if staff else None,
                         username=username, client_ip=client_ip, detail=reason)
            error = Unauthorized("Nama pengguna atau kata sandi salah.",
                                 code="INVALID_CREDENTIALS")
    if error is not None:
        raise error
    return token


def issue_token(staff: Staff, secret: str, now: datetime | None = None) -> str:
    now = now or now_utc()
    claims = {
        "sub": str(staff.id), "username": staff.username, "roles": list(staff.roles),
        "ver": staff.token_version, "kec": staff.kecamatan_code,
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
